#!/usr/bin/env bash
# The pick's temperature per page task (training/pick_temperature.py), one device call, ONE GPU: the shipped MLLM's
# picks on the dev set recorded (eval_mllm --dev: OpenMoji drawings of the training concepts that no model read and no
# evaluation reads, and the line-drawn vendor's of the same concepts), a temperature chosen per page task on the
# record, then the judge's evaluation as the page runs it with those temperatures (final_eval.sh). The control, the
# manifest's one temperature, is training/eval/pick_key/page (an evaluation does not depend on the GPU: run 28).
# Carry: training/data/emoji64.u8.xz, training/data/report.json, training/carry (meta.json.xz); the tree out of the way
# as v10_long.sh's "A tree for a call" says.
#   OUT=$OUT bash training/gpu/pick_dev.sh      -> $OUT/dev.log, dev.json, dev_record.json.xz, dev_temperature.json,
#                                                 per_task/ (eval_mllm.json, eval.log, choice_items.json.xz)
# DEV: the dev drawings (default 600); CK: the MLLM checkpoint (default: the shipped one, rebuilt at /tmp/v14.pt).
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-training/runs/pick_dev}; mkdir -p "$OUT"
CK=${CK:-/tmp/v14.pt}; DEV=${DEV:-600}
[ -f training/data/meta.json ] || xz -dc training/carry/meta.json.xz > training/data/meta.json || exit 1
command -v nvidia-smi > /dev/null && nvidia-smi -L
[ -f "$CK" ] || python3 -m training.shipped mllm "$CK" || exit 1
# the record holds each candidate's cosine: recorded at T = 1, its prior is the cosine itself
timeout "${DEV_S:-240}" python3 -m training.eval_mllm --mllm "$CK" --reader shipped --pick 5 --pick-temperature 1 \
  --dev "$DEV" --n-openmoji 200 --pick-record "$OUT/dev_record.json" --out "$OUT/dev.json" > "$OUT/dev.log" 2>&1
echo "dev rc $?"; tail -n 9 "$OUT/dev.log"
ARG=$(python3 -m training.pick_temperature "$OUT/dev_record.json" "$OUT/dev.json" --out "$OUT/dev_temperature.json" --arg) || exit 1
echo "chosen: $ARG"
EVAL_ARGS="--pick-temperature $ARG ${EVAL_ARGS:-}" bash training/gpu/final_eval.sh "$CK" "$OUT/per_task" "${EVAL_S:-240}"
echo "eval rc $?"; tail -n 4 "$OUT/per_task/eval.log"
xz -9 "$OUT/dev_record.json" "$OUT/per_task/choice_items.json" 2>/dev/null
ls -la "$OUT" "$OUT/per_task"

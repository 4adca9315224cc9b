#!/usr/bin/env bash
# The judge's full evaluation of one MLLM checkpoint as an A/B arm is read (int8, 2 decoder seeds, 200 OpenMoji
# drawings, the pick as the page runs it): the one place its eval_mllm arguments are written, called by v10_long.sh's
# FINAL (the run's own weights) and by eval_packed.sh (weights brought back packed), so that the two read alike.
#   bash training/gpu/final_eval.sh CKPT RESDIR LIMIT_S     -> RESDIR/eval_mllm.json, eval.log, choice_items.json
# The pick reads the manifest (gallery, temperature, frame, views) unless EVAL_ARGS overrides it.
# EVAL_ARGS: more eval_mllm arguments; JUDGE: the judge (default training/eval/judge.pt). Exit status: eval_mllm's
# (124 when cut at LIMIT_S).
set -u
[ $# -eq 3 ] || { echo "usage: $0 CKPT RESDIR LIMIT_S"; exit 2; }
CK=$1 RES=$2 LIMIT=$3
mkdir -p "$RES"
timeout "$LIMIT" python3 -m training.eval_mllm --mllm "$CK" --reader shipped --judge "${JUDGE:-training/eval/judge.pt}" \
  --seeds 2 --n-openmoji 200 --pick 5 --out "$RES/eval_mllm.json" \
  --choice-items "$RES/choice_items.json" ${EVAL_ARGS:-} > "$RES/eval.log" 2>&1

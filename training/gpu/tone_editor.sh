#!/usr/bin/env bash
# A local editor's sweep on one GPU (training/tone_editor.py: each arm trained and evaluated on eval_mllm's tone
# edits at f0 and f1; MOD=sketch_editor, training/sketch_editor.py: on its sketches; the results written after every
# arm so that a call cut short keeps what finished).
#   ARMS='NAME:--opt value ...;NAME2:...' [SAVE=1] [MOD=tone_editor] OUT=$OUT bash training/gpu/tone_editor.sh
# SAVE=1: each arm's weights in $OUT/editors/NAME.pt (a call brings back 8 files: the JSON, the log and six arms).
# Carry: training/data/emoji64.u8.xz, training/data/report.json, training/carry (meta.json.xz); the tree as an MLLM
# training call's (training/gpu/room.sh out).
set -u
export PYTHONUNBUFFERED=1
MOD=${MOD:-tone_editor}
OUT=${OUT:-/tmp/$MOD}; mkdir -p "$OUT"
[ -f training/data/meta.json ] || xz -dc training/carry/meta.json.xz > training/data/meta.json || exit 1
nvidia-smi -L 2>/dev/null || true
args=()
IFS=';' read -ra arms <<< "${ARMS:-base}"
for a in "${arms[@]}"; do args+=(--arm "$a"); done
timeout "${LIMIT:-560}" python3 -m training.$MOD "$OUT/$MOD.json" --device cuda ${SAVE:+--save "$OUT/editors"} \
  "${args[@]}" 2>&1 | grep -v Warning | tee "$OUT/$MOD.log" | tail -n 40

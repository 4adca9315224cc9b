#!/usr/bin/env bash
# The pick's key (training/pick_key.py), one device call, ONE GPU: ARMS train side by side (small CNNs: the GPU has
# room for several), each then probed (its retrieval against the reader's, training/eval/pick/gallery_views.json).
# Carry: training/data/emoji64.u8.xz, training/data/report.json, training/carry (meta.json.xz).
# Back in $OUT: <arm>.pt (the key's weights, < 16 MiB), <arm>.json (its probe), <arm>.log.
#   ARMS="w32:--width,32 w64:--width,64" STEPS=3000 OUT=$OUT bash training/gpu/pick_key.sh
# (an arm: name:its train arguments, commas for spaces; each leaves its loop after TRAIN_S seconds, default 380)
# CPU smoke run: STEPS=2 ARMS="t:--width,4,--batch,16" OUT=/tmp/pk bash training/gpu/pick_key.sh
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-training/runs/pick_key_out}; mkdir -p "$OUT"
STEPS=${STEPS:-3000}; TRAIN_S=${TRAIN_S:-380}; ARMS=${ARMS:-"w32:--width,32"}
[ -f training/data/meta.json ] || xz -dc training/carry/meta.json.xz > training/data/meta.json || exit 1
command -v nvidia-smi > /dev/null && nvidia-smi -L
for a in $ARMS; do
  name=${a%%:*}; args=${a#*:}; args=${args//,/ }
  ( python3 -m training.pick_key train "$OUT/$name.pt" --steps "$STEPS" --max-seconds "$TRAIN_S" $args && \
    python3 -m training.pick_key probe "$OUT/$name.pt" "$OUT/$name.json" ) > "$OUT/$name.log" 2>&1 &
done
wait
tail -n 8 "$OUT"/*.log

#!/usr/bin/env bash
# The pick's key (training/pick_key.py), one device call, ONE GPU: ARMS train side by side (small CNNs: the GPU has
# room for several), each then probed (its retrieval against the reader's, training/eval/pick/gallery_views.json).
# Carry: training/data/emoji64.u8.xz, training/data/report.json, training/carry (meta.json.xz).
# Back in $OUT: <arm>.pt (the key's weights; split into <arm>.pt.part-* when over 15 MB), and results.tar.xz: each
# arm's probe <arm>.json and log, and the evaluations below.
#   ARMS="w32:--width,32 w64:--width,64" STEPS=3000 OUT=$OUT bash training/gpu/pick_key.sh
# (an arm: name:its train arguments, commas for spaces; each leaves its loop after TRAIN_S seconds, default 380)
# MLLM=CKPT (e.g. /tmp/v14.pt from `python3 -m training.shipped mllm`): then the judge's evaluation as the page runs
# it (final_eval.sh, the manifest's pick) of the tree's key (eval_shipped/), after the arms: beside two trainings'
# augmentation on the CPU it ran past 200 s (stop 57). An arm is evaluated in the next call, after
# `python3 -m training.pick_key export ARM.pt` here: the export rewrites the manifest's facts of every served file,
# and room.sh sets some aside for a call's room.
# CPU smoke run: STEPS=2 ARMS="t:--width,4,--batch,16" OUT=/tmp/pk bash training/gpu/pick_key.sh
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-training/runs/pick_key_out}; mkdir -p "$OUT/res"
STEPS=${STEPS:-3000}; TRAIN_S=${TRAIN_S:-380}; ARMS=${ARMS:-"w32:--width,32"}
MLLM=${MLLM:-}
[ -f training/data/meta.json ] || xz -dc training/carry/meta.json.xz > training/data/meta.json || exit 1
command -v nvidia-smi > /dev/null && nvidia-smi -L
for a in $ARMS; do
  name=${a%%:*}; args=${a#*:}; args=${args//,/ }
  ( python3 -m training.pick_key train "$OUT/$name.pt" --steps "$STEPS" --max-seconds "$TRAIN_S" $args && \
    python3 -m training.pick_key probe "$OUT/$name.pt" "$OUT/res/$name.json" ) > "$OUT/res/$name.log" 2>&1 &
done
wait
tail -n 8 "$OUT"/res/*.log
[ -z "$MLLM" ] || { bash training/gpu/final_eval.sh "$MLLM" "$OUT/res/eval_shipped" 200; echo "eval_shipped rc $?"; }
for f in "$OUT"/*.pt; do [ "$(stat -c %s "$f")" -gt 15000000 ] && split -b 15000000 "$f" "$f.part-" && rm "$f"; done
tar -C "$OUT" -cJf "$OUT/results.tar.xz" res && rm -rf "$OUT/res"
ls -la "$OUT"

#!/usr/bin/env bash
# GPU stage 1 (one 10-minute command on one H100): encoder and judge side by side, then the five
# decoders side by side (one process per scale: these small models are launch-bound, so
# separate processes keep the GPU busy). Weights-only checkpoints land in $OUT.
# Needs training/data (carried: it is git-ignored). Usage: bash training/gpu/stage1_visual.sh
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-training/runs/stage1}; mkdir -p "$OUT" /tmp/logs
ENC_MIN=${ENC_MIN:-3}; DEC_MIN=${DEC_MIN:-4.5}
nvidia-smi -L || true
python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name())'
t0=$(date +%s)
python3 -m training.train_visual --stage judge --minutes "$ENC_MIN" > /tmp/logs/judge.log 2>&1 &
python3 -m training.train_visual --stage encoder --minutes "$ENC_MIN" > /tmp/logs/encoder.log 2>&1
echo "encoder done at $(( $(date +%s) - t0 ))s"; tail -3 /tmp/logs/encoder.log
for s in f0 f1 f2 f3 f4; do
  python3 -m training.train_visual --stage decoders --scales $s --minutes "$DEC_MIN" > /tmp/logs/dec_$s.log 2>&1 &
done
wait
echo "all done at $(( $(date +%s) - t0 ))s"
for f in /tmp/logs/*.log; do echo "== $f"; cat "$f"; done > "$OUT/stage1.log"
tail -n 4 /tmp/logs/judge.log /tmp/logs/dec_*.log
python3 -m training.train_visual --stage slim --out "$OUT"

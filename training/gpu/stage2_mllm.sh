#!/usr/bin/env bash
# GPU stage 2 (one 10-minute command on one H100): the MLLM trains (it reads the committed
# encoder.onnx) while the visual half's Table 1 is measured beside it on the same GPU; then the
# MLLM's evaluation. Carry training/data and training/ckpt_judge (the judge only).
# Usage: bash training/gpu/stage2_mllm.sh
set -u
export PYTHONUNBUFFERED=1 PUMA_CKPT=training/ckpt_judge
OUT=${OUT:-training/runs/stage2}; mkdir -p "$OUT" /tmp/logs
MLLM_MIN=${MLLM_MIN:-6.3}; MLLM_BUDGET=${MLLM_BUDGET:-5}
python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name())'
t0=$(date +%s)
python3 -m training.eval_visual --out "$OUT/visual.json" > /tmp/logs/eval_visual.log 2>&1 &
python3 -m training.train_mllm --minutes "$MLLM_MIN" --budget-minutes "$MLLM_BUDGET" --resume 2>&1 | tee /tmp/logs/train_mllm.log | grep -v "^ " | tail -n 25
echo "mllm trained at $(( $(date +%s) - t0 ))s"
cp training/runs/mllm/mllm.pt "$OUT/"
wait
echo "visual eval done at $(( $(date +%s) - t0 ))s"; tail -n 5 /tmp/logs/eval_visual.log
timeout $(( 570 - ($(date +%s) - t0) )) python3 -m training.eval_mllm --out "$OUT/eval_mllm.json" > /tmp/logs/eval_mllm.log 2>&1
echo "mllm eval rc=$? at $(( $(date +%s) - t0 ))s"; tail -n 30 /tmp/logs/eval_mllm.log
for f in /tmp/logs/*.log; do echo "== $f"; cat "$f"; done > "$OUT/stage2.log"

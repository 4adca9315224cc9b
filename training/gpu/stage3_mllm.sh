#!/usr/bin/env bash
# GPU stage 3 (one 10-minute command): the MLLM continues from stage 2's weights
# (training/ckpt_judge/mllm_init.pt, brought back from stage 2) on a fresh LR clock, then its
# evaluation; beside it, the shipped ONNX files are checked against their PyTorch reload.
# Carry training/data and training/ckpt_judge (judge in fp16 + mllm_init.pt).
set -u
export PYTHONUNBUFFERED=1 PUMA_CKPT=training/ckpt_judge
OUT=${OUT:-training/runs/stage3}; mkdir -p "$OUT" /tmp/logs
MLLM_MIN=${MLLM_MIN:-7}; MLLM_BUDGET=${MLLM_BUDGET:-6}
t0=$(date +%s)
[ "${ONNX_CHECK:-1}" = 1 ] && python3 -m training.eval_visual --onnx-check-only --device cuda --out "$OUT/onnx_check.json" > /tmp/logs/onnx_check.log 2>&1 &
python3 -m training.train_mllm --init training/ckpt_judge/mllm_init.pt \
  --out-dir training/runs/mllm --minutes "$MLLM_MIN" --budget-minutes "$MLLM_BUDGET" 2>&1 | tee /tmp/logs/train_mllm.log | grep -v "^ " | grep -E "initialised|saved|step [0-9]*00 " | tail -n 12
echo "mllm trained at $(( $(date +%s) - t0 ))s"
cp training/runs/mllm/mllm.pt "$OUT/"
wait
timeout $(( 580 - ($(date +%s) - t0) )) python3 -m training.eval_mllm --out "$OUT/eval_mllm.json" > /tmp/logs/eval_mllm.log 2>&1
echo "mllm eval rc=$? at $(( $(date +%s) - t0 ))s"; grep "\[eval" /tmp/logs/eval_mllm.log | tail -n 20; tail -n 20 /tmp/logs/onnx_check.log 2>/dev/null
for f in /tmp/logs/*.log; do echo "== $f"; cat "$f"; done > "$OUT/stage3.log"

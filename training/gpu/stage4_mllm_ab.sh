#!/usr/bin/env bash
# GPU stage 4 (one 10-minute command on one H100): an A/B of the residual editing output.
# Two runs side by side on the one GPU, both from stage 3's weights (training/ckpt_judge/mllm_init.pt)
# with the same fresh LR clock, seed and minutes: "plain" continues as before, "residual" trains
# with --residual-edit (editing/conditional outputs = source token + change). Both checkpoints come
# back; stage 5 evaluates them. Carry training/data and training/ckpt_judge.
set -u
export PYTHONUNBUFFERED=1 PUMA_CKPT=training/ckpt_judge
OUT=${OUT:-training/runs/stage4}; mkdir -p "$OUT/plain" "$OUT/residual" /tmp/logs
MLLM_MIN=${MLLM_MIN:-8.7}; MLLM_BUDGET=${MLLM_BUDGET:-7.5}
python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name())'
t0=$(date +%s)
for arm in plain residual; do
  extra=""; [ "$arm" = residual ] && extra="--residual-edit"
  python3 -m training.train_mllm --init training/ckpt_judge/mllm_init.pt \
    --out-dir "training/runs/$arm" --minutes "$MLLM_MIN" --budget-minutes "$MLLM_BUDGET" $extra \
    > "/tmp/logs/train_$arm.log" 2>&1 &
done
wait
echo "trained at $(( $(date +%s) - t0 ))s"
for arm in plain residual; do
  cp "training/runs/$arm/mllm.pt" "$OUT/$arm/" && cp "/tmp/logs/train_$arm.log" "$OUT/$arm/"
  echo "== $arm"; grep -v "^ " "/tmp/logs/train_$arm.log" | grep -E "initialised|saved|step [0-9]*000 |Error|error" | tail -n 6
done

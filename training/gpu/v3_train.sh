#!/usr/bin/env bash
# v3 GPU stage 3 (one command, <= 9.5 min wall, 2 GPUs): the A/B's winner (training/runs/v3_ab2:
# plan, 1400 steps on one GPU) continues with DDP on both GPUs from its brought-back weights
# (training/carry/mllm_init.pt, int8-packed to fit the 64 MiB carry), on a fresh LR clock from a
# lower peak, then the full evaluation of the final weights and a learning-curve point.
# Carry: training/data, training/carry. Back in $OUT: mllm.pt.part-aa.. (EMA weights, fp16; `cat`
# them together), results.tar.gz.
set -u
export PYTHONUNBUFFERED=1
RUN=/tmp/v3final; RES=/tmp/v3res; mkdir -p "$RUN" "$RES"; OUT=${OUT:-training/runs/v3_final}; mkdir -p "$OUT"
MIN=${MIN:-5.9}; BUDGET=${BUDGET:-5.0}; SEEDS=${SEEDS:-2}; JUDGE=${JUDGE:-training/eval/judge.pt}
nvidia-smi -L
t0=$(date +%s)
torchrun --standalone --nproc_per_node=2 -m training.train_mllm --init training/carry/mllm_init.pt \
  --set lr=6e-4 warmup=50 max_steps=100000 budget_minutes=$BUDGET --out-dir "$RUN" --minutes "$MIN" --workers 12 \
  --log-every 100 --snapshots 2.5 > "$RES/train.log" 2>&1
echo "trained at $(( $(date +%s) - t0 ))s"; grep -v "^ " "$RES/train.log" | tail -n 3 | cut -c1-400
cp "$RUN/stages.jsonl" "$RES/"; split -b 15M "$RUN/mllm.pt" "$OUT/mllm.pt.part-"
CUDA_VISIBLE_DEVICES=1 timeout $(( 570 - ($(date +%s) - t0) )) python3 -m training.eval_mllm --canonical-only --n-canonical 300 \
  --seeds 1 --mllm "$RUN/mllm_2.5m.pt" --judge "$JUDGE" --out "$RES/curve_2.5m.json" > "$RES/curve.log" 2>&1 &
CUDA_VISIBLE_DEVICES=0 timeout $(( 575 - ($(date +%s) - t0) )) python3 -m training.eval_mllm --mllm "$RUN/mllm.pt" --judge "$JUDGE" \
  --seeds "$SEEDS" --n-openmoji 200 --out "$RES/eval_mllm.json" > "$RES/eval.log" 2>&1
echo "eval rc=$? at $(( $(date +%s) - t0 ))s"; wait; grep "\[eval" "$RES/eval.log" | grep -E "recommended|plan|caption|edit_|colorize|inpaint|sketch" | cut -c1-300
tar -czf "$OUT/results.tar.gz" -C "$RES" .

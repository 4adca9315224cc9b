#!/usr/bin/env bash
# v2 GPU stage 1 (one command, <= 9.5 min wall, 4 GPUs): the judge retrains while the MLLM A/B
# runs: generation order "token" (PUMA) vs "scale" (next-scale prediction), same preset, seed,
# batch, minutes and LR clock, 2 GPUs each (torchrun DDP). Equal compute: both sequences have the
# same length, and the judge trains DDP on one GPU of each arm (GPUs 0 and 2), so both arms
# share their GPUs alike. Then both arms are evaluated side by side (natural prompts included).
# Carry: training/data. Environment knobs: CFG (mllm preset, default s6), SETS (extra
# --set pairs for both arms, e.g. "residual_edit=True"), MIN (training wall per arm), BUDGET
# (LR clock), EVAL_SEEDS; for a CPU smoke run only: TRAIN_ARGS, JUDGE_ARGS, EVAL_ARGS (extra flags).
# Back in $OUT: token/ and scale/ each with mllm.pt (EMA weights, fp16), stages.jsonl, train.log,
# eval_mllm.json, eval.log; judge.pt; judge.log; summary.txt (also left in training/runs/v2 for stage 2).
set -u
export PYTHONUNBUFFERED=1 PUMA_CKPT=training/runs/v2_ckpt
OUT=${OUT:-training/runs/v2_stage1}; RUN=training/runs/v2
CFG=${CFG:-s6}; SETS=${SETS:-residual_edit=True}; MIN=${MIN:-6.3}; BUDGET=${BUDGET:-4.8}; EVAL_SEEDS=${EVAL_SEEDS:-2}
mkdir -p "$OUT/token" "$OUT/scale" "$PUMA_CKPT" "$RUN"
nvidia-smi -L || true
python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.device_count(), "GPUs")'
t0=$(date +%s)
CUDA_VISIBLE_DEVICES=0,2 torchrun --nnodes=1 --nproc_per_node=2 --master_addr=127.0.0.1 --master_port=29530 \
  -m training.train_visual --stage judge --minutes 3 ${JUDGE_ARGS:-} > "$OUT/judge.log" 2>&1 &
port=29510
for arm in token scale; do
  gpus=0,1; [ "$arm" = scale ] && gpus=2,3
  CUDA_VISIBLE_DEVICES=$gpus torchrun --nnodes=1 --nproc_per_node=2 --master_addr=127.0.0.1 --master_port=$port \
    -m training.train_mllm --config "$CFG" --set order=$arm $SETS --out-dir "$RUN/$arm" --no-resume \
    --minutes "$MIN" --budget-minutes "$BUDGET" ${TRAIN_ARGS:-} > "$OUT/$arm/train.log" 2>&1 &
  port=$((port + 1))
done
wait
echo "trained at $(( $(date +%s) - t0 ))s"; tail -n 2 "$OUT/judge.log"
cp "$PUMA_CKPT/judge.pt" "$OUT/" || echo "no judge.pt: see judge.log"
left=$(( 565 - ($(date +%s) - t0) ))
for arm in token scale; do
  gpu=0; [ "$arm" = scale ] && gpu=2
  cp "$RUN/$arm/mllm.pt" "$RUN/$arm/stages.jsonl" "$OUT/$arm/"
  CUDA_VISIBLE_DEVICES=$gpu timeout "$left" python3 -m training.eval_mllm --mllm "$RUN/$arm/mllm.pt" --seeds "$EVAL_SEEDS" \
    --n-openmoji 200 ${EVAL_ARGS:-} --out "$OUT/$arm/eval_mllm.json" > "$OUT/$arm/eval.log" 2>&1 &
done
wait
echo "evaluated at $(( $(date +%s) - t0 ))s"
python3 -m training.gpu.ab_summary "$OUT/token" "$OUT/scale" | tee "$OUT/summary.txt" "$RUN/summary.txt"

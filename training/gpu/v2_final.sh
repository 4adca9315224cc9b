#!/usr/bin/env bash
# v2 GPU stage 2 as run (one command, <= 9.5 min wall, 2 GPUs): the sweep's pick (next-scale order,
# preset s18, residual edits) trains from scratch with DDP on both GPUs while the judge retrains
# beside it on GPU 1, then the full evaluation (shipped int8 grid, natural prompts, 4 seeds).
# Carry: training/data. Back in $OUT: mllm.pt.part-aa.. (EMA weights, fp16; `cat` them back
# together), results.tar.gz (eval_mllm.json, stages.jsonl, train.log, eval.log, judge.log).
set -u
export PYTHONUNBUFFERED=1 PUMA_CKPT=training/runs/v2_ckpt
OUT=${OUT:-training/runs/v2_final}; RUN=training/runs/v2/final
CFG=${CFG:-s18}; ORDER=${ORDER:-scale}; SETS=${SETS:-residual_edit=True}; MIN=${MIN:-6.0}; BUDGET=${BUDGET:-5.0}; EVAL_SEEDS=${EVAL_SEEDS:-4}
RES=/tmp/v2final; mkdir -p "$RES" "$PUMA_CKPT" "$RUN" "$OUT"
t0=$(date +%s)
CUDA_VISIBLE_DEVICES=1 python3 -m training.train_visual --stage judge --minutes 3 > "$RES/judge.log" 2>&1 &
torchrun --standalone --nproc_per_node=2 -m training.train_mllm --config "$CFG" --set order=$ORDER $SETS \
  --out-dir "$RUN" --no-resume --minutes "$MIN" --budget-minutes "$BUDGET" > "$RES/train.log" 2>&1
wait
echo "trained at $(( $(date +%s) - t0 ))s"; grep -v "^ " "$RES/train.log" | tail -n 3; tail -n 1 "$RES/judge.log"
cp "$RUN/stages.jsonl" "$RES/"; split -b 15M "$RUN/mllm.pt" "$OUT/mllm.pt.part-"
timeout $(( 575 - ($(date +%s) - t0) )) python3 -m training.eval_mllm --mllm "$RUN/mllm.pt" --seeds "$EVAL_SEEDS" \
  --out "$RES/eval_mllm.json" > "$RES/eval.log" 2>&1
echo "eval rc=$? at $(( $(date +%s) - t0 ))s"; grep "\[eval" "$RES/eval.log" | tail -n 14
tar -czf "$OUT/results.tar.gz" -C "$RES" .

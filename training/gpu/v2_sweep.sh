#!/usr/bin/env bash
# v2 GPU stage 1 as run (one command, <= 9.5 min wall, 4 GPUs, one GPU per arm): the generation
# order A/B (token = PUMA vs scale = next-scale prediction, both at preset s12) and the size sweep
# under next-scale order (s6, s12, s18), every arm the same wall minutes, seed, per-GPU batch and LR
# clock on one H100 each. The judge retrains beside the s6 arm on its GPU (that arm is slowed a
# little; said in the model card). Then all arms are evaluated side by side, natural prompts included.
# Carry: training/data.  Back in $OUT: results.tar.gz (per arm: eval_mllm.json, stages.jsonl,
# train.log, eval.log; judge.pt, judge.log, summary.txt) and summary.txt.
set -u
export PYTHONUNBUFFERED=1 PUMA_CKPT=training/runs/v2_ckpt
OUT=${OUT:-training/runs/v2_sweep}; RUN=training/runs/v2
MIN=${MIN:-6.0}; BUDGET=${BUDGET:-5.0}; EVAL_SEEDS=${EVAL_SEEDS:-2}; SETS=${SETS:-residual_edit=True}
ARMS=${ARMS:-"token_s12:0 scale_s12:1 scale_s18:2 scale_s6:3"}
RES=/tmp/v2res; mkdir -p "$RES" "$PUMA_CKPT" "$RUN" "$OUT"
nvidia-smi -L || true
t0=$(date +%s)
CUDA_VISIBLE_DEVICES=3 python3 -m training.train_visual --stage judge --minutes 3 > "$RES/judge.log" 2>&1 &
for a in $ARMS; do
  arm=${a%%:*}; gpu=${a##*:}; order=${arm%%_*}; cfg=${arm##*_}; mkdir -p "$RES/$arm"
  CUDA_VISIBLE_DEVICES=$gpu python3 -m training.train_mllm --config "$cfg" --set order=$order $SETS \
    --out-dir "$RUN/$arm" --no-resume --minutes "$MIN" --budget-minutes "$BUDGET" > "$RES/$arm/train.log" 2>&1 &
done
wait
echo "trained at $(( $(date +%s) - t0 ))s"; tail -n 2 "$RES/judge.log"
cp "$PUMA_CKPT/judge.pt" "$RES/" || echo "no judge.pt: see judge.log"
left=$(( 560 - ($(date +%s) - t0) ))
for a in $ARMS; do
  arm=${a%%:*}; gpu=${a##*:}
  cp "$RUN/$arm/stages.jsonl" "$RES/$arm/" 2>/dev/null
  grep -v "^ " "$RES/$arm/train.log" | tail -n 3
  CUDA_VISIBLE_DEVICES=$gpu timeout "$left" python3 -m training.eval_mllm --mllm "$RUN/$arm/mllm.pt" --seeds "$EVAL_SEEDS" \
    --n-openmoji 200 --out "$RES/$arm/eval_mllm.json" > "$RES/$arm/eval.log" 2>&1 &
done
wait
echo "evaluated at $(( $(date +%s) - t0 ))s"
python3 -m training.gpu.ab_summary $(for a in $ARMS; do echo "$RES/${a%%:*}"; done) | tee "$RES/summary.txt"
cp "$RES/summary.txt" "$OUT/"; tar -czf "$OUT/results.tar.gz" -C "$RES" .

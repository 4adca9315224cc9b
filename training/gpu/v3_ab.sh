#!/usr/bin/env bash
# v3 GPU stage 1 (one command, <= 9.5 min wall, 2 GPUs): plan-then-draw A/B at equal compute,
# four arms of preset v3 (s18, next-scale order, residual edits), two per GPU, the same steps,
# seed and LR clock: (a) no plan, (b) plan, (c) feature guidance (10% prompt dropout, guidance 2),
# (d) plan + guidance. The evaluation-only judge trains beside them (brought back, committed as
# training/eval/judge.pt). Then every arm gets the quick evaluation (canonical + natural prompts
# with the diagnosis columns, skin-tone and style edits).
# Carry: training/data.  Back in $OUT: results.tar.gz, summary.txt, judge.pt.
set -u
export PYTHONUNBUFFERED=1 PUMA_CKPT=/tmp/v3ckpt
RUN=/tmp/v3ab; RES=/tmp/v3res; mkdir -p "$RUN" "$RES" "$PUMA_CKPT"; OUT=${OUT:-training/runs/v3_ab}; mkdir -p "$OUT"
STEPS=${STEPS:-450}; MIN=${MIN:-6.5}; SEEDS=${SEEDS:-2}
ARMS=${ARMS:-"a_noplan:0: b_plan:0:plan=True c_guide:1:prompt_drop=0.1,feature_guidance=2.0 d_plan_guide:1:plan=True,prompt_drop=0.1,feature_guidance=2.0"}
nvidia-smi -L; python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.device_count(), "GPUs")'
t0=$(date +%s)
CUDA_VISIBLE_DEVICES=1 python3 -m training.train_visual --stage judge --minutes 3 > "$RES/judge.log" 2>&1 &
for a in $ARMS; do
  IFS=: read -r arm gpu sets <<< "$a"; mkdir -p "$RES/$arm"
  CUDA_VISIBLE_DEVICES=$gpu python3 -m training.train_mllm --config v3 --set ${sets//,/ } max_steps=$STEPS budget_minutes=60 \
    --out-dir "$RUN/$arm" --no-resume --minutes "$MIN" --workers 6 --log-every 100 > "$RES/$arm/train.log" 2>&1 &
done
wait
echo "trained at $(( $(date +%s) - t0 ))s"; tail -n 2 "$RES/judge.log"
cp "$PUMA_CKPT/judge.pt" "$OUT/judge.pt" || echo "no judge.pt: see judge.log"
for a in $ARMS; do
  IFS=: read -r arm gpu sets <<< "$a"
  grep -E "samples/s" "$RES/$arm/train.log" | tail -n 1; grep '"stage"' "$RES/$arm/train.log" | tail -c 400
  cp "$RUN/$arm/stages.jsonl" "$RES/$arm/" 2>/dev/null
  CUDA_VISIBLE_DEVICES=$gpu timeout $(( 565 - ($(date +%s) - t0) )) python3 -m training.eval_mllm --quick --mllm "$RUN/$arm/mllm.pt" \
    --judge "$OUT/judge.pt" --seeds "$SEEDS" --out "$RES/$arm/eval_mllm.json" > "$RES/$arm/eval.log" 2>&1 &
done
wait
echo "evaluated at $(( $(date +%s) - t0 ))s"
python3 -m training.gpu.ab_summary $(for a in $ARMS; do echo "$RES/${a%%:*}"; done) | tee "$RES/summary.txt"
cp "$RES/summary.txt" "$OUT/"; tar -czf "$OUT/results.tar.gz" -C "$RES" .

#!/usr/bin/env bash
# v3 GPU stage 2 (one command, <= 9.5 min wall, 2 GPUs): plan-then-draw A/B, round 2, at equal
# steps, each arm alone on its GPU (clean samples/s and MFU): (a) no plan, (b) plan with its own CE
# weight (plan_weight 0.1: round 1's plan, at the captions' 0.02, was still garbled after 450 steps).
# Guidance lost round 1 (training/runs/v3_ab1) and is not repeated. The judge trains with DDP over
# both GPUs (slowing both arms alike), and comes back slim (fp16, no optimizer) to be committed.
# Snapshots at 2/4/6 training minutes give the learning curve (canonical prompts, f1).
# Carry: training/data.  Back in $OUT: results.tar.gz, summary.txt, judge.pt, the winner's
# mllm.pt in parts (mllm.pt.part-aa..; `cat` them together).
set -u
export PYTHONUNBUFFERED=1 PUMA_CKPT=/tmp/v3ckpt
RUN=/tmp/v3ab; RES=/tmp/v3res; mkdir -p "$RUN" "$RES" "$PUMA_CKPT"; OUT=${OUT:-training/runs/v3_ab2}; mkdir -p "$OUT"
STEPS=${STEPS:-1400}; MIN=${MIN:-7.6}; SEEDS=${SEEDS:-2}
ARMS=${ARMS:-"a_noplan:0: b_plan:1:plan=True"}
nvidia-smi -L
t0=$(date +%s)
torchrun --standalone --nproc_per_node=2 -m training.train_visual --stage judge --minutes 3 > "$RES/judge.log" 2>&1 &
for a in $ARMS; do
  IFS=: read -r arm gpu sets <<< "$a"; mkdir -p "$RES/$arm"
  CUDA_VISIBLE_DEVICES=$gpu python3 -m training.train_mllm --config v3 --set ${sets//,/ } max_steps=$STEPS budget_minutes=60 \
    --out-dir "$RUN/$arm" --no-resume --minutes "$MIN" --workers 12 --log-every 100 --snapshots 2,4,6 > "$RES/$arm/train.log" 2>&1 &
done
wait
echo "trained at $(( $(date +%s) - t0 ))s"; tail -n 2 "$RES/judge.log"
python3 -m training.judge "$PUMA_CKPT/judge.pt" "$OUT/judge.pt" || echo "no judge.pt: see judge.log"
for a in $ARMS; do
  IFS=: read -r arm gpu sets <<< "$a"
  grep '"stage"' "$RES/$arm/train.log" | tail -c 300; cp "$RUN/$arm/stages.jsonl" "$RES/$arm/" 2>/dev/null
  ( export CUDA_VISIBLE_DEVICES=$gpu
    timeout $(( 560 - ($(date +%s) - t0) )) python3 -m training.eval_mllm --quick --mllm "$RUN/$arm/mllm.pt" \
      --judge "$OUT/judge.pt" --seeds "$SEEDS" --out "$RES/$arm/eval_mllm.json" > "$RES/$arm/eval.log" 2>&1
    for m in 2 4 6; do
      timeout $(( 575 - ($(date +%s) - t0) )) python3 -m training.eval_mllm --canonical-only --n-canonical 300 --seeds 1 \
        --mllm "$RUN/$arm/mllm_${m}m.pt" --judge "$OUT/judge.pt" --out "$RES/$arm/curve_${m}m.json" > "$RES/$arm/curve_${m}m.log" 2>&1
    done ) &
done
wait
echo "evaluated at $(( $(date +%s) - t0 ))s"
python3 -m training.gpu.ab_summary $(for a in $ARMS; do echo "$RES/${a%%:*}"; done) | tee "$RES/summary.txt"
win=$(tail -n 1 "$RES/summary.txt" | awk '{print $2}'); echo "winner $win"
[ -f "$RUN/$win/mllm.pt" ] && split -b 15M "$RUN/$win/mllm.pt" "$OUT/mllm.pt.part-"
cp "$RES/summary.txt" "$OUT/"; tar -czf "$OUT/results.tar.gz" -C "$RES" .

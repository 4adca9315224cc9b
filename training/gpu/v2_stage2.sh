#!/usr/bin/env bash
# v2 GPU stage 2 (one command, <= 9.5 min wall, 4 GPUs): the A/B winner continues from its stage-1
# EMA weights on all 4 GPUs (fresh optimizer and LR clock), then its full evaluation.
# WINNER=token|scale (default: what stage 1's summary picked, when the machine is still warm).
# Weights: training/runs/v2/$WINNER/mllm.pt when the machine is still warm from stage 1, else carry
# training/ckpt_v2 with mllm_$WINNER.pt (the stage-1 $OUT/$WINNER/mllm.pt renamed) and judge.pt.
# Carry: training/data (+ training/ckpt_v2 on a fresh machine).
# CPU smoke only: TRAIN_ARGS, EVAL_ARGS (extra flags).
# Back in $OUT: mllm.pt (EMA, fp16), stages.jsonl, train.log, eval_mllm.json, eval.log.
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-training/runs/v2_stage2}; RUN=training/runs/v2
MIN=${MIN:-6.5}; BUDGET=${BUDGET:-5.5}; EVAL_SEEDS=${EVAL_SEEDS:-4}; SETS=${SETS:-}
WINNER=${WINNER:-$(sed -n 's/^winner: //p' "$RUN/summary.txt" 2>/dev/null)}
[ -z "$WINNER" ] && { echo "set WINNER=token or WINNER=scale"; exit 2; }
init="$RUN/$WINNER/mllm.pt"; [ -f "$init" ] || init=training/ckpt_v2/mllm_$WINNER.pt
export PUMA_CKPT=training/runs/v2_ckpt; [ -f "$PUMA_CKPT/judge.pt" ] || export PUMA_CKPT=training/ckpt_v2
mkdir -p "$OUT"
echo "winner $WINNER from $init, judge from $PUMA_CKPT"
t0=$(date +%s)
torchrun --standalone --nproc_per_node=4 -m training.train_mllm --init "$init" --out-dir "$RUN/${WINNER}_s2" --no-resume \
  --minutes "$MIN" --budget-minutes "$BUDGET" ${SETS:+--set $SETS} ${TRAIN_ARGS:-} > "$OUT/train.log" 2>&1
echo "trained at $(( $(date +%s) - t0 ))s"; grep -E "stage|saved|Error" "$OUT/train.log" | tail -n 3
cp "$RUN/${WINNER}_s2/mllm.pt" "$RUN/${WINNER}_s2/stages.jsonl" "$OUT/"
timeout $(( 565 - ($(date +%s) - t0) )) python3 -m training.eval_mllm --mllm "$RUN/${WINNER}_s2/mllm.pt" --seeds "$EVAL_SEEDS" \
  ${EVAL_ARGS:-} --out "$OUT/eval_mllm.json" > "$OUT/eval.log" 2>&1
echo "eval rc=$? at $(( $(date +%s) - t0 ))s"; grep "\[eval" "$OUT/eval.log" | grep -E "recommended|caption|edit_|wrote" | tail -n 12

#!/usr/bin/env bash
# --plan-mix on v14 as the page runs it (the pick, the manifest's temperatures): tone and style edits and sketches
# drawn with some scales from their plan alone, beside the drawing as shipped; then the held-out vendor's edit plans
# recorded (--plans-only --pick-record) for a per-drawing pick weighting offline. One device call, ~3 minutes.
#   bash training/gpu/plan_mix.sh OUT        -> OUT/mix/eval_mllm.json, OUT/hv_record.json.xz, logs
#   DEV=600 bash training/gpu/plan_mix.sh OUT  -> OUT/mix/eval_mllm.json: the variants on the pick's dev set instead
#   NORECORD=1 ...: no held-out vendor's pick record after the variants
# Tree: READER=shipped KEEP="none/none" bash training/gpu/room.sh out; carry training/data/emoji64.u8.xz,
# training/data/report.json, training/carry.
set -u
OUT=$1; mkdir -p "$OUT/mix"
[ -f training/data/meta.json ] || xz -dc training/carry/meta.json.xz > training/data/meta.json || exit 1
python3 -m training.shipped mllm /tmp/v14.pt || exit 1
KINDS=${KINDS:-edit_tone,edit_style,sketch,sketch_lines}
MIX="${MIX:-f0=1,1,1,1,0;f1f0=1,1,1,0,0;f2f1f0=1,1,0,0,0;alone=0,0,0,0,0;half=1,1,1,0.5,0.5;coarse=0,0,1,1,1}"
COMMON=(--mllm /tmp/v14.pt --reader shipped --judge training/eval/judge.pt --seeds 2 --pick 5 ${EXTRA:-})
t0=$(date +%s)
if [ -n "${DEV:-}" ]; then   # DEV=N: the same variants on the pick's dev set (eval_mllm --dev N --dev-draw) instead
  timeout 400 python3 -m training.eval_mllm "${COMMON[@]}" --dev "$DEV" --dev-draw --edit-kinds "$KINDS" --plan-mix "$MIX" \
    --plan-mix-kinds "$KINDS" --pick-record "$OUT/dev_record.json" --choice-items "$OUT/mix/choice_items.json" --out "$OUT/mix/eval_mllm.json" > "$OUT/mix/eval.log" 2>&1
  echo "dev: rc $? at $(( $(date +%s) - t0 ))s"; tail -n 2 "$OUT/mix/eval.log"; rm -f "$OUT/dev_record.json"; xz -9 "$OUT/mix/choice_items.json"
  exit 0
fi
timeout 330 python3 -m training.eval_mllm "${COMMON[@]}" --quick --n-canonical 1 --prompts "" --edit-kinds "$KINDS" \
  --plan-mix "$MIX" --plan-mix-kinds "$KINDS" --choice-items "$OUT/mix/choice_items.json" --out "$OUT/mix/eval_mllm.json" > "$OUT/mix/eval.log" 2>&1
echo "mix: rc $? at $(( $(date +%s) - t0 ))s"; tail -n 3 "$OUT/mix/eval.log"
[ -n "${NORECORD:-}" ] && exit 0   # NORECORD=1: the variants alone (e.g. EXTRA="--sources heldout_concept")
timeout 150 python3 -m training.eval_mllm "${COMMON[@]}" --plans-only --pick-record "$OUT/hv_record.json" \
  --edit-kinds edit_tone,edit_style,colorize,inpaint,sketch,sketch_lines --out "$OUT/hv_plans.json" > "$OUT/hv.log" 2>&1
echo "record: rc $? at $(( $(date +%s) - t0 ))s"; tail -n 2 "$OUT/hv.log"
[ -f "$OUT/hv_record.json" ] && xz -9 "$OUT/hv_record.json"

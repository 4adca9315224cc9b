#!/usr/bin/env bash
# Stop 72: the sketch editor's gate (training/sketch_editor.py --gate-w) chosen on a dev set. One device call:
#   1. the MLLM's own drawings (no sketch editor: --sketch-edit none) of the evaluation's sketch jobs (the held-out
#      vendor's colour drawings and the line-art sketches) and of the dev set's (eval_mllm --dev N --dev-draw: OpenMoji
#      drawings no model or evaluation reads), kept slim (jobs, plans, f0 tokens) as $OUT/sk_slim.pt, $OUT/dev_slim.pt;
#   2. the editor's arms (ARMS, ';'-separated NAME:--opts over COMMON) trained and judged on both, each arm's weights
#      in one tar ($OUT/editors.tar).
#   ARMS='base:;g1:--gate-w 1' DEV=480 OUT=$OUT bash training/gpu/sketch_gate.sh
# DRAWINGS=DIR: the drawings from an earlier call (DIR/sk_slim.pt, DIR/dev_slim.pt) instead of step 1.
# Carry: training/data/emoji64.u8.xz, training/data/report.json, training/carry; the tree as training/gpu/room.sh out.
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:?}; mkdir -p "$OUT"
[ -f training/data/meta.json ] || xz -dc training/carry/meta.json.xz > training/data/meta.json || exit 1
nvidia-smi -L 2>/dev/null || true
t0=$(date +%s)
slim() {   # eval_mllm --save-drawings' file without its decoded images (20 MB for the evaluation's 358 sketches)
  python3 -c "import sys, torch; d = torch.load(sys.argv[1]); torch.save({k: {q: v[q] for q in ('jobs', 'plans', 'f0_tokens')} for k, v in d.items()}, sys.argv[2])" "$1" "$2"
}
if [ -z "${DRAWINGS:-}" ]; then
  python3 -m training.shipped mllm /tmp/s.pt > /dev/null || exit 1
  COMMON_EV=(--mllm /tmp/s.pt --reader shipped --judge training/eval/judge.pt --seeds 2 --pick 5 --sketch-edit none)
  timeout 200 python3 -m training.eval_mllm "${COMMON_EV[@]}" --quick --n-canonical 1 --n-natural 1 \
    --edit-kinds sketch,sketch_lines --save-drawings /tmp/sk.pt --out /tmp/ev.json > /tmp/ev.log 2>&1
  echo "evaluation's drawings: rc $? at $(( $(date +%s) - t0 ))s"; tail -n 2 /tmp/ev.log
  timeout 200 python3 -m training.eval_mllm "${COMMON_EV[@]}" --dev "${DEV:-480}" --dev-draw --edit-kinds sketch \
    --pick-record /tmp/dev_record.json --save-drawings /tmp/dev.pt --out /tmp/dev.json > /tmp/dev.log 2>&1
  echo "dev drawings: rc $? at $(( $(date +%s) - t0 ))s"; tail -n 2 /tmp/dev.log
  slim /tmp/sk.pt "$OUT/sk_slim.pt" && slim /tmp/dev.pt "$OUT/dev_slim.pt" || exit 1
  tar -C /tmp -cJf "$OUT/drawings_eval.tar.xz" ev.json ev.log dev.json dev.log
  DRAWINGS=$OUT
fi
args=()
IFS=';' read -ra arms <<< "${ARMS:-base:}"
for a in "${arms[@]}"; do args+=(--arm "$a"); done
timeout "${LIMIT:-400}" python3 -m training.sketch_editor "$OUT/gate.json" --device cuda --save /tmp/editors \
  --mllm-drawings "$DRAWINGS/sk_slim.pt" --dev-drawings "$DRAWINGS/dev_slim.pt" \
  --memory drawing --width 96 --depth 6 --coords --batch 64 --steps 2500 --lines-p 0 ${COMMON:-} \
  "${args[@]}" 2>&1 | grep -v Warning > "$OUT/gate.log"
echo "arms: at $(( $(date +%s) - t0 ))s"; grep -E "arm |MLLM's own" "$OUT/gate.log" | cut -c1-400
tar -C /tmp -cf "$OUT/editors.tar" editors

#!/usr/bin/env bash
# The pick (manifest mllm.pick, training/gallery.py) A/B'd as the page runs it, on one GPU, in one device call
# (~3 minutes): v9 as it shipped (greedy captions and plans) against the pick in every task that could use it
# (captions, and the plans of edit, colorize, inpaint, sketch), same weights, same jobs, same seeds, the settings
# of the shipped evaluation (training/eval/scale_choice_levels/after: 2 decoder seeds, 200 OpenMoji drawings);
# then caption_rerank's rows with the shipped gallery (k = 5 and 10). Needs training/data (carried) and the
# judge (training/eval/judge.pt: SET=training in bench/device-aside.sh keeps it).
#   bash training/gpu/pick_eval.sh OUT_DIR
set -euo pipefail
OUT=${1:?usage: pick_eval.sh OUT_DIR}
mkdir -p "$OUT"
PY=${PY:-python3}
$PY -m training.shipped mllm /tmp/v9.pt
common=(--mllm /tmp/v9.pt --reader shipped --seeds 2 --n-openmoji 200)
$PY -m training.eval_mllm "${common[@]}" --pick 0 --out "$OUT/pick0.json" 2>&1 | tee "$OUT/pick0.log" | tail -3
$PY -m training.eval_mllm "${common[@]}" --pick 5 --pick-tasks caption,edit,colorize,inpaint,sketch \
  --out "$OUT/pick5_all.json" 2>&1 | tee "$OUT/pick5_all.log" | tail -3
for k in 5 10; do
  $PY -m training.caption_rerank --mllm /tmp/v9.pt --device cuda --k $k --out "$OUT/caption_rerank_k$k.json" 2>&1 | tail -2
done

#!/usr/bin/env bash
# The pick (manifest mllm.pick, training/gallery.py) A/B'd as the page runs it, on one GPU, in one device call
# (~1 minute an arm): the same weights, jobs and seeds, the settings of the shipped evaluation
# (training/eval/scale_choice_levels/after: 2 decoder seeds, 200 OpenMoji drawings). Arms (ARMS, in order):
#   pick0      v9 as it shipped before the pick (greedy captions and plans)
#   pick5_all  the pick in every task that could use it (captions, and the plans of edit, colorize, inpaint,
#              sketch), each name scored by the MLLM's log-likelihood alone, the gallery keyed by the reader's f4 (as the
#              pick first shipped: python3 -m training.gallery --scale f4 --dim 0, written into this call's tree only)
#   pick5_t01  the same (after pick5_all: its f4 gallery, as measured), each name's score plus its retrieval cosine over 0.1 (the reader's InfoNCE temperature,
#              training/train_visual.py cross_vendor_loss: a product of the two experts), with --pick-record
#   pick5_f2   pick5_all with the gallery keyed by the reader's f2 on 128 principal axes (python3 -m training.gallery
#              --scale f2 --dim 128: the shipped gallery since stop 38, which was built on the CPU; a GPU's rows may
#              differ in the last float16 bit)
# All three as measured: ARMS="pick5_all pick5_t01 pick5_f2".
#   pick5_fit  pick5_f2 with the f2 key's projection fitted across vendors instead of the principal axes
#              (python3 -m training.gallery --fit: training/gallery_fit.py; its report, gallery.bin and manifest.json
#              come back in OUT_DIR)
#   pick5_f1   pick5_f2 keyed by the reader's f1 on 128 principal axes (python3 -m training.gallery --scale f1
#              --dim 128: 2.1 MB more projection; a little more of the Fluent drawings held, training/eval/pick/gallery_keys.json)
#   pick5      the pick with the tree's gallery as it is (public/models/gallery.bin: what the page ships)
#   right_plan pick5 with every edit, colorize, inpaint and sketch drawn from its target drawing's own plan
#              (eval_mllm --edit-right-plan): the bound a better chooser of the plan could reach (stop 41: tone
#              66.2%, style 73.0%, sketch recognised 40.3% at their best scales; training/eval/pick/right_plan.json)
#   rerank     caption_rerank's rows with the shipped gallery (k = 5 and 10)
# Needs training/data (carried) and the judge (training/eval/judge.pt: SET=training in bench/device-aside.sh keeps it).
#   [ARMS="pick0 pick5_all rerank"] bash training/gpu/pick_eval.sh OUT_DIR
set -euo pipefail
OUT=${1:?usage: pick_eval.sh OUT_DIR}
mkdir -p "$OUT"
PY=${PY:-python3}
$PY -m training.shipped mllm /tmp/v9.pt
common=(--mllm /tmp/v9.pt --reader shipped --seeds 2 --n-openmoji 200)
all=(--pick 5 --pick-tasks caption,edit,colorize,inpaint,sketch)
arm() {
  local name=$1; shift
  $PY -m training.eval_mllm "${common[@]}" "$@" --out "$OUT/$name.json" 2>&1 | tee "$OUT/$name.log" | tail -3
}
for a in ${ARMS:-pick0 pick5_all rerank}; do
  case $a in
    pick0) arm pick0 --pick 0 ;;
    pick5_all) $PY -m training.gallery --device cuda --scale f4 --dim 0 && arm pick5_all "${all[@]}" --pick-temperature 0 ;;
    pick5_fit) $PY -m training.gallery --device cuda --scale f2 --dim 128 --fit "$OUT/gallery_fit.json" 2>&1 | tee "$OUT/gallery_fit.log" | tail -4 \
        && cp public/models/gallery.bin public/models/manifest.json "$OUT/" && arm pick5_fit "${all[@]}" --pick-temperature 0 ;;
    pick5_f1) $PY -m training.gallery --device cuda --scale f1 --dim 128 && arm pick5_f1 "${all[@]}" --pick-temperature 0 ;;
    pick5) arm pick5 "${all[@]}" --pick-temperature 0 ;;
    right_plan) arm right_plan "${all[@]}" --pick-temperature 0 --edit-right-plan ;;
    pick5_t01) arm pick5_t01 "${all[@]}" --pick-temperature 0.1 --pick-record "$OUT/pick5_t01_record.json" ;;
    pick5_f2) $PY -m training.gallery --device cuda --scale f2 --dim 128 && arm pick5_f2 "${all[@]}" --pick-temperature 0 ;;
    rerank) for k in 5 10; do
        $PY -m training.caption_rerank --mllm /tmp/v9.pt --device cuda --k $k --out "$OUT/caption_rerank_k$k.json" 2>&1 | tail -2
      done ;;
    *) echo "unknown arm $a" >&2; exit 2 ;;
  esac
done

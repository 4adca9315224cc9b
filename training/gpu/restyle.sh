#!/usr/bin/env bash
# The restyle rule (training/restyle.py) chosen and evaluated in one device call (~5 minutes): the dev set's style
# edits (DEV_KINDS: more kinds) drawn with each --plan-mix variant (plan_mix.sh DEV=600), the choice written into the manifest, then
# v14's evaluation as the page runs it with that manifest (final_eval.sh). The manifest comes back for the commit.
#   bash training/gpu/restyle.sh OUT    -> OUT/dev/..., OUT/choice.txt, OUT/as_page/eval_mllm.json, OUT/manifest.json
# Pass the device's $OUT itself: a file more than two folders below it does not come back (stop 60 lost OUT/dev/mix
# under $OUT/rs and drew the dev set again).
# Tree: READER=shipped KEEP="none/none" bash training/gpu/room.sh out; carry training/data/emoji64.u8.xz,
# training/data/report.json, training/carry.
set -u
OUT=$1; mkdir -p "$OUT"
t0=$(date +%s)
DEV=600 KINDS=${DEV_KINDS:-edit_style} EXTRA="--restyle none" bash training/gpu/plan_mix.sh "$OUT/dev" || exit 1
# a choice not written would evaluate the manifest as it was (stop 60's first call did): stop there instead
python3 -m training.restyle "$OUT/dev/mix/eval_mllm.json" --write > "$OUT/choice.txt" 2>&1; rc=$?
cat "$OUT/choice.txt"; echo "choice: rc $rc"; [ $rc -eq 0 ] || exit 1
cp public/models/manifest.json "$OUT/manifest.json"
bash training/gpu/final_eval.sh /tmp/v14.pt "$OUT/as_page" 300; echo "as_page: rc $? at $(( $(date +%s) - t0 ))s"
tail -n 2 "$OUT/as_page/eval.log"; xz -9 "$OUT/as_page/choice_items.json"

#!/usr/bin/env bash
# The local tone editor where the page would draw with it: eval_mllm's tone and style edits (--quick: their jobs,
# one canonical and one natural prompt beside) by the shipped MLLM with the pick as the manifest has it, its own plans,
# then the edits whose instruction asks for a tone drawn again by the editor from the plan's tone (--tone-editor:
# KIND~tone_editor_all, and _one with two people's plans left to the MLLM). The as-drawn rows are the same run's
# baseline: the same jobs, plans and seeds.
#   EDITOR=editors/NAME.pt OUT=$OUT [LIMIT=300] bash training/gpu/tone_editor_eval.sh
# EDITOR=best: the arm of $OUT/tone_editor.json (a tone_editor.sh sweep in the same call) with the best f0 success.
set -u
OUT=${OUT:?} EDITOR=${EDITOR:?}
if [ "$EDITOR" = best ]; then
  EDITOR=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(max(r, key=lambda a: r[a]['tone_edits']['f0']['success']))" \
    "$OUT/tone_editor.json") || exit 1
  EDITOR=$OUT/editors/$EDITOR.pt
fi
echo "editor: $EDITOR"
python3 -m training.shipped mllm /tmp/shipped_mllm.pt || exit 1
EVAL_ARGS="--quick --n-canonical 1 --n-natural 1 --edit-kinds edit_tone,edit_style --tone-editor $EDITOR" \
  bash training/gpu/final_eval.sh /tmp/shipped_mllm.pt "$OUT/mllm_tone" "${LIMIT:-300}"
rc=$?
grep -E "tone editor|edit_tone|edit_style|wrote" "$OUT/mllm_tone/eval.log" | cut -c1-400 | tail -n 12
exit $rc

#!/usr/bin/env bash
# The judge's full evaluation of one int8-packed MLLM checkpoint in a device call of its own: v10_long.sh's FINAL
# evaluation (training/gpu/final_eval.sh, the same eval_mllm arguments), for weights that came back without one (NOEVAL=1, or run 27's pair,
# whose two evaluations at once were cut). Why a call of its own: a call carries 64 MiB, and the data (24.5 MB) and
# one packed checkpoint (20 MB) fit beside the tree only with public/models/mllm.onnx.data* out of it (the evaluation
# reads the carried weights, never the shipped graph's); about 80 s on an H200 (run 27: 62-82 s a call).
#   READER=shipped bash training/gpu/room.sh out; mv public/models/mllm.onnx.data* /tmp/puma-mllm-aside/
#   cat NAME/v10_mllm.pt.part-* > training/carry/eval.pt
#   <run: OUT=$OUT bash training/gpu/eval_packed.sh, carry training/data/emoji64.u8.xz training/data/report.json training/carry>
#   rm training/carry/eval.pt; mv /tmp/puma-mllm-aside/* public/models/; READER=shipped bash training/gpu/room.sh back
# Back under $OUT: eval_mllm.json, eval.log, choice_items.json.xz and weights.sha256 (the carried file's, to match
# against the parts it was made from). EVAL_ARGS: more eval_mllm arguments (default --pick-views 0, as run 26-27 read).
set -uo pipefail
: "${OUT:?}"
CK=${CK:-training/carry/eval.pt}
[ -f training/data/meta.json ] || xz -dc training/carry/meta.json.xz > training/data/meta.json || exit 1
nvidia-smi -L 2>/dev/null || true
sha256sum "$CK" | tee "$OUT/weights.sha256"
python3 -m training.quantize --unpack "$CK" /tmp/eval_packed_mllm.pt || exit 1
EVAL_ARGS=${EVAL_ARGS---pick-views 0} bash training/gpu/final_eval.sh /tmp/eval_packed_mllm.pt "$OUT" "${LIMIT:-500}"
rc=$?
echo "evaluated: rc $rc at ${SECONDS}s"
tail -n 3 "$OUT/eval.log" | cut -c1-300
[ -f "$OUT/choice_items.json" ] && xz -9 "$OUT/choice_items.json"
exit $rc

#!/usr/bin/env bash
# Moves the tracked files the GPU bench does not read out of the working tree for one device call
# (a call carries the working tree's files plus the carried paths, 64 MiB in all: the tree with
# public/models is ~66 MB with training/teachers and the int8 decoders, .device ~31.2 MB), and back afterwards: ~31 MB out leaves ~66 MB. bench/device-pack.sh prints the
# total both ways. Nothing is deleted: `out` moves them under $ASIDE, `back` restores them and
# checks that git sees the tree as before.
#   bash bench/device-aside.sh out     # before the call (SET=training or SET=distill for those calls)
#   bash bench/device-aside.sh back    # after it
#   bash bench/device-aside.sh list    # what would move, with sizes
#   bash bench/device-aside.sh present # bytes of those still in the tree (bench/device-pack.sh)
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
ASIDE=${ASIDE:-/tmp/puma-device-aside}
# not read by bench/gpu-device.sh (gpu-loop-parity and gpu-bench read public/models' graphs and
# manifest; gpu_torch.py reads those and training/*.py): screenshots, golden vectors, the judge, the reader (training/reader, 3.9 MB),
# the MLLM and e2e test fixtures, the training logs, the teacher decoders (training/teachers, 15.8 MB with the
# step distillation's in training/teachers/progressive: only distillation reads them), the int8 decoders (5.6 MB:
# WASM's, never WebGPU's)
PATHS=(docs/screenshots golden training/eval/judge.pt workers/mllm/fixtures e2e/fixtures training/logs training/teachers training/reader
       public/models/decoder_f0.int8.onnx public/models/decoder_f1.int8.onnx public/models/decoder_f2.int8.onnx
       public/models/decoder_f3.int8.onnx public/models/decoder_f4.int8.onnx)
# SET=training: what an MLLM training call (v4_train.sh, v5_ab.sh) does not read: the same less the judge (its
# evaluations use it) and the training logs. SET=distill (distill.sh): the teachers stay, the MLLM's weights go.
# The tracked tree was ~68 MB with the int8 decoders (~62 MB since the int8-stored weights, stop 26; ~68 MB again with
# training/teachers/progressive), over the 64 MiB a call carries, so every call needs one;
# with the 15.6 MB of training data carried: training ~58 MB (a carried 19.8 MB init also needs
# public/models/mllm.onnx.data* moved out by hand), distill ~48 MB.
INT8=(public/models/decoder_f0.int8.onnx public/models/decoder_f1.int8.onnx public/models/decoder_f2.int8.onnx
      public/models/decoder_f3.int8.onnx public/models/decoder_f4.int8.onnx)
case "${SET:-}" in
  training) PATHS=(docs/screenshots golden workers/mllm/fixtures e2e/fixtures training/teachers "${INT8[@]}") ;;
  distill) PATHS=(docs/screenshots golden workers/mllm/fixtures e2e/fixtures training/reader public/models/mllm.onnx.data0
                  public/models/mllm.onnx.data1 "${INT8[@]}") ;;
esac
bytes() { git ls-files -z -- "$@" | xargs -0 -r stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}'; }
case "${1:-}" in
  list)
    for p in "${PATHS[@]}"; do echo "$(bytes "$p") $p"; done
    echo "$(bytes "${PATHS[@]}") in all" ;;
  present) bytes "${PATHS[@]}" ;;
  out)
    [ -e "$ASIDE" ] && { echo "device-aside: $ASIDE exists (moved out already? run: $0 back)" >&2; exit 1; }
    for p in "${PATHS[@]}"; do mkdir -p "$ASIDE/$(dirname "$p")"; mv "$p" "$ASIDE/$p"; done
    echo "moved out to $ASIDE: ${PATHS[*]}" ;;
  back)
    [ -d "$ASIDE" ] || { echo "device-aside: nothing under $ASIDE" >&2; exit 1; }
    # everything under $ASIDE goes back, whatever SET moved it out (a `back` with another SET than its `out`
    # once deleted what it did not list); $ASIDE is removed only when nothing is left in it
    (cd "$ASIDE" && find . -type f -print0) | while IFS= read -r -d '' f; do
      p=${f#./}; mkdir -p "$(dirname "$p")" && mv "$ASIDE/$p" "$p"; done
    find "$ASIDE" -depth -type d -empty -delete
    [ ! -e "$ASIDE" ] || { echo "device-aside: left under $ASIDE:" >&2; find "$ASIDE" >&2; exit 1; }
    if git ls-files --deleted | grep -q .; then echo "device-aside: still missing:" >&2; git ls-files --deleted >&2; exit 1; fi
    echo "restored everything under $ASIDE" ;;
  *) echo "usage: $0 out|back|list|present" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# The tracked tree (~43 MB with the MLLM models) plus the device pack (~33 MB) exceed the 64 MiB a
# device call may carry. This splits the pack's node.xz in two so the pack travels in two calls
# (see bench/README.md "GPU"): call 1 carries .device/gl, .device/node_modules, .device/node.xz.part-00;
# call 2 carries .device/node.xz.part-01 and bench/out/gpu.
#   bash ../shared/tools/webgpu-device/pack.sh .device && bash bench/device-split.sh
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
[ -f .device/node.xz ] || { echo "device-split: run pack.sh .device first" >&2; exit 2; }
rm -f .device/node.xz.part-*
split -b 12M -d .device/node.xz .device/node.xz.part-
tracked=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
c1=$(du -cb .device/gl .device/node_modules .device/node.xz.part-00 | tail -1 | cut -f1)
c2=$(du -cb .device/node.xz.part-01 bench/out/gpu | tail -1 | cut -f1)
echo "tracked tree $((tracked / 1000000)) MB; call 1 carries $((c1 / 1000000)) MB (total $(((tracked + c1) / 1000000)) MB); call 2 carries $((c2 / 1000000)) MB (total $(((tracked + c2) / 1000000)) MB); limit 67.1 MB"

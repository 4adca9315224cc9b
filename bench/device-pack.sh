#!/usr/bin/env bash
# Packs Node, Dawn and onnxruntime-web for the GPU machine into .device (the shared
# webgpu-device pack.sh), with node stripped of its debug symbols first (98.9 -> 86.3 MB, 24.2 ->
# 22.1 MB compressed): the tracked tree (~33 MB) plus the pack must stay under the 64 MiB a
# device call carries. Prints what one call of bench/gpu-device.sh would carry.
#   node bench/build-gpu.mjs && bash bench/device-pack.sh
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
dev=${WEBGPU_DEVICE_DIR:-../shared/tools/webgpu-device}
[ -f "$dev/pack.sh" ] || { echo "device-pack: $dev/pack.sh missing: set WEBGPU_DEVICE_DIR" >&2; exit 2; }
[ -f bench/out/gpu/gpu-bench.mjs ] || { echo "device-pack: run node bench/build-gpu.mjs first" >&2; exit 2; }
bash "$dev/pack.sh" .device
tmp=$(mktemp)
strip -o "$tmp" "$(readlink -f "$(command -v node)")"
xz -T0 -6 -c "$tmp" > .device/node.xz
rm -f "$tmp" .device/node.xz.part-*
tracked=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
untracked=$(git ls-files -z --others --exclude-standard | xargs -0 -r du -cb 2>/dev/null | tail -1 | cut -f1)
carry=$(du -cb .device bench/out/gpu | tail -1 | cut -f1)
total=$((tracked + ${untracked:-0} + carry))
echo "tracked $((tracked / 1000)) kB + untracked $((${untracked:-0} / 1000)) kB + carried (.device, bench/out/gpu) $((carry / 1000)) kB = $((total / 1000)) kB; limit 67108 kB"
[ "$total" -lt 67108864 ] || { echo "device-pack: over the 64 MiB a call carries" >&2; exit 1; }

#!/usr/bin/env bash
# Packs Node, Dawn and onnxruntime-web for the GPU machine into .device (the shared
# webgpu-device pack.sh), with node stripped of its debug symbols and compressed with xz -9e
# (98.9 -> 86.3 MB stripped, ~22 MB compressed). Then checks what one call of bench/gpu-device.sh
# would carry against the 64 MiB limit: every tracked file present in the working tree, the
# untracked files git does not ignore, and the carried .device and bench/out/gpu. The tree with
# public/models (the MLLM's 19.8 MB included) is ~48 MB, so the tree and the pack do not fit as
# they are: bench/device-aside.sh moves the tracked files the bench does not read (~13.8 MB:
# screenshots, golden vectors, the judge, test fixtures, training logs) out of the tree for the
# call and back afterwards; the check prints the total both ways (2026-11-30: 79.8 MB as the tree
# is, 66.0 MB with them out, against 67.1 MB: a margin of ~1 MB, so watch what the tree gains).
#   node bench/build-gpu.mjs && bash bench/device-pack.sh
#   bash bench/device-aside.sh out; (the device call); bash bench/device-aside.sh back
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
dev=${WEBGPU_DEVICE_DIR:-../shared/tools/webgpu-device}
[ -f "$dev/pack.sh" ] || { echo "device-pack: $dev/pack.sh missing: set WEBGPU_DEVICE_DIR" >&2; exit 2; }
[ -f bench/out/gpu/gpu-bench.mjs ] || { echo "device-pack: run node bench/build-gpu.mjs first" >&2; exit 2; }
bash "$dev/pack.sh" .device
tmp=$(mktemp)
strip -o "$tmp" "$(readlink -f "$(command -v node)")"
xz -T0 -9e -c "$tmp" > .device/node.xz
rm -f "$tmp" .device/node.xz.part-*
# bytes of files listed NUL-separated on stdin; a missing file (moved aside) counts nothing
sum() { xargs -0 -r stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}'; }
tracked=$(git ls-files -z | sum)
untracked=$(git ls-files -z --others --exclude-standard | sum)
carry=$(find .device bench/out/gpu -type f -print0 | sum)
aside=$(bash bench/device-aside.sh list | tail -1 | cut -d' ' -f1)
present_aside=$(bash bench/device-aside.sh present)
total=$((tracked + untracked + carry))
limit=67108864
kb() { echo "$(($1 / 1000)) kB"; }
echo "tracked $(kb "$tracked") + untracked $(kb "$untracked") + carried (.device, bench/out/gpu) $(kb "$carry") = $(kb "$total"); limit $(kb $limit)"
if [ "$present_aside" -gt 0 ]; then
  echo "with bench/device-aside.sh out ($(kb "$aside") out of the tree): $(kb $((total - present_aside)))"
fi
if [ "$total" -lt "$limit" ]; then echo "fits"; exit 0; fi
if [ "$present_aside" -gt 0 ] && [ $((total - present_aside)) -lt "$limit" ]; then
  echo "device-pack: NOT as the tree is; fits after: bash bench/device-aside.sh out (and back after the call)"
  exit 0
fi
echo "device-pack: over the 64 MiB a call carries" >&2
exit 1

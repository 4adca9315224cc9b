#!/usr/bin/env bash
# The GPU benchmark in one device call (issue 19): parity of the GPU loops with the CPU loop, all
# five reconstructions on WebGPU with each decode loop (graph capture, the default; the GPU loop
# uncaptured; the CPU loop), each in a fresh Node process, and PyTorch eager on the same weights;
# then text to five images wholly on the GPU (the MLLM on WebGPU with its KV cache in GPU buffers,
# the decoders captured) beside the same pipeline in PyTorch eager (item 2), each with the plan
# drafted (the engine's default; PyTorch given the perfect draft), the MLLM captured (the default)
# and uncaptured; with ONE_BY_ONE=1 also the plan written one call per token.
# Writes to $OUT: gpu-<date>.json and gpu-<date>.md (for bench/results/) and raw.tar.gz (every raw
# JSON and log). Budget: under 8 minutes (timeouts 60+3x60+75+75+75 s; a Node+Dawn process takes
# ~30 s from its start to exit whatever it does, so each step needs ~35 s), under 64 MiB carried.
#
# Here, before the call (bench/README.md "GPU"):
#   node bench/build-gpu.mjs && bash bench/device-pack.sh
#   bash bench/device-aside.sh out     # tracked files the bench does not read, out of the tree
# The call: carry .device and bench/out/gpu; command: bash bench/gpu-device.sh [steps] [runs]
# After it: bash bench/device-aside.sh back
set -u
# default: the manifest's steps (the step-distilled decoders are valid at theirs only; the engine refuses others)
STEPS=${1:-$(python3 -c "import json; print(json.load(open('public/models/manifest.json'))['sampler']['steps'])")}
RUNS=${2:-4}
OUT=${OUT:-bench/out/device}
M=public/models
B=bench/out/gpu
RAW=$(mktemp -d)
mkdir -p "$OUT"
t0=$(date +%s)
step() { echo "[gpu-device] $(( $(date +%s) - t0 )) s: $*" | tee -a "$RAW/steps.log"; }
[ -f "$B/gpu-bench.mjs" ] && [ -d .device ] || { echo "gpu-device: carry .device and bench/out/gpu (node bench/build-gpu.mjs && bash bench/device-pack.sh)" >&2; exit 2; }
# shellcheck disable=SC1091
source "$B/setup.sh" .device > "$RAW/setup.log" 2>&1 || { cat "$RAW/setup.log"; exit 2; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$RAW/nvidia-smi.csv" 2>&1
ORT_VERSION=$(node -p "require('./.device/node_modules/onnxruntime-web/package.json').version" 2>/dev/null || echo '?')
printf '{"date":"%s","steps":%s,"runs":%s,"node":"%s","ort":"%s","cpuCores":%s,"commit":"%s"}\n' "$(date -u +%F)" "$STEPS" "$RUNS" "$(node --version)" "$ORT_VERSION" "$(nproc)" "$(node -p "require('./$B/build.json').commit" 2>/dev/null || echo '?')" > "$RAW/meta.json"

step "parity: GPU loop and graph capture vs CPU loop, every scale"
timeout 60 node $B/gpu-loop-parity.mjs $M "$STEPS" > "$RAW/parity.json" 2> "$RAW/parity.log"; echo "rc=$?" >> "$RAW/parity.log"
# one fresh process per config: each load is a cold start, and no config runs after another's state
# RECON="capture:gpu+capture" measures the shipped default only (the other loops were measured before)
for c in ${RECON:-capture:gpu+capture gpu:gpu cpu:cpu}; do
  name=${c%%:*}
  step "WebGPU, $name loop"
  timeout 60 node $B/gpu-bench.mjs $M "$STEPS" "$RUNS" --configs "${c#*:}" > "$RAW/webgpu-$name.json" 2> "$RAW/webgpu-$name.log"; echo "rc=$?" >> "$RAW/webgpu-$name.log"
done
step "PyTorch eager"
PYTHONUNBUFFERED=1 timeout 75 python3 bench/gpu_torch.py $M "$STEPS" "$RUNS" > "$RAW/torch.json" 2> "$RAW/torch.log"; echo "rc=$?" >> "$RAW/torch.log"
step "WebGPU text to five images: the MLLM on WebGPU, decoders captured"
timeout 75 node $B/gpu-bench.mjs $M "$STEPS" "$RUNS" --configs gpu+capture --t2i > "$RAW/webgpu-t2i.json" 2> "$RAW/webgpu-t2i.log"; echo "rc=$?" >> "$RAW/webgpu-t2i.log"
step "WebGPU text to five images, the MLLM uncaptured (--no-mllm-capture)"
timeout 75 node $B/gpu-bench.mjs $M "$STEPS" "$RUNS" --configs gpu+capture --t2i --no-mllm-capture > "$RAW/webgpu-t2i-uncaptured.json" 2> "$RAW/webgpu-t2i-uncaptured.log"; echo "rc=$?" >> "$RAW/webgpu-t2i-uncaptured.log"
if [ -n "${ONE_BY_ONE:-}" ]; then   # the plan one call per token, both sides (measured 2026-12-02: bench/results/gpu-2026-12-02.md)
  step "WebGPU text to five images, the plan one call per token (--no-drafts)"
  timeout 75 node $B/gpu-bench.mjs $M "$STEPS" "$RUNS" --configs gpu+capture --t2i --no-drafts > "$RAW/webgpu-t2i-nodrafts.json" 2> "$RAW/webgpu-t2i-nodrafts.log"; echo "rc=$?" >> "$RAW/webgpu-t2i-nodrafts.log"
  step "PyTorch eager text to five images"
  PYTHONUNBUFFERED=1 timeout 75 python3 bench/gpu_torch.py $M "$STEPS" "$RUNS" --t2i > "$RAW/torch-t2i.json" 2> "$RAW/torch-t2i.log"; echo "rc=$?" >> "$RAW/torch-t2i.log"
fi
step "PyTorch eager text to five images, the plan drafted (perfect drafts)"
PYTHONUNBUFFERED=1 timeout 75 python3 bench/gpu_torch.py $M "$STEPS" "$RUNS" --t2i --draft > "$RAW/torch-t2i-drafted.json" 2> "$RAW/torch-t2i-drafted.log"; echo "rc=$?" >> "$RAW/torch-t2i-drafted.log"
step "results"
node bench/gpu-results.mjs "$RAW" "$OUT" >> "$RAW/steps.log" 2>&1
step done
tar -czf "$OUT/raw.tar.gz" -C "$RAW" .
cat "$RAW/steps.log"; for f in "$RAW"/*.log; do echo "== $f"; tail -5 "$f"; done
cat "$OUT"/gpu-*.md 2>/dev/null

#!/usr/bin/env bash
# The GPU benchmark in one go, on the GPU machine after `source bench/out/gpu/setup.sh DIR`
# (see bench/README.md "GPU"): GPU-loop parity, the page's WebGPU pipeline with each decode loop
# (CPU loop, GPU loop, GPU loop + graph capture), cold-start variants (each a fresh process), and
# PyTorch eager on the same weights. Writes JSON and logs to $OUT (default bench/out/h100).
#   bash bench/gpu-h100.sh [steps] [runs]
set -u
OUT=${OUT:-bench/out/h100}
# default: the manifest's steps (the step-distilled decoders are valid at theirs only; the engine refuses others)
STEPS=${1:-$(python3 -c "import json; print(json.load(open('public/models/manifest.json'))['sampler']['steps'])")}
RUNS=${2:-3}
M=public/models
B=bench/out/gpu
mkdir -p "$OUT"
t0=$(date +%s)
step() { echo "[gpu-h100] $(( $(date +%s) - t0 )) s: $*" | tee -a "$OUT/steps.log"; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/nvidia-smi.csv" 2>&1
step "parity: GPU loop (and graph capture) vs CPU loop, every scale"
timeout 150 node $B/gpu-loop-parity.mjs $M "$STEPS" > "$OUT/parity.json" 2> "$OUT/parity.log"; echo "rc=$?" >> "$OUT/parity.log"
step "WebGPU: cpu, gpu, gpu+capture loops (default cold start)"
timeout 240 node $B/gpu-bench.mjs $M "$STEPS" "$RUNS" --configs cpu,gpu,gpu+capture > "$OUT/webgpu-loops.json" 2> "$OUT/webgpu-loops.log"; echo "rc=$?" >> "$OUT/webgpu-loops.log"
step "PyTorch eager"
timeout 150 python3 bench/gpu_torch.py $M "$STEPS" "$RUNS" > "$OUT/torch.json" 2> "$OUT/torch.log"; echo "rc=$?" >> "$OUT/torch.log"
# cold-start variants, each a fresh process with one run of the GPU loop
for v in "tiny-first:--tiny-first" "threads1:--threads 1" "opt-basic:--opt-level basic"; do
  name=${v%%:*}; flags=${v#*:}
  step "cold start: $name"
  timeout 90 node $B/gpu-bench.mjs $M "$STEPS" 1 --configs gpu $flags > "$OUT/cold-$name.json" 2> "$OUT/cold-$name.log"; echo "rc=$?" >> "$OUT/cold-$name.log"
done
step done

#!/usr/bin/env bash
# Issue 15 item 1 (throughput), one GPU (<= 9.5 min): short runs of the v3/v5 architecture (s18, scale order,
# residual edits, plan) from scratch, one after another on the same GPU, each PROBE a set of MLLMConfig
# overrides; each run's median samples/s, tokens/s and MFU (steps after the first log line, so compilation is
# not counted) are printed from its stages.jsonl. Quality is not measured here: compile and padding change
# no arithmetic, and a larger batch is a recipe change that needs its own A/B at equal samples.
#   GPU=1 STEPS=300 bash training/gpu/throughput.sh      (back in $OUT: throughput.tar.gz, the logs and summary)
# Carry: training/data/emoji64.u8.xz, training/data/report.json, training/carry (meta.json.xz).
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-training/runs/throughput_out}; RES=/tmp/thr; rm -rf "$RES"; mkdir -p "$OUT" "$RES"
GPU=${GPU:-0}; STEPS=${STEPS:-300}
PROBES=${PROBES:-"eager: compile:compile=True,pad_multiple=64 eager_2x:short_batch=768,long_batch=256 compile_2x:compile=True,pad_multiple=64,short_batch=768,long_batch=256"}
[ -f training/data/meta.json ] || xz -dc training/carry/meta.json.xz > training/data/meta.json || exit 1
for p in $PROBES; do
  IFS=: read -r name sets <<< "$p"; t0=$(date +%s)
  CUDA_VISIBLE_DEVICES=$GPU python3 -m training.train_mllm --config v3 --set source_noise=0.3 max_steps=$STEPS \
    budget_minutes=60 seed=7 ${sets//,/ } --out-dir "$RES/$name" --no-resume --minutes 3 --workers 12 \
    --log-every 50 > "$RES/$name.log" 2>&1
  echo "$name ($sets): rc=$? wall $(( $(date +%s) - t0 ))s $(grep -E "step $STEPS " "$RES/$name.log" | tail -n 1 | cut -c1-160)"
  python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])][-1]; print('   ', {k: r.get(k) for k in ('samples_per_s','tokens_per_s','mfu','steps','train_seconds')})" "$RES/$name/stages.jsonl" 2>&1 | tail -n 1
  grep -E "Error|error" "$RES/$name.log" | tail -n 3
done | tee "$RES/summary.txt"
tar -czf "$OUT/throughput.tar.gz" -C "$RES" --exclude="*.pt" .

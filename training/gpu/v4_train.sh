#!/usr/bin/env bash
# v4: the shipped v3 MLLM trained on with DDP on every GPU of the machine, one LR clock of BUDGET
# training-minutes over two device calls (the learning curve says compute is what v3 lacks).
#   call 1: STAGE=1 bash training/gpu/v4_train.sh   rebuilds the init from public/models (training.shipped,
#           exactly the int8 weights that ship), trains, and sends back its EMA weights int8-packed
#           (mllm_init.pt.part-*: cat them into training/carry/mllm_init.pt for call 2's fallback).
#   call 2: STAGE=2 bash training/gpu/v4_train.sh   resumes from training/runs/v4/state.pt (optimizer and
#           clock) when the machine is still the warm one of call 1; otherwise starts from the carried
#           training/carry/mllm_init.pt on a short fresh clock. Then the judge's full evaluation of the
#           final weights (int8, what ships) and canonical-only learning-curve points of the snapshots.
# The init's training fields are the v3 preset's (the shipped graph holds only the architecture).
# SET adds MLLMConfig overrides (e.g. SET="source_noise=0.3"); training is compiled unless COMPILE= (empty).
# RUN (default training/runs/v4) and INIT (call 1: default the shipped weights; call 2 cold: default the
# carried training/carry/mllm_init.pt) let a later version reuse this, e.g. v5 continues an A/B arm's
# weights left on the machine by training/gpu/v5_ab.sh: STAGE=2 RUN=training/runs/v5 INIT=training/runs/v5_ab/<arm>/mllm.pt.
# Carry: training/data/emoji64.u8.xz, training/data/report.json, training/carry (meta.json.xz; call 2 also
# mllm_init.pt, with public/models/mllm.onnx.data* moved out of the tree for that call). Back in $OUT: see each stage's end.
set -u
export PYTHONUNBUFFERED=1 NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
# RES starts empty: a warm machine keeps the last call's logs and curve points there, which would be packed again
RUN=${RUN:-training/runs/v4}; RES=/tmp/v4res; rm -rf "$RES"; mkdir -p "$RUN" "$RES"; OUT=${OUT:-training/runs/v4_out}; mkdir -p "$OUT"
STAGE=${STAGE:-1}; BUDGET=${BUDGET:-15}; LR=${LR:-8e-4}; JUDGE=${JUDGE:-training/eval/judge.pt}
# torch.compile, lengths padded to multiples of 64: 1.39x eager on one H200, 1.30x with DDP on two (v7,
# training/eval/throughput/); COMPILE= (empty) trains eager
COMPILE=${COMPILE-compile=True pad_multiple=64}
# meta.json travels xz-compressed in training/carry (the tree, the images and the init fit 64 MiB that way)
[ -f training/data/meta.json ] || xz -dc training/carry/meta.json.xz > training/data/meta.json || exit 1
NG=$(python3 -c 'import torch; print(torch.cuda.device_count())'); nvidia-smi -L
t0=$(date +%s)
train() {  # $1: wall minutes for this command's training; the rest are extra arguments
  local m=$1; shift
  torchrun --standalone --nproc_per_node="$NG" -m training.train_mllm --set lr=$LR warmup=50 max_steps=1000000 \
    budget_minutes=$BUDGET short_batch=384 long_batch=128 seed=41 $COMPILE ${SET:-} --out-dir "$RUN" --minutes "$m" --workers 12 --log-every 100 "$@" >> "$RES/train$STAGE.log" 2>&1
  echo "trained at $(( $(date +%s) - t0 ))s"; grep -E "^\[mllm" "$RES/train$STAGE.log" | grep -E "stage|saved|initialised|model " | tail -n 4 | cut -c1-600
}
if [ "$STAGE" = 1 ]; then
  # no INIT: the shipped weights, rebuilt every time (a warm machine's older copy would be stale)
  [ -n "${INIT:-}" ] || { INIT=/tmp/v4_init.pt; python3 -m training.shipped mllm "$INIT" || exit 1; }
  train "${MIN:-8.9}" --init "$INIT" --snapshots 4,8
  python3 -m training.quantize "$RUN/mllm.pt" /tmp/v4_packed.pt && split -b 15M /tmp/v4_packed.pt "$OUT/mllm_init.pt.part-"
else
  if [ -f "$RUN/state.pt" ]; then echo "resuming the warm machine's $RUN/state.pt"; train "${MIN:-7.2}" --snapshots 12
  else INIT=${INIT:-training/carry/mllm_init.pt}; echo "no $RUN/state.pt: from $INIT on a fresh clock"
       BUDGET=${FALLBACK_BUDGET:-6.5} train "${MIN:-7.2}" --init "$INIT" --snapshots ${SNAPS:-4}; fi
  split -b 15M "$RUN/mllm.pt" "$OUT/mllm.pt.part-"
  for s in "$RUN"/mllm_*m.pt; do [ -f "$s" ] || continue; n=$(basename "$s" .pt)
    CUDA_VISIBLE_DEVICES=1 timeout $(( 560 - ($(date +%s) - t0) )) python3 -m training.eval_mllm --canonical-only \
      --n-canonical 300 --seeds 1 --mllm "$s" --judge "$JUDGE" --out "$RES/curve_$n.json" > "$RES/curve_$n.log" 2>&1
  done &
  CUDA_VISIBLE_DEVICES=0 timeout $(( 570 - ($(date +%s) - t0) )) python3 -m training.eval_mllm --mllm "$RUN/mllm.pt" \
    --judge "$JUDGE" --seeds "${SEEDS:-2}" --n-openmoji 200 --out "$RES/eval_mllm.json" > "$RES/eval.log" 2>&1
  echo "eval rc=$? at $(( $(date +%s) - t0 ))s"; wait
  grep "\[eval" "$RES/eval.log" | grep -E "canonical|natural|plan|caption|edit_|sketch" | cut -c1-300
fi
cp "$RUN"/stages.jsonl "$RES/" 2>/dev/null; tar -czf "$OUT/results$STAGE.tar.gz" -C "$RES" .
echo "done at $(( $(date +%s) - t0 ))s"

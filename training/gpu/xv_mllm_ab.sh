#!/usr/bin/env bash
# Issue 15, the cross-vendor encoder, stage 2 (one device call, ONE GPU, <= ~9.5 min wall): does the MLLM read
# unseen drawings better on the cross-vendor encoder's features (training/gpu/xv_stage1.sh) than on the shipped
# encoder's? An A/B at equal compute, both arms side by side on the one GPU, from the shipped v5 weights
# (rebuilt from public/models by training.shipped), v5's recipe (source noise 0.3, compiled), the same STEPS,
# seed and LR clock:
#   a_shipped: the shipped encoder's features (v5 continued)
#   b_xv:      the cross-vendor encoder's features (PUMA_MODELS=$XV: its int8-stored encoder and its five
#              decoders, exported on the CPU by training.export from xv_stage1's checkpoints); the feature
#              normalisation re-measured on them (--refit-feature-stats), everything else v5's weights
# Arm (b) starts from weights fitted to other features, so equal steps favour (a): what matters is whether (b)
# already reads the held-out-vendor drawings better (captions, VQA, edits), not text-to-image.
# Also PUMA's Table 1 for arm (b)'s encoder and decoders (training.eval_visual), beside the training.
# Carry: training/data/emoji64.u8.xz, training/data/report.json, training/carry (meta.json.xz), training/runs/xv_models
# (encoder.onnx, decoder_f*.onnx, manifest.json from the CPU export). Needs public/models/mllm.onnx.data* (the init).
# Back in $OUT: results_ab.tar.gz (train/eval logs, eval_mllm.json per arm), visual_xv.json, summary.txt,
# b_xv_mllm.pt.part-* (arm (b) int8-packed).
set -u
export PYTHONUNBUFFERED=1
RUN=training/runs/xv_ab; RES=/tmp/xvres; rm -rf "$RES" "$RUN"; mkdir -p "$RUN" "$RES"; OUT=${OUT:-training/runs/xv_ab_out}; mkdir -p "$OUT"
STEPS=${STEPS:-600}; MIN=${MIN:-5.5}; LR=${LR:-4e-4}; SEEDS=${SEEDS:-2}; JUDGE=${JUDGE:-training/eval/judge.pt}
XV=/tmp/xv_models; rm -rf "$XV"; cp -r public/models "$XV" && cp training/runs/xv_models/* "$XV/" || exit 1
COMPILE=${COMPILE-compile=True pad_multiple=64}
[ -f training/data/meta.json ] || xz -dc training/carry/meta.json.xz > training/data/meta.json || exit 1
nvidia-smi -L
t0=$(date +%s)
python3 -m training.shipped mllm /tmp/v5_init.pt || exit 1
PUMA_MODELS=$XV python3 -m training.eval_visual --device cuda --out "$OUT/visual_xv.json" > "$RES/table1.log" 2>&1 &
for arm in a_shipped b_xv; do
  mkdir -p "$RES/$arm"; env=(); extra=()
  [ $arm = b_xv ] && env=(PUMA_MODELS=$XV) && extra=(--refit-feature-stats)
  env "${env[@]}" python3 -m training.train_mllm --init /tmp/v5_init.pt "${extra[@]}" --set lr=$LR warmup=50 \
    max_steps=$STEPS budget_minutes=60 short_batch=384 long_batch=128 seed=51 source_noise=0.3 $COMPILE \
    --out-dir "$RUN/$arm" --no-resume --minutes "$MIN" --workers 6 --log-every 100 > "$RES/$arm/train.log" 2>&1 &
done
wait
echo "trained at $(( $(date +%s) - t0 ))s"; tail -n 3 "$RES/table1.log"
for arm in a_shipped b_xv; do
  grep -E "^\[mllm" "$RES/$arm/train.log" | grep -E "step [0-9]+ |saved|feature bank" | tail -n 3 | cut -c1-300
  env=(); [ $arm = b_xv ] && env=(PUMA_MODELS=$XV)
  env "${env[@]}" timeout $(( 560 - ($(date +%s) - t0) )) python3 -m training.eval_mllm --mllm "$RUN/$arm/mllm.pt" \
    --judge "$JUDGE" --seeds "$SEEDS" --n-openmoji 200 --out "$RES/$arm/eval_mllm.json" > "$RES/$arm/eval.log" 2>&1 &
done
wait
echo "evaluated at $(( $(date +%s) - t0 ))s"
for arm in a_shipped b_xv; do cp "$RUN/$arm/stages.jsonl" "$RES/$arm/" 2>/dev/null; done
python3 -m training.gpu.ab_summary "$RES/a_shipped" "$RES/b_xv" | tee "$OUT/summary.txt"
# arm (b)'s weights, int8-packed, for the next stage on a fresh machine (cat the parts into one file)
[ -f "$RUN/b_xv/mllm.pt" ] && python3 -m training.quantize "$RUN/b_xv/mllm.pt" /tmp/b_xv_packed.pt \
  && split -b 15M /tmp/b_xv_packed.pt "$OUT/b_xv_mllm.pt.part-"
tar -czf "$OUT/results_ab.tar.gz" -C "$RES" .
echo "done at $(( $(date +%s) - t0 ))s"

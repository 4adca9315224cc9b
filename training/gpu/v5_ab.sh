#!/usr/bin/env bash
# v5 GPU call 1 (<= 9.5 min wall, 2 GPUs): does noise on the *given* images' inputs stop the understanding
# half from memorising the training drawings? From v3 to v4 to v4b, more training raised text-to-image but
# lowered every task that reads an unseen drawing (held-out-vendor captions 38 -> 27 -> 23%, tone edits
# 46 -> 41 -> 30%) while the training caption CE sat at 0.02: v4 drew 5.5M samples from 7,034 training images.
# Both arms continue the shipped v4 weights (rebuilt from public/models by training.shipped, so nothing is
# carried for them) for the same number of steps at the same learning rate, each alone on its GPU:
#   a_control: v4's recipe          b_srcnoise: + source_noise=$NOISE (N(0, s^2) in normalised units)
# Then the judge's full evaluation of each (int8, what would ship) and training.gpu.ab_summary's pick.
# The arms' weights stay on the machine (training/runs/v5_ab/<arm>/) for call 2 (v4_train.sh with
# STAGE=2 RUN=training/runs/v5 INIT=training/runs/v5_ab/<arm>/mllm.pt), and the pick comes back int8-packed
# (mllm_init.pt.part-*: cat them into training/carry/mllm_init.pt) in case the machine is cold by then.
# ARMS ("name:gpu:key=value,key=value ...") sets other arms on the same footing, e.g. next session's
#   share A/B from v5:  ARMS="a_v5:0:source_noise=0.3 b_mix:1:source_noise=0.3,task_mix=caption=0.4/edit_tone=0.35/edit_style=0.35"
#   augmentation A/B (v7, lost 0.521 vs 0.554: training/eval/v7/ab_summary.txt):
#       ARMS="a_v5:0:source_noise=0.3 b_aug:1:source_noise=0.3,source_aug=4,source_aug_p=0.5"
#   more distinct drawings (stop 26): Fluent Emoji art as given images only (training.data's "sources" split):
#       ARMS="a_v5:0:source_noise=0.3 b_fluent:1:source_noise=0.3,source_vendors=fluent,source_vendor_p=0.3"
# (the init is always what ships in public/models).
# Carry: training/data/emoji64.u8.xz, training/data/report.json, training/carry (meta.json.xz).
set -u
export PYTHONUNBUFFERED=1
RUN=training/runs/v5_ab; RES=/tmp/v5res; rm -rf "$RES"; mkdir -p "$RUN" "$RES"; OUT=${OUT:-training/runs/v5_ab_out}; mkdir -p "$OUT"
STEPS=${STEPS:-1500}; MIN=${MIN:-6.8}; LR=${LR:-4e-4}; NOISE=${NOISE:-0.3}; SEEDS=${SEEDS:-2}
JUDGE=${JUDGE:-training/eval/judge.pt}
# both arms compiled (training/gpu/throughput.sh: 1.39x eager, same arithmetic); COMPILE= (empty) trains eager
COMPILE=${COMPILE-compile=True pad_multiple=64}
ARMS=${ARMS:-"a_control:0: b_srcnoise:1:source_noise=$NOISE"}
[ -f training/data/meta.json ] || xz -dc training/carry/meta.json.xz > training/data/meta.json || exit 1
nvidia-smi -L
t0=$(date +%s)
python3 -m training.shipped mllm /tmp/v5_init.pt || exit 1
for a in $ARMS; do
  IFS=: read -r arm gpu sets <<< "$a"; mkdir -p "$RES/$arm"
  # max_steps is the clock (budget_minutes only a ceiling), so both arms get the same steps and schedule
  CUDA_VISIBLE_DEVICES=$gpu python3 -m training.train_mllm --init /tmp/v5_init.pt --set lr=$LR warmup=50 \
    max_steps=$STEPS budget_minutes=60 short_batch=384 long_batch=128 seed=51 $COMPILE ${sets//,/ } --out-dir "$RUN/$arm" \
    --no-resume --minutes "$MIN" --workers 12 --log-every 100 > "$RES/$arm/train.log" 2>&1 &
done
wait
echo "trained at $(( $(date +%s) - t0 ))s"
for a in $ARMS; do
  IFS=: read -r arm gpu sets <<< "$a"
  grep -E "^\[mllm" "$RES/$arm/train.log" | grep -E "step [0-9]+ |saved" | tail -n 2 | cut -c1-400
  cp "$RUN/$arm/stages.jsonl" "$RES/$arm/" 2>/dev/null
  CUDA_VISIBLE_DEVICES=$gpu timeout $(( 565 - ($(date +%s) - t0) )) python3 -m training.eval_mllm --mllm "$RUN/$arm/mllm.pt" \
    --judge "$JUDGE" --seeds "$SEEDS" --n-openmoji 200 --out "$RES/$arm/eval_mllm.json" > "$RES/$arm/eval.log" 2>&1 &
done
wait
echo "evaluated at $(( $(date +%s) - t0 ))s"
python3 -m training.gpu.ab_summary $(for a in $ARMS; do echo "$RES/${a%%:*}"; done) | tee "$RES/summary.txt"
win=$(tail -n 1 "$RES/summary.txt" | awk '{print $2}'); echo "$win" > "$RUN/winner"
[ -f "$RUN/$win/mllm.pt" ] && python3 -m training.quantize "$RUN/$win/mllm.pt" /tmp/v5_packed.pt \
  && split -b 15M /tmp/v5_packed.pt "$OUT/mllm_init.pt.part-"
cp "$RES/summary.txt" "$OUT/"; tar -czf "$OUT/results_ab.tar.gz" -C "$RES" .
echo "done at $(( $(date +%s) - t0 ))s"

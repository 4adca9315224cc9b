#!/usr/bin/env bash
# Encoder probe A/B (one device call, ONE GPU, <= ~6 min wall). Held-out-vendor captions sit at 32% whatever
# the MLLM's recipe; the suspect is the encoder, whose f4 may keep a drawing's vendor as much as its concept.
# Two encoders train from scratch side by side on the one GPU, same batch, same STEPS, same LR clock (equal
# compute; MIN is only a ceiling, each probe JSON records the step reached):
#   control: the shipped recipe                variant: + cross_vendor_weight=$XVW (InfoNCE on f4 whose positives
#                                              are the other vendor's drawings of the concept; half of each batch
#                                              drawn as such pairs)
# Compute: the shipped encoder stage ran enc_steps=3000 x enc_batch=256 and stopped on its 3-minute budget at
# step 2434 (training/logs/stage1_visual.log); STEPS=1800 is 74% of those steps (60% of its 3000-step clock),
# with the cosine run to its end here.
# Then training.encoder_probe on shipped, control and variant: the default (CPU-sized) gallery, as the CPU run
# of the shipped encoder, and --full (every OpenMoji query, all 7,034 training images as the gallery); the aux
# decoder's PSNR on clean images says whether f0 still reconstructs. The shipped probe runs during training.
# Carry: training/data/emoji64.u8.xz, training/data/report.json, training/carry (meta.json.xz).
# Back in $OUT: {shipped,control,variant}.json and *_full.json, train_{control,variant}.log, probe_*.log,
# summary.txt, {control,variant}_encoder.pt (weights, aux decoder and text tower, no optimizer: ~12 MB) if < 16 MiB.
# CPU smoke run only: STEPS=2 MIN=0.5 TRAIN_ARGS="--config tiny" FULL= PROBE_ARGS="--gallery-concepts 30 --openmoji 10"
set -u
export PYTHONUNBUFFERED=1
export OUT=${OUT:-training/runs/encoder_probe_out}; RUN=/tmp/encoder_probe; rm -rf "$RUN"; mkdir -p "$OUT" "$RUN"
STEPS=${STEPS:-1800}; MIN=${MIN:-4.0}; XVW=${XVW:-0.5}; SHIPPED=${SHIPPED-1}
# ARMS: "name:key=value,key=value ..." (stop 27's default: the control and the variant). Stop 28's second round, on
# the shipped clock, three arms side by side: the control, the invariance on a projection head, a lower weight:
#   STEPS=3000 MIN=4.6 SHIPPED= PROBE_DEADLINE=400 ARMS="control: head:cross_vendor_weight=0.5,cross_vendor_head=256 low:cross_vendor_weight=0.15"
ARMS=${ARMS:-"control: variant:cross_vendor_weight=$XVW"}
export FULL=${FULL-1} PROBE_ARGS=${PROBE_ARGS:-}
export FULL_LINEAR=f4,concat,f3_flat,f2_flat   # the linear probe is cheap on a GPU: also the 256- and 1024-dim layouts
[ -f training/data/meta.json ] || xz -dc training/carry/meta.json.xz > training/data/meta.json || exit 1
nvidia-smi -L
python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name())'
t0=$(date +%s); export DEADLINE=$(( t0 + ${PROBE_DEADLINE:-345} ))   # every probe stops by then: the call stays under ~6 minutes
left() { local s=$(( DEADLINE - $(date +%s) )); [ $s -gt 0 ] && echo $s || echo 1; }   # `timeout 0` would never stop
probe() {  # $1: encoder ('shipped' or a checkpoint), $2: name: the default gallery, then --full
  timeout "$(left)" python3 -m training.encoder_probe --encoder "$1" --name "$2" --out "$OUT/$2.json" $PROBE_ARGS || return 1
  [ -z "$FULL" ] || timeout "$(left)" python3 -m training.encoder_probe --encoder "$1" --name "$2" --full \
    --linear $FULL_LINEAR --out "$OUT/$2_full.json"
}
[ -z "$SHIPPED" ] || probe shipped shipped > "$OUT/probe_shipped.log" 2>&1 &
for a in $ARMS; do
  IFS=: read -r arm extra <<< "$a"; sets="enc_steps=$STEPS ${extra//,/ }"
  PUMA_CKPT="$RUN/$arm" python3 -m training.train_visual --stage encoder ${TRAIN_ARGS:-} --no-resume --minutes "$MIN" --set $sets \
    > "$OUT/train_$arm.log" 2>&1 &
done
wait
echo "trained at $(( $(date +%s) - t0 ))s"; tail -n 2 "$OUT"/train_*.log
for a in $ARMS; do
  arm=${a%%:*}
  probe "$RUN/$arm/encoder.pt" $arm > "$OUT/probe_$arm.log" 2>&1 &
done
wait
echo "probed at $(( $(date +%s) - t0 ))s"
python3 - "$OUT" "$RUN" $(for a in $ARMS; do echo "${a%%:*}"; done) <<'EOF' | tee "$OUT/summary.txt"
import json, os, sys
import torch
out, run, arms = sys.argv[1], sys.argv[2], sys.argv[3:]
for arm in arms:   # weights-only copies (no optimizer) when they fit what a call brings back
    src, dst = os.path.join(run, arm, "encoder.pt"), os.path.join(out, f"{arm}_encoder.pt")
    if os.path.exists(src):
        ck = torch.load(src, map_location="cpu", weights_only=False)
        torch.save({k: v for k, v in ck.items() if k != "opt"}, dst)
        if os.path.getsize(dst) >= 16 << 20:
            os.remove(dst)
feats = ("f4", "concat", "f2_flat", "f1_flat", "f0_flat", "pixels")
for suffix in ("", "_full"):
    for name in ["shipped"] + arms:
        p = os.path.join(out, f"{name}{suffix}.json")
        if not os.path.exists(p):
            print(f"{name}{suffix}: missing"); continue
        r = json.load(open(p))
        g = r["gallery"]
        print(f"== {name}{suffix}: step {r.get('step', '-')}/{r.get('enc_steps', '-')} cross_vendor_weight "
              f"{r.get('cross_vendor_weight', 0)} aux PSNR heldout_vendor {r.get('aux_psnr_heldout_vendor')} "
              f"gallery {r.get('aux_psnr_gallery')}; gallery {g['images']} images, {g['concepts']} concepts")
        for s, q in r["query_sets"].items():
            if not q.get("n"):
                continue
            print(f"  {s} (n={q['n']}, chance top1 {q['chance_top1']:.4f})")
            for f in feats:
                v = q["features"][f]
                print(f"    {f:8s} nn {v['nn_top1']:.3f}/{v['nn_top5']:.3f}  ncm {v['ncm_top1']:.3f}/{v['ncm_top5']:.3f}"
                      + (f"  linear {v['linear_top1']:.3f}/{v['linear_top5']:.3f}" if "linear_top1" in v else "")
                      + (f"  nn_same_vendor {v['nn_same_vendor']:.2f}" if "nn_same_vendor" in v else ""))
EOF
if [ -n "${PACK:-}" ]; then   # a call brings back 8 files: everything but the summary in one tarball, split
  (cd "$OUT" && tar -czf - $(ls | grep -v '^summary.txt$') | split -b 15m - results.tgz.part- && ls | grep -v '^summary.txt$' | grep -v '^results.tgz.part-' | xargs rm -f)
fi
echo "done at $(( $(date +%s) - t0 ))s"

#!/usr/bin/env bash
# Guidance-distilled decoders (issue 19 item 4), one device call (<= 9.5 min, one GPU): a student per
# scale from the teacher decoders in training/teachers (training/distill_decoders.py), MIN (4) training minutes shared by the
# scales, then Table 1 for the teacher's guided pair against the students' single pass on the same images.
# (held-out concepts and NOM=300 OpenMoji images; the whole call took 4.4 min on an H200, 2026-11-30).
# Carry: training/data/emoji64.u8.xz, training/data/report.json, training/carry (meta.json.xz).
# BLANK (0: what the shipped students had) trains that share of samples on the blank features, whose target is
# the teacher's v_u, so the students' blank pass serves the guidances other than the distilled one; INIT
# (e.g. public/models) starts the students from those decoders instead of the teachers (round 2, shipped
# 2026-11-30: BLANK=0.1 INIT=public/models MIN=4, 4.4 min on one H200).
# PROGRESSIVE=10:5 instead step-distills the shipped decoders (public/models, or TEACHERS, the teachers here): students
# whose one DDIM step does the teachers' two, then Table 1 for the teachers at 10 steps, the students at 5 and the
# teachers at 5 undistilled (three evaluations: budget MIN=6 for <= 8 min in all). BLANK defaults to 0.1 there,
# as the shipped students were trained, so their blank pass stays an unguided branch (now a 5-step one).
# That round (6.5 min on one H200) ships since 2026-12-01; public/models is offered at 5 steps only now, so
# repeating it takes its teachers, kept in training/teachers/progressive:
#   TEACHERS=training/teachers/progressive PROGRESSIVE=10:5 MIN=6 bash training/gpu/distill.sh
# Back in $OUT: decoder_<s>.pt (the students' EMA weights, fp16, ~2 MB each), table1_ab.json, distill.log.
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-training/runs/distill_out}
if [ -n "${PROGRESSIVE:-}" ]; then RUN=training/runs/progressive; BLANK=${BLANK:-0.1}; else RUN=training/runs/distill; BLANK=${BLANK:-0}; fi
# a warm machine keeps ignored folders: last call's students must not come back as this call's
mkdir -p "$OUT" "$RUN"; rm -f "$RUN"/decoder_*.pt "$RUN"/table1_ab.json
[ -f training/data/meta.json ] || xz -dc training/carry/meta.json.xz > training/data/meta.json || exit 1
nvidia-smi -L
python3 -m training.distill_decoders --minutes "${MIN:-4}" --batch "${BATCH:-256}" --lr "${LR:-1e-4}" --max-openmoji "${NOM:-300}" \
  --blank-frac "$BLANK" ${INIT:+--init "$INIT"} ${PROGRESSIVE:+--progressive "$PROGRESSIVE"} ${TEACHERS:+--teachers "$TEACHERS"} \
  --out-dir "$RUN" > "$OUT/distill.log" 2>&1; echo "rc=$?"
grep -E "^\[distill\].*steps|^Table 1|PSNR_r" "$OUT/distill.log"
cp "$RUN"/decoder_*.pt "$RUN"/table1_ab.json "$OUT/" 2>/dev/null

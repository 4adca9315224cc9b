#!/usr/bin/env bash
# Two arms of an A/B trained at once on one GPU, each by training/gpu/v10_long.sh in its own SLOT (run folder and
# temporary files). Why: one arm uses the H200 at about 24% MFU (run 26: 3280 samples/s, a 19.6M-parameter trunk), and
# run 26 showed that one run per arm does not resolve the differences an A/B looks for (two arms that differ in what
# is sampled moved 4-5 points apart on columns the change cannot reach), so an A/B needs two seeds an arm, and a
# session's 30 device-minutes hold three calls. Two arms a call make that two calls.
# Equal compute between the two is by steps: set STEPS (and BUDGET above the minutes those steps take, so that the
# step clock ends the LR schedule) and MIN for the wall time; each arm's stage record says whether it reached STEPS.
# Every other setting (READER, ANCHOR, LR, STAGE, FINAL, MIN, CONTROL, EVAL_ARGS, INIT) is shared, as v10_long.sh
# reads it; per arm: NAME_A/NAME_B and SET_A/SET_B (each arm's ARM_SET, e.g. SET_B="$SET_A seed=62").
# Run 27 (2026-12-05, stop 55, one H200, the first call): the two arms SHARE the GPU rather than fill it: 1520 samples/s
#   each (3040 together) against one arm's 3280 alone (run 26), so STEPS=1000 in MIN=7.5 reached 930 and 940 steps,
#   and the two evaluations at once (their sampling shares the GPU too) had reached only the natural prompts when
#   v10_long.sh's 580-second cut came: no summary came back. One arm's 24% MFU was not idle GPU. A call of two arms
#   gains nothing over two calls of one and leaves no room for the evaluations; an A/B at two seeds an arm is four
#   one-arm calls (two sessions), or two arms a call at STEPS near 450 with the evaluation in its own call.
# Back under $OUT/NAME_A and $OUT/NAME_B: the int8-packed weights in 15 MB parts, results1.tar.gz (the logs, the
# evaluation) and summary.txt, 8 files in all (a call's limit). Each arm's output is printed with its name in front.
set -uo pipefail
: "${NAME_A:?}" "${NAME_B:?}" "${OUT:=training/runs/v10_out}"
[ "$NAME_A" != "$NAME_B" ] || { echo "NAME_A and NAME_B must differ"; exit 1; }
# decompressed once here: two arms decompressing at once could each read the other's half-written file
[ -f training/data/meta.json ] || xz -dc training/carry/meta.json.xz > training/data/meta.json || exit 1
arm() {  # $1: slot, $2: name, $3: the arm's ARM_SET
  SLOT=$1 NAME=$2 ARM_SET=$3 OUT="$OUT/$2" WORKERS=${WORKERS:-7} bash training/gpu/v10_long.sh 2>&1 | sed -u "s/^/[$2] /"
}
arm _a "$NAME_A" "${SET_A:-}" & a=$!
arm _b "$NAME_B" "${SET_B:-}" & b=$!
wait $a; ra=$?; wait $b; rb=$?
echo "pair done: $NAME_A rc $ra, $NAME_B rc $rb"
[ $ra = 0 ] && [ $rb = 0 ]

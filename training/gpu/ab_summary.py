"""Side-by-side summary of two arms' eval_mllm.json and the A/B's pick.

    python3 -m training.gpu.ab_summary RUN_DIR_A RUN_DIR_B      # each holds eval_mllm.json, stages.jsonl
    python3 -m training.gpu.ab_summary --fixed-scale f0 A B ... # each arm's "recommended" read at that scale instead

--fixed-scale S compares arms evaluated under different scale-choice rules as if the rule marked S alone: an
evaluation records every scale's metrics (per_scale, scale_choice.metric_fixed), and S's are the recommended ones such
a rule gives, from the same images (at_scale).

The pick is the arm with the higher mean of the quality targets the page is judged on (DESIGN.md):
natural-prompt judge top-5 at the recommended and at the best scale, skin-tone and style edit
success at the recommended scale, canonical-phrasing judge top-1 at f1, held-out-vendor caption
exact match and sketch recognition top-1 at f1 (the last two since v5: every target of issue 15 now
counts). Ties -> the first.
"""
import json
import os
import sys


def at_scale(ev, scale):
    """ev with every "recommended" read at `scale`: what a scale choice marking that scale alone would report (the
    natural prompts' recommended top-1/top-5, the edits' metric_at_pick)."""
    ev = json.loads(json.dumps(ev))
    for k in ("t2i_natural", "t2i_canonical", "t2i"):
        if k in ev and "recommended" in ev[k]:
            ev[k]["recommended"] = dict(ev[k]["per_scale"][scale])
    for e in ev.get("edit", {}).values():
        if "scale_choice" in e:
            e["scale_choice"]["metric_at_pick"] = e["scale_choice"]["metric_fixed"][scale]
    return ev


def metrics(ev):
    out = {}
    nat = ev.get("t2i_natural") or ev["t2i"]
    out["t2i_nat_top5_recommended"] = nat["recommended"]["judge_top5"]
    out["t2i_nat_top5_best"] = nat["best_scale"]["judge_top5"]
    out["t2i_nat_top1_recommended"] = nat["recommended"]["judge_top1"]
    out["t2i_nat_frechet_f4"] = nat["per_scale"]["f4"]["frechet"]
    out["t2i_nat_diversity_f4"] = nat["per_scale"]["f4"]["diversity"]
    for k in ("edit_tone", "edit_style"):
        if k in ev["edit"]:
            out[k + "_recommended"] = ev["edit"][k]["scale_choice"]["metric_at_pick"]
            out[k + "_f0"] = ev["edit"][k]["per_scale"]["f0"]["success"]
            if "plan" in ev["edit"][k]:   # the edit diagnosis (since v5): the plan names concept and asked field
                out[k + "_plan_both"] = ev["edit"][k]["plan"]["both"]
    if "caption" in ev:
        out["caption_heldout"] = ev["caption"]["heldout_vendor"]["exact_match"]
    can = ev.get("t2i_canonical")
    if can:   # the diagnosis columns (training/eval_mllm.py eval_t2i)
        out["canon_top1_f1"] = can["per_scale"]["f1"]["judge_top1"]
        out["canon_top1_best"] = can["best_scale"]["judge_top1"]
        if "given_right_plan" in can:
            out["canon_rightplan_top1_f1"] = can["given_right_plan"]["per_scale"]["f1"]["judge_top1"]
    if "plan" in nat:
        out["t2i_nat_plan_top1"] = nat["plan"]["top1"]
        out["t2i_nat_plan_top5"] = nat["plan"]["top5"]
        out["t2i_nat_rightplan_top5_best"] = nat["given_right_plan"]["best_scale"]["judge_top5"]
    if "bm25_floor" in nat:
        out["t2i_nat_bm25_top1"] = nat["bm25_floor"]["top1"]
    out["t2i_nat_top1_best"] = nat["best_scale"]["judge_top1"]
    for k in ("colorize", "inpaint", "sketch"):
        if k in ev["edit"]:
            out[k + "_psnr_f0"] = ev["edit"][k]["per_scale"]["f0"]["psnr"]
    for k in ("sketch", "sketch_lines", "sketch_lines_drawn"):   # eval_mllm's line drawings as the canvas: not in the score
        if k in ev["edit"] and "recognised_top5" in ev["edit"][k]["per_scale"]["f0"]:
            out[k + "_recognised_top5_f0"] = ev["edit"][k]["per_scale"]["f0"]["recognised_top5"]
        if k in ev["edit"] and "recognised_top1" in ev["edit"][k]["per_scale"]["f1"]:
            out[k + "_recognised_top1_f1"] = ev["edit"][k]["per_scale"]["f1"]["recognised_top1"]
    return out


# edit_tone_recommended / edit_style_recommended are the judge's mean probability of success at the recommended scale
# (metric_at_pick), not the success rate (success_at_pick, recorded since stop 61): kept so that every score compares
# with the scores the card's choices were made on
SCORE_KEYS = ("t2i_nat_top5_recommended", "t2i_nat_top5_best", "edit_tone_recommended", "edit_style_recommended",
              "canon_top1_f1", "caption_heldout", "sketch_recognised_top1_f1")


def main(argv):
    scale = None
    if argv[:1] == ["--fixed-scale"]:
        scale, argv = argv[1], argv[2:]
    rows, scores = {}, {}
    for d in argv:
        name = os.path.basename(os.path.normpath(d))
        try:
            ev = json.load(open(os.path.join(d, "eval_mllm.json")))
        except (OSError, ValueError) as e:
            print(f"{name}: no evaluation ({e})")
            continue
        m = metrics(at_scale(ev, scale) if scale else ev)
        stages = [json.loads(x) for x in open(os.path.join(d, "stages.jsonl"))] if os.path.exists(os.path.join(d, "stages.jsonl")) else []
        m["steps"] = stages[-1]["step"] if stages else None
        m["gpu_minutes"] = round(sum(s["gpu_minutes"] for s in stages), 2)
        m["samples_per_s"] = stages[-1].get("samples_per_s") if stages else None
        m["mfu"] = stages[-1].get("mfu") if stages else None
        rows[name] = m
        scores[name] = sum(m.get(k, 0.0) for k in SCORE_KEYS) / len(SCORE_KEYS)
    keys = sorted({k for m in rows.values() for k in m})
    w = max([12] + [len(n) + 2 for n in rows])
    print("metric".ljust(28) + "".join(n.rjust(w) for n in rows))
    for k in keys:
        print(k.ljust(28) + "".join(f"{rows[n].get(k):>{w}.4}"
                                    if isinstance(rows[n].get(k), float) else f"{str(rows[n].get(k)):>{w}}" for n in rows))
    print("score".ljust(28) + "".join(f"{scores[n]:>{w}.4f}" for n in rows))
    if scores:
        print("winner: " + max(scores, key=lambda n: (scores[n], -list(scores).index(n))))


if __name__ == "__main__":
    main(sys.argv[1:])

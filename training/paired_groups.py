"""Where an A/B's text-to-image difference falls: the judge's per-prompt probability of the asked concept on the
canonical prompts (eval_mllm's canonical_set, the same prompts in every evaluation), arm minus control, each side the
mean of its runs' choice_items, grouped by a property of the prompt's concept. Run 34 (stop 63): draw_vendors cost
canonical top-1 2.4 points; is it every concept, or those the drawn vendors also drew?

    /usr/bin/python3 -m training.paired_groups OUT.json --control A.xz B.xz --arm C.xz D.xz --vendors fluent,emojione,...

--key/--scale read another job's items (e.g. --key edit.edit_tone --scale f0: the judge's probability that each tone
edit succeeded; a sketch's, colorize's or inpaint's items are their PSNR, not whether the judge named them); their
items are not canonical prompts, so only their paired difference over all items is reported.

Needs the data (training/data/meta.json) and the judge (its concept vocabulary, as the evaluation filters prompts).
"""
import argparse
import json
import lzma
import os
import random

import numpy as np

from training.common import ROOT


def side(files, key="t2i_canonical", scale="f1"):
    """The mean over runs (their choice_items files) of each item's preference at one scale (the judge's probability
    of success for edits and text-to-image; PSNR for the conditional jobs): the same items in every evaluation."""
    runs = [np.asarray(json.load(lzma.open(f))[key]["prefs"][scale], np.float64) for f in files]
    return np.mean(runs, 0)


def mean_se(d):
    """(the mean of paired per-item differences, its standard error over the items; None for one item)"""
    return float(np.mean(d)), float(np.std(d, ddof=1) / np.sqrt(len(d))) if len(d) > 1 else None


def grouped(diff, labels):
    """{label: {n, diff, se}} of per-item differences grouped by each item's label, and "all" (mean_se over the
    group's items)."""
    def stats(d):
        m, se = mean_se(d)
        return {"n": len(d), "diff": m, "se": se}
    out = {"all": stats(diff)}
    for lab in sorted(set(labels)):
        out[lab] = stats(diff[[i for i, x in enumerate(labels) if x == lab]])
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--control", nargs="+", required=True, help="the control runs' choice_items.json.xz")
    ap.add_argument("--arm", nargs="+", required=True, help="the arm's runs' choice_items.json.xz")
    ap.add_argument("--vendors", help="the arm's drawn vendors (MLLMConfig.draw_vendors): the canonical prompts' groups")
    ap.add_argument("--n", type=int, default=400, help="the evaluation's canonical prompts (eval_mllm --n-canonical)")
    ap.add_argument("--key", default="t2i_canonical", help="the choice_items job: edit.edit_tone, edit.edit_style (the judge's "
                    "probability of success), edit.sketch, edit.colorize, ... (PSNR)")
    ap.add_argument("--scale", default="f1")
    args = ap.parse_args(argv)
    c, a = side(args.control, args.key, args.scale), side(args.arm, args.key, args.scale)
    if len(c) != len(a):
        raise SystemExit(f"{len(c)} / {len(a)} items: another evaluation")
    diff = a - c
    res = {"control": args.control, "arm": args.arm, "key": args.key, "scale": args.scale}
    if args.key == "t2i_canonical":
        res.update(canonical_groups(args, diff))
        shown = {k: res[k] for k in ("by_drawn", "by_category")}
    else:   # another job's items: no concept grouping, the paired difference over all
        res["all"] = shown = grouped(diff, [])["all"]
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(shown, indent=1))


def canonical_groups(args, diff):
    """The canonical prompts' paired differences grouped by whether the drawn vendors (--vendors) also drew the
    prompt's concept and by its category, and the worst prompts."""
    if not args.vendors:
        raise SystemExit("--vendors: the canonical prompts are grouped by the drawn vendors' concepts")
    import torch   # the analysis alone reads the judge and the evaluation's prompts (model_card reads side)
    from training.eval_mllm import canonical_set
    meta = json.load(open(os.path.join(ROOT, "training", "data", "meta.json")))
    vocab = torch.load(os.path.join(ROOT, "training", "eval", "judge.pt"), map_location="cpu", weights_only=False)["vocab"]

    class Ctx:   # what canonical_set reads
        pass
    ctx = Ctx()
    ctx.meta, ctx.vocab = meta, lambda head: {c: i for i, c in enumerate(vocab[head])}
    prompts, concepts, _ = canonical_set(ctx, random.Random(1), args.n)   # eval_mllm's draw of them
    if len(diff) != len(prompts):
        raise SystemExit(f"{len(prompts)} canonical prompts, {len(diff)} items: another --n or evaluation")
    vendors = set(args.vendors.split(","))
    drawn = {m["concept"] for m in meta if m["vendor"] in vendors and m["split"] in ("sources", "sources_extra")}
    first = {}
    for m in meta:
        first.setdefault(m["concept"], m)
    return {"vendors": sorted(vendors),
            "by_drawn": grouped(diff, ["drawn by the vendors" if x in drawn else "not drawn by them" for x in concepts]),
            "by_category": grouped(diff, [first[x]["category"] for x in concepts]),
            "worst": [{"prompt": prompts[i], "diff": float(diff[i])} for i in np.argsort(diff)[:8]]}

if __name__ == "__main__":
    main()

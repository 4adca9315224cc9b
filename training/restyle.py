"""Restyle: an edit that asks for a style is drawn, at some scales, from its plan alone (issue 15).

Why: a style edit's target is the asked vendor's own drawing of the source's concept, a drawing the MLLM was trained
on (the held-out vendor holds out one vendor's drawing; the other vendor's is trained). Read through the source
(residual_edit: each token the source's plus a change) the drawing keeps the source's design, which the judge then
reads as the wrong concept more often; drawn from the plan alone (text-to-image in the canonical phrasing of the plan's
own fields, the plan teacher-forced: eval_mllm.plan_alone_prefixes) it is the trained drawing. Per scale the two are
blended, u + w (c - u), c the edit's own prefix and u the plan alone (eval_mllm.generate_images with
contrast_reads_no_source): w 1 keeps the edit's scale, 0 takes the plan's. A tone edit keeps the source's design on
purpose (its target is the same vendor's toned drawing, which no model saw), and drawing it from the plan loses
(run 31: 66.9 -> 51.5% at f0 with the fine scales from the plan), so the rule applies to instructions that name a
style alone: a word or phrase of `words()` (the training's style words), as the page matches it.

Chosen on the pick's dev set (eval_mllm --dev 600 --dev-draw: OpenMoji drawings no model or evaluation reads, restyled
toward a trained vendor, the same kind of target as the evaluation's style edits) among --plan-mix's variants, by style
edits' success at f0 (the scale the page recommends for every edit in these runs); ties to the variant with more of
the edit's own scales (closer to PUMA's recipe); none ships unless it beats the edit as drawn:

    DEV=600 bash training/gpu/plan_mix.sh OUT            (one GPU: the dev set drawn with each variant)
    python3 -m training.restyle OUT/mix/eval_mllm.json [--write]   -> the choice (and manifest mllm.restyle)

The manifest's mllm.restyle = {"words", "weights" (f4 .. f0), "rule"}; the page (workers/engine/tasks/conditional.ts)
and eval_mllm read it.
"""
import argparse
import json
import re
import sys

from training import mllm_tasks as T
from training.text import phrases as P

KIND = "edit_style"


def words():
    """The words and phrases that make an instruction a style request: each style's plan word and the training's
    style words (training/text/phrases.py STYLE_WORDS), normalised, longest first."""
    ws = {T.normalize_text(w) for w in T.STYLE.values()} | {T.normalize_text(w) for v in P.STYLE_WORDS.values() for w in v}
    return sorted(ws, key=lambda w: (-len(w), w))


def names_style(instruction, ws):
    """Whether a normalised instruction holds one of `ws` as whole words (not inside a longer word: "notorious" is
    not "noto"). The page's namesStyle is the same rule."""
    text = T.normalize_text(instruction)
    return any(re.search(r"(?<![\w])" + re.escape(w) + r"(?![\w])", text) for w in ws)


def choose(res, kind=KIND, scale="f0"):
    """An eval_mllm --plan-mix result -> (the chosen variant's name or None, its weights or None, {variant: success})
    by `kind`'s success at `scale`; None (the edit as drawn) unless a variant beats it; ties to more weight on the
    edit's own scales."""
    e = res["edit"]
    base = e[kind]["per_scale"][scale]["success"]
    rates = {"as drawn": base}
    best, best_key = None, (base, 5.0)
    for name, v in sorted(e.items()):
        if not name.startswith(kind + "~"):
            continue
        w = v["plan_mix"]
        rates[name.split("~", 1)[1]] = v["per_scale"][scale]["success"]
        key = (v["per_scale"][scale]["success"], sum(w))
        if key > best_key:
            best, best_key = (name.split("~", 1)[1], w), key
    return (best[0], best[1], rates) if best else (None, None, rates)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dev", help="eval_mllm --dev N --dev-draw --plan-mix ... output")
    ap.add_argument("--write", action="store_true", help="the choice into the manifest (mllm.restyle); none: removed")
    args = ap.parse_args(argv)
    res = json.load(open(args.dev))
    if not res["config"].get("dev_draw"):
        sys.exit(f"{args.dev}: not a drawn dev set (eval_mllm --dev N --dev-draw): the choice is made where no evaluation reads")
    name, weights, rates = choose(res)
    for k, r in rates.items():
        print(f"{k:10s} {KIND} at f0 {r * 100:.1f}%")
    print(f"chosen: {name or 'none (the edit as drawn)'} {weights or ''}")
    if args.write:
        from training.manifest import read_manifest, update_manifest
        man = read_manifest()
        mllm = {k: v for k, v in man["mllm"].items() if k != "restyle"}
        if weights:
            mllm["restyle"] = {"words": words(), "weights": weights,
                               "rule": "an edit whose instruction names a style (a word or phrase of words, as whole "
                                       "words, after normalisation) is drawn per scale as u + w (c - u): c from the "
                                       "edit's own sequence, u from the plan alone (text-to-image: <s>, the plan's "
                                       "fields in plan.canonical_prompt's phrasing, <ans>, the plan, [IMG]), w the "
                                       "scale's weight in image order; both sequences are fed the blended tokens"}
        update_manifest({}, extra={"mllm": mllm}, facts=False)   # no file changes (a device call has set some aside)
        print(f"manifest mllm.restyle = {mllm.get('restyle', {}).get('weights')}")


if __name__ == "__main__":
    main()

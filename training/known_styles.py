"""The styles each concept was trained in, for the plans whose style is the model's free choice (manifest
mllm.known_styles; the page's workers/mllm/plan.ts knownStyle runs the same rule).

A sketch gives an edge map: no colour, no vendor asked. The model still writes a style in its plan, often the style
whose line work the sketch resembles. Where the concept was trained in one style only (81 of the 1,810 trained
concepts: 44 Google only, 37 Twitter only), a plan in the other style asks for a design the model never drew, and
that is drawn badly: the shipped v14's sketches of held-out-vendor drawings (all of them such concepts, by the split's
construction) are recognised 23% at f1 when the plan names the concept in the untrained style and 88% when it names
the trained one (training/eval/edit_halves/as_page, recognised_by_plan). The rule: for the tasks below, a plan the
model wrote (greedy, sampled or picked; never one the user gave) that names a concept in a style it was not trained
in is drawn in the first style it was trained in (plan.styles' order). Edits, colorization and inpainting keep their
style: the given image's design is what they are asked to keep.

    PYTHONPATH=. /usr/bin/python3 -m training.known_styles [--write]   -> counts (and manifest mllm.known_styles)
"""
import argparse

from training import mllm_tasks as T

# the page tasks whose plan's style is free (the given image asks for none): a sketch's edge map
TASKS = ("sketch",)
RULE = ("for these tasks a plan the model wrote (greedy, sampled or picked; not one the user gave) whose concept is "
        "listed and whose style is not among the concept's trained styles is drawn in the first of them; styles lists "
        "only the concepts trained in fewer than all of plan.styles")


def known_styles(meta, splits=("train",)):
    """{name: [style words the concept was trained in, plan.styles' order]} for the concepts trained in some but not
    all of the page's styles (T.STYLE's words)."""
    words = list(T.STYLE.values())
    got = {}
    for m in meta:
        if m["split"] in splits:
            got.setdefault(T.normalize_text(m["name"]), set()).add(T.plan_fields(m)["style"])
    return {n: [w for w in words if w in s] for n, s in sorted(got.items()) if s < set(words) and s & set(words)}


def apply(fields, known):
    """A plan's fields ({concept, style, tone}) with the style replaced by the concept's first trained style where the
    plan names one it was not trained in (known: known_styles' map); else the fields as given."""
    styles = known.get(T.normalize_text(fields.get("concept", "")))
    if not styles or fields.get("style") in styles:
        return fields
    return dict(fields, style=styles[0])


def apply_text(plan, known):
    """apply on a plan's text (" concept | style | tone" as the model writes it) -> the plan's text, normalised."""
    f = apply(T.parse_plan(plan.strip()), known)
    return T.normalize_text(T.PLAN_SEP.join(f[k] for k in T.PLAN_FIELDS))


def spec(meta):
    """manifest mllm.known_styles"""
    return {"tasks": list(TASKS), "styles": known_styles(meta), "rule": RULE}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true", help="write manifest mllm.known_styles")
    args = ap.parse_args(argv)
    import json
    import os
    from training.common import ROOT
    with open(os.path.join(ROOT, "training", "data", "meta.json")) as f:
        meta = json.load(f)
    s = spec(meta)
    by = {}
    for n, st in s["styles"].items():
        by[",".join(st)] = by.get(",".join(st), 0) + 1
    print(f"{len(s['styles'])} concepts trained in fewer than all styles: {by}")
    if args.write:
        from training.manifest import read_manifest, update_manifest
        mllm = dict(read_manifest()["mllm"], known_styles=s)
        update_manifest({}, extra={"mllm": mllm}, facts=False)
        print("manifest mllm.known_styles written")


if __name__ == "__main__":
    main()

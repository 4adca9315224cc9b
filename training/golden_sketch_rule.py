"""Golden verdicts of the sketch editor's colour rule (training/sketch_editor.py has_colour, as eval_mllm's
sketch_edited applies it), for the page's own rule to be checked against (tests/sketch-editor.test.ts,
workers/engine/sketch-editor.ts hasColour): which given images have colour. Drawn from the data (colour drawings of
every vendor, the line-drawn vendor's drawings, a plain white image) and from images made to sit on the rule's
edges (ink just under or at ink_below, a spread just at or past chroma_above, coloured ink just under or at
1/share_div of the ink). No model is read for those.
Where the shipped rule has `near` (stop 73), also the near verdicts: sketches (the shipped encoder's f0 of a drawing's
edge map) of held-out Noto and Twemoji drawings and of OpenMoji's, each with the shipped editor's near output and
whether it is at least the threshold, both verdicts present (near_cases).
    PYTHONPATH=. /usr/bin/python3 -m training.golden_sketch_rule [golden/sketch_rule.json]
"""
import base64
import json
import random
import sys

import numpy as np

from training.sketch_editor import COLOUR_RULE, has_colour

OUT = "golden/sketch_rule.json"
SIZE = 64   # the data's drawings (the page's given images are this size)
EDGE = 24   # the made images: the rule counts pixels whatever the size


def edge_images(rule=COLOUR_RULE):
    """Images on the rule's edges: white, with `ink` pixels of which `coloured` are coloured, at the given values."""
    ink_b, chroma, div = rule["ink_below"], rule["chroma_above"], rule["share_div"]
    cases = []
    for n_ink, n_col in ((400, 20), (400, 19), (401, 20), (1, 1), (1, 0), (20, 1), (21, 1)):
        for lo, spread in ((ink_b - 1, chroma + 1), (ink_b - 70, chroma), (ink_b - 70, chroma + 1), (0, 255)):
            if lo + spread > 255:
                continue
            cases.append((n_ink, n_col, lo, spread))
    out = []
    r = random.Random(0)
    for n_ink, n_col, lo, spread in cases:
        img = np.full((EDGE * EDGE, 3), 255, np.uint8)
        at = r.sample(range(EDGE * EDGE), n_ink)
        for k, p in enumerate(at):
            v = [lo, lo, lo]
            if k < n_col:
                v[r.randrange(3)] = lo + spread
            img[p] = v
        # ink_below itself is not ink: pixels at it never count, however coloured
        img[r.sample([p for p in range(EDGE * EDGE) if p not in at], 30)] = [ink_b, ink_b, 255]
        out.append((f"{n_ink} ink, {n_col} coloured, lowest {lo}, spread {spread}", img.reshape(EDGE, EDGE, 3)))
    return out


def data_images(per_vendor=2):
    from training.data import load
    images, meta = load()
    r = random.Random(1)
    out = []
    for v in sorted({m["vendor"] for m in meta}):
        ids = [m["i"] for m in meta if m["vendor"] == v]
        out += [(f"{v} {meta[i]['name']}", images[i]) for i in r.sample(ids, per_vendor)]
    return out


def near_cases(per_kind=2):
    """The near verdicts of the shipped editor (None where its rule has no near): the first `per_kind` held-out-vendor
    drawings (in the data's order) whose sketch is near and the first OpenMoji drawings whose sketch is not, so that
    both verdicts are checked, each {"what", "f0_b64" (float32 [tokens x C]), "near", "redrawn"}."""
    import torch
    from training.data import load
    from training.sketch_editor import edge_f0, load_shipped
    net, rule = load_shipped()
    if net is None or not rule.get("near"):
        return None
    images, meta = load()
    thr, out = rule["near"]["threshold"], []
    for split, want in (("heldout_vendor", True), ("openmoji", False)):
        ids = [m["i"] for m in meta if m["split"] == split][:64]
        f0 = edge_f0(images, ids)
        with torch.no_grad():
            near = net(f0, torch.zeros_like(f0))[1]
        picked = [k for k in range(len(ids)) if bool(near[k] >= thr) == want][:per_kind]
        assert len(picked) == per_kind, f"fewer than {per_kind} {split} sketches with near {want}"
        out += [{"what": f"{meta[ids[k]]['vendor']} {meta[ids[k]]['name']}", "near": float(near[k]), "redrawn": want,
                 "f0_b64": base64.b64encode(f0[k].numpy().astype("<f4").tobytes()).decode()} for k in picked]
    return out


def golden():
    cases = data_images() + edge_images() + [("white", np.full((SIZE, SIZE, 3), 255, np.uint8))]
    verdicts = [bool(has_colour(im)) for _, im in cases]
    return {"rule": COLOUR_RULE,
            "images": [{"what": w, "size": im.shape[0], "has_colour": v,
                        "rgb_b64": base64.b64encode(np.ascontiguousarray(im).tobytes()).decode()}
                       for (w, im), v in zip(cases, verdicts)],
            "near": near_cases()}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    out = argv[0] if argv else OUT
    g = golden()
    with open(out, "w") as f:
        json.dump(g, f)
    n = g["images"]
    print(f"{out}: {len(n)} images, {sum(x['has_colour'] for x in n)} with colour")


if __name__ == "__main__":
    main()

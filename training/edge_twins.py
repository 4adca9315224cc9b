"""Why a sketch's concept is hard to name from its edge map, measured (issue 15, stop 61).

A colour sketch is the edge map of a held-out vendor's drawing (eval_mllm's "sketch" jobs), and its plan takes its
concept from the key's retrieval (training/pick_key.py) with the key's prior all but alone. Training the key on more
edge maps did not raise an edge map's first answer (training/eval/pick_key/views/). The reading this tests: an edge map
drops the colour, and many emoji are the same drawing in other colours (hearts, circles, squares, flags of one layout),
so an edge map often has an *edge twin*: a trained concept other than its own whose drawing by the same vendor has
nearly the same edges. For each held-out drawing: its edge map's largest correlation with the edge map of any trained
drawing of another concept by its vendor (and the same for the drawings as drawn, colour kept: a *colour twin*), and
whether the shipped key, as the page reads a sketch, names its concept first. The twins' thresholds are fixed here,
not fitted: several are reported.

    /usr/bin/python3 -m training.edge_twins training/eval/pick_key/edge_twins.json     # CPU, about a minute
"""
import argparse
import json

import torch

from training import framing
from training import mllm_tasks as T
from training import transforms as TF

THRESHOLDS = (0.8, 0.9, 0.95)


def rows_of(x, blur=False):
    """[n, 3, 64, 64] images -> transforms.unit_rows (a dot product of two is their Pearson correlation). blur: a 3x3
    box blur first, so that edges a pixel apart still meet (edge maps)."""
    x = x.float()
    return TF.unit_rows(torch.nn.functional.avg_pool2d(x, 3, 1, 1, count_include_pad=False) if blur else x)


def nearest_other(q, rows, q_concepts, row_concepts, q_vendors, row_vendors):
    """For each query row: (the largest correlation with a row of another concept by the same vendor (-1 when none),
    that row's index)."""
    ids = {c: i for i, c in enumerate(sorted(set(q_concepts) | set(row_concepts) | set(q_vendors) | set(row_vendors)))}
    t = lambda xs: torch.tensor([ids[x] for x in xs])
    keep = (t(q_vendors)[:, None] == t(row_vendors)[None]) & (t(q_concepts)[:, None] != t(row_concepts)[None])
    best = (q @ rows.T).masked_fill(~keep, -1.0).max(1)
    return best.values, best.indices


def split(hit, twin):
    """the key's first-answer rate among the items with a twin and those without (None: no such item)"""
    rate = lambda m: float(hit[m].float().mean()) if int(m.sum()) else None
    return {"n": int(twin.sum()), "key_top1_twin": rate(twin), "key_top1_no_twin": rate(~twin)}


@torch.no_grad()
def measure(images, meta, key, gallery, frame, k=5):
    """Per held-out-vendor drawing of a trained concept: its edge map's nearest trained drawing of another concept by
    its vendor (edges blurred a pixel, correlated), that drawing's correlation with it as drawn (colour kept), and
    whether the key names its concept first from its edge map and from the drawing itself. -> the shares by threshold."""
    from training.eval_mllm import concept_names
    from training.gallery import hold
    names = concept_names(meta)
    train = [m for m in meta if m["split"] == "train"]
    known = {m["concept"] for m in train}
    hv = [m for m in meta if m["split"] == "heldout_vendor" and m["concept"] in known]
    xq = TF.to_tensor(images[[m["i"] for m in hv]])
    xt = TF.to_tensor(images[[m["i"] for m in train]])
    edges = lambda x, ms: T.image_variant(x, torch.tensor([m["i"] for m in ms]), "edges")
    eq = edges(xq, hv)
    args = ([m["concept"] for m in hv], [m["concept"] for m in train], [m["vendor"] for m in hv], [m["vendor"] for m in train])
    e_best, j = nearest_other(rows_of(eq, blur=True), rows_of(edges(xt, train), blur=True), *args)
    c_same = (rows_of(xq) * rows_of(xt[j])).sum(1)   # the same pair as drawn, colour kept
    want = [T.normalize_text(names[m["concept"]]) for m in hv]
    res = {"n": len(hv), "thresholds": list(THRESHOLDS), "pairs": {}}
    hits = {}
    for view, x in (("edges", eq), ("orig", xq)):
        got = gallery.retrieve(key(framing.frame_as(x, frame) if frame else x), k)[0]
        hits[view] = torch.tensor([g[0] == w for g, w in zip(got, want)])
        res[view] = {"key_top1": float(hits[view].float().mean()), "key_top5": hold(got, want)[1]}
    for t in THRESHOLDS:
        twin = e_best >= t
        res["pairs"][f"{t:g}"] = {"edge_twins": int(twin.sum()),
                                  "of_them_alike_in_colour": int((twin & (c_same >= t)).sum()),
                                  "edges": split(hits["edges"], twin), "orig": split(hits["orig"], twin)}
    # the twins that colour sets apart (above the highest threshold by their edges, below it as drawn), one per pair
    pairs = {}
    for m, i, e, c in sorted(zip(hv, j.tolist(), e_best.tolist(), c_same.tolist()), key=lambda r: -r[2]):
        key_ = (names[m["concept"]], names[train[i]["concept"]])
        if e >= THRESHOLDS[-1] and c < THRESHOLDS[-1] and key_ not in pairs:
            pairs[key_] = {"concept": key_[0], "vendor": m["vendor"], "edge_twin": key_[1], "edge_corr": round(e, 3),
                           "colour_corr": round(c, 3)}
    res["examples"] = list(pairs.values())[:12]
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    a = ap.parse_args(argv)
    from training.data import load
    from training.gallery import Gallery
    from training.manifest import read_manifest
    from training.pick_key import load_shipped
    images, meta = load()
    res = measure(images, meta, load_shipped("cpu").eval(), Gallery.load(), read_manifest()["mllm"]["pick"].get("frame"))
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()

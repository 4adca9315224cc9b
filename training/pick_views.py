"""Does the pick's retrieval find a given drawing's concept more often when it also reads re-drawings of it? (issue 15)

Style edits and sketches miss their targets because the plan misnames an unseen drawing's concept (the model card,
"Which half each edit misses in"); the plan's concept is the MLLM's pick among the gallery's top 5 (training/gallery.py).
This probe scores the retrieval alone, as the page runs it (the reader's f2 key on the shipped gallery, the query
framed as manifest mllm.pick.frame says), for the held-out-vendor drawings (captions', tone and style edits' sources)
and their edge maps (sketch's), as given and with each concept's score averaged over the drawing and N re-drawings of
it in geometry alone (transforms.augment colour=False: scale, shift, rotation; the seeds fixed below, never tuned):

    /usr/bin/python3 -m training.pick_views [--views 4] [--out training/eval/pick/pick_views.json]   # CPU, ~4 minutes

--mllm adds what the page's caption would answer (manifest mllm.pick: the shipped MLLM's choice among the k retrieved
names by its log-likelihood of " name" and </s> after the caption prefix), with the candidates retrieved as given or
over the views, and the choice's log-likelihood as given or averaged over the views (each view's prefix reads that
re-drawing through the encoder and the reader, as a page reading it would):

    python3 -m training.pick_views --mllm --device cuda    # a GPU: seconds; on this 2-core CPU ~20 minutes a view

Neither measures the page's cost (a reader run and an MLLM prefix a view). The re-drawings here are random per
drawing; what ships are 4 fixed ones (training/redraw.py), measured on every task by `eval_mllm --pick-views`.
"""
import argparse
import json
import os

import numpy as np
import torch

from training import framing, mllm_tasks as T, shipped, transforms as TR
from training.redraw import VIEW_SEED
from training.caption_rerank import pick, tokens_of
from training.common import ROOT
from training.gallery import Gallery, hold, keys_of
from training.manifest import read_manifest


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--views", type=int, default=4, help="re-drawings beside the drawing as given")
    ap.add_argument("--out", default=os.path.join(ROOT, "training", "eval", "pick", "pick_views.json"))
    ap.add_argument("--mllm", action="store_true", help="also the MLLM's choice among the candidates (the page's caption)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--limit", type=int, default=0, help="the first N held-out-vendor drawings only (a smoke run)")
    args = ap.parse_args(argv)
    torch.set_num_threads(os.cpu_count() or 1)
    dev = args.device
    from training.data import load
    images, meta = load()
    reader = shipped.load_reader(dev)[0]
    gallery = Gallery.load()
    spec = read_manifest()["mllm"]["pick"]
    frame, k = spec["frame"], spec["k"]
    hv = [m["i"] for m in meta if m["split"] == "heldout_vendor"][:args.limit or None]
    want = [T.normalize_text(meta[i]["name"]) for i in hv]
    res = {"n": len(hv), "k": k, "views": args.views, "columns": "[top-1, top-k holds the concept]", "rows": {}}
    redraws = [lambda x, r: x] + [lambda x, r, v=v: TR.augment(x, [VIEW_SEED * v + int(i) for i in r], colour=False)
                                  for v in range(1, args.views + 1)]   # view 0: as given
    mean = f"mean over it and {args.views} re-drawings"
    for kind, source in (("held-out vendor as drawn", lambda x: x), ("its edge maps (sketch)", TR.sobel_edges)):
        S = torch.stack([gallery.scores(keys_of(tokens_of(reader, images[hv], dev, view=lambda x, r, d=d: framing.frame_as(source(d(x, r)), frame)),
                                                gallery.scale).cpu()) for d in redraws])
        res["rows"][kind] = {"as given": hold(gallery.top(S[0], k)[0], want), mean: hold(gallery.top(S.mean(0), k)[0], want)}
        print(kind, res["rows"][kind], flush=True)
        if args.mllm and kind.startswith("held-out"):
            res["caption"] = caption_choice(images[hv], meta, want, redraws, {"as given": S[0], mean: S.mean(0)}, gallery, k, reader, dev)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    json.dump(res, open(args.out, "w"), indent=1)
    return res


def caption_choice(images, meta, want, redraws, scores, gallery, k, reader, dev):
    """{"candidates <c>; log-likelihood <l>": exact-match rate}: the shipped MLLM's caption among the top-k names of
    each candidate scoring in `scores` ([n, concepts] each), by caption_rerank.pick on the drawing as given (view 0)
    or with the other views (its mean log-likelihood). Each view is a bank of its own (encoder and reader tokens of
    the re-drawn images), so a view's prefix reads exactly that re-drawing."""
    from training.eval_mllm import prefix_of
    from training.tokenizer import Tokenizer
    model = shipped.load_mllm().to(dev)
    tok = Tokenizer.load(os.path.join(ROOT, "training", "tokenizer.json"))
    encoder = shipped.load_encoder(dev)[0]
    base = T.TaskSampler(meta, tok, seed=0).understanding(0, T.CAPTION_Q[0], "x")[:6]   # <s> [IMG] img [/IMG] question <ans>
    prefixes = [prefix_of(base[:2] + [("img", j, False)] + base[3:], model.cfg.order) for j in range(len(images))]
    banks = [tuple(tokens_of(m, images, dev, view=d).view(-1, model.cfg.feature_dim).to(dev) for m in (encoder, reader))
             for d in redraws]
    out = {}
    for c, s in scores.items():
        names = gallery.top(s, k)[0]
        for l_name, views in (("as given", ()), (f"mean over {len(redraws)} views", banks[1:])):
            got = pick(model, tok, prefixes, names, banks[0], dev, views=views)
            out[f"candidates {c}; log-likelihood {l_name}"] = float(np.mean([g == w for g, w in zip(got, want)]))
    print("caption", json.dumps(out, indent=1), flush=True)
    return out

if __name__ == "__main__":
    main()

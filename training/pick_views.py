"""Does the pick's retrieval find a given drawing's concept more often when it also reads re-drawings of it? (issue 15)

Style edits and sketches miss their targets because the plan misnames an unseen drawing's concept (the model card,
"Which half each edit misses in"); the plan's concept is the MLLM's pick among the gallery's top 5 (training/gallery.py).
This probe scores the retrieval alone, as the page runs it (the reader's f2 key on the shipped gallery, the query
framed as manifest mllm.pick.frame says), for the held-out-vendor drawings (captions', tone and style edits' sources)
and their edge maps (sketch's), as given and with each concept's score averaged over the drawing and N re-drawings of
it in geometry alone (transforms.augment colour=False: scale, shift, rotation; the seeds fixed below, never tuned):

    /usr/bin/python3 -m training.pick_views [--views 4] [--out training/eval/pick/pick_views.json]   # CPU, ~4 minutes

It does not measure the MLLM's choice among the candidates with the re-drawings (on this 2-core CPU one pass of
answer_loglik over 196 drawings takes about 20 minutes; on a GPU seconds), nor the page's cost (a reader run a view).
"""
import argparse
import json
import os

import torch

from training import framing, mllm_tasks as T, shipped, transforms as TR
from training.caption_rerank import tokens_of
from training.common import ROOT
from training.gallery import Gallery, hold, keys_of
from training.manifest import read_manifest

VIEW_SEED = 3_000_017


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--views", type=int, default=4, help="re-drawings beside the drawing as given")
    ap.add_argument("--out", default=os.path.join(ROOT, "training", "eval", "pick", "pick_views.json"))
    args = ap.parse_args(argv)
    torch.set_num_threads(os.cpu_count() or 1)
    from training.data import load
    images, meta = load()
    reader = shipped.load_reader("cpu")[0]
    gallery = Gallery.load()
    spec = read_manifest()["mllm"]["pick"]
    frame, k = spec["frame"], spec["k"]
    hv = [m["i"] for m in meta if m["split"] == "heldout_vendor"]
    want = [T.normalize_text(meta[i]["name"]) for i in hv]
    res = {"n": len(hv), "k": k, "views": args.views, "columns": "[top-1, top-k holds the concept]", "rows": {}}
    for kind, source in (("held-out vendor as drawn", lambda x: x), ("its edge maps (sketch)", TR.sobel_edges)):
        per_view = []
        for v in range(args.views + 1):   # view 0: as given
            redraw = (lambda x, r: x) if v == 0 else (lambda x, r, v=v: TR.augment(x, [VIEW_SEED * v + int(i) for i in r], colour=False))
            tok = tokens_of(reader, images[hv], "cpu", view=lambda x, r: framing.frame_as(source(redraw(x, r)), frame))
            per_view.append(gallery.scores(keys_of(tok, gallery.scale)))
        S = torch.stack(per_view)
        res["rows"][kind] = {"as given": hold(gallery.top(S[0], k)[0], want),
                             f"mean over it and {args.views} re-drawings": hold(gallery.top(S.mean(0), k)[0], want)}
        print(kind, res["rows"][kind], flush=True)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    json.dump(res, open(args.out, "w"), indent=1)
    return res


if __name__ == "__main__":
    main()

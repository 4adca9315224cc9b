"""Should sketch and colorize ask a gallery of the training drawings *as they give them*? A probe, no weight trained.

The shipped gallery (training/gallery.py) holds the training drawings as drawn; sketch gives the pick an edge map and
colorize a grayscale, so their given image meets drawings of another kind. Here the same key (the reader's f2 tokens
on 128 principal axes, fitted on the gallery's own rows) is built once over the drawings as drawn and once over their
edge maps / grayscales (mllm_tasks.image_variants, what training and the evaluation give those tasks), and each
held-out-vendor drawing's edge map / grayscale asks both. Columns: how often its concept is first / among the 5 (the
pick can only be right when it is among them; which of the 5 the MLLM takes is not measured here).

    /usr/bin/python3 -m training.gallery_views training/eval/pick/gallery_views.json [VIEW ...]
(~14 min a view on 2 CPU cores, the reader reading 7,034 drawings twice; the file written after each view)
"""
import json
import os
import sys

import torch

from training import mllm_tasks as T
from training.caption_rerank import tokens_of
from training.gallery import DIM, K, SCALE, Gallery, fit_key, hold, keys_of

VIEWS = ("edges", "gray")   # sketch's and colorize's given images


@torch.no_grad()
def main(out, views=VIEWS):
    torch.set_num_threads(os.cpu_count() or 1)
    from training.data import load
    from training import shipped
    images, meta = load()
    reader = shipped.load_reader("cpu")[0]
    train = [m for m in meta if m["split"] == "train"]
    codes = sorted({m["concept"] for m in train})
    cidx = {c: i for i, c in enumerate(codes)}
    concept = [cidx[m["concept"]] for m in train]
    held = [m for m in meta if m["split"] == "heldout_vendor" and m["concept"] in cidx]

    def read(ms, view=None):
        ids = torch.as_tensor([m["i"] for m in ms])
        v = (lambda x, rows: T.image_variants(x, ids[rows])[view]) if view else None
        return keys_of(tokens_of(reader, images[ids.tolist()], "cpu", view=v), SCALE)

    def gallery(keys):
        mean, proj, rows = fit_key(keys, DIM)
        return Gallery(mean, rows.half().float(), concept, codes, proj=proj, scale=SCALE)   # the file's float16 rows

    want = [m["concept"] for m in held]
    as_drawn = gallery(read(train))
    res = {"k": K, "key": f"{SCALE} on {DIM} axes", "columns": "[top-1, top-k holds the concept]", "n": len(held),
           "queries": "the held-out-vendor drawings' edge maps (sketch) and grayscales (colorize)", "rows": {}}
    res["rows"]["as drawn"] = {"held-out vendor as drawn": [round(x, 4) for x in hold(as_drawn.retrieve(read(held), K)[0], want)]}
    for view in views:
        q = read(held, view)
        same = gallery(read(train, view))
        res["rows"]["as drawn"][view] = [round(x, 4) for x in hold(as_drawn.retrieve(q, K)[0], want)]
        res["rows"][f"its {view}"] = {view: [round(x, 4) for x in hold(same.retrieve(q, K)[0], want)]}
        json.dump(res, open(out, "w"), indent=1)
        print(view, res["rows"], f"-> {out}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join("training", "eval", "pick", "gallery_views.json"),
         tuple(sys.argv[2:]) or VIEWS)

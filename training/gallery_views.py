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

from training.gallery import DIM, K, SCALE, Gallery, fit_key, hold, keys_of
from training.gallery_keys import probe_data, read_tokens

VIEWS = ("edges", "gray")   # sketch's and colorize's given images


@torch.no_grad()
def main(out, views=VIEWS):
    images, meta, reader, train, codes, concept = probe_data()
    known = set(codes)
    held = [m for m in meta if m["split"] == "heldout_vendor" and m["concept"] in known]

    def read(ms, view=None):
        return keys_of(read_tokens(reader, images, ms, view), SCALE)

    def gallery(keys):
        mean, proj, rows = fit_key(keys, DIM)
        return Gallery(mean, rows.half().float(), concept, codes, proj=proj, scale=SCALE)   # the file's float16 rows

    want = [m["concept"] for m in held]
    as_drawn = gallery(read(train))
    res = {"k": K, "key": f"{SCALE} on {DIM} axes", "columns": "[top-1, top-k holds the concept]", "n": len(held),
           "queries": "the held-out-vendor drawings' edge maps (sketch) and grayscales (colorize)", "rows": {}}
    if os.path.exists(out):   # the views measured before (one call a view fits a session's spare minutes)
        res["rows"] = json.load(open(out))["rows"]
    res["rows"].setdefault("as drawn", {})["held-out vendor as drawn"] = \
        [round(x, 4) for x in hold(as_drawn.retrieve(read(held), K)[0], want)]
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

"""Which reader tokens should key the pick's gallery (training/gallery.py)? A probe, no weight trained.

For each key (a scale's tokens flattened, optionally on its first `dim` principal axes, fitted on the training
drawings' keys), the gallery of the 7,034 training drawings retrieves for each query drawing the 5 nearest concepts
(centred cosine, a concept scored by its best drawing, rows stored float16 as the file stores them); the columns are
how often the query's concept is first and among the 5. Queries:
  fluent, fluent_edges - the Fluent drawings of the training concepts (split "sources", a third vendor no shipped model
                          trained on) and their edge maps (sketch's source): the set the key is chosen on
  heldout_vendor, edges - the evaluation's held-out-vendor drawings and their edge maps
  openmoji              - every OpenMoji drawing of a training concept
The pick can only be right when the answer is among the 5, so the second column bounds it.

    /usr/bin/python3 -m training.gallery_keys training/eval/pick/gallery_keys.json    (~10 min on 2 CPU cores)
"""
import json
import os
import sys

import torch

from training import mllm_tasks as T
from training.caption_rerank import tokens_of
from training.gallery import K, Gallery, fit_key, hold, keys_of

KEYS = [("f4", None), ("f3", None), ("f2", 64), ("f2", 128), ("f2", 256), ("f2", None), ("f1", 128), ("f1", 256), ("f1", None)]


def probe_data():
    """What the gallery probes share: the data, the shipped reader, the training drawings (the gallery's rows), their
    concept codes (sorted) and each row's index into them."""
    torch.set_num_threads(os.cpu_count() or 1)
    from training.data import load
    from training import shipped
    images, meta = load()
    train = [m for m in meta if m["split"] == "train"]
    codes = sorted({m["concept"] for m in train})
    cidx = {c: i for i, c in enumerate(codes)}
    return images, meta, shipped.load_reader("cpu")[0], train, codes, [cidx[m["concept"]] for m in train]


def read_tokens(reader, images, ms, view=None):
    """[n, 341, C] the reader's tokens of the drawings ms, as drawn or as a task gives them (view: an
    mllm_tasks.image_variants name, e.g. sketch's "edges", colorize's "gray")."""
    ids = torch.as_tensor([m["i"] for m in ms])
    v = (lambda x, rows: T.image_variants(x, ids[rows])[view]) if view else None
    return tokens_of(reader, images[ids.tolist()], "cpu", view=v)


@torch.no_grad()
def main(out):
    images, meta, reader, train, codes, concept = probe_data()
    known = set(codes)
    sets = {s: [m for m in meta if m["split"] == s and m["concept"] in known] for s in ("sources", "heldout_vendor", "openmoji")}

    def read(ms, edges=False):
        return read_tokens(reader, images, ms, "edges" if edges else None)
    toks = {"gallery": read(train), "fluent": read(sets["sources"]), "fluent_edges": read(sets["sources"], True),
            "heldout_vendor": read(sets["heldout_vendor"]), "edges": read(sets["heldout_vendor"], True),
            "openmoji": read(sets["openmoji"])}
    want = {"fluent": sets["sources"], "fluent_edges": sets["sources"], "heldout_vendor": sets["heldout_vendor"],
            "edges": sets["heldout_vendor"], "openmoji": sets["openmoji"]}
    res = {"k": K, "columns": "[top-1, top-k holds the concept]", "n": {q: len(ms) for q, ms in want.items()}, "keys": {}}
    for scale, dim in KEYS:
        mean, proj, rows = fit_key(keys_of(toks["gallery"], scale), dim)
        # the page's retrieval over the file's float16 rows, a concept named by its code
        gallery = Gallery(mean, rows.half().float(), concept, codes, proj=proj, scale=scale)
        row = {"values": int(rows.shape[1])}
        for q, ms in want.items():
            row[q] = [round(x, 4) for x in hold(gallery.retrieve(keys_of(toks[q], scale), K)[0], [m["concept"] for m in ms])]
        name = scale + ("" if dim is None else f" on {dim} axes")
        res["keys"][name] = row
        print(name, row, flush=True)
    with open(out, "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "training/eval/pick/gallery_keys.json")

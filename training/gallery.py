"""public/models/gallery.bin: the training drawings as the MLLM's reader sees them, for the pick (issue 15).

A caption, and the concept of every conditional task's plan (edit, colorize, inpaint, sketch), are chosen by the MLLM among the names of the concepts
whose training drawings are nearest to the given image (its reader's f4 token), instead of written
greedily: the shipped v9 names a held-out-vendor drawing 38.3% of the time greedily and 49.0% when it
picks among the 5 retrieved names (training/caption_rerank.py, eval_mllm --pick). The page and the
evaluation run the same rule on the same file:

    /usr/bin/python3 -m training.gallery          # -> public/models/gallery.bin + manifest models.gallery, mllm.pick

The file (little-endian): the gallery mean, float32 [dim]; then every training drawing's reader f4
token, centred on that mean and L2-normalised, float16 [rows, dim]; then each row's concept, uint16
[rows], an index into the manifest entry's `concepts` (emoji characters, U+FE0F removed: words.json's
`concepts` keys, whose values are the names a caption answers and a plan writes).

Retrieval (`retrieve`): the query's f4 centred on the mean and normalised; cosine with every row; a
concept scores its best row; the k best concepts, ties broken by the lower concept index.
"""
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F

from training import mllm_tasks as T
from training.common import MODELS_DIR
from training.known_words import concept_char
from training.manifest import read_manifest, update_manifest

FILE = "gallery.bin"
K = 5          # the pick's candidates: fixed before any measurement (caption_rerank's default)
# the page's tasks that pick: all five gained in eval_mllm --pick's A/B (training/eval/pick/, the model card)
TASKS = ["caption", "edit", "colorize", "inpaint", "sketch"]
LAYOUT = ("little-endian: mean float32[dim]; rows float16[rows, dim] (reader f4 of each training drawing, "
          "centred on mean, L2-normalised); concept uint16[rows] (index into concepts)")


def f4_rows(images, meta, reader, device="cpu", view=None):
    """-> (mean float32 [C], rows float32 [n, C] centred and normalised, concept index [n], concept codes) of
    the training split's drawings: what the file stores (the rows as float16). view: caption_rerank.tokens_of's."""
    from training.caption_rerank import f4_of
    gallery = [m for m in meta if m["split"] == "train"]
    g = f4_of(reader, images[[m["i"] for m in gallery]], device, view=view)
    mean = g.mean(0)
    codes = sorted({m["concept"] for m in gallery})
    idx = {c: i for i, c in enumerate(codes)}
    assert len(codes) < 65536
    return mean, F.normalize(g - mean, dim=1), [idx[m["concept"]] for m in gallery], codes


def write(mean, rows, concept, codes, models_dir=MODELS_DIR, k=K, tasks=TASKS):
    with open(os.path.join(models_dir, FILE), "wb") as f:
        f.write(np.asarray(mean, "<f4").tobytes())
        f.write(np.asarray(rows, "<f2").tobytes())
        f.write(np.asarray(concept, "<u2").tobytes())
    entry = {"role": "gallery", "file": FILE, "rows": int(len(rows)), "dim": int(rows.shape[1]),
             "scale": "f4", "space": "reader", "layout": LAYOUT, "concepts": [concept_char(c) for c in codes]}
    mllm = dict(read_manifest(models_dir)["mllm"])
    mllm["pick"] = {"gallery": "gallery", "k": k, "tasks": list(tasks),
                    "rule": "the k concepts nearest the given image's reader f4 (gallery: cosine after centring on its "
                            "mean, a concept scored by its best drawing, ties to the lower index); their names (words.json "
                            "concepts) scored by the MLLM's log-likelihood, after the prefix, of ' name' and the answer's "
                            "end (</s>), or of a plan ' name | style | tone' (the greedy plan's style and tone) and its end "
                            "([IMG]); the highest wins"}
    return update_manifest({"gallery": entry}, extra={"mllm": mllm}, models_dir=models_dir)


class Gallery:
    """Retrieval over the training drawings' reader f4 tokens, as the page runs it (`load`: the shipped file)."""

    def __init__(self, mean, rows, concept, names):
        self.mean = torch.as_tensor(mean, dtype=torch.float32).cpu()
        self.rows = torch.as_tensor(rows, dtype=torch.float32).cpu()
        self.concept = torch.as_tensor(np.asarray(concept, np.int64))
        self.names = list(names)   # per concept index: the name a caption answers and a plan writes

    @classmethod
    def load(cls, models_dir=MODELS_DIR):
        import json
        m = read_manifest(models_dir)
        e = m["models"]["gallery"]
        n, c = e["rows"], e["dim"]
        raw = open(os.path.join(models_dir, e["file"]), "rb").read()
        assert len(raw) == 4 * c + 2 * n * c + 2 * n, f"{e['file']}: {len(raw)} bytes, not the layout's"
        words = json.load(open(os.path.join(models_dir, m["models"]["words"]["file"]), encoding="utf-8"))["concepts"]
        return cls(np.frombuffer(raw, "<f4", c).copy(), np.frombuffer(raw, "<f2", n * c, 4 * c).astype(np.float32).reshape(n, c),
                   np.frombuffer(raw, "<u2", n, 4 * c + 2 * n * c).astype(np.int64), [words[ch] for ch in e["concepts"]])

    @classmethod
    def build(cls, images, meta, reader, device="cpu"):
        """From the data and a reader (tests, other readers), rows in float32, names as eval_mllm's."""
        from training.eval_mllm import concept_names
        names = concept_names(meta)
        mean, rows, concept, codes = f4_rows(images, meta, reader, device)
        return cls(mean, rows, concept, [T.normalize_text(names[c]) for c in codes])

    def retrieve(self, q, k):
        """q [n, C] reader f4 tokens -> ([n, k] names, [n, k] scores), best first."""
        qn = F.normalize(torch.as_tensor(q).float().cpu() - self.mean, dim=1)
        sim = qn @ self.rows.T
        best = torch.full((len(qn), len(self.names)), -2.0)
        best.scatter_reduce_(1, self.concept.expand(len(qn), -1), sim, reduce="amax")
        # stable: equal scores keep the lower concept index first (the page's tie-break)
        order = torch.sort(best, dim=1, descending=True, stable=True).indices[:, :k]
        return [[self.names[j] for j in row] for row in order.tolist()], best.gather(1, order)


@torch.no_grad()
def probe_sources(images, meta, reader, out):
    """Whether a source kind (colorize's gray, sketch's edges, inpaint's mask) would retrieve better from a gallery
    of the training drawings made the same way than from the shipped colour one: top-1 / top-5 hold of the
    held-out-vendor drawings' concept, by the reader's f4 (the pick chooses among the top 5)."""
    import json
    from training.caption_rerank import f4_of

    def kind_of(kind, ids):
        """the source kind's variant of a batch whose rows are images ids[rows] (inpaint's masks are seeded by id)"""
        return lambda x, rows: T.image_variants(x, torch.as_tensor(ids)[rows])[kind]
    shipped = Gallery.load()
    train = [m for m in meta if m["split"] == "train"]
    hv = [m for m in meta if m["split"] == "heldout_vendor"]
    codes = sorted({m["concept"] for m in train})
    cidx = {c: i for i, c in enumerate(codes)}
    want = [shipped.names[cidx[m["concept"]]] for m in hv]
    hold = lambda got: [float(np.mean([w == g[0] for w, g in zip(want, got)])), float(np.mean([w in g for w, g in zip(want, got)]))]
    res = {"n": len(hv), "columns": "[top-1, top-5 holds the concept]"}
    for kind in ("edges", "gray", "mask_a"):
        hv_ids = [m["i"] for m in hv]
        q = f4_of(reader, images[hv_ids], "cpu", view=kind_of(kind, hv_ids))
        res[kind] = {"the shipped colour gallery": hold(shipped.retrieve(q, K)[0])}
        if kind != "mask_a":   # a masked gallery would need the user's mask
            mean, rows, concept, _ = f4_rows(images, meta, reader, view=kind_of(kind, [m["i"] for m in train]))
            own = Gallery(mean, rows.half().float(), concept, shipped.names)
            res[kind]["a gallery of the training drawings made the same way"] = hold(own.retrieve(q, K)[0])
        print(kind, res[kind], flush=True)
    json.dump(res, open(out, "w"), indent=1)
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out-dir", default=MODELS_DIR)
    ap.add_argument("--probe-sources", metavar="OUT.json", help="instead: probe_sources (no file written but OUT.json)")
    args = ap.parse_args(argv)
    torch.set_num_threads(os.cpu_count() or 1)
    from training.data import load
    from training import shipped
    images, meta = load()
    reader = shipped.load_reader(args.device)[0]
    if args.probe_sources:
        return probe_sources(images, meta, reader, args.probe_sources)
    mean, rows, concept, codes = f4_rows(images, meta, reader, torch.device(args.device))
    write(mean.numpy(), rows.numpy(), concept, codes, args.out_dir)
    size = os.path.getsize(os.path.join(args.out_dir, FILE))
    print(f"{FILE}: {rows.shape[0]} drawings of {len(codes)} concepts, {size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()

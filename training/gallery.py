"""public/models/gallery.bin: the training drawings as the MLLM's reader sees them, for the pick (issue 15).

A caption, and the concept of every conditional task's plan (edit, colorize, inpaint, sketch), are chosen by the MLLM among the names of the concepts
whose training drawings are nearest to the given image (its reader's f4 token), instead of written
greedily: the shipped v9 names a held-out-vendor drawing 38.3% of the time greedily and 49.0% when it
picks among the 5 retrieved names (training/caption_rerank.py, eval_mllm --pick). The page and the
evaluation run the same rule on the same file:

    /usr/bin/python3 -m training.gallery          # -> public/models/gallery.bin + manifest models.gallery, mllm.pick

A drawing's key is its reader tokens at the entry's `scale`, flattened (f4: one token; f2: 16 tokens in the
pyramid's order, in_dim = 16 x C), centred on the gallery's mean and, where the entry has `in_dim`, projected on
its `dim` principal axes (PCA of the training drawings' centred keys), then L2-normalised.

The file (little-endian): the mean, float32 [in_dim]; where the entry has `in_dim`, the projection, float32
[in_dim, dim]; then every training drawing's key, float16 [rows, dim]; then each row's concept, uint16 [rows], an
index into the manifest entry's `concepts` (emoji characters, U+FE0F removed: words.json's `concepts` keys, whose
values are the names a caption answers and a plan writes).

Retrieval (`retrieve`): the query's key the same way; cosine with every row; a concept scores its best row; the
k best concepts, ties broken by the lower concept index. The query is the given image framed as the gallery's
drawings are (manifest mllm.pick.frame, `frame_spec`; training/framing.py): its ink scaled to their extent.
"""
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F

from training import mllm_tasks as T
from training.common import IMAGE_ORDER, MODELS_DIR, SCALE_OFFSETS, SCALE_TOKENS
from training.known_words import concept_char
from training.manifest import read_manifest, update_manifest

FILE = "gallery.bin"
K = 5          # the pick's candidates: fixed before any measurement (caption_rerank's default)
# the page's tasks that pick: all five gained in eval_mllm --pick's A/B (training/eval/pick/, the model card)
TASKS = ["caption", "edit", "colorize", "inpaint", "sketch"]
# the key: the reader's f2 (16 tokens) on 128 principal axes, chosen on the Fluent drawings (split "sources": a third
# vendor no shipped model trained on) under the 40 MB budget: top-5 holds their concept 34.3% by f4 (the key the pick
# first shipped with), 42.3% by f2 on 128 axes (44.0% on all 1024), their edge maps 15.5% / 22.8%
# (training/gallery_keys.py). A/B'd as the page runs it: training/eval/pick/pick5_f2.json against pick5_all.json (f4),
# the pick rule's score 0.6018 against 0.5983 (the model card, "Two changes to the pick").
SCALE, DIM = "f2", 128
KEY_LAYOUT = ("little-endian: mean float32[dim] (zeros: the key is not centred); rows float16[rows, dim] (one per "
              "concept: the key's trained class proxy, L2-normalised); concept uint16[rows] (index into concepts)")
LAYOUT = ("little-endian: mean float32[in_dim]; projection float32[in_dim, dim] where the entry has in_dim; rows "
          "float16[rows, dim] (each training drawing's reader tokens at the entry's scale, flattened, centred on mean, "
          "projected, L2-normalised); concept uint16[rows] (index into concepts)")


def keys_of(tokens, scale):
    """[n, 341, C] reader tokens -> [n, tokens(scale) x C] the scale's tokens flattened (the pyramid's order)."""
    j = IMAGE_ORDER.index(scale)
    return tokens[:, SCALE_OFFSETS[j]:SCALE_OFFSETS[j] + SCALE_TOKENS[j]].reshape(len(tokens), -1).float().cpu()


def gallery_rows(images, meta, reader, device="cpu", view=None, scale=SCALE, dim=DIM):
    """-> (mean float32 [in_dim], projection [in_dim, dim] or None (dim None or in_dim), rows float32 [n, dim]
    normalised, concept index [n], concept codes) of the training split's drawings: what the file stores (the rows
    as float16). view: caption_rerank.tokens_of's."""
    from training.caption_rerank import tokens_of
    gallery = [m for m in meta if m["split"] == "train"]
    mean, proj, rows = fit_key(keys_of(tokens_of(reader, images[[m["i"] for m in gallery]], device, view=view), scale), dim)
    codes = sorted({m["concept"] for m in gallery})
    idx = {c: i for i, c in enumerate(codes)}
    assert len(codes) < 65536
    return mean, proj, rows, [idx[m["concept"]] for m in gallery], codes


def hold(top, want):
    """[top-1, top-k holds the answer] as fractions: top [n, k] retrieved names (Gallery.retrieve), want [n] the answers"""
    return [sum(w == t[0] for w, t in zip(want, top)) / len(want), sum(w in t for w, t in zip(want, top)) / len(want)]


def fit_key(g, dim=DIM):
    """[n, in_dim] the gallery drawings' keys (keys_of) -> (mean [in_dim], projection [in_dim, dim] on their first dim
    principal axes or None (dim None or in_dim), rows [n, dim] centred, projected, L2-normalised, float32)."""
    mean = g.mean(0)
    proj = None
    if dim is not None and dim < g.shape[1]:
        proj = torch.linalg.svd(g - mean, full_matrices=False)[2][:dim].T.contiguous()   # principal axes
    centred = g - mean
    return mean, proj, F.normalize(centred if proj is None else centred @ proj, dim=1)


def frame_spec(images, meta):
    """manifest mllm.pick.frame: the gallery's drawings' ink extent (the median longer side of its bounding box, in
    pixels), what a given image is framed to before retrieval, unless its own extent is within the central 80% of
    theirs (`keep`, the 10th to 90th percentile: already framed as they are); the ink threshold (training/framing.py)"""
    from training import framing
    ext = framing.split_extents(images, meta, "train")
    return {"span": int(np.median(ext)), "ink": framing.INK, "keep": [int(np.percentile(ext, 10)), int(np.percentile(ext, 90))]}


# the rule's words for a temperature per page task (training/pick_temperature.py)
PER_TASK = ("; temperature: one per page task ({task: T}; training/pick_temperature.py; null: that task's "
            "log-likelihood alone)")


def write(mean, proj, rows, concept, codes, models_dir=MODELS_DIR, k=K, tasks=TASKS, scale=SCALE, frame=None, space="reader",
          temperature=None):
    """space "reader": a row is a drawing's reader tokens at `scale` (gallery_rows); "key": a query is the key model's
    embedding (manifest models.key, training/pick_key.py) and a row one concept's proxy, no scale. temperature: each
    retrieved name's score adds its cosine over it (mllm.pick.temperature; None: the log-likelihood alone)."""
    with open(os.path.join(models_dir, FILE), "wb") as f:
        f.write(np.asarray(mean, "<f4").tobytes())
        if proj is not None:
            f.write(np.asarray(proj, "<f4").tobytes())
        f.write(np.asarray(rows, "<f2").tobytes())
        f.write(np.asarray(concept, "<u2").tobytes())
    entry = {"role": "gallery", "file": FILE, "rows": int(len(rows)), "dim": int(rows.shape[1]),
             **({"in_dim": int(len(mean))} if proj is not None else {}),
             **({"scale": scale} if space == "reader" else {"key": "key"}), "space": space,
             "layout": LAYOUT if space == "reader" else KEY_LAYOUT, "concepts": [concept_char(c) for c in codes]}
    mllm = dict(read_manifest(models_dir)["mllm"])
    views = (mllm.get("pick") or {}).get("views")   # training.redraw's, kept: they are not the gallery's to rewrite
    page_styles = (mllm.get("pick") or {}).get("page_styles")   # export_mllm's (the model's), kept likewise
    mllm["pick"] = {"gallery": "gallery", "k": k, "tasks": list(tasks),
                    "rule": ("the k concepts nearest the given image's reader tokens at the gallery's scale (cosine after "
                             "centring on its mean and projecting, a concept scored by its best drawing" if space == "reader" else
                             "the k concepts nearest the given image's key (the key model's L2-normalised embedding; "
                             "cosine with each concept's row, its trained proxy") +
                            ", ties to the lower index); their names (words.json "
                            "concepts) scored by the MLLM's log-likelihood, after the prefix, of ' name' and the answer's "
                            "end (</s>), or of a plan ' name | style | tone' (the greedy plan's style and tone) and its end "
                            "([IMG]); the highest wins" + ("; the gallery is asked with the given image framed: its "
                            "ink's bounding box resized (area averaging) so its longer side spans frame.span pixels, "
                            "centred on white, unless that side is already within frame.keep (training/framing.py)"
                            if frame else "") + (f"; a name's score is its log-likelihood plus its retrieval cosine / "
                            "temperature (a product of the two experts)" + (PER_TASK if isinstance(temperature, dict) else "")
                            if temperature else "")}
    if temperature:
        mllm["pick"]["temperature"] = dict(temperature) if isinstance(temperature, dict) else float(temperature)
    if frame:
        mllm["pick"]["frame"] = dict(frame)
    if views:
        mllm["pick"]["views"] = views
    if page_styles:
        mllm["pick"]["page_styles"] = True
    return update_manifest({"gallery": entry}, extra={"mllm": mllm}, models_dir=models_dir)


class Gallery:
    """Retrieval over the training drawings' reader tokens at its scale, as the page runs it (`load`: the shipped file)."""

    def __init__(self, mean, rows, concept, names, proj=None, scale="f4", space="reader"):
        self.scale = scale   # reader space: the reader scale a query's tokens are at; key space: None
        self.space = space   # "key": a query is the key model's embedding (training/pick_key.py), not reader tokens
        self.proj = None if proj is None else torch.as_tensor(proj, dtype=torch.float32).cpu()
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
        d = e.get("in_dim", c)
        p = d * c if "in_dim" in e else 0   # the projection's values
        raw = open(os.path.join(models_dir, e["file"]), "rb").read()
        assert len(raw) == 4 * d + 4 * p + 2 * n * c + 2 * n, f"{e['file']}: {len(raw)} bytes, not the layout's"
        words = json.load(open(os.path.join(models_dir, m["models"]["words"]["file"]), encoding="utf-8"))["concepts"]
        o = 4 * d + 4 * p
        return cls(np.frombuffer(raw, "<f4", d).copy(), np.frombuffer(raw, "<f2", n * c, o).astype(np.float32).reshape(n, c),
                   np.frombuffer(raw, "<u2", n, o + 2 * n * c).astype(np.int64), [words[ch] for ch in e["concepts"]],
                   proj=np.frombuffer(raw, "<f4", p, 4 * d).reshape(d, c).copy() if p else None,
                   scale=None if e.get("space") == "key" else e.get("scale", "f4"), space=e.get("space", "reader"))

    @classmethod
    def build(cls, images, meta, reader, device="cpu"):
        """From the data and a reader (tests, other readers), rows in float32, names as eval_mllm's."""
        from training.eval_mllm import concept_names
        names = concept_names(meta)
        mean, proj, rows, concept, codes = gallery_rows(images, meta, reader, device)
        return cls(mean, rows, concept, [T.normalize_text(names[c]) for c in codes], proj=proj, scale=SCALE)

    def key(self, q):
        """q [n, in_dim] keys (keys_of) -> [n, dim] centred on the mean, projected where the gallery has a projection,
        L2-normalised: what retrieve compares with every row"""
        qc = torch.as_tensor(q).float().cpu() - self.mean
        return F.normalize(qc if self.proj is None else qc @ self.proj, dim=1)

    def one_vendor_out(self, want, row_vendor):
        """bool [n, rows] for retrieve's exclude: each query's own concept's rows of one vendor left out, alternately
        vendor 0 and 1 by the query's position (want [n] concept indices, row_vendor [rows] 0/1), as a held-out-vendor
        drawing meets the gallery (gallery_fit's choice set)"""
        want = torch.as_tensor(want)
        return (self.concept[None] == want[:, None]) & (torch.as_tensor(row_vendor)[None] == torch.arange(len(want))[:, None] % 2)

    def scores(self, q, exclude=None):
        """q [n, in_dim] keys (keys_of: the reader's tokens at self.scale, flattened) -> [n, concepts] each concept's
        best cosine with the query. exclude: bool [n, rows], rows left out of each query's scores (gallery_fit's choice set)."""
        sim = self.key(q) @ self.rows.T
        if exclude is not None:
            sim = sim.masked_fill(torch.as_tensor(exclude).cpu(), -2.0)
        best = torch.full((len(sim), len(self.names)), -2.0)
        return best.scatter_reduce_(1, self.concept.expand(len(sim), -1), sim, reduce="amax")

    def top(self, best, k):
        """scores [n, concepts] -> ([n, k] names, [n, k] scores), best first"""
        # stable: equal scores keep the lower concept index first (the page's tie-break)
        order = torch.sort(best, dim=1, descending=True, stable=True).indices[:, :k]
        return [[self.names[j] for j in row] for row in order.tolist()], best.gather(1, order)

    def retrieve(self, q, k, exclude=None):
        """q [n, in_dim] keys -> ([n, k] names, [n, k] scores), best first (scores, then top)."""
        return self.top(self.scores(q, exclude), k)


@torch.no_grad()
def source_rows(gallery, chars, images, meta, reader, vendors, frame, device="cpu"):
    """-> (rows float32 [n, dim], concept index [n]) of the source vendors' drawings (training.data's split "sources":
    another vendor's art of the concepts that train, never drawn by the MLLM) keyed by `gallery`'s key (its mean and
    projection, fitted on the training drawings, unchanged) and read as a query is: framed (frame: mllm.pick.frame;
    Fluent's ink spans 56 px, the gallery's 62). chars: the gallery's concepts (the manifest entry's); only those get rows."""
    from training import framing
    from training.caption_rerank import tokens_of
    idx = {ch: i for i, ch in enumerate(chars)}
    src = [m for m in meta if m["split"] in T.SOURCE_SPLITS and m["vendor"] in vendors and concept_char(m["concept"]) in idx]
    if not src:
        raise ValueError(f"no source drawings of vendors {sorted(vendors)} for the gallery's concepts: rebuild the data (training.data)")
    view = (lambda x, rows: framing.frame_as(x, frame)) if frame else None
    q = keys_of(tokens_of(reader, images[[m["i"] for m in src]], device, view=view), gallery.scale)
    return gallery.key(q), torch.tensor([idx[concept_char(m["concept"])] for m in src])


def add_sources(images, meta, reader, vendors, models_dir=MODELS_DIR, device="cpu"):
    """Rewrite the shipped gallery with the source vendors' drawings appended (source_rows): its key, its training rows
    (bit for bit), k, tasks, frame and views as they are; the manifest entry names the vendors and the training rows."""
    g = Gallery.load(models_dir)
    m = read_manifest(models_dir)
    e, pick = m["models"]["gallery"], m["mllm"]["pick"]
    if e.get("sources"):
        raise ValueError(f"the gallery already holds {e['sources']}: rebuild it (python3 -m training.gallery) first")
    rows, concept = source_rows(g, e["concepts"], images, meta, reader, vendors, pick.get("frame"), device)
    codes = {concept_char(c): c for c in {x["concept"] for x in meta}}
    man = write(g.mean.numpy(), None if g.proj is None else g.proj.numpy(), torch.cat([g.rows, rows]).numpy(),
                torch.cat([g.concept, concept]).tolist(), [codes[ch] for ch in e["concepts"]], models_dir, k=pick["k"],
                tasks=pick["tasks"], scale=g.scale, frame=pick.get("frame"))
    update_manifest({"gallery": dict(man["models"]["gallery"], sources=sorted(vendors), train_rows=int(len(g.rows)))},
                    models_dir=models_dir)
    return len(g.rows), len(rows)


@torch.no_grad()
def probe_add_sources(images, meta, reader, vendors, out, device="cpu"):
    """Would the source vendors' drawings in the gallery (add_sources) hold the held-out-vendor drawings' concept more
    often? top-1 / top-5 of the shipped gallery, and of it with the sources appended read framed (as add_sources writes
    them) or as drawn, for the held-out-vendor drawings as captions and edits (orig), sketches (edges) and colorizations
    (gray) give them, each query framed as the page frames it. Nothing is written but OUT.json."""
    import json
    from training import framing
    from training.caption_rerank import tokens_of
    g = Gallery.load()
    m = read_manifest()
    chars, frame = m["models"]["gallery"]["concepts"], m["mllm"]["pick"].get("frame")
    idx = {ch: i for i, ch in enumerate(chars)}
    hv = [x for x in meta if x["split"] == "heldout_vendor" and concept_char(x["concept"]) in idx]
    want, ids = [g.names[idx[concept_char(x["concept"])]] for x in hv], [x["i"] for x in hv]
    galleries = {"the shipped gallery": g}
    for name, fr in (("+ sources, framed (add_sources)", frame), ("+ sources, as drawn", None)):
        rows, concept = source_rows(g, chars, images, meta, reader, vendors, fr, device)
        galleries[name] = Gallery(g.mean, torch.cat([g.rows, rows.half().float()]), torch.cat([g.concept, concept]),
                                  g.names, proj=g.proj, scale=g.scale)
    res = {"n": len(hv), "vendors": sorted(vendors), "columns": "[top-1, top-5 holds the concept]"}
    for kind in ("orig", "edges", "gray"):
        view = lambda x, rows, kind=kind: framing.frame_as(T.image_variants(x, torch.as_tensor(ids)[rows])[kind], frame) \
            if frame else T.image_variants(x, torch.as_tensor(ids)[rows])[kind]
        q = keys_of(tokens_of(reader, images[ids], device, view=view), g.scale)
        res[kind] = {name: hold(gal.retrieve(q, K)[0], want) for name, gal in galleries.items()}
        print(kind, res[kind], flush=True)
    json.dump(res, open(out, "w"), indent=1)
    return res


@torch.no_grad()
def probe_sources(images, meta, reader, out):
    """Whether a source kind (colorize's gray, sketch's edges, inpaint's mask) would retrieve better from a gallery
    of the training drawings made the same way than from the shipped colour one: top-1 / top-5 hold of the
    held-out-vendor drawings' concept, by the reader's f4 (the pick chooses among the top 5)."""
    import json
    from training.caption_rerank import tokens_of

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
        q = keys_of(tokens_of(reader, images[hv_ids], "cpu", view=kind_of(kind, hv_ids)), shipped.scale)
        res[kind] = {"the shipped colour gallery": hold(shipped.retrieve(q, K)[0])}
        if kind != "mask_a":   # a masked gallery would need the user's mask
            mean, proj, rows, concept, _ = gallery_rows(images, meta, reader, view=kind_of(kind, [m["i"] for m in train]),
                                                        scale=shipped.scale, dim=len(shipped.rows[0]) if shipped.proj is not None else None)
            own = Gallery(mean, rows.half().float(), concept, shipped.names, proj=proj, scale=shipped.scale)
            res[kind]["a gallery of the training drawings made the same way"] = hold(own.retrieve(q, K)[0])
        print(kind, res[kind], flush=True)
    json.dump(res, open(out, "w"), indent=1)
    return res


@torch.no_grad()
def probe_lines(images, meta, reader, out, device="cpu"):
    """Would the sketch task retrieve line art better from a gallery of the training drawings drawn as line art? The
    queries: eval_mllm's sketch_lines (the line-drawn vendor's drawing of each held-out-vendor drawing's concept, its
    edge map as the page takes a canvas's), sketch_lines_drawn (that drawing as drawn), and sketch (the held-out drawing's
    own edge map), each framed as the page frames a pick's query. The galleries: the shipped colour one; the training
    drawings as transforms.line_drawing draws them, their edge map (the bank's "lines" variant) or as drawn, each on its
    own key (fit_key at the shipped scale and axes) and, appended to the shipped rows, on the shipped key. top-1 / top-5
    hold of the concept (the pick chooses among the top 5). Nothing is written but OUT.json."""
    import json
    from training import framing, transforms as TR
    from training.caption_rerank import tokens_of
    from training.eval_mllm import line_sources
    g = Gallery.load()
    man = read_manifest()
    frame = man["mllm"]["pick"].get("frame")
    at = {ch: i for i, ch in enumerate(man["models"]["gallery"]["concepts"])}
    train = [m for m in meta if m["split"] == "train"]
    cidx = {c: at[concept_char(c)] for c in {m["concept"] for m in train}}   # the gallery's concept index
    assert len(g.rows) == len(train), "the shipped gallery holds more than the training drawings (add_sources): rebuild it"
    hv = [m["i"] for m in meta if m["split"] == "heldout_vendor"]
    lines = line_sources(meta, hv, "")
    framed = (lambda v: framing.frame_as(v, frame)) if frame else (lambda v: v)
    ids_of = lambda ids: lambda rows: torch.as_tensor(ids)[rows]
    query = {   # name -> (image ids read, view(x, rows), the concept wanted per query)
        "sketch_lines": (list(lines.values()), lambda x, rows: framed(TR.sobel_edges(x)), [meta[i]["concept"] for i in lines]),
        "sketch_lines_drawn": (list(lines.values()), lambda x, rows: framed(x), [meta[i]["concept"] for i in lines]),
        "sketch": (hv, lambda x, rows: framed(TR.sobel_edges(x)), [meta[i]["concept"] for i in hv])}
    tid = [m["i"] for m in train]
    made = {"lines": lambda x, rows: TR.sobel_edges(TR.line_drawing(x, ids_of(tid)(rows).tolist())),
            "drawn": lambda x, rows: TR.line_drawing(x, ids_of(tid)(rows).tolist())}
    dim = len(g.rows[0]) if g.proj is not None else None
    galleries = {"the shipped colour gallery": g}
    for name, view in made.items():
        tk = keys_of(tokens_of(reader, images[tid], device, view=view), g.scale)
        mean, proj, rows = fit_key(tk, dim)
        galleries[f"the training drawings' {name} (own key)"] = Gallery(mean, rows.half().float(), [cidx[m["concept"]] for m in train],
                                                                        g.names, proj=proj, scale=g.scale)
        galleries[f"shipped + their {name} (shipped key)"] = Gallery(g.mean, torch.cat([g.rows, g.key(tk).half().float()]),
                                                                     torch.cat([g.concept, g.concept]), g.names, proj=g.proj, scale=g.scale)
        print(f"gallery of {name} built", flush=True)
    res = {"n": {k: len(v[0]) for k, v in query.items()}, "columns": "[top-1, top-5 holds the concept]", "frame": frame}
    for kind, (ids, view, want) in query.items():
        q = keys_of(tokens_of(reader, images[ids], device, view=view), g.scale)
        names = [g.names[cidx[c]] for c in want]
        res[kind] = {name: hold(gal.retrieve(q, K)[0], names) for name, gal in galleries.items()}
        print(kind, res[kind], flush=True)
    json.dump(res, open(out, "w"), indent=1)
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out-dir", default=MODELS_DIR)
    ap.add_argument("--probe-sources", metavar="OUT.json", help="instead: probe_sources (no file written but OUT.json)")
    ap.add_argument("--probe-lines", metavar="OUT.json", help="instead: probe_lines, line-art sketches against galleries "
                    "of the training drawings drawn as line art (no file written but OUT.json)")
    ap.add_argument("--scale", default=SCALE, help="the key's scale (its tokens flattened)")
    ap.add_argument("--dim", type=int, default=DIM, help="the key's principal axes (0: none, the tokens as they are)")
    ap.add_argument("--fit", metavar="OUT.json", help="a projection fitted across vendors (training/gallery_fit.py) "
                    "instead of the principal axes; its report -> OUT.json")
    ap.add_argument("--no-frame", action="store_true", help="given images retrieve as they are (no mllm.pick.frame)")
    ap.add_argument("--add-sources", metavar="VENDORS", help="instead: append these source vendors' drawings (comma-"
                    "separated, e.g. fluent; training.data's split sources) to the shipped gallery, keyed by its key (add_sources)")
    ap.add_argument("--probe-add", metavar="OUT.json", help="with --add-sources: instead of writing, measure what they would "
                    "hold (probe_add_sources)")
    args = ap.parse_args(argv)
    torch.set_num_threads(os.cpu_count() or 1)
    from training.data import load
    from training import shipped
    images, meta = load()
    reader = shipped.load_reader(args.device)[0]
    if args.probe_sources:
        return probe_sources(images, meta, reader, args.probe_sources)
    if args.probe_lines:
        return probe_lines(images, meta, reader, args.probe_lines, args.device)
    if args.add_sources and args.probe_add:
        return probe_add_sources(images, meta, reader, set(args.add_sources.split(",")), args.probe_add, args.device)
    if args.add_sources:
        n_train, n_src = add_sources(images, meta, reader, set(args.add_sources.split(",")), args.out_dir, args.device)
        print(f"{FILE}: {n_train} training drawings + {n_src} of {args.add_sources}, "
              f"{os.path.getsize(os.path.join(args.out_dir, FILE)) / 1e3:.0f} kB")
        return
    if args.fit:
        import json
        from training import gallery_fit
        mean, proj, rows, concept, codes, report = gallery_fit.fit(images, meta, reader, args.device, args.scale, args.dim)
        with open(args.fit, "w") as f:
            json.dump(report, f, indent=1)
    else:
        mean, proj, rows, concept, codes = gallery_rows(images, meta, reader, torch.device(args.device), scale=args.scale, dim=args.dim or None)
    frame = None if args.no_frame else frame_spec(images, meta)
    write(mean.numpy(), None if proj is None else proj.numpy(), rows.numpy(), concept, codes, args.out_dir, scale=args.scale,
          frame=frame)
    size = os.path.getsize(os.path.join(args.out_dir, FILE))
    print(f"{FILE}: {rows.shape[0]} drawings of {len(codes)} concepts, {size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()

"""The pick's gallery key, learned: a projection of the reader's tokens fitted so drawings of one concept meet across
vendors (issue 15). No model weight changes; the gallery file keeps its layout (training/gallery.py: the learned
matrix takes the principal axes' place), so the page runs it as it is.

The shipped key projects the reader's f2 tokens on their first 128 principal axes: directions of most variance, which
keep the vendor of a drawing as much as its concept. Here the projection is fitted by InfoNCE over the gallery: a query
(a training drawing, its edge map or its grayscale, as sketch and colorize give them; or a Fluent drawing, a third
vendor, of a training concept) is pulled toward the gallery rows of its concept but its own and away from every other
row, at the temperature TAU. It starts from the principal axes and moves within the span of the first SPAN of them.

The choice set (never trained on): the Fluent drawings of a third of the training concepts (`is_dev`), each matched
against the gallery with one vendor's drawings of its own concept left out (alternately Google's and Twitter's), as a
held-out-vendor drawing meets it. The Fluent drawings of the other two thirds are fitting queries; those of the
held-out-vendor concepts are not used, so no drawing of the evaluation's concepts in a third vendor is fitted on. The
projection kept is the one of the evaluated steps with the best dev score (`dev_score`). The evaluation's own sets
(held-out vendor, its edge maps and grayscales, OpenMoji) are reported beside it and choose nothing.

    /usr/bin/python3 -m training.gallery --fit OUT.json [--device cuda]     # fit, then write public/models/gallery.bin
"""
import hashlib
import time

import torch
import torch.nn.functional as F

from training.gallery import K, Gallery, fit_key, hold, keys_of

TAU = 0.05      # InfoNCE temperature (half the reader's own 0.1: rows of one concept are few)
SPAN = 256      # the learned projection lives in the span of the first SPAN principal axes
LR = 3e-4       # Adam; 1e-3 overfit in the CPU trial (held-out-vendor top-5 fell after 200 steps)
STEPS = 3000   # the dev score still rose at 1500 (47.10 at 1450 and 1500); 8 s on an H200 for 1500
EVERY = 50
BATCH = 1024
VIEWS = ("orig", "edges", "gray")   # the given image as a caption, sketch and colorize read it


def is_dev(concept):
    """a third of the training concepts, by a hash of the code: their Fluent drawings choose, never fit"""
    return int(hashlib.sha1(concept.encode()).hexdigest(), 16) % 3 == 0


def fit_projection(g, concept, queries, q_concept, q_self, dev, dim=128, span=SPAN, steps=STEPS, lr=LR, tau=TAU,
                   batch=BATCH, every=EVERY, seed=0, log=print):
    """g [n, in_dim] the gallery drawings' keys, concept [n]; queries [m, in_dim] with their concept [m] and their own
    gallery row or -1 [m] (left out of their positives and the softmax); dev(mean, proj) -> score, higher better.
    -> (mean, proj [in_dim, dim], curve: [(step, dev score)], the kept step, the principal axes [in_dim, span]). The kept
    projection is the best step's."""
    gen = torch.Generator(device="cpu").manual_seed(seed)
    mean, axes, _ = fit_key(g, span)   # axes [in_dim, span]: the principal axes (fewer where the gallery has fewer rows)
    span = axes.shape[1]
    gs, qs = (g - mean) @ axes, (queries - mean) @ axes
    v = torch.eye(span, device=g.device)[:, :dim].clone().requires_grad_(True)   # starts as the principal axes
    opt = torch.optim.Adam([v], lr=lr)
    idx = torch.arange(len(g), device=g.device)
    curve, best = [], (-1.0, None, 0)
    t0 = time.time()
    for step in range(steps + 1):
        if step % every == 0 or step == steps:
            with torch.no_grad():
                proj = (axes @ v).contiguous()
                score = float(dev(mean, proj))
            curve.append((step, score))
            if score > best[0]:
                best = (score, proj.clone(), step)
            log(f"[gallery_fit {time.time() - t0:6.1f}s] step {step}: dev {score:.2f}")
        if step == steps:
            break
        b = torch.randint(0, len(queries), (batch,), generator=gen).to(g.device)
        qn = F.normalize(qs[b] @ v, dim=1)
        rows = F.normalize(gs @ v, dim=1)
        s = (qn @ rows.T / tau).masked_fill(idx[None] == q_self[b][:, None], -1e4)   # never itself
        pos = (concept[None] == q_concept[b][:, None]) & (idx[None] != q_self[b][:, None])
        has = pos.any(1)
        loss = -(torch.logsumexp(s.masked_fill(~pos, -1e4), 1) - torch.logsumexp(s, 1))[has].mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return mean, best[1], curve, best[2], axes


@torch.no_grad()
def fit(images, meta, reader, device="cpu", scale="f2", dim=128, steps=STEPS, log=print):
    """-> (mean, proj, rows [n, dim] float32, concept, codes, report): the gallery of the training drawings keyed by a
    fitted projection (gallery.gallery_rows' return with the report added)."""
    from training import mllm_tasks as T
    from training.caption_rerank import tokens_of
    dev_ = torch.device(device)
    train = [m for m in meta if m["split"] == "train"]
    codes = sorted({m["concept"] for m in train})
    cidx = {c: i for i, c in enumerate(codes)}
    hv_concepts = {m["concept"] for m in meta if m["split"] == "heldout_vendor"}
    fluent = [m for m in meta if m["split"] == "sources" and m["concept"] in cidx and m["concept"] not in hv_concepts]
    fl_fit = [m for m in fluent if not is_dev(m["concept"])]
    fl_dev = [m for m in fluent if is_dev(m["concept"])]
    hv = [m for m in meta if m["split"] == "heldout_vendor"]
    om = [m for m in meta if m["split"] == "openmoji" and m["concept"] in cidx]

    def keys(ms, view="orig"):
        ids = [m["i"] for m in ms]
        v = None if view == "orig" else (lambda x, rows: T.image_variants(x, torch.as_tensor(ids)[rows])[view])
        return keys_of(tokens_of(reader, images[ids], dev_, view=v), scale).to(dev_)
    log(f"keys: {len(train)} training drawings, {len(fluent)} Fluent ({len(fl_dev)} dev), x {len(VIEWS)} views")
    g = keys(train)
    concept = torch.tensor([cidx[m["concept"]] for m in train], device=dev_)
    row_vendor = torch.tensor([0 if m["vendor"] == "google" else 1 for m in train])
    qs, qc, qself = [], [], []
    for view in VIEWS:
        qs += [g if view == "orig" else keys(train, view), keys(fl_fit, view)]
        qc += [concept, torch.tensor([cidx[m["concept"]] for m in fl_fit], device=dev_)]
        qself += [torch.arange(len(train), device=dev_), torch.full((len(fl_fit),), -1, device=dev_)]
    sets = {"fluent_dev_1v": (keys(fl_dev), fl_dev, True), "fluent_dev_edges_1v": (keys(fl_dev, "edges"), fl_dev, True),
            "heldout_vendor": (keys(hv), hv, False), "heldout_vendor_edges": (keys(hv, "edges"), hv, False),
            "heldout_vendor_gray": (keys(hv, "gray"), hv, False), "openmoji": (keys(om), om, False)}

    def measure(mean, proj):
        """each set's hold by the page's retrieval (Gallery) over the float16 rows; a one-vendor set's queries lose one
        vendor's rows of their own concept, alternately Google's and Twitter's (a held-out-vendor drawing's gallery)"""
        rows16 = F.normalize((g - mean) @ proj, dim=1).half().float()
        gallery = Gallery(mean.cpu(), rows16.cpu(), concept.cpu(), codes, proj=proj.cpu(), scale=scale)
        out = {}
        for name, (q, ms, one_vendor) in sets.items():
            exclude = None
            if one_vendor:
                exclude = gallery.one_vendor_out([cidx[m["concept"]] for m in ms], row_vendor)
            out[name] = [round(100 * x, 2) for x in hold(gallery.retrieve(q.cpu(), K, exclude)[0], [m["concept"] for m in ms])]
        return out

    def dev_score(mean, proj):
        """the choice: the one-vendor Fluent dev drawings' top-1 and top-5, and their edge maps' top-5, averaged"""
        m = measure(mean, proj)
        return (m["fluent_dev_1v"][0] + m["fluent_dev_1v"][1] + m["fluent_dev_edges_1v"][1]) / 3
    with torch.enable_grad():
        mean, proj, curve, kept, axes = fit_projection(g, concept, torch.cat(qs), torch.cat(qc), torch.cat(qself), dev_score,
                                                 dim=dim, steps=steps, log=log)
    report = {"scale": scale, "dim": dim, "tau": TAU, "span": SPAN, "lr": LR, "steps": steps, "batch": BATCH,
              "views": list(VIEWS), "queries": int(sum(len(q) for q in qs)), "fluent_fit": len(fl_fit), "fluent_dev": len(fl_dev),
              "columns": "[top-1, top-5 holds the concept] %", "dev_score": "mean of fluent_dev_1v top-1, top-5, fluent_dev_edges_1v top-5",
              "curve": curve, "kept_step": kept,
              "principal axes (the shipped key)": measure(mean, axes[:, :dim]), "fitted": measure(mean, proj)}
    log(f"kept step {kept}: {report['fitted']}")
    log(f"principal axes: {report['principal axes (the shipped key)']}")
    rows = F.normalize((g - mean) @ proj, dim=1)
    return mean.cpu(), proj.cpu(), rows.cpu(), concept.tolist(), codes, report

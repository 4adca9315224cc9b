"""Does the encoder carry a drawing's concept across vendor styles? Concept retrieval from the features of
drawings the encoder never saw.

Queries: the held-out-vendor images (the concept trained in the other vendor's art only, this drawing never
seen) and an evenly spread subset of OpenMoji drawings (a style never trained) of trained concepts.
Gallery: images of the "train" split (both vendors), labelled by concept. Every query's concept is in the
gallery; the default gallery adds a fixed random sample of distractor concepts (all of them with --full).
Per feature: cosine nearest neighbour (a concept's score is its best gallery match) and nearest class mean,
top-1 and top-5 over the gallery's concepts, and a linear probe (logistic regression fitted on the gallery)
on the features named by --linear. Features are centred on the gallery's mean before the cosine.
Style against concept, for the held-out-vendor queries: nn_same_vendor, how often the single nearest gallery
drawing is in the query's own vendor (the true concept's drawings never are), overall and among the misses;
gallery_same_vendor is its base rate.

Features: the mean of any scale's tokens IS f4 (2x2 average pooling, equal cells), so mean-pooling f2, f1 or
f0 adds nothing; the finer scales enter through their layout (`fK_flat`: the tokens concatenated) and a
non-linear pool (`fK_max`: channel-wise max over the tokens). `concat` joins f4 and the max pools (each
L2-normalised); `pixels` (the image average-pooled to 16x16x3) is the no-encoder reference.

    /usr/bin/python3 -m training.encoder_probe                   # the shipped encoder on CPU, default gallery
    python3 -m training.encoder_probe --encoder CKPT/encoder.pt --name variant --full   # GPU: everything

Cost: the default (200 OpenMoji queries, 600 gallery concepts, at most 6 images each: ~2.2k images) takes
~3 min on the 2-core development CPU: 50-70 ms an image through fast_cpu_forward (the module's own forward
takes ~150: Debian's torch multiplies in the reference BLAS), more when the machine is shared. --full
(~10.6k images, 1,810 concepts) is for a GPU, where everything takes seconds.

Writes training/eval/encoder_probe/<name>.json (--out overrides).
"""
import argparse
import json
import math
import os
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from training.common import ROOT, psnr
from training.config import VisualConfig
from training.data import load
from training.encoder import AuxDecoder, Encoder, load_ckpt, pyramid
from training.transforms import to_tensor

OUT_DIR = os.path.join(ROOT, "training", "eval", "encoder_probe")
QUERY_SETS = ("heldout_vendor", "openmoji")


# ---------------------------------------------------------------- CPU arithmetic
def _onednn(t):
    return (t.device.type == "cpu" and t.dtype == torch.float32 and torch.backends.mkldnn.is_available()
            and hasattr(torch._C._nn, "mkldnn_linear"))


def linear(x, w, b=None):
    """F.linear; on CPU through oneDNN, because Debian's torch does its matmuls in the reference BLAS
    (~2 GFLOP/s on the 2-core development machine; oneDNN is ~5x that). No autograd."""
    if not _onednn(x):
        return F.linear(x, w, b)
    s = x.shape
    y = torch._C._nn.mkldnn_linear(x.reshape(-1, s[-1]).contiguous().to_mkldnn(), w.contiguous().to_mkldnn(),
                                    None if b is None else b.contiguous().to_mkldnn()).to_dense()
    return y.reshape(*s[:-1], y.shape[-1])


def _block(blk, x):
    """encoder.Block.forward (nn.MultiheadAttention's arithmetic written out) with its projections in `linear`."""
    a, (b, n, d) = blk.attn, x.shape
    h = a.num_heads
    q, k, v = linear(blk.ln1(x), a.in_proj_weight, a.in_proj_bias).view(b, n, 3, h, d // h) \
        .permute(2, 0, 3, 1, 4).reshape(3, b * h, n, d // h)
    att = torch.softmax(torch.bmm(q, k.transpose(1, 2)) / math.sqrt(d // h), -1)
    x = x + linear(torch.bmm(att, v).view(b, h, n, d // h).transpose(1, 2).reshape(b, n, d), a.out_proj.weight, a.out_proj.bias)
    m = blk.mlp
    return x + linear(m[1](linear(blk.ln2(x), m[0].weight, m[0].bias)), m[2].weight, m[2].bias)


def fast_cpu_forward(enc, image):
    """encoder.Encoder.forward with the transformer's matmuls on oneDNN (~2.5x on the development CPU)."""
    x = enc.stem(image).flatten(2).transpose(1, 2) + enc.pos
    for blk in enc.blocks:
        x = _block(blk, x)
    f = linear(enc.ln(x), enc.proj.weight, enc.proj.bias)
    f = f - f.mean(-1, keepdim=True)
    return f / torch.sqrt(f.pow(2).mean(-1, keepdim=True) + 1e-5)


@torch.no_grad()
def encode(enc, images, device, batch=64):
    """(f0 [N,256,C] float32 on the CPU of uint8 images [N,64,64,3], which forward ran). The oneDNN path only
    where it matches the module (checked on two images: an architecture change falls back, never drifts)."""
    fwd, how = enc, "module"
    if device == "cpu" and _onednn(torch.zeros(1)):
        x = to_tensor(images[:2])
        if torch.allclose(fast_cpu_forward(enc, x), enc(x), atol=1e-4):
            fwd, how = (lambda x: fast_cpu_forward(enc, x)), "oneDNN (fast_cpu_forward)"
    f0 = torch.cat([fwd(to_tensor(images[i:i + batch], device)).float().cpu() for i in range(0, len(images), batch)])
    return f0, how


# ---------------------------------------------------------------- what is compared
def features(f0, images, grid=16):
    """The probed features of f0 [N,256,C] (and the images, for the pixel reference): name -> [N, D]."""
    p = pyramid(f0, grid)                      # f0 .. f4, finest first
    out = {"f4": p[4][:, 0]}
    for k in (3, 2, 1, 0):
        out[f"f{k}_flat"] = p[k].flatten(1)
    for k in (2, 1, 0):
        out[f"f{k}_max"] = p[k].amax(1)
    out["concat"] = torch.cat([F.normalize(out[k], dim=-1) for k in ("f4", "f2_max", "f1_max", "f0_max")], 1)
    out["pixels"] = F.avg_pool2d(to_tensor(images), 4).flatten(1)
    return out


def select(meta, n_openmoji=200, gallery_concepts=600, per_concept=6, limit=0, seed=0):
    """Query indices per set and the gallery (indices, their concept labels, the concept list). The gallery
    takes every query concept, then distractor concepts in a fixed random order until `gallery_concepts`
    concepts or `limit` images (0: no cap); at most `per_concept` images of a concept, evenly spread over
    its records (which alternate vendor, then skin tone)."""
    by_concept = {}
    for m in meta:
        if m["split"] == "train":
            by_concept.setdefault(m["concept"], []).append(m["i"])
    queries = {s: [m["i"] for m in meta if m["split"] == s and m["concept"] in by_concept] for s in QUERY_SETS}
    if n_openmoji and n_openmoji < len(queries["openmoji"]):
        om = queries["openmoji"]
        queries["openmoji"] = [om[j] for j in np.linspace(0, len(om) - 1, n_openmoji).round().astype(int)]
    needed = list(dict.fromkeys(meta[i]["concept"] for q in queries.values() for i in q))
    others = sorted(set(by_concept) - set(needed))
    np.random.RandomState(seed).shuffle(others)
    gallery, concepts = [], []
    for j, c in enumerate(needed + others):
        idx = by_concept[c]
        if per_concept and len(idx) > per_concept:
            idx = [idx[t] for t in np.linspace(0, len(idx) - 1, per_concept).round().astype(int)]
        if j >= len(needed) and ((gallery_concepts and len(concepts) >= gallery_concepts)
                                 or (limit and len(gallery) + len(idx) > limit)):
            break
        gallery += idx
        concepts.append(c)
    col = {c: k for k, c in enumerate(concepts)}
    labels = torch.tensor([col[meta[i]["concept"]] for i in gallery])
    return queries, gallery, labels, concepts, len(needed)


def ranks(scores, target):
    """Rank of the true class in each row of [Q, K] scores (0 = best; ties count in its favour)."""
    return (scores > scores.gather(1, target[:, None])).sum(1)


def topk(r):
    return dict(top1=float((r < 1).float().mean()) if len(r) else None, top5=float((r < 5).float().mean()) if len(r) else None)


def retrieval(q, g, g_lab, n_class):
    """Concept scores [Q, n_class] of queries q [Q,D] against the gallery g [G,D] (labels g_lab):
    nearest neighbour (a concept's score: its best match), nearest class mean, and the index of each
    query's single nearest gallery image. Centred on the gallery mean, then cosine."""
    mu = g.mean(0)
    q, g = F.normalize(q - mu, dim=-1), F.normalize(g - mu, dim=-1)
    sim = linear(q, g)                                           # [Q, G] cosines
    lab = g_lab.to(q.device)[None].expand(len(q), -1)
    with warnings.catch_warnings():   # scatter_reduce is "beta" in torch 1.13, stable since
        warnings.simplefilter("ignore")
        nn_scores = torch.full((len(q), n_class), -2.0, device=q.device).scatter_reduce(1, lab, sim, "amax")
    means = F.normalize(torch.zeros(n_class, g.shape[1], device=q.device).index_add_(0, g_lab.to(q.device), g), dim=-1)
    return nn_scores, linear(q, means), sim.argmax(1)


def linear_probe(xg, yg, xq, n_class, steps=300, lr=0.05, wd=1e-4):
    """Multinomial logistic regression fitted on the gallery (features standardised, a bias column), full
    batch, Adam; the gradient written out so the CPU path stays on oneDNN. Returns the queries' scores."""
    mu, sd = xg.mean(0), xg.std(0) + 1e-6
    one = lambda x: torch.cat([(x - mu) / sd, torch.ones(len(x), 1, device=x.device)], 1)   # noqa: E731
    xg, xq = one(xg), one(xq)
    y = F.one_hot(yg.to(xg.device), n_class).float()
    w = torch.zeros(n_class, xg.shape[1], device=xg.device, requires_grad=True)
    opt = torch.optim.Adam([w], lr=lr)
    xgt = xg.t().contiguous()
    with torch.no_grad():
        for _ in range(steps):
            p = torch.softmax(linear(xg, w), 1)
            w.grad = linear((p - y).t().contiguous(), xgt) / len(xg) + wd * w
            opt.step()
        return linear(xq, w)


def probe(feats_q, feats_g, g_lab, n_class, q_lab, linear_names=(), device="cpu", q_vendor=None, g_vendor=None, linear_steps=300):
    """Every metric of one query set: feature name -> {nn_top1, nn_top5, ncm_top1, ncm_top5[, linear_*]
    [, nn_same_vendor]}; plus f4's nearest-neighbour predictions (for per-query rows)."""
    out, pred = {}, None
    q_lab = q_lab.to(device)
    for name in feats_g:
        q, g = feats_q[name].to(device), feats_g[name].to(device)
        nn_s, ncm_s, nearest = retrieval(q, g, g_lab, n_class)
        r = {f"nn_{k}": v for k, v in topk(ranks(nn_s, q_lab)).items()}
        r.update({f"ncm_{k}": v for k, v in topk(ranks(ncm_s, q_lab)).items()})
        if name in linear_names:
            r.update({f"linear_{k}": v for k, v in topk(ranks(linear_probe(g, g_lab, q, n_class, linear_steps), q_lab)).items()})
        if q_vendor is not None:   # style over concept: how often the single nearest drawing shares the query's vendor
            same = (g_vendor.to(device)[nearest] == q_vendor.to(device)).float()
            wrong = nn_s.argmax(1) != q_lab
            r["nn_same_vendor"] = float(same.mean())
            r["nn_same_vendor_when_wrong"] = float(same[wrong].mean()) if wrong.any() else None
        out[name] = r
        if name == "f4":
            pred = nn_s.argmax(1).cpu()
    return out, pred


# ---------------------------------------------------------------- encoders
def load_probe_encoder(spec, device):
    """(encoder, its VisualConfig, a description, the checkpoint or None) for 'shipped' or a checkpoint path."""
    if spec == "shipped":
        from training import shipped
        enc, cfg = shipped.load_encoder(device)
        return enc, cfg, dict(encoder="shipped", source="public/models/encoder.onnx (int8-stored weights, as served)"), None
    ck = load_ckpt(spec, device)
    cfg = VisualConfig(**ck["config"])
    enc = Encoder(cfg).to(device)
    enc.load_state_dict(ck["encoder"])
    info = dict(encoder=spec, step=ck.get("step"), enc_steps=cfg.enc_steps, enc_batch=cfg.enc_batch,
                cross_vendor_weight=getattr(cfg, "cross_vendor_weight", 0.0), cross_vendor_head=getattr(cfg, "cross_vendor_head", 0), train_seconds=ck.get("train_seconds"))
    return enc.eval().requires_grad_(False), cfg, info, ck


@torch.no_grad()
def aux_psnr(ck, cfg, f0, images, device, batch=256):
    """Mean PSNR (dB) of the checkpoint's auxiliary decoder on f0 of clean images: does f0 still reconstruct."""
    aux = AuxDecoder(cfg).to(device)
    aux.load_state_dict({k[4:]: v for k, v in ck["objective"].items() if k.startswith("aux.")})
    aux.eval()
    vals = [psnr(aux(f0[i:i + batch].to(device)).float(), to_tensor(images[i:i + batch], device)).cpu()
            for i in range(0, len(f0), batch)]
    return round(float(torch.cat(vals).mean()), 2) if vals else None


# ---------------------------------------------------------------- CLI
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--encoder", default="shipped", help="'shipped' (public/models, training.shipped) or an encoder checkpoint")
    ap.add_argument("--name", default=None, help="output name (default: 'shipped' or the checkpoint's folder)")
    ap.add_argument("--out", default=None, help="output JSON (default training/eval/encoder_probe/<name>.json)")
    ap.add_argument("--data-dir", "--data", dest="data", default=None)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--openmoji", type=int, default=200, help="OpenMoji queries, evenly spread (0: all)")
    ap.add_argument("--gallery-concepts", type=int, default=600, help="gallery concepts, query concepts included (0: all)")
    ap.add_argument("--per-concept", type=int, default=6, help="gallery images per concept at most (0: all)")
    ap.add_argument("--limit", type=int, default=0, help="gallery images at most, query concepts always kept (0: no cap)")
    ap.add_argument("--full", action="store_true", help="all OpenMoji queries, every training image in the gallery")
    ap.add_argument("--linear", default="f4,concat", help="features with a linear probe, comma-separated ('' for none)")
    ap.add_argument("--linear-steps", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0, help="the distractor concepts' draw")
    ap.add_argument("--batch", type=int, default=None)
    a = ap.parse_args(argv)
    if a.full:
        a.openmoji = a.gallery_concepts = a.per_concept = a.limit = 0
    t0 = time.time()
    torch.manual_seed(0)
    name = a.name or ("shipped" if a.encoder == "shipped" else os.path.basename(os.path.dirname(os.path.abspath(a.encoder))))
    out_path = a.out or os.path.join(OUT_DIR, f"{name}.json")
    images, meta = load(a.data) if a.data else load()
    enc, cfg, info, ck = load_probe_encoder(a.encoder, a.device)
    queries, gallery, g_lab, concepts, n_needed = select(meta, a.openmoji, a.gallery_concepts, a.per_concept, a.limit, a.seed)
    order = gallery + [i for s in QUERY_SETS for i in queries[s]]
    t1 = time.time()
    f0, how = encode(enc, images[order], a.device, a.batch or (64 if a.device == "cpu" else 512))
    t_enc = time.time() - t1
    print(f"encoded {len(order)} images in {t_enc:.1f}s ({1000 * t_enc / max(1, len(order)):.1f} ms/image, {a.device}, {how})", flush=True)
    feats = features(f0, images[order], cfg.grid)
    n_g = len(gallery)
    feats_g = {k: v[:n_g] for k, v in feats.items()}
    col = {c: k for k, c in enumerate(concepts)}
    concept_name = {m["concept"]: m["name"] for m in meta}
    vendors = {v: k for k, v in enumerate(sorted({m["vendor"] for m in meta}))}
    g_vendor = torch.tensor([vendors[meta[i]["vendor"]] for i in gallery])
    res, per_query, start = {}, [], n_g
    for s in QUERY_SETS:
        qi = queries[s]
        sl = slice(start, start + len(qi))
        start += len(qi)
        if not qi:
            res[s] = dict(n=0)
            continue
        q_lab = torch.tensor([col[meta[i]["concept"]] for i in qi])
        hv = s == "heldout_vendor"   # OpenMoji is no gallery vendor: the style statistic is the held-out vendor's only
        qv = torch.tensor([vendors[meta[i]["vendor"]] for i in qi])
        r, pred = probe({k: v[sl] for k, v in feats.items()}, feats_g, g_lab, len(concepts), q_lab,
                        [x for x in a.linear.split(",") if x], a.device, qv if hv else None, g_vendor, a.linear_steps)
        res[s] = dict(n=len(qi), concepts=len({meta[i]["concept"] for i in qi}), chance_top1=1 / len(concepts),
                      chance_top5=min(1.0, 5 / len(concepts)), features=r)
        if hv:
            res[s]["gallery_same_vendor"] = float((g_vendor[None] == qv[:, None]).float().mean())
            per_query = [dict(i=i, name=meta[i]["name"], vendor=meta[i]["vendor"], skin_tone=meta[i]["skin_tone"],
                              f4_nn=concept_name.get(concepts[int(p)], concepts[int(p)]), correct=bool(int(p) == int(t)))
                         for i, p, t in zip(qi, pred, q_lab)]
        print(f"{s}: {len(qi)} queries  " + "  ".join(f"{k} nn {v['nn_top1']:.3f}/{v['nn_top5']:.3f} ncm {v['ncm_top1']:.3f}"
                                                     for k, v in r.items()), flush=True)
    if ck is not None and "objective" in ck:
        hv_idx = queries["heldout_vendor"]
        info["aux_psnr_heldout_vendor"] = aux_psnr(ck, cfg, f0[n_g:n_g + len(hv_idx)], images[hv_idx], a.device)
        info["aux_psnr_gallery"] = aux_psnr(ck, cfg, f0[:n_g], images[gallery], a.device)
    out = dict(
        name=name, **info, device=a.device, torch=torch.__version__, wall_s=round(time.time() - t0, 1),
        encode=dict(images=len(order), forward=how, cpu_threads=torch.get_num_threads(), seconds=round(t_enc, 1),
                    ms_per_image=round(1000 * t_enc / max(1, len(order)), 2)),
        gallery=dict(images=n_g, concepts=len(concepts), query_concepts=n_needed, distractor_concepts=len(concepts) - n_needed,
                     per_concept=a.per_concept or "all", limit=a.limit or None, openmoji_queries=a.openmoji or "all", seed=a.seed,
                     full=a.full, rule="every query concept's training images (split 'train', both vendors) plus distractor "
                                       "concepts in a fixed random order; per_concept images of a concept evenly spread"),
        method="features centred on the gallery mean, cosine; nn: a concept's score is its best gallery image; ncm: cosine to "
               "the concept's mean (L2-normalised features); linear: logistic regression on the gallery "
               f"(standardised features), {a.linear_steps} full-batch Adam steps. "
               "The mean over any scale's tokens equals f4, so finer scales enter flattened (_flat) or max-pooled (_max).",
        query_sets=res, heldout_vendor_f4_nn=per_query)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {out_path} in {out['wall_s']}s", flush=True)
    return out


if __name__ == "__main__":
    main()

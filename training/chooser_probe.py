"""Would a trained chooser beat the MLLM's among the pick's 5 retrieved names? (issue 15, a probe: nothing shipped)

The pick (training/gallery.py, manifest mllm.pick) retrieves the 5 concepts whose training drawings are nearest a given
image and lets the MLLM choose among their names by log-likelihood. Retrieval's top 5 holds the answer far more often
than the MLLM's choice is right (the shipped evaluation's pick record: tone edits 95% held, 71% chosen; sketches 58% /
22%). Here a concept classifier over the reader's tokens is trained on the training drawings, their views (the given
image as sketch, colorize and inpaint give it) and Fluent drawings (a third vendor), and asked to choose among the same 5.

The split is gallery_fit's: the Fluent drawings of a third of the training concepts (`is_dev`) choose the kept step,
never train; those of the held-out-vendor concepts are never used. Each dev drawing's retrieval leaves one vendor's
drawings of its concept out (alternately Google's and Twitter's), as a held-out-vendor drawing meets the gallery. The
evaluation's sets (held-out vendor in each view, OpenMoji) are reported beside and choose nothing.

Heads (each its own row): a linear head on the shipped gallery key (128 values, what the page already computes), a
linear head on the reader's f4+f3+f2 tokens (1,344 values), and a one-hidden-layer MLP on the same.

    python3 -m training.chooser_probe OUT.json [--device cuda] [--steps N] [--save-dir DIR]
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from training.gallery import K, Gallery, keys_of
from training.gallery_fit import is_dev

VIEWS = ("orig", "edges", "gray", "mask_a", "mask_b")   # a training drawing as each page task gives it
EVAL_VIEWS = {"orig": "caption, tone and style edits", "edges": "sketch", "gray": "colorize", "mask_a": "inpaint"}
TOKENS = 21   # f4 + f3 + f2: the first 21 of the pyramid's 341 tokens
STEPS, BATCH, EVERY = 4000, 1024, 200
AMONG = "head among retrieval's 5"
BOTH = "head's log-probability + retrieval's cosine / 0.1, among the 5"
TEMPERATURE = 0.1   # the reader's InfoNCE temperature (pick_eval.sh's pick5_t01)
T0 = time.time()


def log(msg):
    print(f"[chooser_probe {time.time() - T0:6.1f}s] {msg}", flush=True)


class Head(nn.Module):
    """logits over the concepts from a feature vector: linear, or an MLP with one hidden layer (hidden > 0)"""

    def __init__(self, d_in, n, hidden=0, dropout=0.0):
        super().__init__()
        self.net = nn.Linear(d_in, n) if not hidden else nn.Sequential(
            nn.Dropout(dropout), nn.Linear(d_in, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, n))

    def forward(self, x):
        return self.net(x)


def choose(logits, cand):
    """logits [n, concepts], cand [n, k] concept indices (retrieval's, best first) -> [n] the candidate with the highest
    logit (ties to retrieval's order)"""
    return cand.gather(1, logits.gather(1, cand).argmax(1, keepdim=True)).squeeze(1)


def train_head(head, x, y, dev_eval, steps, lr, wd, device, seed=0):
    """-> (curve [(step, dev)], kept step, the kept state): AdamW with cosine decay, label smoothing 0.1"""
    gen = torch.Generator(device="cpu").manual_seed(seed)
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=wd)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + np.cos(np.pi * min(s, steps) / steps)))
    curve, best = [], (-1.0, 0, None)
    for step in range(steps + 1):
        if step % EVERY == 0 or step == steps:
            head.eval()
            with torch.no_grad():
                score = dev_eval(head)
            head.train()
            curve.append((step, round(score, 2)))
            if score > best[0]:
                best = (score, step, {k: v.detach().clone() for k, v in head.state_dict().items()})
        if step == steps:
            break
        b = torch.randint(0, len(x), (BATCH,), generator=gen).to(device)
        loss = F.cross_entropy(head(x[b]), y[b], label_smoothing=0.1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    head.load_state_dict(best[2])
    head.eval()
    return curve, best[1]


@torch.no_grad()
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--steps", type=int, default=STEPS)
    ap.add_argument("--limit", type=int, default=0, help="only the first N drawings of each split (a quick check)")
    ap.add_argument("--save-dir", default=None, help="each head's kept weights -> DIR/<head>.pt")
    args = ap.parse_args(argv)
    device = torch.device(args.device)
    torch.set_num_threads(os.cpu_count() or 1)
    from training import mllm_tasks as T
    from training import shipped
    from training.caption_rerank import tokens_of
    from training.data import load
    images, meta = load()
    reader = shipped.load_reader(device)[0].eval()
    gallery = Gallery.load()
    lim = (lambda ms: ms[:args.limit]) if args.limit else (lambda ms: ms)
    train = [m for m in meta if m["split"] == "train"]
    codes = sorted({m["concept"] for m in train})
    assert len(codes) == len(gallery.names), "the shipped gallery is of the training concepts"
    cidx = {c: i for i, c in enumerate(codes)}
    hv_concepts = {m["concept"] for m in meta if m["split"] == "heldout_vendor"}
    fluent = [m for m in meta if m["split"] == "sources" and m["concept"] in cidx and m["concept"] not in hv_concepts]
    fl_fit, fl_dev = lim([m for m in fluent if not is_dev(m["concept"])]), lim([m for m in fluent if is_dev(m["concept"])])
    train = lim(train)
    hv = lim([m for m in meta if m["split"] == "heldout_vendor"])
    om = lim([m for m in meta if m["split"] == "openmoji" and m["concept"] in cidx])

    def tokens(ms, view):
        """[n, 21, C] the reader's f4+f3+f2 tokens of the drawings as `view` gives them"""
        ids = [m["i"] for m in ms]
        v = None if view == "orig" else (lambda x, rows: T.image_variants(x, torch.as_tensor(ids)[rows])[view])
        return tokens_of(reader, images[ids], device, view=v)[:, :TOKENS].float().to(device)

    def key(tok):
        """the shipped gallery's key of [n, 21, C] tokens: [n, dim] centred, projected, unit"""
        return gallery.key(keys_of(_pad(tok), gallery.scale)).to(device)

    log(f"tokens: {len(train)} training drawings x {len(VIEWS)} views, {len(fl_fit)} Fluent fit ({len(fl_dev)} dev), "
        f"{len(hv)} held-out vendor, {len(om)} OpenMoji")
    x_tok, y = [], []
    for view in VIEWS:
        for ms in (train, fl_fit):
            x_tok.append(tokens(ms, view))
            y.append(torch.tensor([cidx[m["concept"]] for m in ms], device=device))
    x_tok, y = torch.cat(x_tok), torch.cat(y)
    sets = {"fluent_dev_1v": (fl_dev, "orig", True), "fluent_dev_1v_edges": (fl_dev, "edges", True),
            "fluent_dev_1v_gray": (fl_dev, "gray", True), "fluent_dev_1v_mask_a": (fl_dev, "mask_a", True)}
    sets.update({f"heldout_vendor_{v}": (hv, v, False) for v in EVAL_VIEWS})
    sets["openmoji"] = (om, "orig", False)
    row_vendor = torch.tensor([0 if m["vendor"] == "google" else 1 for m in meta if m["split"] == "train"])
    feats = {}
    for name, (ms, view, one_vendor) in sets.items():
        tok = tokens(ms, view)
        exclude = None
        if one_vendor:   # gallery_fit's choice set: one vendor's drawings of the concept left out
            exclude = gallery.one_vendor_out([cidx[m["concept"]] for m in ms], row_vendor)
        names, cos = gallery.retrieve(keys_of(_pad(tok), gallery.scale), K, exclude)
        at = {n: i for i, n in enumerate(gallery.names)}
        cand = torch.tensor([[at[n] for n in row] for row in names], device=device)
        feats[name] = (tok, cand, cos.to(device), torch.tensor([cidx[m["concept"]] for m in ms], device=device))
    log("features ready")
    mu = x_tok.flatten(1).mean(0)
    sd = x_tok.flatten(1).std(0) + 1e-4
    inputs = {"key": lambda tok: key(tok), "tokens": lambda tok: (tok.flatten(1) - mu) / sd}
    heads = {"linear on the gallery key": ("key", dict(hidden=0), 3e-3, 1e-4),
             "linear on the f4+f3+f2 tokens": ("tokens", dict(hidden=0), 1e-3, 5e-2),
             "MLP on the f4+f3+f2 tokens": ("tokens", dict(hidden=1024, dropout=0.3), 1e-3, 5e-2)}

    def measure(head, inp):
        out = {}
        for name, (tok, cand, cos, want) in feats.items():
            lg = head(inputs[inp](tok))
            both = lg.log_softmax(1).gather(1, cand) + cos / TEMPERATURE
            top = lg.topk(K, 1).indices
            out[name] = {"retrieval": [_pct(cand[:, 0] == want), _pct((cand == want[:, None]).any(1))],
                         "head alone": [_pct(top[:, 0] == want), _pct((top == want[:, None]).any(1))],
                         AMONG: _pct(choose(lg, cand) == want),
                         BOTH: _pct(cand.gather(1, both.argmax(1, keepdim=True)).squeeze(1) == want)}
        return out

    def dev_score(head, inp):
        m = measure(head, inp)
        return float(np.mean([m[s][AMONG] for s in feats if s.startswith("fluent_dev")]))
    res = {"columns": {"retrieval": "[top-1, top-5 holds the concept] %, the shipped gallery",
                       "head alone": "[top-1, top-5] % over every training concept",
                       BOTH: "top-1 % of the product of the two experts among the 5",
                       AMONG: "top-1 % when the head chooses among retrieval's 5 names (the pick's place)"},
           "eval_views": EVAL_VIEWS, "train_rows": int(len(x_tok)), "fluent_fit": len(fl_fit), "fluent_dev": len(fl_dev),
           "dev_score": "mean over the four Fluent dev views of 'head among retrieval's 5'", "steps": args.steps,
           "batch": BATCH, "heads": {}}
    for hname, (inp, kw, lr, wd) in heads.items():
        torch.manual_seed(0)
        x = inputs[inp](x_tok)
        head = Head(x.shape[1], len(codes), **kw).to(device)
        with torch.enable_grad():
            curve, kept = train_head(head, x, y, lambda h: dev_score(h, inp), args.steps, lr, wd, device)
        m = measure(head, inp)
        res["heads"][hname] = {"input": inp, **kw, "lr": lr, "weight_decay": wd, "params": sum(p.numel() for p in head.parameters()),
                               "kept_step": kept, "curve": curve, "sets": m}
        log(f"{hname}: kept {kept}; " + "; ".join(f"{s} {v[AMONG]:.1f} (retr {v['retrieval'][0]:.1f})" for s, v in m.items()))
        if args.save_dir:
            os.makedirs(args.save_dir, exist_ok=True)
            torch.save({"state": head.state_dict(), "mu": mu.cpu(), "sd": sd.cpu(), "input": inp, **kw},
                       os.path.join(args.save_dir, hname.split()[0].lower() + "_" + inp + ".pt"))
    res["seconds"] = round(time.time() - T0, 1)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    log(f"wrote {args.out}")
    return res


def _pad(tok):
    """[n, 21, C] -> [n, 341, C] with zeros after (keys_of reads the scale's slice of the pyramid)"""
    return torch.cat([tok, torch.zeros(len(tok), 341 - tok.shape[1], tok.shape[2], device=tok.device)], 1)


def _pct(b):
    return round(100 * float(b.float().mean()), 2)


if __name__ == "__main__":
    main()

"""A local sketch editor: the tone editor's network (training/tone_editor.py) asked to draw a drawing from its edge map.

Why (stop 70): sketches are the one target still missed (v14: recognised top-1 at f1 22.4%, target 40%). The model
card's "which half a sketch misses in" says the MLLM draws a sketch of a (concept, style) pair it trained on
recognisably nine times in ten and the held-out drawing's own pair one time in five: like the tone edits (stop 68), it
draws a design from memory, and a held-out design is one it never drew. A network that sees a few neighbouring tokens
at a time learns what an edge map's inside looks like (the colour of a face within its outline, of a leaf beside
a stem) the same in every design; whatever it learns holds for a design it never saw. This measures how far that
goes on eval_mllm's own sketch jobs (the held-out drawings' edge maps, judged by the evaluation's judge), before any
page-side part is built.

The editor reads a sketch's f0 tokens (the shipped encoder's, of the edge map the page takes: sobel_edges) and writes
the drawing's f0 tokens; the coarser scales are their pooling. It trains on the trained vendors' drawings of the
training split (never a held-out drawing): each drawing's edge map ("edges", as eval_mllm's sketch job and a colour
drawing's edge map) or, with --lines-p, its line drawing's ("lines", as a user's canvas), to the drawing.
--cond style adds the target's style (one-hot over the trained styles: on the page the plan's style).
    PYTHONPATH=. /usr/bin/python3 -m training.sketch_editor OUT.json [--steps 3000 --width 128 --depth 3]
"""
import argparse
import json
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

from training.mllm_tasks import STYLE
from training.tone_editor import ToneEditor, add_editor_args, fit, record_arm

STYLED = tuple(STYLE)   # the vendors whose styles the MLLM draws (google, twitter), in the condition's order


def condition(vendors, cond, device):
    """[B, K]: nothing (cond none) or the target's style one-hot over STYLED."""
    if cond == "none":
        return torch.zeros(len(vendors), 0, device=device)
    return F.one_hot(torch.tensor([STYLED.index(v) for v in vendors], device=device), len(STYLED)).float()


def train(bank, rows, vendors, args, device, log=print):
    """The editor trained on (edge map, drawing) pairs of `rows` (positions in `bank`: {"orig", "edges", "lines"} f0
    [N,256,C]), the edge map taken from the line drawing with probability args.lines_p."""
    torch.manual_seed(args.seed)
    c = bank["orig"].shape[-1]
    cond_dim = 0 if args.cond == "none" else len(STYLED)
    net = ToneEditor(c, cond_dim, args.width, args.depth, args.coords).to(device)
    rows_t = torch.tensor(rows, device=device)
    cond_all = condition(vendors, args.cond, device)

    def batch(gen):
        k = torch.randint(len(rows), (args.batch,), device=device, generator=gen)
        r = rows_t[k]
        lines = torch.rand(args.batch, device=device, generator=gen) < args.lines_p
        return torch.where(lines[:, None, None], bank["lines"][r], bank["edges"][r]), cond_all[k], bank["orig"][r]
    return fit(net, args, device, batch, "sketch_editor", log)


@torch.no_grad()
def evaluate(net, sources, targets, meta, judge_ctx_, decode, args, device):
    """eval_mllm's sketch jobs drawn by the editor: `sources` {kind: f0 [n,256,C] of the sketches}, `targets` {kind:
    the held-out drawings they stand for}; the judge names the held-out drawing's concept at each scale (eval_mllm's
    `recognised`), averaged over the decoder's seeds. -> {kind: {scale: {recognised_top1, recognised_top5}}}"""
    from training.eval_mllm import recognised, split_scales
    from training.mllm_tasks import image_tokens
    ctx, out = judge_ctx_, {}
    for kind, f0 in sources.items():
        tg = targets[kind]
        jobs = [(kind, None, None, meta[i]["concept"], i, i, i) for i in tg]
        drawn = net(f0.to(device), condition([meta[i]["vendor"] for i in tg], args.cond, device))
        scaled = split_scales(image_tokens(drawn))
        out[kind] = {}
        for s in args.scales.split(","):
            reps = [recognised(ctx, ctx.judge_probs(decode(s, scaled[s], seed)), jobs) for seed in range(args.eval_seeds)]
            out[kind][s] = {k: sum(r[k] for r in reps) / len(reps) for k in reps[0]} | {"n": len(tg)}
    return out


def parse(argv):
    ap = add_editor_args(argparse.ArgumentParser())
    ap.add_argument("--cond", choices=("none", "style"), default="none")
    ap.add_argument("--lines-p", type=float, default=0.0, help="the share of line drawings' edge maps among the sketches")
    ap.add_argument("--max-rows", type=int, default=0, help="only the first N training drawings (a smoke test's)")
    ap.add_argument("--eval-seeds", type=int, default=2)
    ap.add_argument("--f0-cache", default="", help="the encoded views kept in (or read from) this file: the encoder "
                    "takes about ten minutes on two CPU cores")
    return ap.parse_args(argv)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    base = parse(argv)
    from training import shipped
    from training.data import load
    from training.eval_mllm import encode_pyramid, line_sources, make_decode, split_scales
    from training.judge import load_judge
    from training.judge_ceiling import judge_ctx
    from training.mllm_tasks import image_variant
    from training.transforms import to_tensor
    dev = base.device
    images, meta = load()
    encoder = shipped.load_encoder(dev)[0].eval()
    decode, judge = make_decode(encoder, dev), load_judge(base.judge, dev)
    ctx, hv = judge_ctx(images, meta, judge, dev, encoder, decode)
    train_rows = [m["i"] for m in meta if m["split"] == "train" and m["vendor"] in STYLED]
    if base.max_rows:
        train_rows = random.Random(0).sample(train_rows, base.max_rows)
    lines = line_sources(meta, hv, "")   # the line-drawn vendor's drawing of each held-out drawing's concept

    # not mllm_tasks.build_bank: it encodes every view up to the last asked (six for "lines") and numbers a drawing by
    # its place in the bank, where a line drawing's stroke (image_variant) follows the drawing's global id, as the
    # MLLM's training bank over all drawings has it
    @torch.no_grad()
    def f0_of(ids, variant):
        out = []
        for s in range(0, len(ids), 512):
            x = to_tensor(images[ids[s:s + 512]], device=dev)
            v = image_variant(x, torch.tensor(ids[s:s + 512]), variant)
            out.append(split_scales(encode_pyramid(encoder, v))["f0"])
        return torch.cat(out)

    t0 = time.time()
    targets = {"sketch": hv, "sketch_lines": [i for i in hv if i in lines]}
    if base.f0_cache and os.path.exists(base.f0_cache):   # the encoder's f0 of these views, from an earlier run
        cached = torch.load(base.f0_cache)
        assert cached["rows"] == train_rows and cached["targets"] == targets, "the cache holds other drawings"
        bank, sources = ({k: v.to(dev) for k, v in cached[n].items()} for n in ("bank", "sources"))
    else:
        bank = {v: f0_of(train_rows, v) for v in ("orig", "edges", "lines")}
        sources = {"sketch": f0_of(hv, "edges"), "sketch_lines": f0_of([lines[i] for i in targets["sketch_lines"]], "edges")}
        if base.f0_cache:
            torch.save({"rows": train_rows, "targets": targets, "bank": {k: v.cpu() for k, v in bank.items()},
                        "sources": {k: v.cpu() for k, v in sources.items()}}, base.f0_cache)
    print(f"[sketch_editor] {len(train_rows)} training drawings x 3 views and {len(hv)} + {len(lines)} sketches encoded "
          f"in {time.time() - t0:.0f}s", flush=True)
    out = {}
    for spec in base.arm or ["base"]:
        name, _, opts = spec.partition(":")
        args = parse(argv + opts.split()) if opts else base
        t0 = time.time()
        net = train(bank, list(range(len(train_rows))), [meta[i]["vendor"] for i in train_rows], args, dev,
                    log=lambda s: print(s, flush=True))
        train_s = time.time() - t0
        res = evaluate(net, sources, targets, meta, ctx, decode, args, dev)
        print(f"[sketch_editor] arm {name}:", json.dumps({k: {s: {q: round(v, 4) for q, v in r.items()}
                                                              for s, r in x.items()} for k, x in res.items()}), flush=True)
        record_arm(base, out, name, net, args, train_s, train_rows=len(train_rows), sketches=res)
    return out


if __name__ == "__main__":
    main()

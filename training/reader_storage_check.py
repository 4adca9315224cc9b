"""The reader as evaluated (its fp32 checkpoint) against the reader as shipped (public/models/reader.onnx, weights
stored int8 per output channel): their features on the held-out-vendor images, and the shipped MLLM's captions of
those images read through each (CPU; ~1 hour on 2 cores: most of it the captions).
  /usr/bin/python3 -m training.reader_storage_check [--mllm CKPT] [--out training/eval/reader/storage_check.json]
--mllm: the MLLM checkpoint that was exported (fp32, fake-quantized here as eval_mllm does); default: the shipped
graph's weights read back (training.shipped mllm)."""
import argparse
import json
import os
import sys

import numpy as np
import torch

from training import eval_mllm as E, mllm_tasks as T, shipped
from training.common import ROOT
from training.data import load
from training.encoder import load_encoder
from training.mllm import load_mllm
from training.quantize import fake_quantize
from training.tokenizer import Tokenizer


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--mllm", default=None)
    ap.add_argument("--reader", default=os.path.join(ROOT, "training", "reader", "encoder.pt"))
    ap.add_argument("--out", default=os.path.join(ROOT, "training", "eval", "reader", "storage_check.json"))
    ap.add_argument("--n", type=int, default=None, help="the first n held-out-vendor images only (a smoke run)")
    args = ap.parse_args(argv)
    torch.manual_seed(0)
    images, meta = load()
    tok = Tokenizer.load(E.TOKENIZER)
    # the exported checkpoint rounded as eval_mllm rounds it, or the graph's int8 weights read back (already on the grid)
    model = fake_quantize(load_mllm(args.mllm)[0]) if args.mllm else shipped.load_mllm()
    model = model.eval()
    for b in model.blocks:
        b.attn.fused = True
    enc = shipped.load_encoder()[0].eval()
    readers = {"fp32": load_encoder(args.reader, "cpu")[0].eval(), "shipped": shipped.load_reader()[0].eval()}
    hv = [m["i"] for m in meta if m["split"] == "heldout_vendor"][:args.n]
    pos = {i: k for k, i in enumerate(hv)}
    out = {"n": len(hv), "caption_heldout_vendor": {}, "command": "python3 -m training.reader_storage_check"
           + (f" --mllm {args.mllm}" if args.mllm else "") + (f" --n {args.n}" if args.n else "")}
    with torch.no_grad():
        bank = T.build_bank(enc, images[hv], "cpu", log=None)
        bf = bank.view(-1, bank.shape[-1])
        feats, answers = {}, {}
        for name, r in readers.items():
            rb = T.build_bank(r, images[hv], "cpu", log=None)
            feats[name] = rb.float()
            sampler = T.TaskSampler(meta, tok, seed=0)
            sampler.row = lambda i, variant="orig": T.VARIANTS.index(variant) * len(hv) + pos[i]
            ctx = E.Ctx(model=model, tok=tok, encoder=enc, judge=None, decode=None, device="cpu", meta=meta, images=images,
                        seeds=1, sampler=sampler, bank_flat=(bf, rb.view(-1, rb.shape[-1])))
            pre = [ctx.prefix(ctx.sampler.understanding(i, T.CAPTION_Q[0], "x")[:6]) for i in hv]
            answers[name] = E.generate_text(ctx.model, tok, pre, ctx.bank_flat, "cpu")
            ok = [a == T.normalize_text(meta[i]["name"]) for a, i in zip(answers[name], hv)]
            out["caption_heldout_vendor"][name] = float(np.mean(ok))
            print(name, "captions", out["caption_heldout_vendor"][name], flush=True)
        a, b = feats["fp32"], feats["shipped"]
        out["features_max_abs"] = (a - b).abs().max().item()
        out["features_rel_rms"] = ((a - b).pow(2).mean() / a.pow(2).mean()).sqrt().item()
        out["answers_differ"] = sum(x != y for x, y in zip(answers["fp32"], answers["shipped"]))
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())

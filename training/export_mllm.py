"""Export the MLLM to ONNX with a KV cache, int8 weights, golden vectors and manifest entries.

    /usr/bin/python3 -m training.export_mllm                       # training/ckpt/mllm.pt -> public/models
    /usr/bin/python3 -m training.export_mllm --random --out-dir /tmp/m   # untrained weights (integration tests)

Two graphs share one interface (B = batch, T = new tokens, P = cached tokens, L = layers):
  mllm_prefill: ids [B,T] int64, slot [B,T] int64, feats [B,T,C] f32
  mllm_step:    the same + past_key_i, past_value_i [B,H,P,Dh] f32 for i < L
  outputs:      logits [B,V], feature [B,C] and delta [B,C] of the LAST position (feature is raw
                encoder space: feed it back as the next image token's feats; with the manifest's
                residual_edit an edit's token is instead the source token + delta), present_key_i /
                present_value_i [B,H,P+T,Dh] (the cache to pass as past next time).
Weights: every 2-D weight (Linear, embeddings, the tied LM head) is int8, symmetric, one scale
per output row, stored as int8 initializers behind DequantizeLinear (opset 17), so the graphs use
only standard ops (no shader-f16, no contrib ops) on WebGPU and WASM. The golden vectors are
computed by PyTorch with exactly those dequantized weights.
"""
import argparse
import base64
import copy
import hashlib
import json
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto
import torch
import torch.nn as nn

from training.mllm import MLLM, load_mllm, get as get_config, IMAGE_ORDER, SCALE_TOKENS, N_IMG
from training.tokenizer import Tokenizer, SPECIALS
from training import mllm_tasks as tasks
from training.quantize import fake_quantize, quantize_onnx, quantize_rows  # noqa: F401 (tests use E.fake_quantize)

from training.common import ROOT, MODELS_DIR as MODELS
OPSET = 17
DEFAULT_CKPT = os.path.join(ROOT, "training", "ckpt", "mllm.pt")


# ---- export ----------------------------------------------------------------------------------
class Prefill(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, ids, slot, feats):
        h, presents = self.m(ids, slot, feats)
        last = h[:, -1]
        return (self.m.logits(last), self.m.features(last), self.m.delta(last)) + tuple(t for kv in presents for t in kv)


class Step(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, ids, slot, feats, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        h, presents = self.m(ids, slot, feats, past)
        last = h[:, -1]
        return (self.m.logits(last), self.m.features(last), self.m.delta(last)) + tuple(t for kv in presents for t in kv)


def io_names(n_layer):
    past = [f"past_{kv}_{i}" for i in range(n_layer) for kv in ("key", "value")]
    present = [f"present_{kv}_{i}" for i in range(n_layer) for kv in ("key", "value")]
    return ["ids", "slot", "feats"], past, ["logits", "feature", "delta"], present


def export_graphs(qmodel, out_dir):
    cfg = qmodel.cfg
    L, C = cfg.n_layer, cfg.feature_dim
    hd = cfg.d_model // cfg.n_head
    ins, past, outs, present = io_names(L)
    dyn = {"ids": {0: "batch", 1: "seq"}, "slot": {0: "batch", 1: "seq"}, "feats": {0: "batch", 1: "seq"},
           "logits": {0: "batch"}, "feature": {0: "batch"}, "delta": {0: "batch"}}
    for n in present:
        dyn[n] = {0: "batch", 2: "total_seq"}
    T = 5
    ids = torch.ones(1, T, dtype=torch.long)
    slot = torch.zeros(1, T, dtype=torch.long)
    slot[0, -2:] = torch.tensor([1, 2])
    feats = torch.randn(1, T, C)
    paths = {}
    p = os.path.join(out_dir, "mllm_prefill.onnx")
    torch.onnx.export(Prefill(qmodel), (ids, slot, feats), p, input_names=ins, output_names=outs + present,
                      dynamic_axes=dyn, opset_version=OPSET, do_constant_folding=True)
    paths["mllm_prefill"] = p
    pk = tuple(torch.randn(1, cfg.n_head, 7, hd) for _ in range(2 * L))
    dyn_s = dict(dyn)
    for n in past:
        dyn_s[n] = {0: "batch", 2: "past_seq"}
    p = os.path.join(out_dir, "mllm_step.onnx")
    torch.onnx.export(Step(qmodel), (ids[:, :1], slot[:, :1], feats[:, :1]) + pk, p, input_names=ins + past,
                      output_names=outs + present, dynamic_axes=dyn_s, opset_version=OPSET, do_constant_folding=True)
    paths["mllm_step"] = p
    stats = {}
    for k, p in paths.items():
        mp = onnx.load(p)
        mp, nq, nleft = quantize_onnx(mp)
        onnx.checker.check_model(mp)
        onnx.save(mp, p)
        stats[k] = dict(int8_weights=nq, fp32_2d_left=nleft, bytes=os.path.getsize(p))
    return paths, stats


# ---- one graph for prefill and step -------------------------------------------------------------
class Unified(nn.Module):
    """Prefill and step in one graph (one copy of the weights). Inputs: ids/slot/feats [B,T]
    of the NEW positions, block [B,P+T] block ids of every position so far (cached + new; a key
    is visible iff its block <= the query's: token order feeds the position index, which is plain
    causal attention), past_key_i/past_value_i [B,H,P,Dh] (P = 0 for the prefill). Outputs:
    logits [B,V] of the last position, feature/delta [B,T,C] of every new position (token order
    reads the last; scale order one whole scale), present_* [B,H,P+T,Dh]."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, ids, slot, feats, block, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        h, presents = self.m(ids, slot, feats, past, block)
        return (self.m.logits(h[:, -1]), self.m.features(h), self.m.delta(h)) + tuple(t for kv in presents for t in kv)


def unified_io_names(n_layer):
    ins, past, outs, present = io_names(n_layer)
    return ins + ["block"], past, outs, present


def export_unified(qmodel, out_dir, name="mllm.onnx"):
    """-> (path, stats) of the single int8 graph."""
    cfg = qmodel.cfg
    L, C, hd = cfg.n_layer, cfg.feature_dim, cfg.d_model // cfg.n_head
    ins, past, outs, present = unified_io_names(L)
    dyn = {"ids": {0: "batch", 1: "seq"}, "slot": {0: "batch", 1: "seq"}, "feats": {0: "batch", 1: "seq"},
           "block": {0: "batch", 1: "total_seq"}, "logits": {0: "batch"}, "feature": {0: "batch", 1: "seq"},
           "delta": {0: "batch", 1: "seq"}}
    for n in past:
        dyn[n] = {0: "batch", 2: "past_seq"}
    for n in present:
        dyn[n] = {0: "batch", 2: "total_seq"}
    T, P = 5, 3   # traced with a non-empty cache; the prefill feeds P = 0
    ids = torch.ones(1, T, dtype=torch.long)
    slot = torch.zeros(1, T, dtype=torch.long)
    slot[0, -2:] = torch.tensor([1, 2])
    feats = torch.randn(1, T, C)
    block = torch.arange(P + T).view(1, -1)
    pk = tuple(torch.randn(1, cfg.n_head, P, hd) for _ in range(2 * L))
    path = os.path.join(out_dir, name)
    torch.onnx.export(Unified(qmodel), (ids, slot, feats, block) + pk, path, input_names=ins + past,
                      output_names=outs + present, dynamic_axes=dyn, opset_version=OPSET, do_constant_folding=True)
    mp, nq, nleft = quantize_onnx(onnx.load(path))
    onnx.checker.check_model(mp)
    onnx.save(mp, path)
    return path, dict(int8_weights=nq, fp32_2d_left=nleft, bytes=os.path.getsize(path))


@torch.no_grad()
def golden_unified(qmodel, tok, prompt="grinning face in noto style", instruction="colorize this", seed=0, n_steps=3):
    """Calls of the single graph as the runtime makes them, in the model's order:
    t2i: prefill (<s> prompt [IMG], P = 0), then n_steps steps (token order: one image token
    each, fed the previous feature; scale order: one scale each, fed the coarser scale's
    generated tokens through parent_index, f4's query fed zeros); edit: the same after
    <s> [IMG] source [/IMG] instruction [IMG] (the source a fixed random pyramid; residual_edit:
    generated token = source token + delta). Each call records every input (block included) and
    the outputs logits, feature, delta, and present_key_0 of the last call."""
    from training.common import parent_index, SCALE_OFFSETS
    cfg = qmodel.cfg
    C, scale = cfg.feature_dim, cfg.order == "scale"
    enc = lambda d: {k: b64(v, np.int64 if v.dtype == torch.long else np.float32) for k, v in d.items()}
    parent = torch.tensor(parent_index())

    n_fed = sum(SCALE_TOKENS[:n_steps]) if scale else n_steps

    def run(ids, slot, feats, block, src=None):
        residual = src is not None and cfg.residual_edit
        calls, past, toks = [], None, torch.zeros(N_IMG, C)

        def call(i, s, f, b, base):
            """one graph call; -> the tokens it generates (what the runtime feeds back): the
            feature, or with residual_edit the source token + delta"""
            nonlocal past
            h, pres = qmodel(i, s, f, past, b)
            o = {"logits": qmodel.logits(h[:, -1]), "feature": qmodel.features(h), "delta": qmodel.delta(h)}
            calls.append({"inputs": enc({"ids": i, "slot": s, "feats": f, "block": b}), "outputs": enc(o)})
            past = pres
            return (o["feature"] if base is None else base + o["delta"])[0]

        blk = block
        if not scale:   # the last position of each call predicts the next token
            nxt = call(ids, slot, feats, blk, src[0].view(1, 1, C) if residual else None)[-1]
            for k in range(n_steps):
                toks[k] = nxt
                blk = torch.cat([blk, blk[:, -1:] + 1], 1)
                base = src[k + 1].view(1, 1, C) if residual else None
                nxt = call(torch.zeros(1, 1, dtype=torch.long), torch.tensor([[k + 1]]), toks[k].view(1, 1, C), blk, base)[-1]
        else:           # the prefill predicts nothing; each step generates one whole scale
            call(ids, slot, feats, blk, None)
            for k in range(n_steps):
                o, n = SCALE_OFFSETS[k], SCALE_TOKENS[k]
                par = parent[o:o + n]
                q_feats = (toks[par.clamp(min=0)] * (par >= 0).view(-1, 1).float()).view(1, n, C)
                blk = torch.cat([blk, (blk[:, -1:] + 1).expand(1, n)], 1)
                base = src[o:o + n].view(1, n, C) if residual else None
                toks[o:o + n] = call(torch.zeros(1, n, dtype=torch.long),
                                     torch.arange(N_IMG + 1 + o, N_IMG + 1 + o + n).view(1, n), q_feats, blk, base)
        calls[-1]["outputs"]["present_key_0"] = b64(past[0][0], np.float32)
        return {"prefill": calls[0], "steps": calls[1:], "tokens": b64(toks[:n_fed], np.float32)}

    ids = torch.tensor([[tok.bos] + tok.encode(" " + tasks.normalize_text(prompt)) + [tok.img]])
    rec = dict(run(ids, torch.zeros_like(ids), torch.zeros(1, ids.shape[1], C), torch.arange(ids.shape[1]).view(1, -1)),
               prompt=prompt)
    g = torch.Generator().manual_seed(seed)
    src = torch.randn(N_IMG, C, generator=g) * qmodel.feat_std + qmodel.feat_mean
    instr = tok.encode(" " + tasks.normalize_text(instruction))
    seg = [("text", [tok.bos, tok.img], False), ("img", 0, False), ("text", [tok.img_end] + instr + [tok.img], False)]
    f = tasks.flatten(seg, cfg.order)
    ids, slot, block = (torch.from_numpy(f[k]).view(1, -1) for k in ("ids", "slot", "block"))
    feats = torch.zeros(1, ids.shape[1], C)
    feats[0, 2:2 + N_IMG] = src
    rec["edit"] = dict(run(ids, slot, feats, block, src=src), instruction=instruction, source=b64(src, np.float32),
                       residual_edit=bool(cfg.residual_edit))
    rec.update(model="mllm", graph="mllm.onnx", order=cfg.order, variant="int8", atol=2e-4, rtol=2e-3)
    return rec


# ---- golden vectors --------------------------------------------------------------------------
def b64(t, dtype):
    a = np.ascontiguousarray(t.detach().cpu().numpy().astype(dtype))
    return {"shape": list(a.shape), "dtype": str(a.dtype), "data_b64": base64.b64encode(a.astype("<" + a.dtype.str[1:]).tobytes()).decode()}


@torch.no_grad()
def golden(qmodel, tok, prompt="grinning face in noto style", n_steps=4, seed=0,
           instruction="colorize this", edit_steps=5):
    """One t2i prefill (<s> prompt [IMG]) and n_steps image-token steps, each step fed the
    feature the previous call predicted (as generate.ts does); then one edit (<s> [IMG] source
    [/IMG] instruction [IMG], the source a fixed random pyramid in the features' range) and
    edit_steps steps, fed what generate.ts feeds: with residual_edit the source token at that
    place plus the graph's delta, else the feature."""
    C = qmodel.cfg.feature_dim
    enc = lambda t: {"ids": b64(t[0], np.int64), "slot": b64(t[1], np.int64), "feats": b64(t[2], np.float32)}
    outs = lambda lg, ft, dl: {"logits": b64(lg, np.float32), "feature": b64(ft, np.float32), "delta": b64(dl, np.float32)}

    def run(ids, slot, feats, src=None, n=0):
        """prefill + n steps; src [N_IMG, C] = the residual source (None: t2i)."""
        residual = src is not None and qmodel.cfg.residual_edit
        base = (lambda k: src[k:k + 1]) if residual else (lambda k: None)

        def call(k, *inputs_and_past):
            """one graph call for image token k: its outputs as the graphs give them, and the cache"""
            h, presents = qmodel(*inputs_and_past)
            last = h[:, -1]
            return qmodel.logits(last), qmodel.features(last, base(k)), qmodel.delta(last), presents

        logits, feat, delta, past = call(0, ids, slot, feats)
        rec = {"prefill": {"inputs": enc((ids, slot, feats)), "outputs": outs(logits, feat, delta)}, "steps": []}
        tokens = [feat]
        for k in range(n):
            s = (torch.zeros(1, 1, dtype=torch.long), torch.tensor([[k + 1]]), feat.view(1, 1, C))
            logits, feat, delta, past = call(k + 1, *s, past)
            tokens.append(feat)
            o = outs(logits, feat, delta)
            if src is None:   # one cache check is enough: the edit's cache is 6x larger
                o["present_key_0"] = b64(past[0][0], np.float32)
            rec["steps"].append({"inputs": enc(s), "outputs": o})
        rec["tokens"] = b64(torch.cat(tokens), np.float32)
        return rec

    ids = torch.tensor([[tok.bos] + tok.encode(" " + tasks.normalize_text(prompt)) + [tok.img]])
    rec = dict(run(ids, torch.zeros_like(ids), torch.zeros(1, ids.shape[1], C), n=n_steps), prompt=prompt)
    g = torch.Generator().manual_seed(seed)
    src = torch.randn(N_IMG, C, generator=g) * qmodel.feat_std + qmodel.feat_mean
    instr = tok.encode(" " + tasks.normalize_text(instruction))
    ids = torch.tensor([[tok.bos, tok.img] + [0] * N_IMG + [tok.img_end] + instr + [tok.img]])
    slot = torch.zeros_like(ids)
    slot[0, 2:2 + N_IMG] = torch.arange(1, N_IMG + 1)
    feats = torch.zeros(1, ids.shape[1], C)
    feats[0, 2:2 + N_IMG] = src
    rec["edit"] = dict(run(ids, slot, feats, src=src, n=edit_steps), instruction=instruction,
                       source=b64(src, np.float32), residual_edit=bool(qmodel.cfg.residual_edit))
    rec.update(model="mllm", variant="int8", atol=2e-4, rtol=2e-3)
    return rec


# ---- manifest --------------------------------------------------------------------------------
def sha256_file(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def mllm_extra(cfg, tok, graph="pair"):
    from training.common import parent_index
    return {"mllm": {
        # "pair": mllm_prefill + mllm_step (token order only); "single": one graph "mllm" for both,
        # fed `block` (see order_rules) and an empty cache (past_seq = 0) for the prefill
        "graph": graph,
        "order": cfg.order,
        "order_rules": {
            "block": "one int64 id per position so far (cached + new), non-decreasing; a key is visible to a "
                     "query iff block[key] <= block[query]. Text: a new id per token. Image read (source): "
                     + ("one id per scale" if cfg.order == "scale" else "a new id per token")
                     + ". Generated image: " + ("one id per scale" if cfg.order == "scale" else "a new id per token"),
            "generate": "token: one call per image token, T = 1, slot k+1, feats = the previous token; the last "
                        "position's feature predicts the next token" if cfg.order == "token" else
                        "scale: one call per scale s (f4..f0), T = tokens of s, slot = query_slot_offset + 1 + k for "
                        "image token k, feats = generated token parent_index[k] (zeros where -1, i.e. f4); "
                        "feature[:, j] is token k = offset(s) + j itself; the prefill (prompt ending [IMG]) predicts nothing"},
        "query_slot_offset": N_IMG if cfg.order == "scale" else None,
        "parent_index": parent_index() if cfg.order == "scale" else None,
        # edits (source image + instruction): each generated token = the source's token at that
        # place + the graphs' "delta" output, fed back as the next input
        "residual_edit": bool(cfg.residual_edit),
        "ctx": cfg.ctx, "n_layer": cfg.n_layer, "n_head": cfg.n_head, "head_dim": cfg.d_model // cfg.n_head,
        "d_model": cfg.d_model, "vocab_size": tok.vocab_size, "feature_dim": cfg.feature_dim,
        "image_order": list(IMAGE_ORDER), "scale_tokens": list(SCALE_TOKENS), "image_tokens": N_IMG,
        "specials": {s: i for i, s in enumerate(SPECIALS)},
        "text": {"normalize": "NFC, lower case, whitespace runs -> one space, trimmed",
                 "segment_prefix": " "},
        "max_answer_tokens": 32,
        "prompts": {
            "caption": tasks.CAPTION_Q[0], "category": tasks.VQA_CATEGORY[0], "skin_tone": tasks.VQA_TONE[0],
            "style": tasks.VQA_STYLE[0], "edit_tone": tasks.EDIT_TONE[0], "edit_tone_none": tasks.EDIT_TONE_NONE[0],
            "edit_style": tasks.EDIT_STYLE[0], "colorize": tasks.COLORIZE[0], "inpaint": tasks.INPAINT[0],
            "sketch": tasks.SKETCH[0], "styles": dict(tasks.STYLE), "skin_tones": list(tasks.TONES)},
        "sources": {"colorize": "grayscale: luma 0.299 R + 0.587 G + 0.114 B in all 3 channels",
                    "inpaint": "masked pixels set to white (1.0)",
                    "sketch": "Sobel edge magnitude of the luma (replicate padding), min(|g|,2)/2 -> 1 - 2*mag in all 3 channels"},
    }}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=DEFAULT_CKPT)
    ap.add_argument("--random", action="store_true", help="export untrained weights (integration tests)")
    ap.add_argument("--config", default="full")
    ap.add_argument("--residual-edit", action="store_true", help="with --random: the residual editing output")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="with --random: MLLMConfig overrides (order=scale)")
    ap.add_argument("--single-graph", action="store_true", help="one graph mllm.onnx for prefill and step "
                    "(golden/mllm_single.json); without it the token-order pair mllm_prefill/mllm_step")
    ap.add_argument("--out-dir", default=MODELS)
    ap.add_argument("--tokenizer", default=os.path.join(ROOT, "training", "tokenizer.json"))
    args = ap.parse_args(argv)
    tok = Tokenizer.load(args.tokenizer)
    if args.random:
        torch.manual_seed(0)
        from dataclasses import replace
        model = MLLM(replace(get_config(args.config, args.set), **({"residual_edit": True} if args.residual_edit else {})))
    else:
        if not os.path.exists(args.ckpt):
            alt = os.path.join(ROOT, "training", "runs", "mllm", "mllm.pt")
            if args.ckpt == DEFAULT_CKPT and os.path.exists(alt):
                args.ckpt = alt
            else:
                sys.exit(f"error: {args.ckpt} not found (train first, or pass --random)")
        model, _ = load_mllm(args.ckpt)
    q = fake_quantize(model)
    os.makedirs(os.path.join(args.out_dir, "golden"), exist_ok=True)
    if model.cfg.order != "token" and not args.single_graph:
        sys.exit("a scale-order model exports only as the single graph: pass --single-graph")
    tok_path = os.path.join(args.out_dir, "tokenizer.json")
    if os.path.abspath(tok_path) != os.path.abspath(args.tokenizer):
        shutil.copyfile(args.tokenizer, tok_path)
    cfg = q.cfg
    L, H, hd, C = cfg.n_layer, cfg.n_head, cfg.d_model // cfg.n_head, cfg.feature_dim
    in_specs = [{"name": "ids", "shape": ["batch", "seq"], "dtype": "int64"},
                {"name": "slot", "shape": ["batch", "seq"], "dtype": "int64"},
                {"name": "feats", "shape": ["batch", "seq", C], "dtype": "float32"}]
    entries, remove = {}, []
    if args.single_graph:
        path, st = export_unified(q, args.out_dir)
        stats = {"mllm": st}
        with open(os.path.join(args.out_dir, "golden", "mllm_single.json"), "w") as f:
            json.dump(golden_unified(q, tok), f)
        ins, past, outs, present = unified_io_names(L)
        out_specs = [{"name": "logits", "shape": ["batch", tok.vocab_size], "dtype": "float32"},
                     {"name": "feature", "shape": ["batch", "seq", C], "dtype": "float32"},
                     {"name": "delta", "shape": ["batch", "seq", C], "dtype": "float32"}]
        out_specs += [{"name": n, "shape": ["batch", H, "total_seq", hd], "dtype": "float32"} for n in present]
        entries["mllm"] = {"role": "mllm", "variants": [{"dtype": "int8", "file": os.path.basename(path), "requires": []}],
                           "inputs": in_specs + [{"name": "block", "shape": ["batch", "total_seq"], "dtype": "int64"}]
                           + [{"name": n, "shape": ["batch", H, "past_seq", hd], "dtype": "float32"} for n in past],
                           "outputs": out_specs, "golden_mllm": "golden/mllm_single.json"}
        remove = ["mllm_prefill", "mllm_step"]
    else:
        paths, stats = export_graphs(q, args.out_dir)
        with open(os.path.join(args.out_dir, "golden", "mllm.json"), "w") as f:
            json.dump(golden(q, tok), f)
        ins, past, outs, present = io_names(L)
        out_specs = [{"name": "logits", "shape": ["batch", tok.vocab_size], "dtype": "float32"},
                     {"name": "feature", "shape": ["batch", C], "dtype": "float32"},
                     {"name": "delta", "shape": ["batch", C], "dtype": "float32"}]
        out_specs += [{"name": n, "shape": ["batch", H, "total_seq", hd], "dtype": "float32"} for n in present]
        past_specs = [{"name": n, "shape": ["batch", H, "past_seq", hd], "dtype": "float32"} for n in past]
        for key, p in paths.items():
            entries[key] = {"role": "mllm", "variants": [{"dtype": "int8", "file": os.path.basename(p), "bytes": os.path.getsize(p),
                                                          "sha256": sha256_file(p), "requires": []}],
                            "inputs": in_specs + (past_specs if key == "mllm_step" else []), "outputs": out_specs,
                            "golden_mllm": "golden/mllm.json"}
        remove = ["mllm"]
    entries["tokenizer"] = {"role": "tokenizer", "file": "tokenizer.json", "bytes": os.path.getsize(tok_path),
                            "sha256": sha256_file(tok_path)}
    extra = mllm_extra(cfg, tok, "single" if args.single_graph else "pair")
    from training.manifest import update_manifest
    update_manifest(entries, extra, models_dir=args.out_dir, remove=remove)
    # the words this model was taught go with it (the page flags the others under the prompt)
    from training.known_words import export as export_words
    export_words(args.out_dir)
    print(json.dumps({"stats": stats, "params": model.num_params(),
                      "tokenizer_bytes": os.path.getsize(tok_path)}, indent=1), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Golden vectors of the MLLM: every input and output of the graph calls the runtime makes, computed
by PyTorch with the int8-rounded weights, for the TypeScript parity tests (the plan step's own
vectors: training/golden_plan.py)."""
import base64

import numpy as np
import torch

from training import mllm_tasks as tasks
from training.common import N_IMG, SCALE_TOKENS


@torch.no_grad()
def golden_unified(qmodel, tok, prompt="grinning face in noto style", instruction="colorize this", seed=0, n_steps=3):
    """Calls of the single graph as the runtime makes them, in the model's order:
    t2i: prefill (<s> prompt [IMG], P = 0), then n_steps steps (token order: one image token
    each, fed the previous feature; scale order: one scale each, fed the coarser scale's
    generated tokens through parent_index, f4's query fed zeros); edit: the same after
    <s> [IMG] source [/IMG] instruction [IMG] (the source a fixed random pyramid; residual_edit:
    generated token = source token + delta). Each call records every input (block included) and
    the outputs logits, feature, delta, and present_key_0 of the last call; logits at logit_pos: the last
    4 positions in each prefill (as a drafted plan is verified), the last in each step. A model with a reader
    (MLLMConfig.reader) is also fed `reader` in every call: the edit's source as a second fixed random
    pyramid (the reader's, in its own range) at the source's positions, zeros everywhere else."""
    from training.common import parent_index, SCALE_OFFSETS
    cfg = qmodel.cfg
    C, scale = cfg.feature_dim, cfg.order == "scale"
    # the single graph's integer inputs are int32 (mllm_graphs.Unified)
    enc = lambda d: {k: b64(v, np.int32 if v.dtype in (torch.long, torch.int32) else np.float32) for k, v in d.items()}
    parent = torch.tensor(parent_index())

    n_fed = sum(SCALE_TOKENS[:n_steps]) if scale else n_steps

    def run(ids, slot, feats, block, src=None, reader=None):
        """reader [1,T,C]: the prefill's reader input (a model with a reader; None: zeros)"""
        residual = src is not None and cfg.residual_edit
        calls, past, toks = [], None, torch.zeros(N_IMG, C)
        first = [True]

        def call(i, s, f, b, base):
            """one graph call; -> the tokens it generates (what the runtime feeds back): the
            feature, or with residual_edit the source token + delta"""
            nonlocal past
            ins = {"ids": i, "slot": s, "feats": f, "block": b}
            if cfg.reader:   # the given image is read in the prefill only; every other call is fed zeros
                ins["reader"] = reader if first[0] and reader is not None else torch.zeros_like(f)
            t = i.shape[1]
            ins["logit_pos"] = torch.arange(max(0, t - 4), t) if first[0] else torch.tensor([t - 1])
            p0 = past[0][0].shape[2] if past is not None else 0
            ins["pos"] = torch.arange(p0, p0 + t).view(1, t)
            first[0] = False
            h, pres = qmodel(i, s, f, past, b, ins.get("reader"), ins["pos"])
            o = {"logits": qmodel.logits(h[:, ins["logit_pos"]]), "feature": qmodel.features(h), "delta": qmodel.delta(h)}
            calls.append({"inputs": enc(ins), "outputs": enc(o)})
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
    reader, extra = None, {}
    if cfg.reader:   # drawn after the source, so a model without a reader keeps its golden exactly
        rsrc = torch.randn(N_IMG, C, generator=g) * qmodel.reader_std + qmodel.reader_mean
        reader = torch.zeros(1, ids.shape[1], C)
        reader[0, 2:2 + N_IMG] = rsrc
        extra["reader_source"] = b64(rsrc, np.float32)
    rec["edit"] = dict(run(ids, slot, feats, block, src=src, reader=reader), instruction=instruction, source=b64(src, np.float32),
                       residual_edit=bool(cfg.residual_edit), **extra)
    rec.update(model="mllm", graph="mllm.onnx", order=cfg.order, variant="int8", atol=2e-4, rtol=2e-3)
    return rec


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

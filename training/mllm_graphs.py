"""The MLLM's ONNX graphs: the token-order pair (mllm_prefill, mllm_step) and the single graph
(mllm.onnx) that serves prefill and every step in either order, traced from the int8-rounded model
and stored int8 (training.quantize). `export_unified(..., fused=True)` (export_mllm --fuse, as shipped)
also rewrites it with onnxruntime contrib ops (training.mllm_fuse)."""
import glob
import os

import onnx
from onnx import external_data_helper
import torch
import torch.nn as nn

from training.quantize import MIN_QUANT, quantize_onnx, nbits_onnx
from training.mllm_fuse import fuse

OPSET = 17


class Prefill(nn.Module):
    """The first call: the whole prompt, no cache."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, ids, slot, feats):
        return self.heads(*self.m(ids, slot, feats))

    def heads(self, h, presents):
        """The three heads on the last position, then the KV cache flattened (key, value per layer)."""
        last = h[:, -1]
        return (self.m.logits(last), self.m.features(last), self.m.delta(last)) + tuple(t for kv in presents for t in kv)


class Step(Prefill):
    """One more block of tokens on the cache."""

    def forward(self, ids, slot, feats, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        return self.heads(*self.m(ids, slot, feats, past))


def trace_inputs(T, C):
    """Example ids, slots and features of T tokens to trace a graph with (the last two in image
    slots); the values do not matter, the shapes and dtypes do."""
    ids = torch.ones(1, T, dtype=torch.long)
    slot = torch.zeros(1, T, dtype=torch.long)
    slot[0, -2:] = torch.tensor([1, 2])
    return ids, slot, torch.randn(1, T, C)


def io_names(n_layer):
    past = [f"past_{kv}_{i}" for i in range(n_layer) for kv in ("key", "value")]
    present = [f"present_{kv}_{i}" for i in range(n_layer) for kv in ("key", "value")]
    return ["ids", "slot", "feats"], past, ["logits", "feature", "delta"], present


def refuse_residual_input(cfg):
    """MLLMConfig.residual_input's queries read the source's token, an input these graphs do not have (yet): such a
    model is refused rather than exported without it."""
    if cfg.residual_input:
        raise NotImplementedError("MLLMConfig.residual_input: the page's graphs do not feed the residual base as an input")


def export_graphs(qmodel, out_dir):
    cfg = qmodel.cfg
    refuse_residual_input(cfg)
    L, C = cfg.n_layer, cfg.feature_dim
    hd = cfg.d_model // cfg.n_head
    ins, past, outs, present = io_names(L)
    dyn = {"ids": {0: "batch", 1: "seq"}, "slot": {0: "batch", 1: "seq"}, "feats": {0: "batch", 1: "seq"},
           "logits": {0: "batch"}, "feature": {0: "batch"}, "delta": {0: "batch"}}
    for n in present:
        dyn[n] = {0: "batch", 2: "total_seq"}
    ids, slot, feats = trace_inputs(5, C)
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


class Unified(nn.Module):
    """Prefill and step in one graph (one copy of the weights). Inputs: ids/slot/feats [B,T]
    of the NEW positions, block [B,P+T] block ids of every position so far (cached + new; a key
    is visible iff its block <= the query's: token order feeds the position index, which is plain
    causal attention), logit_pos [K] which of the new positions get logits (the last, [T-1], in
    most calls; a plan's drafted tokens are verified in one call by asking for all of them),
    pos [B,T] the new positions' indices (P, P+1, ... when the cache holds exactly what was fed; a
    captured WebGPU graph feeds a cache padded to the context, its unused positions' block ids too
    large to be seen), past_key_i/past_value_i [B,H,P,Dh] (P = 0 for the prefill). Every integer
    input is int32: onnxruntime-web's WebGPU runs int64 comparisons on the CPU, and a graph with a
    node on the CPU cannot be captured. Outputs:
    logits [B,K,V] at logit_pos, feature/delta [B,T,C] of every new position (token order
    reads the last; scale order one whole scale), present_* [B,H,P+T,Dh]. A model with a reader
    (MLLMConfig.reader) takes one more input after block (before logit_pos), reader [B,T,C]: the reader encoder's raw
    features at the given images' positions of the new ones, zeros elsewhere (MLLM.embed adds them
    only where 1 <= slot <= N_IMG). Without a reader the graph is exactly as before."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, ids, slot, feats, block, *rest):
        reader, rest = (rest[0], rest[1:]) if self.m.cfg.reader else (None, rest)
        logit_pos, pos, past_flat = rest[0], rest[1], rest[2:]
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        h, presents = self.m(ids, slot, feats, past, block, reader, pos)
        return ((self.m.logits(h.index_select(1, logit_pos)), self.m.features(h), self.m.delta(h))
                + tuple(t for kv in presents for t in kv))


READER_INPUT = "reader"   # the reader model's extra input (the manifest's mllm.reader.input names it to the page)
LOGIT_POS_INPUT = "logit_pos"   # which new positions get logits (the manifest lists it among the graph's inputs)
POS_INPUT = "pos"   # the new positions' indices
INDEX_DTYPE = torch.int32   # the single graph's integer inputs (Unified)


def unified_io_names(n_layer, reader=False):
    """-> (inputs, past, outputs, present); `reader`: the model reads given images through a reader (one more input)."""
    ins, past, outs, present = io_names(n_layer)
    return ins + ["block"] + ([READER_INPUT] if reader else []) + [LOGIT_POS_INPUT, POS_INPUT], past, outs, present


def export_unified(qmodel, out_dir, name="mllm.onnx", fused=False, bits=8, int4_form="matmulnbits"):
    """-> (path, stats) of the single int8 graph (fused: training.mllm_fuse applied). bits=4: qmodel's trunk is on the
    4-bit grid (fake_quantize(model, 4)); its linear layers become MatMulNBits (quantize.nbits_onnx), the rest int8."""
    cfg = qmodel.cfg
    refuse_residual_input(cfg)
    L, C, hd = cfg.n_layer, cfg.feature_dim, cfg.d_model // cfg.n_head
    ins, past, outs, present = unified_io_names(L, cfg.reader)
    dyn = {"ids": {0: "batch", 1: "seq"}, "slot": {0: "batch", 1: "seq"}, "feats": {0: "batch", 1: "seq"},
           "block": {0: "batch", 1: "total_seq"}, LOGIT_POS_INPUT: {0: "n_logits"}, POS_INPUT: {0: "batch", 1: "seq"},
           "logits": {0: "batch", 1: "n_logits"},
           "feature": {0: "batch", 1: "seq"},
           "delta": {0: "batch", 1: "seq"}}
    if cfg.reader:
        dyn[READER_INPUT] = {0: "batch", 1: "seq"}
    for n in past:
        dyn[n] = {0: "batch", 2: "past_seq"}
    for n in present:
        dyn[n] = {0: "batch", 2: "total_seq"}
    T, P = 5, 3   # traced with a non-empty cache; the prefill feeds P = 0
    ids, slot, feats = trace_inputs(T, C)
    ids, slot = ids.to(INDEX_DTYPE), slot.to(INDEX_DTYPE)
    block = torch.arange(P + T, dtype=INDEX_DTYPE).view(1, -1)
    pos = torch.arange(P, P + T, dtype=INDEX_DTYPE).view(1, -1)
    pk = tuple(torch.randn(1, cfg.n_head, P, hd) for _ in range(2 * L))
    path = os.path.join(out_dir, name)
    rd = (torch.randn(1, T, C),) if cfg.reader else ()   # traced at given positions (slots 1, 2): the reader's path is in the graph
    lp = torch.tensor([1, T - 1], dtype=INDEX_DTYPE)   # traced with two positions: K stays a dimension of its own
    torch.onnx.export(Unified(qmodel), (ids, slot, feats, block) + rd + (lp, pos) + pk, path, input_names=ins + past,
                      output_names=outs + present, dynamic_axes=dyn, opset_version=OPSET, do_constant_folding=True)
    mp, nq, nleft = quantize_onnx(onnx.load(path))
    made = fuse(mp, cfg.n_head, L) if fused else {}
    n4 = 0
    if bits == 4:   # exactly the trunk's 4 linear layers a block, and no large float weight left beside them
        n4 = nbits_onnx(mp, form=int4_form)
        nleft = sum(1 for i in mp.graph.initializer if i.data_type == onnx.TensorProto.FLOAT and len(i.dims) == 2
                    and i.dims[0] * i.dims[1] >= MIN_QUANT)
        if n4 != 4 * L or nleft:
            raise ValueError(f"4-bit export: {n4} MatMulNBits for {L} blocks (want {4 * L}), {nleft} float weights left")
    onnx.checker.check_model(mp)
    shards = save_sharded(mp, path)
    return path, dict(int8_weights=nq, int4_weights=n4, fp32_2d_left=nleft, fused=made, nodes=len(mp.graph.node),
                      bytes=os.path.getsize(path) + sum(os.path.getsize(f) for f in shards),
                      external_data=[os.path.basename(f) for f in shards])


SHARD_BYTES = 15 << 20   # no file we ship or carry may pass 16 MiB (a git clone, a device call's files back)


def save_sharded(mp, path, shard_bytes=None):
    """Save the graph; when it would pass shard_bytes, its large initializers go to ONNX external
    data files beside it (path + ".data0", ".data1", ..., each below shard_bytes; onnxruntime reads
    them with the session option externalData, onnx.load from the same folder). -> shard paths."""
    shard_bytes = shard_bytes or SHARD_BYTES
    for old in glob.glob(glob.escape(path) + ".data*"):
        os.remove(old)
    if mp.ByteSize() <= shard_bytes:
        onnx.save(mp, path)
        return []
    shards, size = [], shard_bytes
    for t in sorted(mp.graph.initializer, key=lambda t: -len(t.raw_data)):
        data = t.raw_data
        if len(data) < 1024:
            continue
        if size + len(data) > shard_bytes:
            shards.append(open(f"{path}.data{len(shards)}", "wb"))
            size = 0
        f = shards[-1]
        external_data_helper.set_external_data(t, os.path.basename(f.name), offset=size, length=len(data))
        f.write(data)
        size += len(data)
        t.ClearField("raw_data")
    for f in shards:
        f.close()
    onnx.save(mp, path)
    onnx.checker.check_model(path)
    return [f.name for f in shards]

"""Fewer kernels per MLLM call on WebGPU: rewrites the traced single graph (mllm_graphs.Unified)
so that each transformer block runs as a handful of fused onnxruntime contrib ops.

Why here and not in onnxruntime: at session creation onnxruntime fuses GELU, LayerNorm+Add and
attention only for the CPU/CUDA/DML/ROCm/ACL providers (graph_transformer_utils.cc, level 2: GeluFusion,
SkipLayerNormFusion, AttentionFusion, BiasGeluFusion list no JS/WebGPU EP), so under onnxruntime-web's
WebGPU backend every traced node is a kernel: 17 for the attention, 5 for each GELU. The ops used
here are implemented by both providers the page uses (onnxruntime-web 1.30: the WASM CPU EP and the
JSEP WebGPU EP, and the native WebGPU EP of onnxruntime-web/webgpu):
- com.microsoft.MultiHeadAttention: Q, K, V [B,T,d] straight from the qkv Split, past_key/value
  [B,H,P,Dh] in and present_key/value [B,H,P+T,Dh] out (the cache layout the graph had: the
  manifest's input/output specs are unchanged), the block-causal mask as an additive
  attention_bias [B,H,T,P+T] built once per call (0 where visible, the traced fill value where not:
  exp underflows to exactly 0 either way). JSEP takes no packed QKV, no broadcast bias, and no
  `bias` input when T = 1 (multihead-attention.ts), hence separate Q/K/V, a full bias and the qkv
  bias left in its Add.
- com.microsoft.SkipLayerNormalization: LayerNorm(x + branch + branch_bias), with the sum itself
  as output 3 (the residual stream the next block adds to); it absorbs the residual Add and the
  branch's bias Add.
- com.microsoft.Gelu (only with gelu=True: wrong on JSEP, see fuse()): the exact (erf) GELU of nn.GELU()
  that the exporter decomposes into 5 nodes.
Each rewrite matches the traced subgraph structurally and checks its constants; a graph in which a
pattern is missing or differs fails loudly (`FuseError`) rather than shipping half-fused. Weights
(initializers) are not touched.
"""
import math
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

MS = "com.microsoft"


class FuseError(RuntimeError):
    pass


class _Graph:
    """Producer/consumer lookups over a GraphProto's nodes, and constant values."""

    def __init__(self, g):
        self.g = g
        self.inits = {i.name: i for i in g.initializer}
        self.outputs = {o.name for o in g.output}
        self.index()

    def index(self):
        self.prod, self.cons = {}, {}
        for n in self.g.node:
            for o in n.output:
                self.prod[o] = n
            for i in n.input:
                self.cons.setdefault(i, []).append(n)

    def producer(self, name, op):
        n = self.prod.get(name)
        if n is None or n.op_type != op:
            raise FuseError(f"{name}: expected the output of a {op}, got {n.op_type if n else 'a graph input/initializer'}")
        return n

    def sole_consumer(self, name, op):
        c = self.cons.get(name, [])
        if len(c) != 1 or c[0].op_type != op or name in self.outputs:
            raise FuseError(f"{name}: expected exactly one consumer, a {op}; got {[n.op_type for n in c]}")
        return c[0]

    def const(self, name):
        """The value of an initializer or Constant node output, else None."""
        if name in self.inits:
            return numpy_helper.to_array(self.inits[name])
        n = self.prod.get(name)
        if n is not None and n.op_type == "Constant":
            return numpy_helper.to_array(n.attribute[0].t)
        return None

    def scalar(self, name, want, what, rtol=1e-6):
        v = self.const(name)
        if v is None or v.size != 1 or not math.isclose(float(v.reshape(-1)[0]), want, rel_tol=rtol):
            raise FuseError(f"{what}: expected the constant {want}, got {None if v is None else v.reshape(-1)[:4]}")
        return float(v.reshape(-1)[0])


def _attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def _perm(G, name, perm):
    t = G.producer(name, "Transpose")
    if list(_attr(t, "perm")) != perm:
        raise FuseError(f"{t.name}: perm {list(_attr(t, 'perm'))}, expected {perm}")
    return t


def fuse_gelu(G):
    """x/sqrt(2) -> Erf -> +1 -> *x -> *0.5  ==>  Gelu(x). -> (new nodes, removed nodes)."""
    new, gone = [], []
    for erf in [n for n in G.g.node if n.op_type == "Erf"]:
        div = G.producer(erf.input[0], "Div")
        x = div.input[0]
        G.scalar(div.input[1], math.sqrt(2.0), f"{div.name} divisor")
        add = G.sole_consumer(erf.output[0], "Add")
        G.scalar(add.input[1] if add.input[0] == erf.output[0] else add.input[0], 1.0, f"{add.name} addend")
        mul = G.sole_consumer(add.output[0], "Mul")
        if set(mul.input) != {x, add.output[0]}:
            raise FuseError(f"{mul.name}: expected x * (1 + erf(x / sqrt 2)), got inputs {list(mul.input)}")
        half = G.sole_consumer(mul.output[0], "Mul")
        G.scalar(half.input[1] if half.input[0] == mul.output[0] else half.input[0], 0.5, f"{half.name} factor")
        if G.cons.get(div.output[0], []) != [erf]:
            raise FuseError(f"{div.name}: used outside the GELU")
        new.append(helper.make_node("Gelu", [x], [half.output[0]], name=erf.name.replace("/Erf", "/Gelu"), domain=MS))
        gone += [div, erf, add, mul, half]
    return new, gone


def fuse_attention(G, n_head):
    """The traced attention of every block (from the qkv Split to the [B,T,d] Reshape before the
    output projection) ==> MultiHeadAttention with the KV cache and one shared additive mask."""
    new, gone, mask, fill = [], [], None, None
    softmaxes = [n for n in G.g.node if n.op_type == "Softmax"]
    if not softmaxes:
        raise FuseError("no Softmax: no attention to fuse")
    for sm in softmaxes:
        where = G.producer(sm.input[0], "Where")
        cond, f, scores = where.input
        cast = G.producer(cond, "Cast")
        nt = G.producer(cast.input[0], "Not")
        unsq = G.producer(nt.input[0], "Unsqueeze")
        if G.const(unsq.input[1]).tolist() != [1]:
            raise FuseError(f"{unsq.name}: the mask is expected to gain the head axis (1)")
        if mask not in (None, unsq.input[0]):
            raise FuseError(f"{sm.name}: a mask other than the first attention's ({unsq.input[0]} vs {mask})")
        mask = unsq.input[0]
        fv = G.const(f)
        if fv is None or fv.size != 1 or float(fv.reshape(-1)[0]) > -1e4:
            raise FuseError(f"{where.name}: expected a large negative fill for hidden keys, got {fv}")
        fill = float(fv.reshape(-1)[0])
        mul = G.producer(scores, "Mul")
        qk = G.producer(mul.input[0], "MatMul")
        qt = _perm(G, qk.input[0], [0, 2, 1, 3])
        kt = _perm(G, qk.input[1], [0, 1, 3, 2])
        pk = G.producer(kt.input[0], "Concat")
        av = G.sole_consumer(sm.output[0], "MatMul")
        pv = G.producer(av.input[1], "Concat")
        heads = []
        for c in (pk, pv):
            if _attr(c, "axis") != 2 or len(c.input) != 2:
                raise FuseError(f"{c.name}: expected past ++ new along the sequence axis")
            t = _perm(G, c.input[1], [0, 2, 1, 3])
            heads.append((c, t, G.producer(t.input[0], "Reshape")))
        qr = G.producer(qt.input[0], "Reshape")
        split = G.producer(qr.input[0], "Split")
        if [qr.input[0], heads[0][2].input[0], heads[1][2].input[0]] != list(split.output):
            raise FuseError(f"{sm.name}: Q, K, V are expected to be the three outputs of one Split, in order")
        split_sizes = G.const(split.input[1]) if len(split.input) > 1 else None
        if split_sizes is None or len(set(split_sizes.tolist())) != 1 or int(split_sizes[0]) % n_head:
            raise FuseError(f"{split.name}: expected three equal parts divisible by {n_head} heads, got {split_sizes}")
        hd = int(split_sizes[0]) // n_head
        scale = G.scalar(mul.input[1], 1.0 / math.sqrt(hd), f"{mul.name} score scale", rtol=1e-6)
        out_t = G.sole_consumer(av.output[0], "Transpose")
        if list(_attr(out_t, "perm")) != [0, 2, 1, 3]:
            raise FuseError(f"{out_t.name}: perm {list(_attr(out_t, 'perm'))}, expected [0, 2, 1, 3]")
        out_r = G.sole_consumer(out_t.output[0], "Reshape")
        (pkc, kt2, kr), (pvc, vt, vr) = heads
        for c in (pkc, pvc):
            if c.output[0] not in G.outputs:
                raise FuseError(f"{c.name}: the concatenated cache is expected to be a graph output (present_*)")
        new.append(helper.make_node(
            "MultiHeadAttention", [split.output[0], split.output[1], split.output[2], "", "", "attn_bias", pkc.input[0], pvc.input[0]],
            [out_r.output[0], pkc.output[0], pvc.output[0]], name=sm.name.replace("/Softmax", "/MultiHeadAttention"),
            domain=MS, num_heads=n_head, scale=scale))
        # the mask's Unsqueeze/Not are shared by all blocks in the trace: left to the pruning
        gone += [where, cast, mul, qk, qt, kt, pkc, pvc, kt2, kr, vt, vr, qr, av, out_t, out_r, sm]
    # the block-causal mask as an additive bias, once for all blocks: [B,T,S] bool (True = visible)
    # -> [B,H,T,S] float (JSEP's MultiHeadAttention takes exactly that shape, no broadcast)
    consts = [numpy_helper.from_array(np.array([1], np.int64), "attn_bias_axes"),
              numpy_helper.from_array(np.array(0.0, np.float32), "attn_bias_zero"),
              numpy_helper.from_array(np.array(fill, np.float32), "attn_bias_hidden"),
              numpy_helper.from_array(np.array([1, n_head, 1, 1], np.int64), "attn_bias_heads")]
    # Where before Unsqueeze: onnxruntime-web's WebGPU has no bool Unsqueeze (a CPU node, which would keep
    # the graph from being captured)
    new = [helper.make_node("Where", [mask, "attn_bias_zero", "attn_bias_hidden"], ["attn_bias_bts"], name="/m/attn_bias/Where"),
           helper.make_node("Unsqueeze", ["attn_bias_bts", "attn_bias_axes"], ["attn_bias_1h"], name="/m/attn_bias/Unsqueeze"),
           helper.make_node("Expand", ["attn_bias_1h", "attn_bias_heads"], ["attn_bias"], name="/m/attn_bias/Expand")] + new
    return new, gone, consts


def _bias_branch(G, name):
    """name = Add(1-D constant, MatMul output) used only once -> (MatMul output, bias), else None."""
    a = G.prod.get(name)
    if a is None or a.op_type != "Add" or len(G.cons.get(name, [])) != 1 or name in G.outputs:
        return None
    for i in (0, 1):
        b, m = a.input[i], a.input[1 - i]
        bv = G.const(b)
        mm = G.prod.get(m)
        if bv is not None and bv.ndim == 1 and mm is not None and mm.op_type == "MatMul" and b in G.inits:
            return a, m, b
    return None


def fuse_skip_layernorm(G):
    """LayerNorm(x + y) ==> SkipLayerNormalization(x, y), the sum as output 3 where it is used
    elsewhere (the residual stream); y = MatMul + bias gives the bias to the op."""
    new, gone = [], []
    for ln in [n for n in G.g.node if n.op_type == "LayerNormalization"]:
        add = G.prod.get(ln.input[0])
        if add is None or add.op_type != "Add" or any(G.const(i) is not None for i in add.input):
            continue   # a LayerNorm of something else (none in this model): stays as it is
        if _attr(ln, "axis", -1) != -1 or len(ln.output) != 1:
            raise FuseError(f"{ln.name}: only last-axis LayerNorm with one output is fused")
        x, y, bias, gone_bias = add.input[0], add.input[1], "", []
        for first, second in ((x, y), (y, x)):
            br = _bias_branch(G, second)
            if br:
                x, (badd, y, bias) = first, br
                gone_bias = [badd]
                break
        others = [c for c in G.cons.get(add.output[0], []) if c is not ln]
        outs = [ln.output[0]] + (["", "", add.output[0]] if others or add.output[0] in G.outputs else [])
        ins = [x, y, ln.input[1], ln.input[2]] + ([bias] if bias else [])
        new.append(helper.make_node("SkipLayerNormalization", ins, outs, name=ln.name.replace("LayerNormalization", "SkipLayerNormalization"),
                                    domain=MS, epsilon=_attr(ln, "epsilon", 1e-5)))
        gone += [ln, add] + gone_bias
    return new, gone


def _replace(G, new, gone, consts=()):
    ids = {id(n) for n in gone}
    if len(ids) != len(gone):
        raise FuseError("a node matched by two patterns")
    keep = [n for n in G.g.node if id(n) not in ids]
    del G.g.node[:]
    G.g.node.extend(keep + new)
    G.g.initializer.extend(consts)
    G.inits.update({c.name: c for c in consts})
    G.index()


def _prune_and_sort(g):
    """Drops nodes nothing uses (the shape arithmetic of the removed Reshapes) and puts the rest in
    topological order (the new nodes were appended at the end)."""
    needed = {o.name for o in g.output}
    prod = {o: n for n in g.node for o in n.output}
    live, stack = set(), list(needed)
    while stack:
        n = prod.get(stack.pop())
        if n is None or id(n) in live:
            continue
        live.add(id(n))
        stack += [i for i in n.input if i]
    avail = {i.name for i in g.input} | {i.name for i in g.initializer} | {""}
    todo, order = [n for n in g.node if id(n) in live], []
    while todo:
        ready = [n for n in todo if all(i in avail for i in n.input)]
        if not ready:
            raise FuseError("the rewritten graph has a cycle or a dangling input")
        for n in ready:
            avail.update(n.output)
        order += ready
        todo = [n for n in todo if id(n) not in {id(r) for r in ready}]
    del g.node[:]
    g.node.extend(order)
    used = {i for n in g.node for i in n.input}
    keep = [i for i in g.initializer if i.name in used or i.name in {o.name for o in g.output}]
    del g.initializer[:]
    g.initializer.extend(keep)


# What ships: attention and SkipLayerNormalization, not Gelu (export_mllm --single-graph --fuse).
# Bisected on SwiftShader (tests/mllm-webgpu.test.ts, the page's JSEP build; PUMA_MODELS_DIR at a folder
# holding each variant), image features of the call after the prefill, max |diff| against the golden:
#   unfused 4.6e-6; the rewrite's pruning and sorting alone 4.6e-6; every fusion 2.31; SkipLN + Gelu 2.31;
#   Gelu + attention 2.31; Gelu alone 2.31; attention + SkipLN 4.6e-6 (and the native WebGPU EP 8.9e-7).
# So onnxruntime-web 1.30's JSEP com.microsoft.Gelu is wrong here (the prefill's logits still match: the
# first GELU fed real values there is the projector's, where the image features enter); the WASM CPU EP
# and the native WebGPU EP compute every fusion right. The GELU stays the traced 5 nodes (Erf is right on
# JSEP) unless asked for (gelu=True: the CPU-side tests check that fusion too).
def fuse(mp, n_head, n_layer, attention=True, gelu=False):
    """Rewrites the traced single-graph MLLM in place -> {op: count} of the fused nodes made.
    Every block must fuse: 2 * n_layer + 1 LayerNorms, with `attention` n_layer attentions, with `gelu`
    every GELU."""
    G = _Graph(mp.graph)
    made = {}
    if gelu:
        new, gone = fuse_gelu(G)
        _replace(G, new, gone)
        made["Gelu"] = len(new)
    if attention:
        new, gone, consts = fuse_attention(G, n_head)
        _replace(G, new, gone, consts)
        made["MultiHeadAttention"] = sum(n.op_type == "MultiHeadAttention" for n in new)
    new, gone = fuse_skip_layernorm(G)
    _replace(G, new, gone)
    made["SkipLayerNormalization"] = len(new)
    if made.get("MultiHeadAttention", n_layer) != n_layer or made["SkipLayerNormalization"] != 2 * n_layer + 1:
        raise FuseError(f"expected {n_layer} attentions and {2 * n_layer + 1} LayerNorms fused, made {made}")
    left = {n.op_type for n in mp.graph.node} & ({"LayerNormalization"} | ({"Erf"} if gelu else set())
                                                   | ({"Softmax"} if attention else set()))
    if left:
        raise FuseError(f"unfused ops left: {sorted(left)}")
    _prune_and_sort(mp.graph)
    if not any(o.domain == MS for o in mp.opset_import):
        mp.opset_import.append(helper.make_opsetid(MS, 1))
    return made


def main(argv=None):
    """python -m training.mllm_fuse PATH n_head n_layer: fuses a single-graph mllm.onnx in place (what ships: attention + SkipLayerNormalization)
    (its external data shards rewritten by mllm_graphs.save_sharded)."""
    from training.mllm_graphs import save_sharded
    path, n_head, n_layer = (argv or sys.argv[1:])[:3]
    mp = onnx.load(path)
    made = fuse(mp, int(n_head), int(n_layer))
    onnx.checker.check_model(mp)
    save_sharded(mp, path)
    print(made)


if __name__ == "__main__":
    main()

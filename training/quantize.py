"""int8 weights of the MLLM, one definition for export and evaluation: every 2-D weight with at
least MIN_QUANT values is symmetric int8 with one scale per output row. `fake_quantize` puts a
PyTorch model's weights on that grid (what evaluation scores: the shipped weights);
`quantize_onnx` rewrites an exported graph's initializers to int8 + DequantizeLinear.

bits=4 (the DESIGN's "4/8-bit MLLM": a deeper trunk within the 40 MB budget): the trunk's linear weights
(TRUNK4: attention's qkv and proj, the MLP's two, every block), the bulk of a deep model's values, go on a 4-bit
grid instead, symmetric per block of BLOCK4 input values of an output row with a float16 scale: value = (q - 8) *
scale, q in 0..15, the layout of onnxruntime's MatMulNBits (its B quantized along K, one block's scale per output
column, zero point 8). Everything else stays int8 as above."""
import copy

import numpy as np
import torch
import torch.nn as nn
from onnx import helper, numpy_helper, TensorProto
from training.onnx_weights import replace_weights

MIN_QUANT = 4096   # 2-D weights with at least this many values are stored int8


def quantize_rows(w):
    """Symmetric int8 per row of a 2-D tensor -> (q int8, scale f32 [rows])."""
    scale = w.abs().amax(dim=1).clamp(min=1e-12) / 127.0
    q = torch.round(w / scale[:, None]).clamp(-127, 127)
    return q.to(torch.int8), scale.float()


BLOCK4 = 32
TRUNK4 = ("attn.qkv.weight", "attn.proj.weight", "mlp.0.weight", "mlp.2.weight")


def is_trunk4(name):
    """whether a state-dict key is one of the trunk's linear weights that bits=4 puts on the 4-bit grid"""
    return name.startswith("blocks.") and name.endswith(TRUNK4)


def quantize_blocks4(w, block=BLOCK4):
    """Symmetric 4-bit per block of `block` values along each row of a 2-D tensor [rows, cols] (cols a multiple of
    block) -> (q uint8 0..15 [rows, cols], scale float16 [rows, cols/block]); value = (q - 8) * scale, the block's
    largest magnitude at 7 steps (MatMulNBits without zero points: its default zero point is 8). The scale is rounded
    to float16 before q is taken, so dequantize_blocks4 gives the stored values exactly, and values already on their
    grid come back unchanged (a packed checkpoint's weights evaluated or exported again)."""
    r, c = w.shape
    assert c % block == 0, f"{c} columns are not whole blocks of {block}"
    b = w.float().reshape(r, c // block, block)
    scale = (b.abs().amax(dim=2) / 7).clamp(min=1e-7).half()
    q = torch.clamp(torch.round(b / scale.float()[..., None]), -8, 7) + 8
    return q.reshape(r, c).to(torch.uint8), scale


def dequantize_blocks4(q, scale):
    r, c = q.shape
    nb = scale.shape[1]
    return ((q.float().reshape(r, nb, c // nb) - 8) * scale.float()[..., None]).reshape(r, c)


def pack_nibbles(q):
    """4-bit codes [rows, cols] (uint8 0..15, cols even) -> [rows, cols / 2] uint8, two a byte, the first in the low
    bits (MatMulNBits' order; the packed checkpoint's)"""
    return q[:, 0::2] | (q[:, 1::2] << 4)


def from_packed4(packed, scale):
    """The float weight [rows, cols] of packed codes (uint8 [rows, ..., half], pack_nibbles' order along the last
    axes) and their scales [rows, cols / block] (any float type; reshaped): quantize_blocks4's grid, exactly"""
    b = torch.as_tensor(packed)
    q = torch.stack([b & 15, b >> 4], dim=-1).reshape(b.shape[0], -1)
    return dequantize_blocks4(q, torch.as_tensor(scale).reshape(b.shape[0], -1))


def grid_bits(cfg, bits=None):
    """The grid a model's weights are evaluated, packed and exported on: `bits` when asked, else 4 for a model trained
    on the 4-bit grid (MLLMConfig.qat_bits), else 8"""
    return bits or getattr(cfg, "qat_bits", 0) or 8


def on_grid4(w):
    """Quantization-aware training's weight (MLLMConfig.qat_bits=4): the forward sees w on its 4-bit grid, the
    gradient reaches w as if it had not been rounded (the straight-through estimator)."""
    return w + (dequantize_blocks4(*quantize_blocks4(w.detach())).to(w.dtype) - w).detach()


@torch.no_grad()
def fake_quantize(model, bits=8):
    """A copy of the model whose 2-D weights lie exactly on their grid: int8 per output row, and with bits=4 the
    trunk's linear weights on the 4-bit block grid (quantize_blocks4)."""
    assert bits in (4, 8), bits
    m = copy.deepcopy(model).float().eval()
    for name, mod in m.named_modules():
        if hasattr(mod, "qat"):   # on the grid already: the straight-through rounding would only add work
            mod.qat = False
        if bits == 4 and isinstance(mod, nn.Linear) and is_trunk4(name + ".weight"):
            mod.weight.data.copy_(dequantize_blocks4(*quantize_blocks4(mod.weight.data)))
        elif isinstance(mod, (nn.Linear, nn.Embedding)) and mod.weight.numel() >= MIN_QUANT:
            q, s = quantize_rows(mod.weight.data)
            mod.weight.data.copy_(q.float() * s[:, None])
    for blk in m.blocks:
        blk.attn.fused = False
    return m


def _axis_exact(w, axis):
    a = np.abs(w).max(axis=1 - axis)
    scale = np.maximum(a, 1e-12) / 127.0
    s = scale[None, :] if axis == 1 else scale[:, None]
    q = np.clip(np.round(w / s), -127, 127)
    err = np.abs(q * s - w).max()
    return err <= 1e-6 * max(np.abs(w).max(), 1e-12), q.astype(np.int8), scale.astype(np.float32)


def quantize_onnx(model_proto):
    """Replaces fp32 2-D initializers that lie on a per-row or per-column int8 grid by int8 +
    DequantizeLinear, and an initializer that is the transpose of another (the tied LM head,
    folded by the exporter) by a Transpose node. Returns (model, n_quantized, n_left_fp32)."""
    g = model_proto.graph
    keep, nodes, tnodes, nq, nleft = [], [], [], 0, 0
    arrays = {i.name: numpy_helper.to_array(i) for i in g.initializer
              if i.data_type == TensorProto.FLOAT and len(i.dims) == 2}
    transposed_of = {}
    names = list(arrays)
    for a in names:
        for b in names:
            if a < b and arrays[a].shape == arrays[b].shape[::-1] and arrays[a].shape[0] != arrays[a].shape[1] \
                    and np.array_equal(arrays[a].T, arrays[b]):
                transposed_of[b] = a
    for init in g.initializer:
        w = numpy_helper.to_array(init)
        if init.name in transposed_of:
            tnodes.append(helper.make_node("Transpose", [transposed_of[init.name]], [init.name], perm=[1, 0],
                                          name=init.name + "_t"))
            continue
        if init.data_type != TensorProto.FLOAT or w.ndim != 2 or w.size < MIN_QUANT:
            keep.append(init)
            continue
        for axis in (0, 1):
            ok, q, scale = _axis_exact(w, axis)
            if ok:
                break
        if not ok:
            keep.append(init)
            nleft += 1
            continue
        name = init.name
        keep += [numpy_helper.from_array(q, name + "_q"), numpy_helper.from_array(scale, name + "_scale"),
                 numpy_helper.from_array(np.zeros(scale.shape, np.int8), name + "_zp")]
        nodes.append(helper.make_node("DequantizeLinear", [name + "_q", name + "_scale", name + "_zp"], [name],
                                      axis=axis, name=name + "_dq"))
        nq += 1
    replace_weights(g, keep, nodes + tnodes)
    return model_proto, nq, nleft




def unpack_nodes(nodes, name, packed, scale, block):
    """Appends to `nodes` the standard ops (opset 13+) that rebuild a 4-bit layer's float weight [K, N] named `name`
    from its packed codes ([N, K / block, block / 2] uint8, the first of two in the low bits) and float16 scales
    [N, K / block]: all of their inputs are constants, so onnxruntime folds them into one float weight when it
    creates the session, on every provider, and the layer then runs as the int8 graph's do (a float MatMul).
    -> the initializers they read."""
    N, nb, half = packed.shape
    p = name + "_u4"
    c = lambda tag, v, dt=np.float32: numpy_helper.from_array(np.array(v, dtype=dt), f"{p}_{tag}")
    k16, k8, last = c("16", 16.0), c("8", 8.0), c("last", [-1], np.int64)
    shape_w, shape_b = c("shape_w", [N, nb * half * 2], np.int64), c("shape_b", [N, nb, block], np.int64)
    inits = [numpy_helper.from_array(packed.numpy(), p + "_codes"),
             numpy_helper.from_array(scale.numpy().astype(np.float16).reshape(N, nb, 1), p + "_scale"),
             k16, k8, last, shape_w, shape_b]
    mk = lambda op, ins, **kw: nodes.append(helper.make_node(op, ins, [f"{p}/{op}{len(nodes)}"], **kw)) or nodes[-1].output[0]
    f = mk("Cast", [p + "_codes"], to=TensorProto.FLOAT)
    hi = mk("Floor", [mk("Div", [f, k16.name])])
    lo = mk("Sub", [f, mk("Mul", [hi, k16.name])])
    pair = mk("Concat", [mk("Unsqueeze", [lo, last.name]), mk("Unsqueeze", [hi, last.name])], axis=-1)
    codes = mk("Reshape", [pair, shape_b.name])
    sc = mk("Cast", [p + "_scale"], to=TensorProto.FLOAT)
    w = mk("Mul", [mk("Sub", [codes, k8.name]), sc])
    nodes.append(helper.make_node("Transpose", [mk("Reshape", [w, shape_w.name])], [name], perm=[1, 0], name=p + "/T"))
    return inits


def nbits_onnx(model_proto, block=BLOCK4, form="matmulnbits"):
    """Replaces every MatMul whose weight B [K, N] is a float initializer lying exactly on the 4-bit grid along K
    (its transpose, a linear layer's [N, K], as quantize_blocks4 puts it) by onnxruntime's MatMulNBits (com.microsoft):
    B as uint8 [N, K / block, block / 2], two codes a byte, the first in the low bits; float scales [N * K / block];
    no zero points (its default, 8). The layer then ships at 5 bits a weight (4 + a float scale per 32) and computes
    in float on the dequantized weights as before. Run after quantize_onnx and mllm_fuse (whose patterns read MatMul).
    -> the number replaced."""
    g = model_proto.graph
    inits = {i.name: i for i in g.initializer}
    users = {}
    for n in g.node:
        for x in n.input:
            users[x] = users.get(x, 0) + 1
    done, drop, nodes = 0, set(), []
    for n in g.node:
        init = inits.get(n.input[1]) if n.op_type == "MatMul" and len(n.input) == 2 else None
        if init is None or init.data_type != TensorProto.FLOAT or len(init.dims) != 2 or init.dims[0] % block:
            nodes.append(n)
            continue
        w = torch.from_numpy(numpy_helper.to_array(init).T.copy())   # [N, K]
        q, s = quantize_blocks4(w, block)
        if not torch.equal(dequantize_blocks4(q, s), w):
            nodes.append(n)
            continue
        N, K = w.shape
        packed = pack_nibbles(q).reshape(N, K // block, block // 2)
        name = init.name
        if form == "unpack":
            g.initializer.extend(unpack_nodes(nodes, name, packed, s, block))
            nodes.append(helper.make_node("MatMul", [n.input[0], name], list(n.output), name=n.name))
        else:
            g.initializer.extend([numpy_helper.from_array(packed.numpy(), name + "_q4"),
                                  numpy_helper.from_array(s.float().reshape(-1).numpy(), name + "_scale4")])
            nodes.append(helper.make_node("MatMulNBits", [n.input[0], name + "_q4", name + "_scale4"], list(n.output),
                                          name=(n.name or name) + "_nbits", domain="com.microsoft", K=K, N=N, bits=4,
                                          block_size=block))
        users[name] -= 1
        if users[name] == 0:
            drop.add(name)
        done += 1
    del g.node[:]
    g.node.extend(nodes)
    keep = [i for i in g.initializer if i.name not in drop]
    del g.initializer[:]
    g.initializer.extend(keep)
    if done and form != "unpack" and not any(o.domain == "com.microsoft" for o in model_proto.opset_import):
        model_proto.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return done


def pack_int8(state, bits=8):
    """A state dict with its large 2-D float tensors as (int8, per-row scale): half the bytes of
    fp16, so a checkpoint fits beside the data in a device call's 64 MiB. unpack_int8 reverses it
    (onto the int8 grid the shipped model uses anyway). bits=4: the trunk's linear weights on their 4-bit grid,
    two values a byte (a quarter of fp16's bytes), the rest as with 8."""
    out = {}
    for k, v in state.items():
        if bits == 4 and is_trunk4(k):
            q, s = quantize_blocks4(v)
            out[k] = {"q4": pack_nibbles(q), "scale4": s}
        elif v.is_floating_point() and v.dim() == 2 and v.numel() >= MIN_QUANT:
            q, s = quantize_rows(v.float())
            out[k] = {"q": q, "scale": s}
        else:
            out[k] = v
    return out


def _unpack(v):
    if not isinstance(v, dict):
        return v
    if "q4" in v:
        return from_packed4(v["q4"], v["scale4"])
    return v["q"].float() * v["scale"][:, None]


def unpack_int8(packed):
    return {k: _unpack(v) for k, v in packed.items()}


def unpack_checkpoint(ck):
    """A packed checkpoint (this module's command; v10_long.sh's v10_mllm.pt.part-* cat together) as one that
    eval_mllm --mllm and train_mllm --init read: its weights on the grid they were packed on."""
    out = dict(ck, model=unpack_int8(ck["model"]))
    out.pop("packed", None)
    return out


if __name__ == "__main__":   # python3 -m training.quantize SRC_mllm.pt DST_packed.pt [4|8] (default: grid_bits)
    import sys                # python3 -m training.quantize --unpack SRC_packed.pt DST_mllm.pt
    from training.common import atomic_save, torch_load
    from training.mllm import from_config_dict
    if sys.argv[1] == "--unpack":
        atomic_save(unpack_checkpoint(torch_load(sys.argv[2])), sys.argv[3])
        sys.exit(0)
    ck = torch_load(sys.argv[1])
    bits = grid_bits(from_config_dict(ck["config"]), int(sys.argv[3]) if len(sys.argv) > 3 else None)
    ck["model"], ck["packed"] = pack_int8(ck["model"], bits), "int8" if bits == 8 else "int4"
    atomic_save(ck, sys.argv[2])

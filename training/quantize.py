"""int8 weights of the MLLM, one definition for export and evaluation: every 2-D weight with at
least MIN_QUANT values is symmetric int8 with one scale per output row. `fake_quantize` puts a
PyTorch model's weights on that grid (what evaluation scores: the shipped weights);
`quantize_onnx` rewrites an exported graph's initializers to int8 + DequantizeLinear."""
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


@torch.no_grad()
def fake_quantize(model):
    """A copy of the model whose 2-D weights lie exactly on their int8 grid (per output row)."""
    m = copy.deepcopy(model).float().eval()
    for mod in m.modules():
        if isinstance(mod, (nn.Linear, nn.Embedding)) and mod.weight.numel() >= MIN_QUANT:
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




def pack_int8(state):
    """A state dict with its large 2-D float tensors as (int8, per-row scale): half the bytes of
    fp16, so a checkpoint fits beside the data in a device call's 64 MiB. unpack_int8 reverses it
    (onto the int8 grid the shipped model uses anyway)."""
    out = {}
    for k, v in state.items():
        if v.is_floating_point() and v.dim() == 2 and v.numel() >= MIN_QUANT:
            q, s = quantize_rows(v.float())
            out[k] = {"q": q, "scale": s}
        else:
            out[k] = v
    return out


def unpack_int8(packed):
    return {k: (v["q"].float() * v["scale"][:, None] if isinstance(v, dict) else v) for k, v in packed.items()}


if __name__ == "__main__":   # python3 -m training.quantize SRC_mllm.pt DST_packed.pt
    import sys
    from training.common import atomic_save, torch_load
    ck = torch_load(sys.argv[1])
    ck["model"], ck["packed"] = pack_int8(ck["model"]), "int8"
    atomic_save(ck, sys.argv[2])

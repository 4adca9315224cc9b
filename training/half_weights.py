"""Store an ONNX graph's large fp32 weights as fp16 initializers behind a Cast to fp32.

The file is about half the size; compute stays fp32 (no shader-f16 needed): onnxruntime folds
Cast(initializer) into an fp32 constant when the session is created, so the running graph is
the fp32 graph with fp16-rounded weights. `round_module` applies the same rounding to a PyTorch
module, so golden vectors computed from it match the file exactly.
"""
import numpy as np
import torch
from onnx import helper, numpy_helper, TensorProto
from training.onnx_weights import replace_weights

MIN_HALF = 1024       # smaller tensors (norms, biases) stay fp32: they cost nothing and are touchy
SUFFIX = "__fp16"


def half_eligible(name, t):
    return t.is_floating_point() and t.numel() >= MIN_HALF


@torch.no_grad()
def round_module(module):
    """Round every eligible parameter to the nearest fp16 value (kept in fp32)."""
    for n, p in module.named_parameters():
        if half_eligible(n, p):
            p.copy_(p.half().float())
    return module


def store_half(model_proto):
    """fp32 initializers with >= MIN_HALF values -> fp16 initializer + Cast(to fp32) node with the
    original name. Returns (model_proto, number converted)."""
    g = model_proto.graph
    keep, casts = [], []
    for init in g.initializer:
        if init.data_type == TensorProto.FLOAT and int(np.prod(init.dims)) >= MIN_HALF:
            a = numpy_helper.to_array(init)
            h = a.astype(np.float16)
            if not np.isfinite(h).all():
                raise ValueError(f"{init.name}: values beyond fp16 range")
            keep.append(numpy_helper.from_array(h, init.name + SUFFIX))
            casts.append(helper.make_node("Cast", [init.name + SUFFIX], [init.name], to=TensorProto.FLOAT,
                                          name=init.name + "_cast"))
        else:
            keep.append(init)
    replace_weights(g, keep, casts)
    return model_proto, len(casts)


def initializers_fp32(model_proto):
    """name -> fp32 numpy array of every weight as the graph computes with it (fp16-stored
    weights resolved through their Cast)."""
    g = model_proto.graph
    raw = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    out = {k: v for k, v in raw.items() if not k.endswith(SUFFIX)}
    for n in g.node:
        if n.op_type == "Cast" and n.input[0] in raw and n.input[0].endswith(SUFFIX):
            out[n.output[0]] = raw[n.input[0]].astype(np.float32)
    return out

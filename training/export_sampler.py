"""Export one DDIM step (classifier-free guidance + the eta = 0 update) as a tiny ONNX graph,
`ddim_step.onnx`, so the WebGPU provider can keep the whole decode on the GPU: the decoder's v
output feeds this graph, whose output is the decoder's next x input, and nothing is read back
until the image is done.

    /usr/bin/python3 -m training.export_sampler [--out DIR]

Inputs (shapes static, so onnxruntime-web can capture the graph):
  v     [2,3,S,S]  the decoder's output for the batch (cond, uncond)
  x     [2,3,S,S]  the decoder's input for the batch (both halves hold the same x)
  coef  [3]        guidance, abar (this step), abar_next (the next step; 1 after the last)
Output:
  x_next [2,3,S,S] the next step's x, already duplicated as the decoder's next batch input.
  After the last step (abar_next = 1) this is x0 itself: sqrt(1)*x0 + sqrt(0)*eps.

Step for step as training/decoder.py ddim_sample and workers/lib/sampler.ts:
  v = vu + g*(vc - vu); x0 = clamp(a*x - s*v, -1, 1); eps = (x - a*x0)/s;
  x_next = sqrt(abar_next)*x0 + sqrt(1 - abar_next)*eps, a = sqrt(abar), s = sqrt(1 - abar).
golden/sampler.json (a PyTorch decode recording every step) checks it: tests/ddim-step-graph.test.ts.
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from training.manifest import MODELS_DIR, golden_file, read_manifest, update_manifest

OPSET = 17
NAME = "ddim_step"


def build(size, channels=3):
    shape = [2, channels, size, size]
    const = lambda name, value, dtype=np.float32: numpy_helper.from_array(np.array(value, dtype=dtype), name)  # noqa: E731
    inits = [const("zero", 0, np.int64), const("one", 1, np.int64), const("two", 2, np.int64),
             const("start0", [0], np.int64), const("start1", [1], np.int64), const("end2", [2], np.int64),
             const("axis0", [0], np.int64), const("f_one", 1.0), const("f_minus_one", -1.0)]
    n = helper.make_node
    nodes = [
        # the step's scalars
        n("Gather", ["coef", "zero"], ["g"], axis=0),
        n("Gather", ["coef", "one"], ["abar"], axis=0),
        n("Gather", ["coef", "two"], ["abar_next"], axis=0),
        n("Sqrt", ["abar"], ["a"]),
        n("Sub", ["f_one", "abar"], ["one_minus_abar"]),
        n("Sqrt", ["one_minus_abar"], ["s"]),
        n("Sqrt", ["abar_next"], ["an"]),
        n("Sub", ["f_one", "abar_next"], ["one_minus_abar_next"]),
        n("Sqrt", ["one_minus_abar_next"], ["sn"]),
        # classifier-free guidance: v = vu + g * (vc - vu), [1,3,S,S]
        n("Slice", ["v", "start0", "start1", "axis0"], ["vc"]),
        n("Slice", ["v", "start1", "end2", "axis0"], ["vu"]),
        n("Sub", ["vc", "vu"], ["dv"]),
        n("Mul", ["g", "dv"], ["g_dv"]),
        n("Add", ["vu", "g_dv"], ["v_guided"]),
        # DDIM on both halves of x at once (v broadcasts), so x_next comes out duplicated
        n("Mul", ["a", "x"], ["a_x"]),
        n("Mul", ["s", "v_guided"], ["s_v"]),
        n("Sub", ["a_x", "s_v"], ["x0_raw"]),
        n("Clip", ["x0_raw", "f_minus_one", "f_one"], ["x0"]),
        n("Mul", ["a", "x0"], ["a_x0"]),
        n("Sub", ["x", "a_x0"], ["x_minus_a_x0"]),
        n("Div", ["x_minus_a_x0", "s"], ["eps"]),
        n("Mul", ["an", "x0"], ["an_x0"]),
        n("Mul", ["sn", "eps"], ["sn_eps"]),
        n("Add", ["an_x0", "sn_eps"], ["x_next"]),
    ]
    graph = helper.make_graph(
        nodes, NAME,
        [helper.make_tensor_value_info("v", TensorProto.FLOAT, shape),
         helper.make_tensor_value_info("x", TensorProto.FLOAT, shape),
         helper.make_tensor_value_info("coef", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("x_next", TensorProto.FLOAT, shape)],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="training.export_sampler")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model, shape


def export(out_dir=MODELS_DIR):
    m = read_manifest(out_dir)
    size, channels = m["image"]["size"], m["image"]["channels"]
    model, shape = build(size, channels)
    onnx.save(model, os.path.join(out_dir, f"{NAME}.onnx"))
    spec = lambda name, s: {"name": name, "shape": s, "dtype": "float32"}  # noqa: E731
    entry = dict(role="sampler", variants=[dict(dtype="float32", file=f"{NAME}.onnx", requires=[])],
                 inputs=[spec("v", shape), spec("x", shape), spec("coef", [3])],
                 outputs=[spec("x_next", shape)],
                 coef=["guidance", "abar", "abar_next"],
                 golden=golden_file(out_dir, "sampler")[1])
    return update_manifest({NAME: entry}, None, out_dir)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=MODELS_DIR)
    export(ap.parse_args().out)

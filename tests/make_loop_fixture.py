"""Small decoder- and encoder-shaped graphs for tests/gpu-capture.test.ts and tests/gpu-encoder.test.ts (the GPU decode loop's graph
capture and its fallback, on SwiftShader): the same inputs and output as a real decoder
(x [batch,3,S,S], t [batch], cond [batch,tokens,C] -> v), a few cheap ops instead of the network,
so a 4-step decode takes seconds on a CPU-emulated GPU where a real decoder takes minutes.

- loop_decoder.onnx: v = tanh(0.9 x + 0.001 t + mean(cond)); every node runs on WebGPU.
- loop_decoder_cpu_op.onnx: the same plus a Det node that adds 0 (Det has no WebGPU kernel, so
  it runs on the CPU), which makes onnxruntime refuse graph capture when the session is created.
- loop_encoder.onnx: the encoder's interface (image [batch,3,S,S] -> features [batch,tokens,C]): a
  patch convolution, then a Reshape whose shape is computed from the input's (Shape, Slice, Concat,
  as the real encoder's are; with the batch fixed they fold away, gpu-encoder.ts).

Regenerate: /usr/bin/python3 tests/make_loop_fixture.py (sizes come from public/models/manifest.json).
"""
import json
from pathlib import Path

import onnx
from onnx import TensorProto, helper

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures"


def build(with_cpu_op: bool) -> onnx.ModelProto:
    m = json.loads((ROOT / "public/models/manifest.json").read_text())
    s, c = m["image"]["size"], m["feature_dim"]
    tokens = m["scales"][-1]["tokens"]
    f = TensorProto.FLOAT
    inputs = [
        helper.make_tensor_value_info("x", f, ["batch", 3, s, s]),
        helper.make_tensor_value_info("t", f, ["batch"]),
        helper.make_tensor_value_info("cond", f, ["batch", tokens, c]),
    ]
    out = helper.make_tensor_value_info("v", f, ["batch", 3, s, s])
    inits = [
        helper.make_tensor("a", f, [], [0.9]),
        helper.make_tensor("b", f, [], [0.001]),
        helper.make_tensor("axes_t", TensorProto.INT64, [3], [1, 2, 3]),
    ]
    nodes = [
        helper.make_node("Mul", ["x", "a"], ["xa"]),
        helper.make_node("Mul", ["t", "b"], ["tb"]),
        helper.make_node("Unsqueeze", ["tb", "axes_t"], ["tb4"]),
        helper.make_node("ReduceMean", ["cond"], ["cm"], axes=[1, 2], keepdims=1),  # [batch,1,1]
        helper.make_node("Unsqueeze", ["cm", "axes_c"], ["cm4"]),
        helper.make_node("Add", ["xa", "tb4"], ["s1"]),
        helper.make_node("Add", ["s1", "cm4"], ["s2"]),
    ]
    inits.append(helper.make_tensor("axes_c", TensorProto.INT64, [1], [3]))
    if with_cpu_op:
        # Det of the [1,1] mean of cond (its value), times 0: numerically nothing, but a node
        # without a WebGPU kernel
        inits.append(helper.make_tensor("zero", f, [], [0.0]))
        nodes += [
            helper.make_node("Det", ["cm"], ["det"]),  # [batch]
            helper.make_node("Mul", ["det", "zero"], ["det0"]),
            helper.make_node("Unsqueeze", ["det0", "axes_t"], ["det4"]),
            helper.make_node("Add", ["s2", "det4"], ["s3"]),
            helper.make_node("Tanh", ["s3"], ["v"]),
        ]
    else:
        nodes.append(helper.make_node("Tanh", ["s2"], ["v"]))
    g = helper.make_graph(nodes, "loop_decoder", inputs, [out], inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def build_encoder() -> onnx.ModelProto:
    import numpy as np
    m = json.loads((ROOT / "public/models/manifest.json").read_text())
    s, c, tokens = m["image"]["size"], m["feature_dim"], m["scales"][0]["tokens"]
    patch = s // int(round(tokens ** 0.5))
    f = TensorProto.FLOAT
    w = (np.sin(np.arange(c * 3 * patch * patch, dtype=np.float32) * 0.37) * 0.2).reshape(c, 3, patch, patch)
    inits = [
        helper.make_tensor("w", f, list(w.shape), w.ravel().tolist()),
        helper.make_tensor("starts", TensorProto.INT64, [1], [0]),
        helper.make_tensor("ends", TensorProto.INT64, [1], [1]),
        helper.make_tensor("rest", TensorProto.INT64, [2], [c, tokens]),
    ]
    nodes = [
        helper.make_node("Conv", ["image", "w"], ["p"], strides=[patch, patch], kernel_shape=[patch, patch]),  # [batch,C,h,w]
        helper.make_node("Shape", ["image"], ["shape"]),
        helper.make_node("Slice", ["shape", "starts", "ends"], ["batch"]),
        helper.make_node("Concat", ["batch", "rest"], ["to"], axis=0),
        helper.make_node("Reshape", ["p", "to"], ["flat"]),                          # [batch,C,tokens]
        helper.make_node("Transpose", ["flat"], ["tok"], perm=[0, 2, 1]),            # [batch,tokens,C]
        helper.make_node("Tanh", ["tok"], ["features"]),
    ]
    g = helper.make_graph(nodes, "loop_encoder", [helper.make_tensor_value_info("image", f, ["batch", 3, s, s])],
                          [helper.make_tensor_value_info("features", f, ["batch", tokens, c])], inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


if __name__ == "__main__":
    onnx.save(build(False), OUT / "loop_decoder.onnx")
    onnx.save(build(True), OUT / "loop_decoder_cpu_op.onnx")
    onnx.save(build_encoder(), OUT / "loop_encoder.onnx")
    print("wrote", OUT / "loop_decoder.onnx", OUT / "loop_decoder_cpu_op.onnx", OUT / "loop_encoder.onnx")

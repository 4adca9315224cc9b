"""Decoders stored with fp16 weights: half the bytes, onnxruntime folds the Casts so it computes
in fp32, and the file reproduces its golden vectors (computed from the same rounded weights)."""
import json

import numpy as np
import onnx
import torch
from onnx import TensorProto

from training.config import TINY
from training.decoder import Decoder
from training.half_weights import store_half, round_module, initializers_fp32, MIN_HALF
from training.tests.test_mllm_export import ort_run


def test_half_weights_decoder(tmp_path):
    torch.manual_seed(0)
    d = round_module(Decoder(TINY, 4).eval())
    x, t, c = torch.randn(2, 3, 64, 64), torch.tensor([999.0, 400.0]), torch.randn(2, 4, TINY.feature_dim)
    with torch.no_grad():
        v = d(x, t, c).numpy()
    p32, p16 = tmp_path / "d32.onnx", tmp_path / "d16.onnx"
    torch.onnx.export(d, (x, t, c), str(p32), input_names=["x", "t", "cond"], output_names=["v"], opset_version=17,
                      do_constant_folding=False)
    mp, n = store_half(onnx.load(str(p32)))
    onnx.checker.check_model(mp)
    onnx.save(mp, str(p16))
    halved = sum(int(np.prod(i.dims)) for i in mp.graph.initializer if i.data_type == TensorProto.FLOAT16)
    assert n > 0 and p32.stat().st_size - p16.stat().st_size >= 0.95 * 2 * halved   # 2 bytes saved per weight
    # the weights read back (training.shipped) are exactly the module's rounded weights
    w = initializers_fp32(onnx.load(str(p16)))
    for k, p in d.named_parameters():
        if k in w:
            np.testing.assert_array_equal(w[k].reshape(p.shape), p.detach().numpy())
    enc = lambda a, dt: {"shape": list(a.shape), "dtype": dt, "data_b64": __import__("base64").b64encode(
        np.ascontiguousarray(a, dtype=dt).tobytes()).decode()}
    feeds = [{"x": enc(x.numpy(), "float32"), "t": enc(t.numpy(), "float32"), "cond": enc(c.numpy(), "float32")}]
    opt = tmp_path / "opt.onnx"
    out = ort_run(str(p16), feeds, tmp_path, optimized=opt)[0]["v"]
    np.testing.assert_allclose(out, v, atol=2e-4, rtol=1e-3)
    # as run: every large weight is an fp32 constant again (the Casts were folded away)
    g = onnx.load(str(opt)).graph
    assert not [nd for nd in g.node if nd.op_type == "Cast" and nd.input[0].endswith("__fp16")]
    assert not [i.name for i in g.initializer if i.data_type == TensorProto.FLOAT16 and np.prod(i.dims) >= MIN_HALF]

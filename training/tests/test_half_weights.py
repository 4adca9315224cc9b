"""Decoders stored with fp16 weights (half the bytes) or int8 weights (a quarter): onnxruntime folds
the Casts (and, with QDQ handling off, the DequantizeLinears) so it computes in fp32, and the file
reproduces its golden vectors (computed from the same rounded weights)."""
import json

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, numpy_helper

from training.config import TINY
from training.decoder import Decoder
from training.half_weights import store_half, round_module, initializers_fp32, MIN_HALF
from training.tests.test_mllm_export import ort_run


def exported_decoder(d, tmp_path):
    """A tiny decoder's output on fixed inputs and its fp32 ONNX export (no constant folding: weights keep their names)."""
    x, t, c = torch.randn(2, 3, 64, 64), torch.tensor([999.0, 400.0]), torch.randn(2, 4, TINY.feature_dim)
    with torch.no_grad():
        v = d(x, t, c).numpy()
    p32 = tmp_path / "d32.onnx"
    torch.onnx.export(d, (x, t, c), str(p32), input_names=["x", "t", "cond"], output_names=["v"], opset_version=17,
                      do_constant_folding=False)
    return (x, t, c), v, p32


def test_half_weights_decoder(tmp_path):
    torch.manual_seed(0)
    d = round_module(Decoder(TINY, 4).eval())
    (x, t, c), v, p32 = exported_decoder(d, tmp_path)
    p16 = tmp_path / "d16.onnx"
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


def test_int8_weights_decoder(tmp_path):
    """Stored int8 per output channel behind DequantizeLinear (axis 0, zero point 0): about a quarter of the
    fp32 bytes; the weights read back and onnxruntime's output are exactly the rounded module's."""
    from training.half_weights import (INT8_NOTE, INT8_SUFFIX, STORAGE_NOTE, int8_eligible, round_module, store_weights,
                                       storage_of, storage_note)
    torch.manual_seed(0)
    d = Decoder(TINY, 4).eval()
    raw = {k: p.detach().clone() for k, p in d.named_parameters()}
    round_module(d, "int8")
    (x, t, c), v, p32 = exported_decoder(d, tmp_path)
    p8 = tmp_path / "d8.onnx"
    mp, n = store_weights(onnx.load(str(p32)), "int8")
    onnx.checker.check_model(mp)
    onnx.save(mp, str(p8))
    assert storage_of(mp) == "int8" and "int8" in STORAGE_NOTE["int8"]
    # the note names the fp16 positional embeddings (weights without output channels) only where the graph has some:
    # the tiny decoder's are below MIN_HALF and stay fp32; one of [1, 64, 32] goes fp16
    assert storage_note(mp, "int8") == INT8_NOTE
    pos = onnx.load(str(p32))
    pos.graph.initializer.append(numpy_helper.from_array(np.ones((1, 64, 32), np.float32), "pos_embed"))
    assert storage_note(store_weights(pos, "int8")[0], "int8") == STORAGE_NOTE["int8"]
    assert "positional embeddings float16" in STORAGE_NOTE["int8"]
    dq = [nd for nd in mp.graph.node if nd.op_type == "DequantizeLinear"]
    assert dq and all(next(a.i for a in nd.attribute if a.name == "axis") == 0 for nd in dq)
    q = [i for i in mp.graph.initializer if i.name.endswith(INT8_SUFFIX)]
    assert q and all(i.data_type == TensorProto.INT8 for i in q)
    n8 = sum(int(np.prod(i.dims)) for i in q)
    assert p32.stat().st_size - p8.stat().st_size >= 0.9 * 3 * n8   # 3 bytes saved per int8 weight, less the scales
    # rounding: each channel's max |w| is 127 steps of its scale, nothing moved by more than half a step
    w = initializers_fp32(onnx.load(str(p8)))
    for k, p in d.named_parameters():
        if k in w:
            np.testing.assert_array_equal(w[k].reshape(p.shape), p.detach().numpy())
        if p.numel() >= MIN_HALF and int8_eligible(p.shape):
            step = raw[k].reshape(p.shape[0], -1).abs().amax(1) / 127
            err = (p - raw[k]).reshape(p.shape[0], -1).abs().amax(1)
            assert torch.all(err <= 0.5 * step * (1 + 1e-5) + 1e-12), k
    # a stored weight off its grid is refused (round_module first)
    with pytest.raises(ValueError, match="int8 grid"):
        store_weights(onnx.load_from_string(_perturbed(p32)), "int8")
    enc = lambda a, dt: {"shape": list(a.shape), "dtype": dt, "data_b64": __import__("base64").b64encode(
        np.ascontiguousarray(a, dtype=dt).tobytes()).decode()}
    feeds = [{"x": enc(x.numpy(), "float32"), "t": enc(t.numpy(), "float32"), "cond": enc(c.numpy(), "float32")}]
    out = ort_run(str(p8), feeds, tmp_path, optimized=tmp_path / "opt.onnx")[0]["v"]
    np.testing.assert_allclose(out, v, atol=2e-5, rtol=1e-5)


def _perturbed(path):
    """The graph at `path` with its first int8-eligible weight moved off its grid."""
    from onnx import numpy_helper
    from training.half_weights import int8_eligible
    m = onnx.load(str(path))
    for i, init in enumerate(m.graph.initializer):
        a = numpy_helper.to_array(init)
        if init.data_type == TensorProto.FLOAT and a.size >= MIN_HALF and int8_eligible(a.shape):
            m.graph.initializer[i].CopyFrom(numpy_helper.from_array(a * np.float32(1.0001) + np.float32(1e-4), init.name))
            break
    return m.SerializeToString()

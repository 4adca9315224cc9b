"""training.mllm_fuse: the single graph fused (every block's attention, LayerNorms and GELUs as
contrib ops; what ships leaves the GELUs out: see fuse()) computes what the
traced graph computes on onnxruntime's CPU provider, and a trace that does not have the expected
shape is refused rather than half-fused."""
import copy
from dataclasses import replace

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

from training import export_mllm as E
from training.mllm import MLLM, TINY
from training.mllm_fuse import FuseError, fuse
from training.tests.test_mllm_export import replay_golden, tok  # noqa: F401 (tok: a fixture)

CFG = replace(TINY, n_layer=2, order="scale", residual_edit=True)


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    """The tiny model's single graph as traced and stored int8, before fusion, and its golden."""
    torch.manual_seed(0)
    q = E.fake_quantize(MLLM(CFG))
    path, _ = E.export_unified(q, str(tmp_path_factory.mktemp("traced")))
    return onnx.load(path), q


def test_every_block_fuses_into_few_nodes(traced):
    mp = copy.deepcopy(traced[0])
    before = len(mp.graph.node)
    made = fuse(mp, CFG.n_head, CFG.n_layer, gelu=True)
    onnx.checker.check_model(mp)
    ops = [n.op_type for n in mp.graph.node]
    assert made == {"Gelu": 2 * 1 + CFG.n_layer, "MultiHeadAttention": CFG.n_layer, "SkipLayerNormalization": 2 * CFG.n_layer + 1}
    assert not {"Softmax", "Erf", "LayerNormalization", "Reshape"} & set(ops)
    assert len(mp.graph.node) < before / 2, (before, len(mp.graph.node))
    # the weights are untouched: the same int8 initializers, byte for byte
    w = {t.name: numpy_helper.to_array(t) for t in traced[0].graph.initializer if t.data_type == onnx.TensorProto.INT8}
    got = {t.name: numpy_helper.to_array(t) for t in mp.graph.initializer if t.data_type == onnx.TensorProto.INT8}
    assert w.keys() == got.keys() and all(np.array_equal(w[k], got[k]) for k in w)


@pytest.mark.parametrize("gelu", [False, True])   # False: what ships (JSEP's Gelu is wrong, see fuse())
def test_fused_graph_matches_the_golden_on_onnxruntime(traced, tok, tmp_path, gelu):  # noqa: F811
    """The fused graph on onnxruntime's CPU provider (the WASM provider's kernels) against PyTorch's
    golden calls, prefill with an empty cache and steps fed the previous cache."""
    mp = copy.deepcopy(traced[0])
    made = fuse(mp, CFG.n_head, CFG.n_layer, gelu=gelu)
    ops = {n.op_type for n in mp.graph.node}
    assert made["MultiHeadAttention"] == CFG.n_layer and ("Gelu" in ops) == gelu and ("Erf" in ops) != gelu
    path = str(tmp_path / "fused.onnx")
    onnx.save(mp, path)
    replay_golden(path, E.golden_unified(traced[1], tok), CFG, tmp_path)


def _const_of(mp, node_name, index):
    """The Constant node that feeds input `index` of the node named `node_name`."""
    g = mp.graph
    name = next(n for n in g.node if n.name == node_name).input[index]
    return next(n for n in g.node if n.op_type == "Constant" and n.output[0] == name)


@pytest.mark.parametrize("break_it", ["scale", "gelu", "no_attention"])
def test_an_unexpected_trace_fails_loudly(traced, break_it):
    mp = copy.deepcopy(traced[0])
    if break_it == "scale":   # a score scale other than 1/sqrt(head_dim)
        c = _const_of(mp, "/m/blocks.1/attn/Mul", 1)
        c.attribute[0].t.CopyFrom(numpy_helper.from_array(np.array(0.5, np.float32)))
    elif break_it == "gelu":   # the tanh GELU, or anything else around the Erf
        c = _const_of(mp, "/m/blocks.0/mlp/mlp.1/Mul_1", 1)
        c.attribute[0].t.CopyFrom(numpy_helper.from_array(np.array(0.25, np.float32)))
    else:   # a graph whose Softmax was already replaced
        for n in mp.graph.node:
            if n.op_type == "Softmax":
                n.op_type = "LogSoftmax"
    with pytest.raises(FuseError):
        fuse(mp, CFG.n_head, CFG.n_layer, gelu=True)

"""The single MLLM graph (prefill and step in one, both generation orders): onnxruntime (CPU)
reproduces PyTorch call by call on the golden vectors the TypeScript side replays, and those
vectors generate exactly what the evaluation's generation loop generates."""
import base64
import json
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import onnx
import pytest
import torch

from training import export_mllm as E
from training import mllm_tasks as T
from training.common import ROOT
from training.mllm import MLLM, TINY, N_IMG
from training.tokenizer import train_bpe, BYTE_OFFSET
from training.tests.test_mllm import fake_meta


def arr(t):
    a = np.frombuffer(base64.b64decode(t["data_b64"]), dtype=t["dtype"])
    return a.reshape(t["shape"])


def ort_run(model_path, calls, tmp_path, optimized=None):
    """Runs the calls (each a dict of input name -> golden tensor; later calls are fed the
    previous call's cache) with onnxruntime: the Python package where installed, else
    onnxruntime-node (the repository's npm dependency)."""
    try:
        import onnxruntime as ort
    except ImportError:
        ort = None
    if ort is not None:
        so = ort.SessionOptions()
        if optimized:   # the graph as onnxruntime runs it, after constant folding
            so.optimized_model_filepath = str(optimized)
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        sess = ort.InferenceSession(model_path, so, providers=["CPUExecutionProvider"])
        outs, prev = [], None
        for c in calls:
            feeds = {k: arr(v) for k, v in c.items() if k != "@present"}
            if c.get("@present"):
                feeds.update({k.replace("present_", "past_"): v for k, v in prev.items() if k.startswith("present_")})
            prev = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds)))
            outs.append(prev)
        return outs
    fi, fo = tmp_path / "feeds.json", tmp_path / "outs.json"
    fi.write_text(json.dumps(calls))
    subprocess.run(["node", os.path.join(ROOT, "training", "tests", "ort_run.cjs"), model_path, str(fi), str(fo)]
                   + ([str(optimized)] if optimized else []), check=True, cwd=ROOT)
    return [{k: arr(v) for k, v in o.items()} for o in json.loads(fo.read_text())]


def replay_golden(path, g, cfg, tmp_path):
    """The single graph at `path` fed PyTorch's golden calls (a prefill on an empty cache, then steps on
    the previous call's cache), for the plain run and the edit run; every output checked against the
    golden's at its tolerances. -> [(got, want)] per run, for callers' own checks."""
    H, hd = cfg.n_head, cfg.d_model // cfg.n_head
    empty = {"shape": [1, H, 0, hd], "dtype": "float32", "data_b64": ""}
    runs = []
    for run in (g, g["edit"]):
        calls = [dict(run["prefill"]["inputs"], **{f"past_{kv}_{i}": empty for i in range(cfg.n_layer) for kv in ("key", "value")})]
        calls += [dict(s["inputs"], **{"@present": True}) for s in run["steps"]]
        got = ort_run(path, calls, tmp_path)
        want = [run["prefill"]["outputs"]] + [s["outputs"] for s in run["steps"]]
        assert len(got) == len(want)
        for o, w in zip(got, want):
            for name, t in w.items():
                np.testing.assert_allclose(o[name], arr(t), atol=g["atol"], rtol=g["rtol"], err_msg=name)
        runs.append((got, want))
    return runs


@pytest.fixture(scope="module")
def tok():
    return train_bpe(T.corpus(fake_meta(), per_image=1), vocab_size=BYTE_OFFSET + 256 + 50)


@pytest.mark.parametrize("order", ["token", "scale"])
def test_single_graph_parity(tmp_path, tok, order):
    torch.manual_seed(0)
    q = E.fake_quantize(MLLM(replace(TINY, order=order, residual_edit=True)))
    path, stats = E.export_unified(q, str(tmp_path))
    m = onnx.load(path)
    assert [i.name for i in m.graph.input][:4] == ["ids", "slot", "feats", "block"]
    assert stats["fp32_2d_left"] == 0 and stats["int8_weights"] > 0
    assert all(n.domain in ("", "ai.onnx") for n in m.graph.node)    # standard ops only, fp32 compute
    g = E.golden_unified(q, tok)
    assert g["order"] == order and g["edit"]["residual_edit"] is True
    for got, want in replay_golden(path, g, TINY, tmp_path):
        assert len(got) == len(want) == 4
    # scale order: each step is one whole scale (1, 4, 16 tokens); token order: one token
    steps = g["steps"]
    assert [s["inputs"]["ids"]["shape"][1] for s in steps] == ([1, 4, 16] if order == "scale" else [1, 1, 1])


@pytest.mark.parametrize("fused,form", [(False, "matmulnbits"), (True, "matmulnbits"), (True, "unpack")])
def test_four_bit_graph_parity(tmp_path, tok, fused, form):
    """A model on the 4-bit grid (qat_bits=4) exports its trunk's linear layers 4-bit, one per layer and no float
    weight left: as MatMulNBits, or as codes and scales that standard ops rebuild and onnxruntime folds into float
    weights when it creates the session; onnxruntime reproduces PyTorch's golden calls either way. A model off that
    grid cannot be exported as 4-bit (it would ship other weights than were evaluated)."""
    torch.manual_seed(0)
    cfg = replace(TINY, order="scale", residual_edit=True, d_model=32, qat_bits=4)
    q = E.fake_quantize(MLLM(cfg), 4)
    path, stats = E.export_unified(q, str(tmp_path), fused=fused, bits=4, int4_form=form)
    m = onnx.load(path)
    nb = [n for n in m.graph.node if n.op_type == "MatMulNBits"]
    assert stats["int4_weights"] == 4 * cfg.n_layer and stats["fp32_2d_left"] == 0
    assert len(nb) == (4 * cfg.n_layer if form == "matmulnbits" else 0)
    if nb:
        assert {(a.name, a.i) for a in nb[0].attribute} >= {("bits", 4), ("block_size", 32)}
    g = E.golden_unified(q, tok)
    replay_golden(path, g, cfg, tmp_path)
    if form == "unpack":   # as onnxruntime runs it: the rebuilding ops folded away, four float MatMuls a block
        empty = {"shape": [1, cfg.n_head, 0, cfg.d_model // cfg.n_head], "dtype": "float32", "data_b64": ""}
        ort_run(path, [dict(g["prefill"]["inputs"], **{f"past_{kv}_{i}": empty for i in range(cfg.n_layer)
                                                        for kv in ("key", "value")})], tmp_path, optimized=tmp_path / "opt.onnx")
        ops = [n.op_type for n in onnx.load(str(tmp_path / "opt.onnx")).graph.node]
        assert "Floor" not in ops and ops.count("MatMul") >= 4 * cfg.n_layer
    with pytest.raises(ValueError, match="4-bit export"):
        E.export_unified(E.fake_quantize(MLLM(cfg), 8), str(tmp_path), fused=fused, bits=4)


@pytest.mark.parametrize("order", ["token", "scale"])
def test_golden_tokens_are_what_eval_generates(tok, order):
    """The golden calls feed back exactly the tokens eval's generation loop produces (t2i and a
    residual edit), so the browser replaying them reproduces the evaluated model."""
    from training.eval_mllm import generate_images, prefix_of
    torch.manual_seed(0)
    q = E.fake_quantize(MLLM(replace(TINY, order=order, residual_edit=True)))
    g = E.golden_unified(q, tok)
    s = T.TaskSampler(fake_meta(), tok, seed=0, order=order)
    src = torch.from_numpy(arr(g["edit"]["source"]).copy())
    pre_t2i = prefix_of([s.sp(tok.bos), s.text(T.normalize_text(g["prompt"])), s.sp(tok.img)], order)
    pre_edit = prefix_of([s.sp(tok.bos), s.sp(tok.img), ("img", 0, False), s.sp(tok.img_end),
                          s.text(T.normalize_text(g["edit"]["instruction"])), s.sp(tok.img)], order)
    for pre, run in ((pre_t2i, g), (pre_edit, g["edit"])):
        want = torch.from_numpy(arr(run["tokens"]).copy())
        gen = generate_images(q, [pre], src, "cpu", n_tokens=len(want))[0]
        assert torch.allclose(gen, want, atol=1e-4)


def test_export_cli_single_graph_manifest(tmp_path, tok):
    tp = tmp_path / "tok.json"
    tok.save(str(tp))
    out = tmp_path / "m"
    E.main(["--random", "--config", "tiny", "--set", "order=scale", "--single-graph", "--out-dir", str(out), "--tokenizer", str(tp)])
    man = json.load(open(out / "manifest.json"))
    assert "mllm" in man["models"] and "mllm_prefill" not in man["models"]
    mm = man["mllm"]
    assert mm["graph"] == "single" and mm["order"] == "scale" and mm["query_slot_offset"] == N_IMG
    assert len(mm["parent_index"]) == N_IMG and mm["parent_index"][:6] == [-1, 0, 0, 0, 0, 1]
    assert [i["name"] for i in man["models"]["mllm"]["inputs"]][:4] == ["ids", "slot", "feats", "block"]
    gold = json.load(open(out / "golden" / "mllm_single.json"))
    assert gold["order"] == "scale"
    with pytest.raises(SystemExit):   # a scale-order model has no prefill/step pair
        E.main(["--random", "--config", "tiny", "--set", "order=scale", "--out-dir", str(out), "--tokenizer", str(tp)])


def test_sharded_weights_round_trip_and_reach_the_manifest(tmp_path, monkeypatch):
    """(the shipped tokenizer: a plan export writes plan golden vectors, decoding the model's tokens)
    A graph larger than the shard size keeps its weights in external data files, each below it;
    onnx.load reads the same initializers back, and the manifest lists every file with its facts."""
    from training import mllm_graphs
    monkeypatch.setattr(mllm_graphs, "SHARD_BYTES", 40_000)
    out = tmp_path / "m"
    E.main(["--random", "--config", "tiny", "--set", "order=scale", "plan=True", "--single-graph", "--out-dir", str(out)])
    v = json.load(open(out / "manifest.json"))["models"]["mllm"]["variants"][0]
    files = [v["file"]] + [x["file"] for x in v["external_data"]]
    assert len(files) >= 3 and all(os.path.getsize(out / f) <= 40_000 for f in files)
    assert all(x["bytes"] == os.path.getsize(out / x["file"]) and len(x["sha256"]) == 64 for x in v["external_data"])
    model = onnx.load(str(out / "mllm.onnx"))   # external data read from the folder
    monkeypatch.setattr(mllm_graphs, "SHARD_BYTES", 1 << 30)
    E.main(["--random", "--config", "tiny", "--set", "order=scale", "plan=True", "--single-graph", "--out-dir", str(tmp_path / "one")])
    whole = onnx.load(str(tmp_path / "one" / "mllm.onnx"))
    assert "external_data" not in json.load(open(tmp_path / "one" / "manifest.json"))["models"]["mllm"]["variants"][0]
    a = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    b = {t.name: onnx.numpy_helper.to_array(t) for t in whole.graph.initializer}
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_shipped_mllm_loads_back_as_its_int8_weights(tmp_path, monkeypatch):
    """training.shipped.load_mllm (what a later session continues from) rebuilds the exported model
    with exactly the int8-rounded weights the page runs, external weight files included."""
    from training import mllm_graphs, shipped
    from training.mllm import get as get_config
    monkeypatch.setattr(mllm_graphs, "SHARD_BYTES", 60_000)
    out = tmp_path / "m"
    E.main(["--random", "--config", "tiny", "--set", "order=scale", "plan=True", "--single-graph", "--out-dir", str(out)])
    torch.manual_seed(0)   # the export's random weights, built the same way
    want = E.fake_quantize(MLLM(get_config("tiny", ["order=scale", "plan=True"]))).state_dict()
    got = shipped.load_mllm(str(out))
    assert got.cfg.order == "scale" and got.cfg.plan
    sd = got.state_dict()
    assert sd.keys() == want.keys() and all(torch.equal(sd[k].float(), want[k].float()) for k in sd)


@pytest.mark.parametrize("form", ["matmulnbits", "unpack"])
def test_shipped_four_bit_mllm_loads_back_on_its_grid(tmp_path, form):
    """A 4-bit MLLM's exported graph (its trunk as MatMulNBits, or as codes standard ops rebuild) loads back as
    exactly the weights it was exported from (the trunk on the 4-bit grid, the rest int8), marked to go on training
    on that grid"""
    from training import shipped
    from training.mllm import get as get_config
    out = tmp_path / "m"
    sets = ["order=scale", "plan=True", "d_model=32", "qat_bits=4"]
    E.main(["--random", "--config", "tiny", "--set", *sets, "--single-graph", "--fuse", "--int4-form", form,
            "--out-dir", str(out)])
    assert json.load(open(out / "manifest.json"))["models"]["mllm"]["variants"][0]["dtype"] == "int4"
    torch.manual_seed(0)   # the export's random weights, built the same way
    want = E.fake_quantize(MLLM(get_config("tiny", sets)), 4).state_dict()
    got = shipped.load_mllm(str(out))
    assert got.cfg.qat_bits == 4 and got.cfg.n_layer == TINY.n_layer
    sd = got.state_dict()
    assert sd.keys() == want.keys() and all(torch.equal(sd[k].float(), want[k].float()) for k in sd)


def test_shipped_init_with_and_without_its_reader():
    """`training.shipped mllm OUT.pt [--trunk-only]`: the shipped v9 as an init, or its trunk alone for a run that
    trains a new reader (train_mllm then starts that reader's projector at zero); the trunk is the same either way."""
    from training import shipped
    full, trunk = shipped.init_checkpoint(), shipped.init_checkpoint(trunk_only=True)
    reader_keys = {k for k in full["model"] if k.startswith("reader_")}
    assert full["config"]["reader"] and {"reader_proj.2.weight", "reader_mean", "reader_std"} <= reader_keys
    assert set(trunk["model"]) == set(full["model"]) - reader_keys
    assert all(torch.equal(trunk["model"][k], full["model"][k]) for k in trunk["model"])


def test_shipped_init_at_a_revision_packed(tmp_path):
    """`training.shipped mllm OUT.pt --rev REV --packed`: what shipped at a git revision (a control's init after its
    version was replaced), int8-packed to travel. The files it reads back match that revision's manifest hashes, and
    the packed checkpoint unpacks to exactly the weights read from them."""
    import hashlib
    from training import shipped
    from training.common import torch_load
    from training.quantize import unpack_int8
    src = shipped.models_at("HEAD", str(tmp_path / "m"))
    man = json.load(open(os.path.join(src, "manifest.json")))
    files = [v for v in man["models"]["mllm"]["variants"] if v["file"] == "mllm.onnx"][0]["external_data"]
    assert files and all(hashlib.sha256(open(os.path.join(src, f["file"]), "rb").read()).hexdigest() == f["sha256"]
                         for f in files)
    out = tmp_path / "init.pt"
    subprocess.run([sys.executable, "-m", "training.shipped", "mllm", str(out), "--rev", "HEAD", "--packed"], cwd=ROOT,
                   check=True, env=dict(os.environ, PYTHONPATH=ROOT))
    ck = torch_load(str(out))
    want = shipped.init_checkpoint(src)["model"]
    assert ck["packed"] == "int8" and ck["weights"].endswith("at HEAD")
    got = unpack_int8(ck["model"])
    assert got.keys() == want.keys() and all(torch.equal(got[k].float(), want[k].float()) for k in got)


# ---- a model with a reader (MLLMConfig.reader): one more graph input, fed at the given images only ----
READER_CFG = replace(TINY, order="scale", residual_edit=True, reader=True)


def reader_model(randomized=True):
    torch.manual_seed(0)
    m = MLLM(READER_CFG)
    if randomized:   # at init the reader adds exactly zero: a test of its input would prove nothing
        E.randomize_reader(m)
    return E.fake_quantize(m)


def with_reader(call, reader):
    """A golden call's inputs with `reader` [1,T,C] as its reader input."""
    return dict(call, reader=E.b64(reader, np.float32))


@pytest.mark.parametrize("fused", [False, True])
def test_reader_graph_parity(tmp_path, tok, fused):
    """The reader model's single graph (plain, and fused as shipped) takes `reader` after `block` and
    reproduces PyTorch call by call, the edit's prefill fed the reader's pyramid at the source's positions
    and every other call zeros."""
    q = reader_model()
    path, stats = E.export_unified(q, str(tmp_path), fused=fused)
    assert [i.name for i in onnx.load(path).graph.input][:5] == ["ids", "slot", "feats", "block", "reader"]
    if fused:   # mllm_fuse fuses a reader graph as it fuses one without: the reader's path is before the blocks
        assert stats["fused"]["MultiHeadAttention"] == TINY.n_layer and stats["fused"]["SkipLayerNormalization"] == 2 * TINY.n_layer + 1
    g = E.golden_unified(q, tok)
    src = arr(g["edit"]["reader_source"])
    edit_pre = arr(g["edit"]["prefill"]["inputs"]["reader"])
    assert np.array_equal(edit_pre[0, 2:2 + N_IMG], src) and not edit_pre[0, :2].any() and not edit_pre[0, 2 + N_IMG:].any()
    for run in (g, g["edit"]):
        assert all(not arr(c["inputs"]["reader"]).any() for c in run["steps"])   # decode steps: zeros
        assert all(arr(c["inputs"]["reader"]).shape == arr(c["inputs"]["feats"]).shape for c in [run["prefill"]] + run["steps"])
    assert not arr(g["prefill"]["inputs"]["reader"]).any()   # t2i reads no given image
    replay_golden(path, g, TINY, tmp_path)


def test_reader_input_counts_only_at_given_images_and_only_once_trained(tmp_path, tok):
    """The graph's reader input changes its outputs at a given image's positions, and only when the
    projector is not zero (as trained); anything fed at other positions (text, queries) is ignored."""
    H, hd = TINY.n_head, TINY.d_model // TINY.n_head
    empty = {f"past_{kv}_{i}": {"shape": [1, H, 0, hd], "dtype": "float32", "data_b64": ""} for i in range(TINY.n_layer) for kv in ("key", "value")}
    outs = {}
    for randomized in (False, True):
        q = reader_model(randomized)
        (tmp_path / str(randomized)).mkdir()
        path, _ = E.export_unified(q, str(tmp_path / str(randomized)), fused=True)
        pre = E.golden_unified(q, tok)["edit"]["prefill"]["inputs"]
        r = arr(pre["reader"])
        slot = arr(pre["slot"])
        given = ((slot > 0) & (slot <= N_IMG))[..., None]
        noise = np.random.default_rng(0).normal(size=r.shape).astype(np.float32) * 3
        feeds = [with_reader(pre, torch.from_numpy(x)) | empty for x in (r, np.zeros_like(r), r + noise * ~given)]
        outs[randomized] = [ort_run(path, [f], tmp_path)[0] for f in feeds]
    for randomized, (golden_reader, zeros, elsewhere) in outs.items():
        for k in ("logits", "feature", "delta", "present_key_0"):
            assert np.array_equal(golden_reader[k], elsewhere[k]), k          # off the given image: ignored
            assert np.array_equal(golden_reader[k], zeros[k]) != randomized, (randomized, k)


def test_reader_golden_tokens_are_what_eval_generates(tok):
    """The reader golden's edit is eval_mllm's generation with the reader's bank (MLLMConfig.reader's
    evaluation), so the page replaying it reproduces the evaluated reader model."""
    from training.eval_mllm import generate_images, prefix_of
    q = reader_model()
    g = E.golden_unified(q, tok)
    s = T.TaskSampler(fake_meta(), tok, seed=0, order="scale")
    bank = tuple(torch.from_numpy(arr(g["edit"][k]).copy()) for k in ("source", "reader_source"))
    pre = prefix_of([s.sp(tok.bos), s.sp(tok.img), ("img", 0, False), s.sp(tok.img_end),
                     s.text(T.normalize_text(g["edit"]["instruction"])), s.sp(tok.img)], "scale")
    want = torch.from_numpy(arr(g["edit"]["tokens"]).copy())
    got = generate_images(q, [pre], bank, "cpu", n_tokens=len(want))[0]
    assert torch.allclose(got, want, atol=1e-4)
    plain = generate_images(q, [pre], bank[0], "cpu", n_tokens=len(want))[0]   # without the reader: another edit
    assert not torch.allclose(plain, want, atol=1e-4)


def test_export_cli_reader_manifest(tmp_path, tok):
    """--random with reader=True: the manifest's mllm.reader names the reader's model (reader.onnx, the
    encoder's interface, stored as the shipped encoder is) and the graph input; its golden reproduces on
    onnxruntime. Exporting a model without a reader into the folder takes both away again."""
    from training.manifest import MANIFEST
    tp = tmp_path / "tok.json"
    tok.save(str(tp))
    out = tmp_path / "m"
    args = ["--random", "--config", "tiny", "--residual-edit", "--single-graph", "--fuse", "--out-dir", str(out), "--tokenizer", str(tp), "--set", "order=scale"]
    E.main(args + ["reader=True"])
    man = json.load(open(out / "manifest.json"))
    spec = man["mllm"]["reader"]
    assert spec["model"] == "reader" and spec["input"] == "reader" and spec["fed"]
    entry, shipped_enc = man["models"]["reader"], json.load(open(MANIFEST))["models"]["encoder"]
    assert entry["role"] == "reader" and entry["variants"][0]["file"] == "reader.onnx"
    assert entry["variants"][0]["storage"] == shipped_enc["variants"][0]["storage"]
    assert [(t["name"], t["shape"][1:]) for t in entry["inputs"]] == [(t["name"], t["shape"][1:]) for t in shipped_enc["inputs"]]
    assert entry["outputs"][0]["name"] == shipped_enc["outputs"][0]["name"] and entry["outputs"][0]["shape"][-1] == TINY.feature_dim
    assert [i["name"] for i in man["models"]["mllm"]["inputs"]][:5] == ["ids", "slot", "feats", "block", "reader"]
    rg = json.load(open(out / entry["golden"]))
    # basic optimisation (constant folding only): onnxruntime's default QDQ fusions compute int8 weights another
    # way, which the page turns off for the encoder too (workers/engine/ort.ts disable_quant_qdq)
    got = ort_run(str(out / "reader.onnx"), [{"image": rg["inputs"]["image"]}], tmp_path, optimized=tmp_path / "reader.opt.onnx")[0]
    np.testing.assert_allclose(got["features"], arr(rg["outputs"]["features"]), atol=rg["atol"], rtol=rg["rtol"])
    with pytest.raises(SystemExit):   # a reader checkpoint for a model without a reader is a mistake
        E.main(args + ["--reader", str(out / "none.pt")])
    E.main(args)
    man = json.load(open(out / "manifest.json"))
    assert "reader" not in man["mllm"] and "reader" not in man["models"]
    assert [i["name"] for i in man["models"]["mllm"]["inputs"]][4:7] == ["logit_pos", "pos", "past_key_0"]


def test_shipped_reader_mllm_loads_back(tmp_path):
    """training.shipped.load_mllm reads a reader model back (its projector and normalisation included)."""
    from training import shipped
    from training.mllm import get as get_config
    out = tmp_path / "m"
    E.main(["--random", "--config", "tiny", "--set", "order=scale", "reader=True", "--single-graph", "--fuse", "--out-dir", str(out)])
    torch.manual_seed(0)   # the export's random weights, built the same way
    m = MLLM(get_config("tiny", ["order=scale", "reader=True"]))
    E.randomize_reader(m)
    want = E.fake_quantize(m).state_dict()
    got = shipped.load_mllm(str(out))
    assert got.cfg.reader
    sd = got.state_dict()
    assert sd.keys() == want.keys() and all(torch.equal(sd[k].float(), want[k].float()) for k in sd)


def test_reexport_keeps_the_pick_of_a_reader_model(tmp_path):
    """The pick's gallery holds the reader's keys (training/gallery.py writes mllm.pick), not the MLLM's: a reader model
    exported again (new weights, v9 -> v10) keeps the manifest's pick; a model without a reader drops it."""
    out = tmp_path / "m"
    args = ["--random", "--config", "tiny", "--set", "order=scale", "reader=True", "--single-graph", "--out-dir", str(out)]
    E.main(args)
    man = json.load(open(out / "manifest.json"))
    pick = {"gallery": "gallery", "k": 5, "tasks": ["caption"], "rule": "r", "frame": {"span": 62, "ink": 0.1, "keep": [60, 64]}}
    man["mllm"]["pick"] = pick
    json.dump(man, open(out / "manifest.json", "w"))
    E.main(args)
    assert json.load(open(out / "manifest.json"))["mllm"]["pick"] == pick
    # a model trained to draw designs under style words the page does not offer (draw_vendors) keeps its plans to the
    # page's styles (mllm.pick.page_styles); the next model exported without them drops it
    E.main(args[:-3] + ["draw_vendors=fluent"] + args[-3:])
    assert json.load(open(out / "manifest.json"))["mllm"]["pick"] == {**pick, "page_styles": True}
    E.main(args)
    assert json.load(open(out / "manifest.json"))["mllm"]["pick"] == pick
    E.main(["--random", "--config", "tiny", "--set", "order=scale", "--single-graph", "--out-dir", str(out)])
    assert "pick" not in json.load(open(out / "manifest.json"))["mllm"]


def test_a_padded_cache_fed_positions_computes_as_the_exact_one(tmp_path, tok):
    """What the captured WebGPU graph does (workers/mllm/captured-graph.ts): the cache padded to a fixed
    length with garbage past what it holds, those positions given a block id no query sees, and the new
    positions fed their own indices (`pos`). The step's outputs are those of the exact cache. The fused
    graph, as shipped, takes only int32 integer inputs and has no int64 or bool node that onnxruntime-web's
    WebGPU would run on the CPU (which would keep the graph from being captured)."""
    torch.manual_seed(0)
    q = E.fake_quantize(MLLM(replace(TINY, order="scale", residual_edit=True)))
    path, _ = E.export_unified(q, str(tmp_path), fused=True)
    m = onnx.load(path)
    ints = {i.name: i.type.tensor_type.elem_type for i in m.graph.input if i.type.tensor_type.elem_type != onnx.TensorProto.FLOAT}
    assert ints == {n: onnx.TensorProto.INT32 for n in ("ids", "slot", "block", "logit_pos", "pos")}
    assert not [n.name for n in m.graph.node if n.op_type == "Cast" and any(a.name == "to" and a.i == onnx.TensorProto.INT64 for a in n.attribute)]
    g = E.golden_unified(q, tok)
    pre, step = g["prefill"], g["steps"][1]
    H, hd, L = TINY.n_head, TINY.d_model // TINY.n_head, TINY.n_layer
    empty = {"shape": [1, H, 0, hd], "dtype": "float32", "data_b64": ""}
    exact = ort_run(path, [dict(pre["inputs"], **{f"past_{kv}_{i}": empty for i in range(L) for kv in ("key", "value")}),
                           dict(g["steps"][0]["inputs"], **{"@present": True})], tmp_path)
    p0 = exact[1]["present_key_0"].shape[2]
    pad = 7
    rng = np.random.default_rng(0)
    enc = lambda a: {"shape": list(a.shape), "dtype": str(a.dtype), "data_b64": base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()}
    feeds = {k: v for k, v in step["inputs"].items()}
    blk = arr(step["inputs"]["block"])
    t = arr(step["inputs"]["ids"]).shape[1]
    feeds["block"] = enc(np.concatenate([blk[:, :p0], np.full((1, pad), 1 << 30, np.int32), blk[:, p0:]], 1).astype(np.int32))
    assert (arr(step["inputs"]["pos"]) == np.arange(p0, p0 + t)).all()
    for i in range(L):
        for kv in ("key", "value"):
            past = exact[1][f"present_{kv}_{i}"]
            feeds[f"past_{kv}_{i}"] = enc(np.concatenate([past, rng.standard_normal((1, H, pad, hd)).astype(np.float32) * 5], 2))
    got = ort_run(path, [feeds], tmp_path)[0]
    for name, want in step["outputs"].items():
        if name.startswith("present_"):
            continue
        np.testing.assert_allclose(got[name], arr(want), atol=g["atol"], rtol=g["rtol"], err_msg=name)

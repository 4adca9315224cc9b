"""MLLM on the tiny configuration (CPU, seconds): one training step per task, KV-cache
consistency, ONNX export + graph checks, trainer smoke run."""
import json
import math
import os
import random

import numpy as np
import onnx
import pytest
import torch

from training import mllm_tasks as T
from training.mllm import MLLM, TINY, N_IMG, given_mask, torch_load
from training.tokenizer import train_bpe, BYTE_OFFSET

ALL_TASKS = list(T.SHORT_TASKS) + list(T.LONG_TASKS)


def fake_meta():
    meta = []
    for c, (name, cat) in enumerate([("grinning face", "Smileys & Emotion"), ("thumbs up sign", "People & Body"),
                                     ("red heart", "Symbols")]):
        tones = ["none"] + (list(T.TONES) if c == 1 else [])
        for v in ("google", "twitter"):
            for tone in tones:
                meta.append(dict(i=len(meta), vendor=v, concept=f"C{c}", unified=f"C{c}-{tone}", name=name,
                                 short_names=[name.split()[0]], keywords=name.split(), category=cat,
                                 subcategory="x", skin_tone=tone, split="train"))
    return meta


@pytest.fixture(scope="module")
def setup():
    meta = fake_meta()
    tok = train_bpe(T.corpus(meta, per_image=1), vocab_size=BYTE_OFFSET + 256 + 50)
    torch.manual_seed(0)
    bank = torch.randn(len(T.VARIANTS) * len(meta), N_IMG, TINY.feature_dim)
    model = MLLM(TINY)
    return meta, tok, bank, model


@pytest.mark.parametrize("task", ALL_TASKS)
def test_one_training_step_per_task(setup, task):
    meta, tok, bank, model = setup
    s = T.TaskSampler(meta, tok, seed=1)
    nb = T.assemble([s.sample(task) for _ in range(2)], TINY.ctx)
    b = T.to_device(nb, bank.view(-1, bank.shape[-1]), "cpu")
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loss, stats = model.compute_loss(b)
    assert torch.isfinite(loss)
    opt.zero_grad()
    loss.backward()
    opt.step()
    # the loss masks every position (no host sync): a text-only batch's loss is its CE alone, an image
    # task's has a feature error at every scale
    if task in ("caption", "vqa"):
        assert stats["ce"] > 0 and torch.isclose(loss.detach(), TINY.text_weight * stats["ce"])
        assert all(float(stats[f"mse_{n}"]) == 0 for n in ("f4", "f3", "f2", "f1", "f0"))
    else:
        assert all(float(stats[f"mse_{n}"]) > 0 for n in ("f4", "f3", "f2", "f1", "f0"))


@pytest.mark.parametrize("order", ["token", "scale"])
def test_plan_sequences(setup, order):
    """plan=True: t2i and edits write "<ans> concept | style | tone [IMG]" before the image; the plan's
    tokens and its closing [IMG] are LM targets weighted by plan_weight; captions are unchanged."""
    meta, tok, bank, model = setup
    s = T.TaskSampler(meta, tok, seed=3, order=order, plan=True)
    ex = s.t2i_example("red heart", 4)
    nb = T.assemble([ex], TINY.ctx, order)
    ids = list(nb["ids"][0])
    a, i = ids.index(tok.ans), ids.index(tok.img)
    assert tok.decode(ids[a + 1:i]).strip() == T.plan_text(meta[4]) and " | " in T.plan_text(meta[4])
    # every plan token and the [IMG] after it are plan targets, predicted from the position before
    assert list(nb["text_tgt"][0, a:i]) == ids[a + 1:i + 1] and all(nb["plan_tgt"][0, a:i] == 1)
    assert nb["plan_tgt"][0].sum() == i - a and nb["feat_tgt_slot"][0].max() > 0
    assert T.parse_plan(T.plan_text(meta[4]))["concept"] == meta[4]["name"]
    cap = T.assemble([s.sample("caption")], TINY.ctx, order)
    assert cap["plan_tgt"].sum() == 0 and (cap["text_tgt"] >= 0).sum() > 0
    # prompt dropout (classifier-free guidance) drops the prompt and the plan together
    drop = T.assemble([s.t2i_example("red heart", 4, drop=True)], TINY.ctx, order)
    assert tok.ans not in list(drop["ids"][0]) and drop["plan_tgt"].sum() == 0


def test_sequence_layout(setup):
    meta, tok, bank, _ = setup
    s = T.TaskSampler(meta, tok, seed=0)
    ex = s.t2i_example("red heart", 4)
    nb = T.assemble([ex], TINY.ctx)
    ids, slot = nb["ids"][0], nb["slot"][0]
    p = list(ids).index(tok.img)
    assert ids[0] == tok.bos and slot[p] == 0 and list(slot[p + 1:p + 1 + N_IMG]) == list(range(1, N_IMG + 1))
    # the output at [IMG] predicts f4 (slot 1); the output at the last f0 token predicts nothing
    assert nb["feat_tgt_slot"][0, p] == 1 and nb["feat_tgt_slot"][0, p + N_IMG] == 0
    assert nb["feat_tgt_src"][0, p] == 4 * N_IMG
    assert (nb["text_tgt"][0] == -100).all()
    # understanding: the answer and </s> are the only text targets
    ex = s.understanding(0, "what is this emoji?", "grinning face")
    nb = T.assemble([ex], TINY.ctx)
    tgt = [int(t) for t in nb["text_tgt"][0] if t >= 0]
    assert tok.decode(tgt) == " grinning face" and tgt[-1] == tok.eos
    with pytest.raises(ValueError):
        T.assemble([ex], 100)


def test_residual_edit_targets_and_generation(setup):
    """residual_edit: an edit's target tokens pair with the source's token at the same place, the
    loss sees source + head, and generation (eval's loop) adds the same source token."""
    from dataclasses import replace
    from training.eval_mllm import generate_images, prefix_of
    meta, tok, bank, _ = setup
    s = T.TaskSampler(meta, tok, seed=0)
    ex = s.edit_example(s.row(3, "gray"), "colorize this", 3)
    nb = T.assemble([ex, s.t2i_example("red heart", 4)], TINY.ctx)
    tgt = nb["feat_tgt_slot"][0] > 0
    assert (nb["feat_res_src"][0][tgt] == s.row(3, "gray") * N_IMG + np.arange(N_IMG)).all()
    assert (nb["feat_res_src"][0][~tgt] == -1).all() and (nb["feat_res_src"][1] == -1).all()  # t2i: none
    torch.manual_seed(0)
    model = MLLM(replace(TINY, residual_edit=True)).eval()
    flat = bank.view(-1, bank.shape[-1])
    b = T.to_device(nb, flat, "cpu")
    with torch.no_grad():   # head zeroed: the prediction is the copy, so the loss is source vs target
        model.head[-1].weight.zero_(), model.head[-1].bias.zero_()
        loss, _ = model.compute_loss({k: v[:1] for k, v in b.items()})
        m = b["feat_tgt_slot"][0] > 0
        want = (model.normalize(b["feat_res"][0][m]) - model.normalize(b["feat_tgt"][0][m])).pow(2).mean(-1)
        sc = model.slot_scale[b["feat_tgt_slot"][0][m]]
        w = torch.tensor(TINY.scale_weights)[sc]
        assert torch.allclose(loss, (w * want).sum() / w.sum(), rtol=1e-5)
    pre = ex[:-3] + [s.sp(tok.img)]
    gen = generate_images(model, [prefix_of(pre)], flat, "cpu", n_tokens=5)
    assert torch.allclose(gen[0], flat[s.row(3, "gray") * N_IMG + torch.arange(5)], atol=1e-6)


def test_kv_cache_matches_full_forward(setup):
    _, _, _, model = setup
    model.eval()
    torch.manual_seed(1)
    n = 12
    ids = torch.randint(BYTE_OFFSET, 300, (1, n))
    slot = torch.zeros(1, n, dtype=torch.long)
    slot[0, 6:] = torch.arange(1, 7)
    feats = torch.randn(1, n, TINY.feature_dim) * (slot > 0).unsqueeze(-1)
    with torch.no_grad():
        h_full, _ = model(ids, slot, feats)
        _, _, past = model.step(ids[:, :5], slot[:, :5], feats[:, :5])
        for t in range(5, n):
            lg, ft, past = model.step(ids[:, t:t + 1], slot[:, t:t + 1], feats[:, t:t + 1], past)
            assert torch.allclose(lg, model.logits(h_full[:, t]), atol=1e-5)
            assert torch.allclose(ft, model.features(h_full[:, t]), atol=1e-5)


def test_export_graphs(tmp_path, setup):
    from training import export_mllm as E
    meta, tok, _, model = setup
    q = E.fake_quantize(model)
    paths, stats = E.export_graphs(q, str(tmp_path))
    for key, p in paths.items():
        m = onnx.load(p)
        onnx.checker.check_model(m)
        ins = [i.name for i in m.graph.input]
        outs = [o.name for o in m.graph.output]
        L = TINY.n_layer
        assert ins[:3] == ["ids", "slot", "feats"]
        if key == "mllm_step":
            assert ins[3:] == [f"past_{kv}_{i}" for i in range(L) for kv in ("key", "value")]
        assert outs == ["logits", "feature", "delta"] + [f"present_{kv}_{i}" for i in range(L) for kv in ("key", "value")]
        assert stats[key]["fp32_2d_left"] == 0 and stats[key]["int8_weights"] > 0
        assert any(n.op_type == "DequantizeLinear" for n in m.graph.node)
        assert all(n.domain in ("", "ai.onnx") for n in m.graph.node)   # standard ops only
    # the fake-quantized weights are exactly what int8 + scale reproduces
    w = q.tok_emb.weight.detach()
    qi, s = E.quantize_rows(w)
    assert torch.allclose(qi.float() * s[:, None], w, atol=1e-7)
    g = E.golden(q, tok, n_steps=2)
    assert len(g["steps"]) == 2 and g["prefill"]["inputs"]["ids"]["dtype"] == "int64"
    assert len(g["edit"]["steps"]) == 5 and g["edit"]["residual_edit"] is False and "delta" in g["edit"]["prefill"]["outputs"]


def test_export_cli_and_manifest(tmp_path, setup, monkeypatch):
    from training import export_mllm as E
    meta, tok, _, _ = setup
    tp = tmp_path / "tok.json"
    tok.save(str(tp))
    E.main(["--random", "--config", "tiny", "--out-dir", str(tmp_path / "m"), "--tokenizer", str(tp)])
    man = json.load(open(tmp_path / "m" / "manifest.json"))
    for k in ("mllm_prefill", "mllm_step", "tokenizer", "words"):   # the words the model was taught go with it
        assert k in man["models"]
    assert man["mllm"]["n_layer"] == TINY.n_layer and man["mllm"]["specials"]["[IMG]"] == 3
    assert man["total_bytes"] >= sum(v["bytes"] for k in ("mllm_prefill", "mllm_step") for v in man["models"][k]["variants"])


def test_trainer_smoke_and_resume(tmp_path, setup, monkeypatch):
    """The real entry point on a tiny fake dataset, random encoder, then a resumed stage."""
    from training import train_mllm
    meta, tok, _, _ = setup
    d = tmp_path / "data"
    d.mkdir()
    rng = np.random.default_rng(0)
    from training.data import save_images
    save_images(rng.integers(0, 255, (len(meta), 64, 64, 3), dtype=np.uint8), str(d))
    json.dump(meta, open(d / "meta.json", "w"))
    tp = tmp_path / "tok.json"
    tok.save(str(tp))
    common = ["--config", "tiny", "--random-encoder", "--data-dir", str(d), "--tokenizer", str(tp),
              "--out-dir", str(tmp_path), "--minutes", "2"]
    assert train_mllm.main(common + ["--max-steps", "1"]) == 0
    ck = torch_load(tmp_path / "state.pt")
    assert ck["step"] == 1 and ck["done"]
    assert train_mllm.main(common + ["--max-steps", "2"]) == 0      # resumes by default
    assert torch_load(tmp_path / "mllm.pt")["step"] == 2
    assert len(open(tmp_path / "stages.jsonl").read().splitlines()) == 2
    from training.mllm import load_mllm
    m, _ = load_mllm(str(tmp_path / "mllm.pt"))   # fp16 matrices on disk -> fp32 model
    assert m.tok_emb.weight.dtype == torch.float32
    # a scale-order arm, then --init from its brought-back weights keeps its order (stage 2)
    a, b = tmp_path / "a", tmp_path / "b"
    args = ["--config", "tiny", "--random-encoder", "--data-dir", str(d), "--tokenizer", str(tp), "--minutes", "2"]
    assert train_mllm.main(args + ["--out-dir", str(a), "--set", "order=scale", "residual_edit=True", "source_aug=2", "pair_aug=2",
                                         "pair_aug_p=1", "--max-steps", "2"]) == 0
    assert train_mllm.main(args + ["--out-dir", str(b), "--init", str(a / "mllm.pt"), "--max-steps", "1"]) == 0
    ck = torch_load(b / "state.pt")
    assert ck["config"]["order"] == "scale" and ck["config"]["residual_edit"] and ck["step"] == 1
    # mllm.pt holds the EMA weights, state.pt the live ones
    sa = torch_load(a / "state.pt")
    assert not torch.equal(sa["model"]["head.2.weight"], sa["ema"]["head.2.weight"])
    assert torch.equal(torch_load(a / "mllm.pt")["model"]["head.2.weight"], sa["ema"]["head.2.weight"].half())
    # an init from another encoder's features: --refit-feature-stats re-measures the normalisation on this run's
    # bank, without it the init's is kept
    shifted = torch_load(a / "mllm.pt")
    shifted["model"]["feat_mean"] = shifted["model"]["feat_mean"] + 5
    torch.save(shifted, tmp_path / "shifted.pt")
    for name, flag in (("keep", []), ("refit", ["--refit-feature-stats"])):
        assert train_mllm.main(args + ["--out-dir", str(tmp_path / name), "--init", str(tmp_path / "shifted.pt"), "--max-steps", "1"] + flag) == 0
    own = sa["model"]["feat_mean"]
    assert torch.allclose(torch_load(tmp_path / "keep" / "state.pt")["model"]["feat_mean"], own + 5)
    assert torch.allclose(torch_load(tmp_path / "refit" / "state.pt")["model"]["feat_mean"], own)


def test_scale_choice_report():
    from training.eval_mllm import choice_report, choice_score, level_cosines
    scores = {"f0": torch.tensor([1.0, 0.0]), "f4": torch.tensor([0.0, 1.0])}
    prefs = {"f0": torch.tensor([0.9, 0.9]), "f4": torch.tensor([0.1, 0.5])}
    r = choice_report(scores, prefs)
    assert r["agree"] == 0.5 and r["picked"] == {"f0": 1, "f4": 1}
    assert abs(r["metric_at_pick"] - 0.7) < 1e-6 and abs(r["metric_at_best"] - 0.9) < 1e-6
    # the page's candidates: only f0 may be picked, though f4 scores higher on the second item
    r = choice_report(scores, prefs, ["f0", "f1"])
    assert r["picked"] == {"f0": 2, "f4": 0} and r["candidates"] == ["f0"] and abs(r["metric_at_pick"] - 0.9) < 1e-6
    # no candidate among the scales scored (the user asked for f4 alone): all of them, as the page does
    r = choice_report(scores, prefs, ["f2"])
    assert r["picked"] == {"f0": 1, "f4": 1} and r["candidates"] == ["f0", "f4"]
    a = torch.randn(3, N_IMG, 8)
    lc = level_cosines(a, a)
    assert set(lc) == {"f0", "f1", "f2", "f3", "f4"} and all(torch.allclose(v, torch.ones(3)) for v in lc.values())
    b = a.clone()
    b[:, :1] = -b[:, :1]   # the first token in image order (f4, the coarsest) reversed: f4's cosine -1, the rest 1
    lc = level_cosines(b, a)
    assert torch.allclose(lc["f4"], -torch.ones(3)) and torch.allclose(choice_score(lc, ["f4", "f3"]), torch.zeros(3), atol=1e-6)


def generated_dataset(d, tok_path, lines=(), openmoji=("C0", "C2")):
    """A small dataset written in training.data's format: the fake concepts in both vendors
    (train), a held-out-vendor copy of each, and OpenMoji images; random pixels. lines: concepts
    the line-drawn vendor (eval_mllm.LINE_VENDOR, split sources_extra) drew, untoned."""
    meta = fake_meta()
    for m in list(meta):
        if m["vendor"] == "google":
            meta.append(dict(m, i=len(meta), vendor="twitter", split="heldout_vendor", unified=m["unified"] + "-h"))
    for c in openmoji:
        base = next(m for m in meta if m["concept"] == c)
        meta.append(dict(base, i=len(meta), vendor="openmoji", split="openmoji", skin_tone="none"))
    from training.eval_mllm import LINE_VENDOR
    for c in lines:
        base = next(m for m in meta if m["concept"] == c)
        meta.append(dict(base, i=len(meta), vendor=LINE_VENDOR, split="sources_extra", skin_tone="none"))
    from training.data import save_images
    d.mkdir(exist_ok=True)
    save_images(np.random.default_rng(0).integers(0, 255, (len(meta), 64, 64, 3), dtype=np.uint8), str(d))
    json.dump(meta, open(d / "meta.json", "w"))
    return meta


def eval_files(tmp_path, tok, prompts, lines=(), openmoji=("C0", "C2")):
    """The evaluation's inputs written under tmp_path (the tokenizer, a generated dataset, the
    natural prompts), as its command-line arguments."""
    tp = tmp_path / "tok.json"
    tok.save(str(tp))
    generated_dataset(tmp_path / "data", tp, lines, openmoji)
    natural = tmp_path / "natural.json"
    natural.write_text(json.dumps({"prompts": prompts}))
    return ["--data-dir", str(tmp_path / "data"), "--tokenizer", str(tp), "--prompts", str(natural)]


def few_decoder_steps(monkeypatch, eval_mllm, steps=4):
    """The tiny evaluations decode every image through the real DDIM loop (training.decoder.ddim_sample)
    with random tiny decoders: at the config's 10 steps that was ~75% of these tests' time. The loop
    itself is checked elsewhere (an oracle denoiser in test_visual.py, PyTorch's golden decode in the
    vitest parity tests); here the page's fewest steps (4) carry every image through the evaluation the
    same way. Returns the schedules' step counts, one per make_decode call."""
    make, made = eval_mllm.make_decode, []

    def make_decode(*a, **k):
        k["steps"] = k.get("steps") or steps
        made.append(k["steps"])
        return make(*a, **k)
    monkeypatch.setattr(eval_mllm, "make_decode", make_decode)
    return made


@pytest.mark.parametrize("order", ["token", "scale"])
def test_eval_end_to_end_tiny(tmp_path, setup, order, monkeypatch):
    """The evaluation's whole path (natural prompts included) on random tiny models and a small
    generated dataset, in both generation orders."""
    from training import eval_mllm
    made = few_decoder_steps(monkeypatch, eval_mllm)
    files = eval_files(tmp_path, setup[1], [{"prompt": "a big red heart", "concept": "C2"},
                                            {"prompt": "a happy smiling face", "concept": "C0"}])
    res = eval_mllm.main(["--tiny", "--set", f"order={order}", "residual_edit=True", "--device", "cpu", *files,
                          "--n-t2i", "2", "--n-openmoji", "2", "--seeds", "2", "--out", str(tmp_path / "e.json"),
                          "--choice-items", str(tmp_path / "items.json")])
    assert res["config"]["order"] == order
    nat = res["t2i_natural"]
    assert set(nat["per_scale"]) == {"f0", "f1", "f2", "f3", "f4"} and nat["n_prompts"] == 2
    for v in nat["per_scale"].values():
        assert 0 <= v["judge_top1"] <= v["judge_top5"] <= 1 and v["frechet"] >= 0 and v["diversity"] >= 0
    assert 0 <= nat["recommended"]["judge_top5"] <= nat["best_scale"]["judge_top5"] <= 1
    assert res["caption"]["heldout_vendor"]["n"] == 8 and res["caption"]["openmoji"]["n"] == 2
    assert {"edit_tone", "edit_style", "colorize", "inpaint", "sketch"} <= set(res["edit"])
    assert "recognised_top5" in res["edit"]["sketch"]["per_scale"]["f0"]
    assert json.load(open(tmp_path / "e.json"))["t2i"]["n_prompts"] == 2
    assert made == [4]   # the evaluation decoded through the sampler, at 4 steps
    # the scale choice item by item, beside the JSON (not in it): its argmax pick reproduces metric_at_pick
    items = json.load(open(tmp_path / "items.json"))
    assert "_items" not in open(tmp_path / "e.json").read()
    assert {"t2i_natural", "t2i", "edit.edit_tone", "edit.colorize"} <= set(items)
    for where, it in items.items():
        sc = res
        for k in where.split("."):
            sc = sc[k]
        sc = sc["scale_choice"]
        S, P = (np.array([it[w][s] for s in it[w]]).T for w in ("scores", "prefs"))
        assert list(it["scores"]) == list(sc["metric_fixed"]) and len(S) == len(P) > 0
        # each scale's level cosines: the score is their mean over the page's levels for the task (as reported)
        assert it["score_levels"] == sc["levels"] and sc["levels"]
        L = np.array([np.mean([it["levels"][s][lv] for lv in sc["levels"]], 0) for s in it["scores"]]).T
        assert L.shape == S.shape and np.allclose(L, S, atol=1e-5)
        cand = [i for i, s in enumerate(it["scores"]) if s in sc["candidates"]]
        assert cand and P[np.arange(len(P)), np.array(cand)[S[:, cand].argmax(1)]].mean() == pytest.approx(sc["metric_at_pick"])


def test_eval_diagnosis_columns_tiny(tmp_path, setup, monkeypatch):
    """A plan model's evaluation carries the diagnosis: canonical phrasing, plan top-1/top-5 beside
    the BM25 floor, and drawing given the right plan; --quick keeps them and the edits."""
    from training import eval_mllm
    made = few_decoder_steps(monkeypatch, eval_mllm)
    files = eval_files(tmp_path, setup[1], [{"prompt": "a big red heart", "concept": "C2"}])
    res = eval_mllm.main(["--tiny", "--set", "order=scale", "plan=True", "feature_guidance=2.0", "--device", "cpu", "--quick", *files,
                          "--n-canonical", "2", "--seeds", "1", "--out", str(tmp_path / "e.json")])
    nat, can = res["t2i_natural"], res["t2i_canonical"]
    assert 0 <= nat["plan"]["top1"] <= nat["plan"]["top5"] <= 1 and len(nat["plan"]["examples"]) == 1
    assert set(nat["given_right_plan"]["per_scale"]) == {"f0", "f1", "f2", "f3", "f4"}
    assert nat["bm25_floor"]["n"] == 1 and can["n_prompts"] == 2 and "given_right_plan" in can
    assert set(res["edit"]) == {"edit_tone", "edit_style"} and "caption" not in res
    assert all(set(e["plan"]) == {"concept", "asked_field", "both"} and 0 <= e["plan"]["both"] <= e["plan"]["concept"] <= 1
               for e in res["edit"].values())
    for e in res["edit"].values():   # every edit in one plan group; the groups' rates make up each whole rate
        sc = e["scale_choice"]   # the success rate at the recommended scale: each item's at its own pick
        on = [s for s, n in sc["picked"].items() if n]
        assert 0 <= sc["success_at_pick"] <= 1
        if len(on) == 1:
            assert sc["success_at_pick"] == pytest.approx(e["per_scale"][on[0]]["success"])
        for v in e["per_scale"].values():
            g = v["success_by_plan"].values()
            assert sum(x["n"] for x in g) == e["n"]
            for k in ("success", "judge_concept", "judge_field"):
                assert sum(x["n"] * (x[k] or 0) for x in g) / e["n"] == pytest.approx(v[k])
    assert res["config"]["guidance"] == 2.0
    assert made == [4]


def test_edit_plan_accuracy():
    """The edit diagnosis counts a plan right by the source's concept and the field asked for."""
    from types import SimpleNamespace
    from training.eval_mllm import edit_plan_accuracy
    meta = fake_meta()
    ctx = SimpleNamespace(meta=meta)
    tone = [m for m in meta if m["skin_tone"] != "none"][0]["skin_tone"]
    jobs = [("edit_tone", 0, "darker", "C1", tone)] * 3
    plans = [f"thumbs up sign | noto | {T.tone_phrase(tone)}", "thumbs up sign | noto | none", f"red heart | noto | {T.tone_phrase(tone)}"]
    assert edit_plan_accuracy(ctx, "edit_tone", jobs, plans) == {"concept": 2 / 3, "asked_field": 2 / 3, "both": 1 / 3}
    style = ("edit_style", 0, "noto", "C0", "google")
    assert edit_plan_accuracy(ctx, "edit_style", [style], ["grinning face | noto | none"])["both"] == 1.0
    assert edit_plan_accuracy(ctx, "edit_style", [style], ["grinning face | twemoji | none"])["asked_field"] == 0.0
    m = meta[0]
    assert edit_plan_accuracy(ctx, "sketch", [("sketch", 0, "s", m["concept"], 0)], [T.plan_text(m)]) == {"concept": 1.0, "whole_plan": 1.0, "both": 1.0}


def test_frechet_distance():
    from training.eval_mllm import frechet
    g = torch.Generator().manual_seed(0)
    a = torch.randn(4000, 3, generator=g)
    assert abs(frechet(a, a)) < 1e-6
    # N(0, I) vs N(m, 4I) in 3-d: |m|^2 + 3 * (1 + 4 - 2 * 2) = |m|^2 + 3
    b = torch.randn(4000, 3, generator=g) * 2 + torch.tensor([1.0, 0.0, 0.0])
    assert abs(frechet(a, b) - 4.0) < 0.3


def test_inpaint_eval_masks_are_the_bank_holes():
    """eval's hole PSNR uses exactly the holes the bank's "mask_a" images have."""
    from training.eval_mllm import psnr_where
    torch.manual_seed(0)
    x = torch.rand(3, 3, 64, 64) * 2 - 1
    v = T.image_variants(x, torch.arange(5, 8))
    m = T.hole_masks([5, 6, 7], "mask_a")
    assert torch.equal(v["mask_a"], x * (1 - m) + m)
    assert 0 < m.mean() < 1
    assert torch.isinf(psnr_where(x, x, m)).logical_not().all()   # clamped, finite
    assert (psnr_where(v["mask_a"], x, 1 - m) > 90).all()           # untouched outside the hole


# ---- next-scale prediction ("scale" order) ------------------------------------------------------
def test_scale_order_layout(setup):
    """A generated image is 341 queries: slot N_IMG+1+k, input = the covering coarser token,
    target = token k itself; blocks: one per text token, one per scale."""
    from training.common import parent_index, SCALE_OFFSETS
    meta, tok, _, _ = setup
    s = T.TaskSampler(meta, tok, seed=0, order="scale")
    nb = T.assemble([s.t2i_example("red heart", 4), s.edit_example(s.row(3, "gray"), "colorize this", 3)], TINY.ctx, "scale")
    ids, slot, blk = nb["ids"][0], nb["slot"][0], nb["block"][0]
    p = list(ids).index(tok.img)
    q = np.arange(p + 1, p + 1 + N_IMG)
    assert (slot[q] == np.arange(N_IMG + 1, 2 * N_IMG + 1)).all()
    par = np.asarray(parent_index())
    assert par[0] == -1 and nb["feat_src"][0, q[0]] == -1
    assert (nb["feat_src"][0, q[1:]] == 4 * N_IMG + par[1:]).all()
    assert (nb["feat_tgt_src"][0, q] == 4 * N_IMG + np.arange(N_IMG)).all()      # unshifted
    assert (nb["feat_tgt_slot"][0, q] == np.arange(1, N_IMG + 1)).all()
    assert nb["feat_tgt_slot"][0, p] == 0                                         # [IMG] predicts nothing
    assert list(blk[:p + 1]) == list(range(p + 1))                                 # text: causal
    for k, o in enumerate(SCALE_OFFSETS):
        assert blk[q[o]] == p + 1 + k
    assert (blk[q[-256:]] == p + 5).all() and blk[p + 1 + N_IMG] == p + 6
    # the edit's source image: read tokens (slots 1..341) in per-scale blocks; target: queries
    e_slot = nb["slot"][1]
    assert (e_slot[2:2 + N_IMG] == np.arange(1, N_IMG + 1)).all() and nb["block"][1][2 + N_IMG - 1] == 6
    assert (nb["feat_res_src"][1][nb["feat_tgt_slot"][1] > 0] == s.row(3, "gray") * N_IMG + np.arange(N_IMG)).all()


def test_scale_order_mask():
    from training.mllm import MLLM
    block = torch.tensor([[0, 1, 2, 2, 2, 3]])
    a = MLLM.allowed_from_blocks(block, 6)[0]
    assert a[2].tolist() == [True, True, True, True, True, False]      # sees its whole block
    assert a[1].tolist() == [True, True, False, False, False, False]
    assert MLLM.allowed_from_blocks(block, 2)[0].tolist() == [[True] * 5 + [False], [True] * 6]


@pytest.mark.parametrize("residual", [False, True, "input"])
def test_scale_generation_matches_training_forward(setup, residual):
    """What eval generates scale by scale (KV cache, one call per scale) is exactly what the
    training forward predicts when the generated image is the target (teacher forcing on the
    model's own tokens), for t2i and for an edit (with the residual output; "input": residual_input too, the base
    read at the queries, its projector moved off its zero start)."""
    from dataclasses import replace
    from training.eval_mllm import generate_images, prefix_of
    meta, tok, bank, _ = setup
    torch.manual_seed(0)
    model = MLLM(replace(TINY, order="scale", residual_edit=bool(residual), residual_input=residual == "input")).eval()
    if residual == "input":
        with torch.no_grad():
            model.res_proj[2].weight.normal_(std=0.5)
    s = T.TaskSampler(meta, tok, seed=0, order="scale")
    flat = bank.view(-1, bank.shape[-1])
    exs = [s.t2i_example("red heart", 4), s.edit_example(s.row(3, "gray"), "colorize this", 3)]
    for ex in exs:
        cut = [k for k, seg in enumerate(ex) if seg[0] == "img" and seg[2]][0]
        gen = generate_images(model, [prefix_of(ex[:cut], "scale")], flat, "cpu")[0]
        flat2 = torch.cat([flat, gen])
        ex2 = list(ex)
        ex2[cut] = ("img", flat.shape[0] // N_IMG, True)
        b = T.to_device(T.assemble([ex2], TINY.ctx, "scale"), flat2, "cpu")
        with torch.no_grad():
            h, _ = model(b["ids"], b["slot"], b["feats"], block=b["block"], res=b["feat_res"], res_m=b["has_res"])
            m = b["feat_tgt_slot"][0] > 0
            pred = model.head(h[0][m])
            if residual and b["has_res"][0][m].any():
                pred = pred + model.normalize(b["feat_res"][0][m])
            loss, _ = model.compute_loss(b)
        assert torch.allclose(model.denormalize(pred), gen, atol=1e-4)
        assert loss < 1e-6   # the generated image is the model's own fixed point


def two_branch_setup(setup):
    """A tiny scale-order model with residual edits, its task sampler, the bank flat, and `cut`: an example's prefix up
    to its generated image (what generate_images reads)."""
    from dataclasses import replace
    from training.eval_mllm import prefix_of
    meta, tok, bank, _ = setup
    torch.manual_seed(0)
    model = MLLM(replace(TINY, order="scale", residual_edit=True)).eval()
    s = T.TaskSampler(meta, tok, seed=0, order="scale")
    cut = lambda ex: prefix_of(ex[:[k for k, seg in enumerate(ex) if seg[0] == "img" and seg[2]][0]], "scale")
    return model, s, bank.view(-1, bank.shape[-1]), cut


def test_contrast_guidance_blends_two_drawings(setup):
    """generate_images(contrast=...): each item drawn as u + w (c - u), u from its own contrast prefix (--tone-guidance).
    w = 1 is the plain drawing; w = 0 the contrast prefix's own plain drawing (fed back to both branches, u is then
    drawn exactly as alone); an item that is its own contrast is unchanged at any w; prefixes and contrasts of
    different lengths batch together."""
    from training.eval_mllm import generate_images
    model, s, flat, cut = two_branch_setup(setup)
    c = [cut(s.edit_example(s.row(3), "make it darker", 3)), cut(s.edit_example(s.row(4), "darker", 4)),
         cut(s.t2i_example("red heart", 5))]
    u = [cut(s.edit_example(s.row(3), "leave it", 3)), cut(s.edit_example(s.row(4), "now make it much lighter", 4)), c[2]]
    assert len({len(p[0]) for p in c + u}) > 2
    plain_c, plain_u = generate_images(model, c, flat, "cpu"), generate_images(model, u, flat, "cpu")
    assert torch.allclose(generate_images(model, c, flat, "cpu", contrast=u, guidance=1.0), plain_c)
    assert torch.allclose(generate_images(model, c, flat, "cpu", contrast=u, guidance=0.0), plain_u, atol=1e-5)
    pushed = generate_images(model, c, flat, "cpu", contrast=u, guidance=2.0)
    assert torch.allclose(pushed[2], plain_c[2], atol=1e-5)   # its own contrast: unchanged
    f4 = T.scale_slices()["f4"]   # the first scale has no fed-back input: exactly u + 2 (c - u)
    assert torch.allclose(pushed[:2, f4], plain_u[:2, f4] + 2 * (plain_c[:2, f4] - plain_u[:2, f4]), atol=1e-5)
    assert not torch.allclose(pushed[:2], plain_c[:2])


def test_plan_mix_takes_each_scale_from_one_branch(setup):
    """--plan-mix: per-scale weights, 1 a scale from the item's own prefix, 0 from the contrast's. The contrast reads
    no given image (contrast_reads_no_source): with residual_edit the item's features are its source's plus a change
    and the contrast's are the drawing itself, so all 1 is the item drawn alone and all 0 the contrast drawn alone;
    1 on the coarse scales and 0 on the fine ones keeps the item's coarse scales and draws the fine ones from the
    contrast given those coarse scales (not the contrast's own)."""
    from training.eval_mllm import generate_images
    model, s, flat, cut = two_branch_setup(setup)
    c = [cut(s.edit_example(s.row(3, "edges"), "turn this sketch into an emoji", 3)), cut(s.edit_example(s.row(4), "darker", 4))]
    u = [cut(s.t2i_example("red heart", 3)), cut(s.t2i_example("grinning face", 4))]
    plain_c, plain_u = generate_images(model, c, flat, "cpu"), generate_images(model, u, flat, "cpu")
    same = lambda x, y: torch.allclose(x, y, rtol=1e-4, atol=1e-7)   # the tiny model's features are ~1e-3
    mix = lambda w: generate_images(model, c, flat, "cpu", contrast=u, guidance=w, contrast_reads_no_source=True)
    assert same(mix([1.0] * 5), plain_c)
    assert same(mix([0.0] * 5), plain_u)
    coarse, sl = mix([1.0, 1.0, 1.0, 0.0, 0.0]), T.scale_slices()
    for f in ("f4", "f3", "f2"):
        assert same(coarse[:, sl[f]], plain_c[:, sl[f]])
    for f in ("f1", "f0"):
        assert not same(coarse[:, sl[f]], plain_c[:, sl[f]])
        assert not same(coarse[:, sl[f]], plain_u[:, sl[f]])
    # the contrast's residual is not added: without contrast_reads_no_source the blend would add the source's features
    assert not same(generate_images(model, c, flat, "cpu", contrast=u, guidance=[0.0] * 5), plain_u)


def test_scale_order_trains(setup):
    from dataclasses import replace
    meta, tok, bank, _ = setup
    torch.manual_seed(0)
    model = MLLM(replace(TINY, order="scale"))
    s = T.TaskSampler(meta, tok, seed=1, order="scale")
    flat = bank.view(-1, bank.shape[-1])
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    b = T.to_device(s.batch(T.LONG_TASKS, 2, TINY.ctx), flat, "cpu")
    first = None
    for _ in range(20):
        loss, stats = model.compute_loss(b)
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = first if first is not None else float(loss)
    assert float(loss) < first and all(f"mse_{n}" in stats for n in ("f4", "f3", "f2", "f1", "f0"))


def test_presets_and_overrides():
    from training.mllm import PRESETS, get
    assert get("tiny", ["order=scale", "lr=0.002", "residual_edit=True"]).order == "scale"
    with pytest.raises(SystemExit):
        get("tiny", ["nope=1"])
    with pytest.raises(SystemExit):
        get("tiny", ["order=diagonal"])
    sizes = {k: MLLM(v).num_params() / 1e6 for k, v in PRESETS.items() if k.startswith("s")}
    assert 5 < sizes["s6"] < sizes["s12"] < sizes["s18"] < sizes["s25"] < 27


@pytest.mark.parametrize("order", ["token", "scale"])
def test_padding_to_a_multiple_changes_nothing_but_the_shape(setup, order):
    """pad_multiple (for a compiled step's few shapes) adds only masked positions: same loss and stats."""
    from dataclasses import replace
    meta, tok, bank, _ = setup
    s = T.TaskSampler(meta, tok, seed=3, order=order, plan=True)
    ex = [s.sample(t) for t in ("t2i", "caption", "edit_tone")]
    flat = bank.view(-1, bank.shape[-1])
    torch.manual_seed(0)
    model = MLLM(replace(TINY, order=order, plan=True, ctx=1024)).eval()
    tight, padded = T.assemble(ex, 1024, order), T.assemble(ex, 1024, order, pad_multiple=128)
    assert padded["ids"].shape[1] % 128 == 0 and padded["ids"].shape[1] > tight["ids"].shape[1]
    with torch.no_grad():
        (la, sa), (lb, sb) = (model.compute_loss(T.to_device(nb, flat, "cpu")) for nb in (tight, padded))
    assert torch.allclose(la, lb, rtol=1e-5, atol=1e-7)
    assert all(torch.allclose(sa[k], sb[k], rtol=1e-5, atol=1e-7) for k in sa)
    assert T.assemble(ex, tight["ids"].shape[1], order, pad_multiple=4096)["ids"].shape[1] == tight["ids"].shape[1]   # never past ctx


@pytest.mark.parametrize("order", ["token", "scale"])
def test_source_noise_touches_given_images_only(setup, order):
    """source_noise perturbs exactly the given image's 341 inputs (a caption's image, an edit's source):
    never a text-to-image batch, never the generated image's teacher-forced inputs."""
    from dataclasses import replace
    from training.mllm import source_inputs
    meta, tok, bank, _ = setup
    s = T.TaskSampler(meta, tok, seed=5, order=order, plan=True)
    flat = bank.view(-1, bank.shape[-1])
    for task in ALL_TASKS:
        b = T.to_device(T.assemble([s.sample(task)], 1024, order), flat, "cpu")
        given = 0 if task == "t2i" else N_IMG
        assert int(source_inputs(b).sum()) == given, task
        assert not bool((source_inputs(b) & (b["gen_input"] > 0)).any())
    torch.manual_seed(0)
    clean = MLLM(replace(TINY, order=order, plan=True, ctx=1024)).train()
    noisy = MLLM(replace(TINY, order=order, plan=True, ctx=1024, source_noise=1.0)).train()
    noisy.load_state_dict(clean.state_dict())
    for task, changes in (("t2i", False), ("caption", True), ("edit_tone", True)):
        b = T.to_device(T.assemble([s.sample(task) for _ in range(2)], 1024, order), flat, "cpu")
        with torch.no_grad():
            la, lb = clean.compute_loss(b)[0], noisy.compute_loss(b)[0]
        assert bool(torch.equal(la, lb)) != changes, task


def test_task_mix_overrides_the_shares():
    """task_mix reweights tasks within their group (a share A/B at equal steps); bad mixes are refused."""
    short, long_ = T.task_weights("")
    assert short == T.SHORT_TASKS and long_ == T.LONG_TASKS
    assert T.task_weights("caption=0.5/edit_tone=0.4") == T.task_weights("caption=0.5,edit_tone=0.4")
    short, long_ = T.task_weights("caption=0.5, edit_tone=0.4,sketch=0")
    assert short["caption"] == 0.5 and short["t2i"] == T.SHORT_TASKS["t2i"]
    assert long_["edit_tone"] == 0.4 and long_["sketch"] == 0.0 and long_["inpaint"] == T.LONG_TASKS["inpaint"]
    for bad in ("paint=1", "caption", "t2i=0,caption=0,vqa=0"):
        with pytest.raises(ValueError):
            T.task_weights(bad)
    from training.mllm import get
    assert get("tiny", ["task_mix=caption=0.5,edit_tone=0.4"]).task_mix == "caption=0.5,edit_tone=0.4"
    # the sampler draws the reweighted shares: with sketch at 0 no sketch example appears
    meta = fake_meta()
    tok = train_bpe(T.corpus(meta, per_image=1), vocab_size=BYTE_OFFSET + 256 + 50)
    s = T.TaskSampler(meta, tok, seed=0)
    drawn, sample = [], s.sample
    s.sample = lambda t: (drawn.append(t), sample(t))[1]
    s.batch(long_, 60, 1024)
    assert len(drawn) == 60 and "sketch" not in drawn and drawn.count("edit_tone") > drawn.count("inpaint")


def test_source_aug_reads_given_images_from_augmented_copies(setup):
    """augment_sources moves exactly the given image's inputs (a caption's image, an edit's source) to an
    augmented copy's bank block; text-to-image, colorize's gray input, the targets and the residual base
    an edit adds to stay as they were."""
    meta, tok, _, _ = setup
    n, n_aug = len(meta), 2
    torch.manual_seed(0)
    bank = torch.randn((len(T.VARIANTS) + n_aug) * n, N_IMG, TINY.feature_dim)
    flat = bank.view(-1, bank.shape[-1])
    s = T.TaskSampler(meta, tok, seed=5, order="scale", plan=True)
    for task, moves in (("t2i", False), ("caption", True), ("vqa", True), ("edit_tone", True), ("colorize", False)):
        nb = T.assemble([s.sample(task) for _ in range(3)], 1024, "scale")
        clean = T.to_device(nb, flat, "cpu")
        aug = T.to_device(nb, flat, "cpu", (n, n_aug, 1.0, torch.Generator().manual_seed(1)))
        for k in ("feat_tgt", "ids", "text_tgt") + (("feat_res",) if "feat_res" in clean else ()):
            assert torch.equal(clean[k], aug[k]), (task, k)
        changed = (clean["feats"] != aug["feats"]).any(-1)
        from training.mllm import source_inputs
        assert torch.equal(changed, source_inputs(clean) & moves), task
        if moves:   # each example's given image is wholly one augmented copy of the same image
            src, new = torch.as_tensor(nb["feat_src"]), T.augment_sources({k: torch.as_tensor(v) for k, v in nb.items()}, n, n_aug, 1.0, torch.Generator().manual_seed(1))
            d = (new - src)[source_inputs(clean)].unique()
            assert set(d.tolist()) <= {(len(T.VARIANTS) - 1 + c) * n * N_IMG for c in (1, 2)}
    nb = T.assemble([s.sample("caption") for _ in range(3)], 1024, "scale")
    assert torch.equal(T.to_device(nb, flat, "cpu", (n, n_aug, 0.0, None))["feats"], T.to_device(nb, flat, "cpu")["feats"])


def test_augment_is_a_deterministic_redrawing():
    """transforms.augment: the same seed gives the same image whatever the batch, other seeds differ, the
    range stays [-1, 1] and a white image stays white (borders come in white)."""
    from training import transforms as TR
    torch.manual_seed(0)
    x = torch.rand(4, 3, 64, 64) * 2 - 1
    a = TR.augment(x, [10, 11, 12, 13])
    assert torch.allclose(a[1:3], TR.augment(x[1:3], [11, 12]), atol=1e-6)
    assert not torch.allclose(a, TR.augment(x, [20, 21, 22, 23]), atol=1e-2)
    assert float(a.min()) >= -1 and float(a.max()) <= 1
    assert torch.allclose(TR.augment(torch.ones(2, 3, 64, 64), [1, 2]), torch.ones(2, 3, 64, 64), atol=1e-5)


def test_source_aug_bank_and_config():
    """build_bank appends n_aug blocks of augmented images after the VARIANTS blocks; source_aug is a config field."""
    from training.mllm import get
    assert get("tiny", ["source_aug=3", "source_aug_p=0.25"]).source_aug == 3
    imgs = (torch.rand(3, 64, 64, 3) * 255).to(torch.uint8).numpy()
    enc = lambda x: x.mean(1).reshape(len(x), 1, -1)[:, :, :256].transpose(1, 2).expand(-1, 256, 4).contiguous()
    bank = T.build_bank(enc, imgs, "cpu", dtype=torch.float32, log=None, n_aug=2)
    assert bank.shape[0] == (len(T.VARIANTS) + 2) * 3
    plain = T.build_bank(enc, imgs, "cpu", dtype=torch.float32, log=None)
    assert torch.equal(bank[:len(T.VARIANTS) * 3], plain)
    for k in (0, 1):   # each augmented block differs from the originals
        assert not torch.allclose(bank[(len(T.VARIANTS) + k) * 3:(len(T.VARIANTS) + k + 1) * 3], bank[:3])


def test_a_bank_of_the_first_variants_keeps_their_rows():
    """build_bank(variants=("orig",)): the orig block alone, equal to the whole bank's first rows (so a caption's
    prefix reads the same rows in either), and a read of another variant's row is out of range, not another image."""
    imgs = (torch.rand(3, 64, 64, 3) * 255).to(torch.uint8).numpy()
    enc = lambda x: x.mean(1).reshape(len(x), 1, -1)[:, :, :256].transpose(1, 2).expand(-1, 256, 4).contiguous()
    whole = T.build_bank(enc, imgs, "cpu", dtype=torch.float32, log=None)
    orig = T.build_bank(enc, imgs, "cpu", dtype=torch.float32, log=None, variants=("orig",))
    assert orig.shape[0] == 3 and torch.equal(orig, whole[:3])
    with pytest.raises(IndexError):
        orig[T.VARIANTS.index("gray") * 3]
    with pytest.raises(AssertionError, match="prefix"):
        T.build_bank(enc, imgs, "cpu", log=None, variants=("gray",))
    with pytest.raises(AssertionError, match="prefix"):
        T.build_bank(enc, imgs, "cpu", log=None, variants=("orig",), n_aug=1)


def test_augment_without_colour_keeps_every_colour():
    """augment(colour=False) moves the geometry alone, the same geometry per seed as with colour: a drawing and its
    recoloured copy (a colour map that keeps white, as a tone or another vendor's palette is) re-drawn with one seed
    stay each other's recolouring, and a flat patch keeps its exact colour inside."""
    from training import transforms as TR
    torch.manual_seed(0)
    x = torch.ones(1, 3, 64, 64)
    x[:, :, 16:48, 16:48] = torch.tensor([0.6, -0.2, -0.8]).view(1, 3, 1, 1)
    x[:, :, 28:36, 20:44] = -1.0
    c = torch.tensor([0.5, 0.8, 0.9]).view(1, 3, 1, 1)   # within [-1, 1]: no clamping
    recolour = lambda y: 1 - (1 - y) * c
    for seed in (3, 4, 5):
        a, b = TR.augment(x, [seed], colour=False), TR.augment(recolour(x), [seed], colour=False)
        assert torch.allclose(recolour(a), b, atol=1e-5)
        assert torch.allclose(a[:, :, 22, 32], x[:, :, 22, 32], atol=1e-5)    # the patch's inside, far from its edges
        assert not torch.allclose(a, x, atol=1e-2)                            # it moved
        with_colour = TR.augment(x, [seed])
        assert not torch.allclose(with_colour[:, :, 22, 32], x[:, :, 22, 32], atol=1e-3)


def test_pair_aug_bank_moves_a_concept_together():
    """build_bank's n_pair sets: VARIANTS blocks of every image re-drawn in geometry alone, seeded by its pair key,
    after the plain and source_aug blocks; two drawings with one key share the geometry, another key does not."""
    from training.mllm import get
    from training import transforms as TR
    assert get("tiny", ["pair_aug=3", "pair_aug_p=0.25"]).pair_aug == 3
    torch.manual_seed(1)
    imgs = (torch.rand(3, 64, 64, 3) * 255).to(torch.uint8).numpy()
    imgs[1] = imgs[0]                                  # images 0 and 1 draw the same; 0 and 1 share a key, 2 not
    pool = lambda x: x.reshape(len(x), 3, 16, 4, 16, 4).mean((3, 5)).reshape(len(x), 3, 256).transpose(1, 2)
    enc = lambda x: torch.cat([pool(x), pool(x).mean(-1, keepdim=True)], -1)   # [B, 256, 4]: each 4x4 patch's colour
    plain = T.build_bank(enc, imgs, "cpu", dtype=torch.float32, log=None, n_aug=1)
    bank = T.build_bank(enc, imgs, "cpu", dtype=torch.float32, log=None, n_aug=1, n_pair=2, pair_keys=[7, 7, 9])
    V, n = len(T.VARIANTS), 3
    assert bank.shape[0] == (V * 3 + 1) * n and torch.equal(bank[:(V + 1) * n], plain)
    x = TR.to_tensor(imgs, device="cpu")
    for k in (1, 2):
        first = V + 1 + (k - 1) * V                    # the set's first block
        want = T.image_variants(TR.augment(x, [T.PAIR_SEED * key + k for key in (7, 7, 9)], colour=False), torch.arange(3))
        for vi, name in enumerate(T.VARIANTS):
            got = bank[(first + vi) * n:(first + vi + 1) * n]
            assert torch.allclose(got, T.image_tokens(enc(want[name]).float()), atol=1e-5), (k, name)
        orig = bank[first * n:(first + 1) * n]
        assert torch.equal(orig[0], orig[1]) and not torch.allclose(orig[0], bank[0], atol=1e-3)
    assert not torch.allclose(bank[(V + 1) * n], bank[(V + 1 + V) * n], atol=1e-3)   # the two sets differ


def test_pair_augment_moves_whole_examples(setup):
    """pair_augment moves every image index of an example that has a given image (its source, target, coarser
    inputs and residual base) to one re-drawn set, each to its own variant's block there; text-to-image stays;
    with p = 0 nothing moves; augment_sources afterwards leaves a moved example alone."""
    meta, tok, _, _ = setup
    n, n_aug, n_pair, V = len(meta), 1, 2, len(T.VARIANTS)
    block = n * N_IMG
    torch.manual_seed(0)
    bank = torch.randn((V * (1 + n_pair) + n_aug) * n, N_IMG, TINY.feature_dim)
    flat = bank.view(-1, bank.shape[-1])
    s = T.TaskSampler(meta, tok, seed=5, order="scale", plan=True)
    keys = ("feat_src", "feat_tgt_src", "feat_res_src")
    for task, moves in (("t2i", False), ("caption", True), ("edit_tone", True), ("edit_style", True),
                        ("colorize", True), ("sketch", True)):
        nb = T.assemble([s.sample(task) for _ in range(4)], 1024, "scale")
        t = {k: torch.as_tensor(v) for k, v in nb.items()}
        new = dict(zip(keys, T.pair_augment(t, n, n_aug, n_pair, 1.0, torch.Generator().manual_seed(2))))
        for b in range(4):
            shifts = set()
            for k in keys:
                old, got = t[k][b], new[k][b]
                assert torch.equal(old < 0, got < 0), (task, k)
                live = old >= 0
                if not moves:
                    assert torch.equal(old, got), (task, k)
                    continue
                d = (got - old)[live]
                shifts |= set(d.tolist())
                assert torch.equal(old[live] // block, (got[live] // block - V - n_aug) % V), (task, k)   # same variant
            if moves:
                assert len(shifts) == 1 and shifts.pop() in {(V + n_aug + c * V) * block for c in range(n_pair)}, task
        if moves:   # the batch reads the moved rows, and source_aug no longer touches them
            a = T.to_device(nb, flat, "cpu", (n, n_aug, 1.0, torch.Generator().manual_seed(1)), pair=(n, n_aug, n_pair, 1.0, torch.Generator().manual_seed(2)))
            p = T.to_device(nb, flat, "cpu", pair=(n, n_aug, n_pair, 1.0, torch.Generator().manual_seed(2)))
            assert torch.equal(a["feats"], p["feats"]) and torch.equal(a["feat_tgt"], p["feat_tgt"])
            assert not torch.equal(p["feats"], T.to_device(nb, flat, "cpu")["feats"])
        still = T.pair_augment(t, n, n_aug, n_pair, 0.0, torch.Generator().manual_seed(2))
        assert all(torch.equal(x, t[k]) for x, k in zip(still, keys))


def with_sources(meta):
    """fake_meta plus another vendor's drawings ("fluent", split "sources") of every record, and one of a
    concept that never trains (it must never be used)."""
    out = [dict(m) for m in meta]
    for m in meta:
        if m["vendor"] == "google":
            out.append(dict(m, i=len(out), vendor="fluent", split="sources"))
    out.append(dict(meta[0], i=len(out), vendor="fluent", concept="CX", name="never trained", split="sources"))
    out.append(dict(meta[1], i=len(out), vendor="noto_v1", split="sources_extra"))   # an extra vendor's (training.data)
    return out


def test_source_vendors_are_given_images_only():
    """Another vendor's art is a caption's/question's image or a sketch's/style edit's source, never a target;
    the target of such an edit is a trained drawing of the same concept and tone, and without the option the
    sampler draws exactly what it drew before (the control arm of an A/B is the old recipe)."""
    meta = with_sources(fake_meta())
    tok = train_bpe(T.corpus(fake_meta(), per_image=1), vocab_size=BYTE_OFFSET + 256 + 50)
    n = len(meta)
    fluent = {m["i"] for m in meta if m["vendor"] == "fluent"}
    s = T.TaskSampler(meta, tok, seed=2, sources="fluent", source_p=0.5)
    assert set(s.src) == fluent - {n - 2}
    # an extra vendor (split sources_extra) is read where named, beside Fluent
    assert set(T.TaskSampler(meta, tok, seed=2, sources="fluent,noto_v1", source_p=0.5).src) == fluent - {n - 2} | {n - 1}
    assert set(T.TaskSampler(meta, tok, seed=2, sources="noto_v1", source_p=0.5).src) == {n - 1}
    used = {task: 0 for task in ALL_TASKS}
    for task in ALL_TASKS:
        for _ in range(60):
            ex = s.sample(task)
            imgs = [(row % n, loss) for kind, row, loss in ex if kind == "img"]
            assert all(i not in fluent for i, loss in imgs if loss), task          # never drawn
            assert all(i not in (n - 2, n - 1) for i, _ in imgs)                   # held-out concept, unnamed vendor unused
            given = [i for i, loss in imgs if not loss]
            if given and given[0] in fluent:
                used[task] += 1
                if task in ("sketch", "edit_style"):
                    tgt = [i for i, loss in imgs if loss][0]
                    assert (meta[tgt]["concept"], meta[tgt]["skin_tone"]) == (meta[given[0]]["concept"], meta[given[0]]["skin_tone"])
                    assert meta[tgt]["split"] == "train"
    assert all(used[t] > 10 for t in ("caption", "vqa", "sketch", "edit_style")), used
    assert all(used[t] == 0 for t in ("t2i", "edit_tone", "colorize", "inpaint")), used
    # the option off: the same examples as a sampler built on the data without the new vendor
    a, b = T.TaskSampler(meta, tok, seed=4), T.TaskSampler(fake_meta(), tok, seed=4)
    def rows_as_pairs(ex, n):   # (variant, image) - a bank row's number depends on the record count
        return [(k, divmod(x, n), loss) if k == "img" else (k, x, loss) for k, x, loss in ex]
    for task in ALL_TASKS * 5:
        assert rows_as_pairs(a.sample(task), a.n) == rows_as_pairs(b.sample(task), b.n)
    with pytest.raises(ValueError, match="rebuild the data"):
        T.TaskSampler(fake_meta(), tok, sources="fluent", source_p=0.5)


def test_tone_vendors_add_tone_edits_within_an_extra_vendor():
    """tone_vendors=noto_v1: tone edits also from one toned noto_v1 drawing of a trained concept to another of it, its
    plan naming Noto's style; the held-out split of that vendor, a concept that never trains and one whose Google
    drawing is held out (the evaluation's tone edits start from it) stay out; a vendor
    with no style to plan is refused; without the option the sampler draws exactly what it drew before."""
    base = fake_meta()
    meta = [dict(m) for m in base]
    for m in base:   # noto_v1's toned drawings of the toned concept C1, one of them held out, and of a concept never trained
        if m["vendor"] == "google" and m["concept"] == "C1":
            meta.append(dict(m, i=len(meta), vendor="noto_v1", split="sources_extra_heldout" if m["skin_tone"] == "dark"
                             else "sources_extra"))
            meta.append(dict(m, i=len(meta), vendor="noto_v1", concept="CX", split="sources_extra"))
            meta.append(dict(m, i=len(meta), vendor="noto_v1", concept="C0", split="sources_extra"))   # Google's C0 held out
    for m in meta:
        if m["vendor"] == "google" and m["concept"] == "C0":
            m["split"] = "heldout_vendor"
    tok = train_bpe(T.corpus(base, per_image=1), vocab_size=BYTE_OFFSET + 256 + 50)
    n = len(meta)
    v1 = {m["i"] for m in meta if m["vendor"] == "noto_v1" and m["split"] == "sources_extra" and m["concept"] == "C1"}
    s = T.TaskSampler(meta, tok, seed=3, plan=True, tone_vendors="noto_v1")
    assert v1 and v1 <= set(s.tone_src)
    seen = 0
    for _ in range(300):
        ex = s.sample("edit_tone")
        (src, _), (tgt, _) = [(row % n, loss) for kind, row, loss in ex if kind == "img"]
        assert meta[src]["vendor"] == meta[tgt]["vendor"] and meta[src]["concept"] == meta[tgt]["concept"]
        assert meta[src]["skin_tone"] != meta[tgt]["skin_tone"]
        if meta[src]["vendor"] == "noto_v1":
            seen += 1
            assert src in v1 and tgt in v1                                          # never held out, CX or C0
            plan = tok.decode([i for kind, ids, loss in ex if kind == "text" and loss == "plan" for i in ids])
            assert T.parse_plan(plan.strip())["style"] == "noto"
    assert 10 < seen < 290
    with pytest.raises(ValueError, match="style to plan"):
        T.TaskSampler(meta, tok, tone_vendors="fluent")
    a = T.TaskSampler(meta, tok, seed=4)
    b = T.TaskSampler([dict(m, split="heldout_vendor") if m["vendor"] == "google" and m["concept"] == "C0" else m
                       for m in base], tok, seed=4)
    for task in ALL_TASKS * 5:
        assert [(k, divmod(x, a.n), l) if k == "img" else (k, x, l) for k, x, l in a.sample(task)] == \
            [(k, divmod(x, b.n), l) if k == "img" else (k, x, l) for k, x, l in b.sample(task)]


def test_draw_vendors_draw_more_designs_under_their_own_style_word():
    """draw_vendors=fluent: with probability draw_p a tone edit, sketch, colorization or inpainting is given and drawn
    within Fluent's drawings of concepts that train (tone pairs within one concept's toned Fluent drawings), planned
    under Fluent's own style word; the held-out splits and a concept that never trains stay out; the other tasks are
    untouched; a vendor with no drawings is refused; draw_p=0 draws exactly what the sampler drew without it."""
    base = fake_meta()
    meta = with_sources(base)
    for m in list(meta):   # a held-out Fluent drawing of a trained concept: never used
        if m["vendor"] == "fluent" and m["concept"] == "C1" and m["skin_tone"] == "dark":
            m["split"] = "sources_heldout"
    tok = train_bpe(T.corpus(base, per_image=1), vocab_size=BYTE_OFFSET + 256 + 50)
    n = len(meta)
    ok = {m["i"] for m in meta if m["vendor"] == "fluent" and m["split"] == "sources"
          and m["concept"] in {b["concept"] for b in base if b["split"] == "train"}}
    s = T.TaskSampler(meta, tok, seed=5, plan=True, draw_vendors="fluent", draw_p=0.5)
    assert set(s.draw) == ok and s.draw_tone_src
    drawn = {t: 0 for t in ALL_TASKS}
    for task in ALL_TASKS:
        for _ in range(200):
            ex = s.sample(task)
            imgs = [divmod(row, n) for kind, row, loss in ex if kind == "img"]
            fl = [i for _, i in imgs if meta[i]["vendor"] == "fluent"]
            if not fl:
                continue
            drawn[task] += 1
            (vs, src), (vt, tgt) = imgs
            assert src in ok and tgt in ok
            plan = tok.decode([i for kind, ids, loss in ex if kind == "text" and loss == "plan" for i in ids])
            assert T.parse_plan(plan.strip())["style"] == "fluent"
            want_variant = {"edit_tone": ("orig",), "sketch": ("edges",), "colorize": ("gray",),
                            "inpaint": ("mask_a", "mask_b")}[task]
            assert T.VARIANTS[vs] in want_variant and T.VARIANTS[vt] == "orig"
            if task == "edit_tone":
                assert meta[src]["concept"] == meta[tgt]["concept"] and meta[src]["skin_tone"] != meta[tgt]["skin_tone"]
            else:
                assert src == tgt
    assert all(50 < drawn[t] < 150 for t in T.DRAW_TASKS), drawn
    assert all(drawn[t] == 0 for t in ALL_TASKS if t not in T.DRAW_TASKS), drawn
    with pytest.raises(ValueError, match="rebuild the data"):
        T.TaskSampler(meta, tok, draw_vendors="emojione", draw_p=0.3)
    with pytest.raises(ValueError, match="planned as another vendor"):
        T.TaskSampler(meta, tok, draw_vendors="noto_v1", draw_p=0.3)
    a = T.TaskSampler(meta, tok, seed=4, draw_vendors="fluent", draw_p=0.0)
    b = T.TaskSampler(meta, tok, seed=4)
    for task in ALL_TASKS * 5:
        assert a.sample(task) == b.sample(task)


def test_draw_plan_off_draws_the_same_designs_without_a_plan():
    """draw_plan=False: draw_vendors' examples are the ones draw_plan=True gives, image for image, with the plan gone
    ("[IMG]" straight after the instruction, no plan target); every other example keeps its plan; the page's pick then
    keeps no style of its own (pick_page_styles)."""
    meta = with_sources(fake_meta())
    tok = train_bpe(T.corpus(fake_meta(), per_image=1), vocab_size=BYTE_OFFSET + 256 + 50)
    n = len(meta)
    a = T.TaskSampler(meta, tok, seed=5, plan=True, draw_vendors="fluent", draw_p=0.5)
    b = T.TaskSampler(meta, tok, seed=5, plan=True, draw_vendors="fluent", draw_p=0.5, draw_plan=False)
    seen = {"drawn": 0, "other": 0}
    for task in ALL_TASKS * 40:
        ea, eb = a.sample(task), b.sample(task)
        assert [x for x in ea if x[0] == "img"] == [x for x in eb if x[0] == "img"]
        drawn = any(meta[row % n]["vendor"] == "fluent" for kind, row, loss in ea if kind == "img")
        plan_b = [x for x in eb if x[0] == "text" and x[2] == "plan"]
        if drawn:
            seen["drawn"] += 1
            assert not plan_b and tok.ans not in [i for kind, ids, loss in eb if kind == "text" for i in ids]
            k = [x[0] == "img" and x[2] for x in eb].index(True)   # the target's row: [IMG] before it, no target itself
            assert eb[k - 1] == ("text", [tok.img], False)
            j = ea.index(("text", [tok.ans], False))     # a's plan: <ans>, its words, its [IMG], all in place of b's [IMG]
            assert ea[j + 2] == ("text", [tok.img], "plan") and ea[:j] + [eb[k - 1]] + ea[j + 3:] == eb
        else:
            seen["other"] += 1
            assert eb == ea
    assert seen["drawn"] > 50 and seen["other"] > 50, seen
    from dataclasses import replace
    cfg = replace(TINY, draw_vendors="fluent")
    assert T.pick_page_styles(cfg) and not T.pick_page_styles(replace(cfg, draw_plan=False))


def test_draw_tasks_keep_the_others_on_the_trained_designs():
    """draw_tasks=sketch: only sketches are drawn on draw_vendors' designs, at draw_p; tone edits, colorizations and
    inpaintings never; an unknown task is refused."""
    meta = with_sources(fake_meta())
    tok = train_bpe(T.corpus(fake_meta(), per_image=1), vocab_size=BYTE_OFFSET + 256 + 50)
    n = len(meta)
    s = T.TaskSampler(meta, tok, seed=5, plan=True, draw_vendors="fluent", draw_p=0.5, draw_tasks="sketch")
    fluent = {t: 0 for t in T.DRAW_TASKS}
    for task in T.DRAW_TASKS:
        for _ in range(200):
            fluent[task] += any(meta[row % n]["vendor"] == "fluent" for kind, row, loss in s.sample(task) if kind == "img")
    assert 50 < fluent["sketch"] < 150 and all(fluent[t] == 0 for t in T.DRAW_TASKS if t != "sketch"), fluent
    with pytest.raises(ValueError, match="not among"):
        T.TaskSampler(meta, tok, draw_vendors="fluent", draw_p=0.5, draw_tasks="sketch,t2i")


def test_sketch_source_share_is_its_own():
    """sketch_source_p sets how often a sketch's edge map is another vendor's drawing, apart from the other tasks'
    source_vendor_p; left at -1 the sampler draws exactly what it drew before (the control arm is the old recipe)."""
    meta = with_sources(fake_meta())
    tok = train_bpe(T.corpus(fake_meta(), per_image=1), vocab_size=BYTE_OFFSET + 256 + 50)
    n, fluent = len(meta), {m["i"] for m in meta if m["vendor"] in ("fluent", "noto_v1")}

    def share(s, task, k=400):
        given = [[row % n for kind, row, loss in s.sample(task) if kind == "img" and not loss][0] for _ in range(k)]
        return sum(i in fluent for i in given) / k
    s = T.TaskSampler(meta, tok, seed=3, sources="fluent,noto_v1", source_p=0.2, sketch_source_p=0.9)
    assert share(s, "sketch") > 0.8 and share(s, "edit_style") < 0.35 and share(s, "caption") < 0.35
    a = T.TaskSampler(meta, tok, seed=5, sources="fluent,noto_v1", source_p=0.3)
    b = T.TaskSampler(meta, tok, seed=5, sources="fluent,noto_v1", source_p=0.3, sketch_source_p=0.3)
    for task in ALL_TASKS * 5:
        assert a.sample(task) == b.sample(task)


def test_sketch_lines_share_changes_the_sketch_variant_alone():
    """sketch_lines_p: a sketch's edge map (a trained drawing's or another vendor's) is read from the "lines" variant
    with that probability, from a generator of its own, so every example is the one sketch_lines_p=0 gives but for a
    sketch's given row moving from the "edges" block to the "lines" block; at 0 no row is ever a "lines" row."""
    meta = with_sources(fake_meta())
    tok = train_bpe(T.corpus(fake_meta(), per_image=1), vocab_size=BYTE_OFFSET + 256 + 50)
    n, edges, lines = len(meta), T.VARIANTS.index("edges"), T.VARIANTS.index("lines")
    kw = dict(sources="fluent,noto_v1", source_p=0.3, sketch_source_p=0.5)
    off, half, on = (T.TaskSampler(meta, tok, seed=7, sketch_lines_p=p, **kw) for p in (0.0, 0.5, 1.0))
    moved = {"half": 0, "sketches": 0}
    for task in ALL_TASKS * 60:
        a, b, c = off.sample(task), half.sample(task), on.sample(task)
        blocks = lambda ex: [row // n for kind, row, loss in ex if kind == "img"]
        assert lines not in blocks(a)
        if task != "sketch":
            assert a == b == c, task
            continue
        moved["sketches"] += 1
        # the given edge map alone moves, to the same image's row in the lines block
        given = lambda ex: [k for k, (kind, row, loss) in enumerate(ex) if kind == "img" and not loss][0]
        k = given(a)
        assert a[k][1] // n == edges and c[k][1] == a[k][1] + (lines - edges) * n
        assert c[:k] + c[k + 1:] == a[:k] + a[k + 1:] and b[:k] + b[k + 1:] == a[:k] + a[k + 1:]
        moved["half"] += b[k][1] != a[k][1]
    assert 0.35 < moved["half"] / moved["sketches"] < 0.65, moved


def test_line_drawing_is_strokes_along_the_edges():
    """transforms.line_drawing: black (-1) on white (+1) only, ink along a drawing's colour boundaries and over its
    near-black areas, none inside a flat colour or on the background; an odd id draws a wider stroke (a superset of the
    even id's); the "lines" variant is the edge map of that drawing, as the page takes a canvas's edge map."""
    from training import transforms as X
    x = torch.ones(2, 3, 64, 64)
    yy, xx = torch.meshgrid(torch.arange(64.), torch.arange(64.), indexing="ij")
    disc = ((yy - 32) ** 2 + (xx - 28) ** 2 < 16 ** 2)
    x[:, 0][:, disc], x[:, 1][:, disc], x[:, 2][:, disc] = 0.8, -0.6, -0.6   # a red disc
    x[:, :, 50:56, 50:56] = -1.0                                           # a black square
    thin, wide = X.line_drawing(x, [4, 7])
    assert set(torch.unique(thin).tolist()) == {-1.0, 1.0} and torch.equal(thin[0], thin[1]) and torch.equal(thin[0], thin[2])
    ink_t, ink_w = thin[0] < 0, wide[0] < 0
    assert ink_t[32, 12] and ink_t[32, 44 - 1] and ink_t[16, 28]           # on the disc's rim
    assert not ink_t[32, 28] and not ink_t[5, 5] and not ink_t[32, 60]     # its inside and the background
    assert ink_t[52:54, 52:54].all()                                       # the black square, filled
    assert (ink_w | ~ink_t).all() and ink_w.sum() > 1.3 * ink_t.sum()      # the wider stroke holds the thin one
    assert torch.equal(X.line_drawing(x[:1], [4]), thin[None])             # a pure function of the image and its id
    v = T.image_variants(x, torch.tensor([4, 7]))
    assert torch.equal(v["lines"], X.sobel_edges(X.line_drawing(x, [4, 7])))
    assert torch.equal(v["edges"], X.sobel_edges(x))
    # a stroke's edge map outlines it on both sides: more ink than the colour drawing's edge map, one line per boundary
    assert (v["lines"][0, 0] < 0).sum() > (v["edges"][0, 0] < 0).sum()


def test_reader_adds_to_given_images_only(setup):
    """reader=True: every given image (a caption's image, an edit's source, colorization's gray, ...) is also read
    from the reader's bank, added through the reader's projector, which starts at zero (a model gains a reader
    unchanged); the generated image's inputs, its targets and an edit's residual base stay the encoder's."""
    from dataclasses import replace
    from training.mllm import source_inputs
    meta, tok, bank, _ = setup
    reader = bank.flip(-1) + 3.0                     # another encoder's bank, same rows
    flat, rflat = bank.view(-1, bank.shape[-1]), reader.view(-1, reader.shape[-1])
    s = T.TaskSampler(meta, tok, seed=7, order="scale", plan=True)
    torch.manual_seed(0)
    m = MLLM(replace(TINY, order="scale", plan=True, ctx=1024, reader=True, residual_edit=True)).eval()
    m.reader_mean.fill_(3.0)
    batches = {}
    for task in ALL_TASKS:
        ex = [s.sample(task) for _ in range(2)]
        a = T.to_device(T.assemble(ex, 1024, "scale"), flat, "cpu")
        b = T.to_device(T.assemble(ex, 1024, "scale"), flat, "cpu", reader_flat=rflat)
        given = source_inputs(b).unsqueeze(-1)
        assert "reader" not in a and torch.equal(a["feats"], b["feats"]), task
        assert torch.equal(b["reader"], torch.where(given, a["feats"].flip(-1) + 3.0, torch.zeros(()))), task
        assert torch.equal(a["feat_tgt"], b["feat_tgt"]) and torch.equal(a["feat_res"], b["feat_res"]), task
        with torch.no_grad():   # zero at the start: the same loss with and without the reader's input
            assert torch.equal(m.compute_loss(a)[0], m.compute_loss(b)[0]), task
        batches[task] = (a, b)
    with torch.no_grad():
        m.reader_proj[2].bias.add_(torch.randn(m.reader_proj[2].bias.shape))   # not constant: LayerNorm would remove it
        for task, (a, b) in batches.items():   # a trained reader changes what reads a given image, nothing else
            assert bool(torch.equal(m.compute_loss(a)[0], m.compute_loss(b)[0])) == (task == "t2i"), task
        b = T.to_device(T.assemble([s.sample("caption"), s.sample("edit_tone")], 1024, "scale"), flat, "cpu", reader_flat=rflat)
        e0 = m.embed(b["ids"], b["slot"], b["feats"])
        e1 = m.embed(b["ids"], b["slot"], b["feats"], reader=b["reader"])
    changed = (e1 - e0).abs().amax(-1) > 0
    assert torch.equal(changed, source_inputs(b)) and int(changed.sum()) == 2 * N_IMG
    with pytest.raises(ValueError):
        MLLM(replace(TINY, reader=True))             # token order feeds generated tokens through slots 1..341 too


def test_residual_input_reads_the_base_at_edits_queries_only(setup):
    """residual_input: an edit's residual base (the source's token at each generated token's place) is added to that
    query's embedding through res_proj, which starts at zero (a model gains it unchanged); text-to-image, captions and
    questions have no base and are untouched however res_proj is trained."""
    from dataclasses import replace
    meta, tok, bank, _ = setup
    flat = bank.view(-1, bank.shape[-1])
    s = T.TaskSampler(meta, tok, seed=7, order="scale", plan=True)
    torch.manual_seed(0)
    cfg = replace(TINY, order="scale", plan=True, ctx=1024, residual_edit=True)
    m0 = MLLM(cfg).eval()
    m1 = MLLM(replace(cfg, residual_input=True)).eval()
    assert set(m1.state_dict()) - set(m0.state_dict()) == {f"res_proj.{i}.{w}" for i in (0, 2) for w in ("weight", "bias")}
    m1.load_state_dict(m0.state_dict(), strict=False)
    batches = {t: T.to_device(T.assemble([s.sample(t) for _ in range(2)], 1024, "scale"), flat, "cpu") for t in ALL_TASKS}
    with torch.no_grad():
        for task, b in batches.items():   # zero at the start
            assert torch.equal(m1.compute_loss(b)[0], m0.compute_loss(b)[0]), task
        m1.res_proj[2].weight.normal_(std=0.5)
        for task, b in batches.items():
            assert bool(torch.equal(m1.compute_loss(b)[0], m0.compute_loss(b)[0])) == (task in T.SHORT_TASKS), task
        b = batches["edit_tone"]
        e0 = m1.embed(b["ids"], b["slot"], b["feats"])
        e1 = m1.embed(b["ids"], b["slot"], b["feats"], res=b["feat_res"], res_m=b["has_res"])
    changed = (e1 - e0).abs().amax(-1) > 0
    assert torch.equal(changed, b["has_res"] > 0) and int(changed.sum()) == 2 * N_IMG
    with pytest.raises(ValueError):
        MLLM(replace(cfg, residual_edit=False, residual_input=True))
    from training.mllm_graphs import export_unified
    with pytest.raises(NotImplementedError):   # the page's graphs have no such input: refused, not exported without it
        export_unified(m1, "/nonexistent")


def test_given_mask_is_exactly_the_given_slots():
    """given_mask is arithmetic (JSEP WebGPU got the comparison form wrong): 1 exactly at slots 1..N_IMG, 0 at 0 and beyond."""
    slot = torch.arange(0, 2 * N_IMG + 2).view(2, -1)
    want = ((slot > 0) & (slot <= N_IMG)).float()
    assert torch.equal(given_mask(slot, torch.float32), want)
    assert given_mask(slot, torch.float32).sum().item() == N_IMG


def test_given_drop_reads_understanding_images_through_the_reader_alone(setup):
    """given_drop: a caption's or question's given image loses the encoder's features (their mean, 0 normalised), the
    reader's stay; an edit's source, the generated images and everything outside training are untouched."""
    from dataclasses import replace
    from training.mllm import source_inputs
    meta, tok, bank, _ = setup
    flat, rflat = bank.view(-1, bank.shape[-1]), (bank.flip(-1) + 3.0).view(-1, bank.shape[-1])
    s = T.TaskSampler(meta, tok, seed=7, order="scale", plan=True)
    torch.manual_seed(0)
    cfg = replace(TINY, order="scale", plan=True, ctx=1024, reader=True, residual_edit=True)
    m0 = MLLM(cfg).train()
    with torch.no_grad():
        m0.feat_mean.normal_()
        m0.reader_proj[2].weight.normal_(std=0.1)
    m1 = MLLM(replace(cfg, given_drop=1.0)).train()
    m1.load_state_dict(m0.state_dict())
    with torch.no_grad():
        for task in ("caption", "vqa"):
            b = T.to_device(T.assemble([s.sample(task) for _ in range(2)], 1024, "scale"), flat, "cpu", reader_flat=rflat)
            dropped = dict(b, feats=torch.where(source_inputs(b).unsqueeze(-1), m0.feat_mean, b["feats"]))
            assert source_inputs(b).any(), task
            assert torch.equal(m1.compute_loss(b)[0], m0.compute_loss(dropped)[0]), task
            assert not torch.equal(m1.compute_loss(b)[0], m0.compute_loss(b)[0]), task
            assert torch.equal(m1.eval().compute_loss(b)[0], m0.eval().compute_loss(b)[0]), task   # training only
            m0.train(), m1.train()
            assert torch.equal(m1.compute_loss(dict(b, reader=None))[0], m0.compute_loss(dict(b, reader=None))[0]), task
        for task in ("edit_tone", "edit_style", "colorize", "inpaint", "sketch", "t2i"):
            b = T.to_device(T.assemble([s.sample(task) for _ in range(2)], 1024, "scale"), flat, "cpu", reader_flat=rflat)
            assert torch.equal(m1.compute_loss(b)[0], m0.compute_loss(b)[0]), task


def tiny_train_args(tmp_path, setup):
    """train_mllm's arguments for the tiny config on the setup's dataset (random images) and tokenizer, written here"""
    meta, tok, _, _ = setup
    d = tmp_path / "train_data"
    d.mkdir()
    from training.data import save_images
    save_images(np.random.default_rng(0).integers(0, 255, (len(meta), 64, 64, 3), dtype=np.uint8), str(d))
    json.dump(meta, open(d / "meta.json", "w"))
    tp = tmp_path / "tok.json"
    tok.save(str(tp))
    return ["--config", "tiny", "--random-encoder", "--data-dir", str(d), "--tokenizer", str(tp), "--minutes", "2"]


def test_trainer_reads_sketches_from_line_drawings(tmp_path, setup, monkeypatch):
    """--set sketch_lines_p=1 reaches every data worker's sampler: with sketches the only two-image task, every
    two-image example's given image is a "lines" row of the bank (which holds that variant of every image)."""
    from training import train_mllm
    seen = []
    real = train_mllm.TaskSampler.edit_example
    monkeypatch.setattr(train_mllm.TaskSampler, "edit_example", lambda self, row, *a: seen.append(row // self.n) or real(self, row, *a))
    out = tmp_path / "run"
    assert train_mllm.main(tiny_train_args(tmp_path, setup) + ["--out-dir", str(out), "--workers", "0", "--max-steps", "2", "--set",
                           "sketch_lines_p=1", "task_mix=edit_tone=0,edit_style=0,colorize=0,inpaint=0"]) == 0
    assert torch_load(out / "mllm.pt")["config"]["sketch_lines_p"] == 1.0
    assert seen and set(seen) == {T.VARIANTS.index("lines")}


def test_reader_trains_from_an_init_without_one_and_evaluates(tmp_path, setup, monkeypatch):
    """train_mllm --set reader=True from a brought-back model without a reader: the reader's projector starts at zero,
    its normalisation is measured on the reader's bank; then the evaluation reads through it."""
    from training import train_mllm, eval_mllm
    _, tok, _, _ = setup
    args = tiny_train_args(tmp_path, setup)
    assert train_mllm.main(args + ["--out-dir", str(tmp_path / "a"), "--set", "order=scale", "--max-steps", "1"]) == 0
    assert train_mllm.main(args + ["--out-dir", str(tmp_path / "r"), "--init", str(tmp_path / "a" / "mllm.pt"),
                                   "--set", "reader=True", "ema=0", "lr=0", "--max-steps", "1"]) == 0
    init, got = torch_load(tmp_path / "a" / "mllm.pt")["model"], torch_load(tmp_path / "r" / "state.pt")["model"]
    assert not got["reader_proj.2.weight"].any() and not got["reader_proj.2.bias"].any()   # lr 0: as initialised, zero
    assert all(torch.equal(got[k], init[k].float()) for k in init)                        # the init itself unchanged
    assert torch.allclose(got["feat_mean"], init["feat_mean"]) and not torch.allclose(got["reader_mean"], got["feat_mean"])
    # reader_warmup: the first steps move the reader's projector and nothing else
    assert train_mllm.main(args + ["--out-dir", str(tmp_path / "w"), "--init", str(tmp_path / "a" / "mllm.pt"),
                                   "--set", "reader=True", "reader_warmup=1", "ema=0", "lr=0.01", "warmup=0", "--max-steps", "1"]) == 0
    got = torch_load(tmp_path / "w" / "state.pt")["model"]
    moved = {k for k in init if k in got and got[k].is_floating_point() and not torch.equal(got[k], init[k].float())}
    assert moved == set(), moved
    assert got["reader_proj.2.weight"].any()
    made = few_decoder_steps(monkeypatch, eval_mllm)
    files = eval_files(tmp_path, tok, [{"prompt": "a big red heart", "concept": "C2"}])
    res = eval_mllm.main(["--tiny", "--set", "order=scale", "reader=True", "residual_edit=True", "--device", "cpu", "--quick",
                          *files, "--n-canonical", "2", "--seeds", "1", "--out", str(tmp_path / "e.json")])
    assert res["config"]["mllm"]["reader"] and {"edit_tone", "edit_style"} <= set(res["edit"]) and made == [4]


def test_residual_input_trains_from_an_init_without_it(tmp_path, setup):
    """train_mllm --set residual_input=True from a model without it (v14): res_proj starts at zero, the init's weights
    are loaded unchanged; then it learns."""
    from training import train_mllm
    args = tiny_train_args(tmp_path, setup) + ["--set", "order=scale", "residual_edit=True"]
    assert train_mllm.main(args + ["--out-dir", str(tmp_path / "a"), "--max-steps", "1"]) == 0
    init = torch_load(tmp_path / "a" / "mllm.pt")["model"]
    for lr, out in (("0", "z"), ("0.01", "l")):
        assert train_mllm.main(args + ["residual_input=True", "ema=0", f"lr={lr}", "warmup=0", "--out-dir", str(tmp_path / out),
                                       "--init", str(tmp_path / "a" / "mllm.pt"), "--max-steps", "1"]) == 0
    zero, learnt = (torch_load(tmp_path / o / "state.pt")["model"] for o in ("z", "l"))
    assert not zero["res_proj.2.weight"].any() and not zero["res_proj.2.bias"].any()
    assert all(torch.equal(zero[k], init[k].float()) for k in init)
    assert learnt["res_proj.2.weight"].any()


def test_training_reads_given_images_through_the_shipped_reader(tmp_path, setup):
    """train_mllm --reader shipped: the reader is public/models/reader.onnx as the page runs it (as the encoder is
    without --encoder): the model's reader normalisation is measured on that reader's bank of the training images."""
    from training import train_mllm, shipped
    meta, tok, _, _ = setup
    args = [a for a in tiny_train_args(tmp_path, setup) if a != "--random-encoder"]
    assert train_mllm.main(args + ["--out-dir", str(tmp_path / "s"), "--reader", "shipped", "--set", "order=scale",
                                   "reader=True", "feature_dim=64", "ema=0", "lr=0", "--max-steps", "1"]) == 0
    got = torch_load(tmp_path / "s" / "state.pt")["model"]
    from training.data import load
    images, _ = load(str(tmp_path / "train_data"))
    bank = T.build_bank(shipped.load_reader()[0], images, "cpu", log=None)
    mean, std = T.feature_stats(bank, torch.tensor(T.TaskSampler(meta, tok, seed=0).idx))
    assert torch.allclose(got["reader_mean"], mean, atol=1e-3) and torch.allclose(got["reader_std"], std, atol=1e-3)


def test_widen_head_keeps_the_function():
    """widen_head: a wider regression head loaded from a narrower one gives the same features at first"""
    from dataclasses import replace
    from training.mllm import widen_head
    torch.manual_seed(0)
    small, wide = MLLM(TINY), MLLM(replace(TINY, head_hidden=3 * TINY.d_model))
    wide.load_state_dict(widen_head(small.state_dict(), wide))
    assert wide.head[0].weight.shape[0] == 3 * TINY.d_model
    h = torch.randn(4, 7, TINY.d_model)
    assert torch.allclose(small.head(h), wide.head(h), atol=1e-6)
    sd = small.state_dict()
    assert widen_head(sd, small) is sd   # already as wide: returned as it is
    with pytest.raises(AssertionError):   # never narrows
        widen_head(wide.state_dict(), small)


def test_deepen_keeps_the_function():
    """deepen: a deeper trunk loaded from a shallower one (new blocks spread evenly, copies with zeroed output
    projections) gives the same hidden states and features at first, and its new blocks still learn"""
    from dataclasses import replace
    from training.mllm import deepen
    torch.manual_seed(0)
    cfg = replace(TINY, n_layer=3)
    small, deep = MLLM(cfg), MLLM(replace(cfg, n_layer=5))
    for p in small.parameters():   # no zero output projection of its own, so a wrong copy would show
        torch.nn.init.normal_(p, std=0.2)
    deep.load_state_dict(deepen(small.state_dict(), deep))
    ids = torch.randint(0, 100, (2, 9))
    slot = torch.zeros(2, 9, dtype=torch.long)
    slot[:, 4:] = torch.arange(1, 6)
    feats = torch.randn(2, 9, cfg.feature_dim)
    h0, h1 = small(ids, slot, feats)[0], deep(ids, slot, feats)[0]
    assert torch.allclose(h0, h1, atol=1e-5)
    assert torch.allclose(small.features(h0), deep.features(h1), atol=1e-5)
    # 3 old blocks, 2 new: the new ones follow old blocks 0 and 1 (ceil(1.0) - 1, ceil(2.0) - 1)
    assert torch.equal(deep.blocks[1].attn.qkv.weight, small.blocks[0].attn.qkv.weight)
    assert torch.equal(deep.blocks[3].mlp[0].weight, small.blocks[1].mlp[0].weight)
    assert torch.equal(deep.blocks[4].attn.qkv.weight, small.blocks[2].attn.qkv.weight)
    assert not deep.blocks[1].attn.proj.weight.any() and not deep.blocks[3].mlp[2].weight.any()
    assert torch.equal(deep.blocks[2].attn.proj.weight, small.blocks[1].attn.proj.weight)
    deep(ids, slot, feats)[0].square().sum().backward()
    assert deep.blocks[1].attn.proj.weight.grad.abs().sum() > 0 and deep.blocks[3].mlp[2].weight.grad.abs().sum() > 0
    sd = small.state_dict()
    assert deepen(sd, small) is sd   # already as deep: returned as it is
    with pytest.raises(AssertionError):   # never shrinks
        deepen(deep.state_dict(), small)


def test_four_bit_grid():
    """quantize_blocks4: 4-bit codes with a float16 scale per block of 32 along a row, within half a step of the
    weights, exact on its own grid (values on it come back unchanged, as a packed checkpoint evaluated again must);
    fake_quantize(bits=4) puts the trunk's linear weights on it and the rest on the int8 grid, and pack_int8(bits=4)
    carries exactly those values at two codes a byte"""
    from dataclasses import replace
    from training import quantize as Q
    torch.manual_seed(0)
    w = torch.randn(8, 96) * 0.05
    w[3, 32:64] = 0                      # a zero block stays zero
    w[5, :32] = torch.rand(32) + 0.5     # all positive
    q, s = Q.quantize_blocks4(w)
    assert q.dtype == torch.uint8 and int(q.max()) <= 15 and s.shape == (8, 3) and s.dtype == torch.float16
    d = Q.dequantize_blocks4(q, s)
    step = s.float().repeat_interleave(32, dim=1)
    assert ((d - w).abs() <= step / 2 * 1.01 + 1e-7).all()
    assert not d[3, 32:64].any()
    big = d.abs().reshape(8, 3, 32).amax(2)
    assert torch.equal(big[big > 0], 7 * s.float()[big > 0]) and (big > 0).sum() == 23   # the largest magnitude: 7 steps
    q2, s2 = Q.quantize_blocks4(d)
    assert torch.equal(q2, q) and torch.equal(s2, s) and torch.equal(Q.dequantize_blocks4(q2, s2), d)
    with pytest.raises(AssertionError):   # a row that is not whole blocks
        Q.quantize_blocks4(torch.randn(4, 40))

    model = MLLM(replace(TINY, d_model=32, n_head=2, n_layer=2))
    q4, q8 = Q.fake_quantize(model, bits=4).state_dict(), Q.fake_quantize(model).state_dict()
    trunk = [k for k in q4 if Q.is_trunk4(k)]
    assert len(trunk) == 8 and "blocks.0.attn.qkv.weight" in trunk and "blocks.1.mlp.2.weight" in trunk
    for k in trunk:
        assert torch.equal(Q.dequantize_blocks4(*Q.quantize_blocks4(q4[k])), q4[k])   # on the grid
        assert not torch.equal(q4[k], q8[k])
    assert torch.equal(q4["tok_emb.weight"], q8["tok_emb.weight"])   # not the trunk: int8 as before
    packed = Q.pack_int8(model.state_dict(), bits=4)
    assert packed["blocks.0.mlp.0.weight"]["q4"].shape == (128, 16)   # [4 x 32, 32 columns / 2]
    got = Q.unpack_int8(packed)
    assert all(torch.equal(got[k], q4[k]) for k in trunk)
    assert torch.equal(got["tok_emb.weight"], q8["tok_emb.weight"])


def test_quantization_aware_training(tmp_path, setup):
    """qat_bits=4: the forward sees the trunk's linear weights on their 4-bit grid (the same outputs as those weights
    put on it), the gradient passes straight through to the full-precision weights, fake_quantize turns it off (its
    weights are on the grid already), and train_mllm trains such a model"""
    from dataclasses import replace
    from training import quantize as Q, train_mllm
    meta, tok, bank, _ = setup
    torch.manual_seed(0)
    cfg = replace(TINY, d_model=32, n_head=2, n_layer=2, qat_bits=4)
    model = MLLM(cfg)
    plain = MLLM(replace(cfg, qat_bits=0))
    plain.load_state_dict({k: Q.dequantize_blocks4(*Q.quantize_blocks4(v)) if Q.is_trunk4(k) else v
                           for k, v in model.state_dict().items()})
    ids = torch.randint(0, 100, (2, 9))
    slot = torch.zeros(2, 9, dtype=torch.long)
    slot[:, 4:] = torch.arange(1, 6)
    feats = torch.randn(2, 9, cfg.feature_dim)
    h = model(ids, slot, feats)[0]
    assert torch.allclose(h, plain(ids, slot, feats)[0], atol=1e-6)
    raw = MLLM(replace(cfg, qat_bits=0))
    raw.load_state_dict(model.state_dict())
    assert not torch.allclose(h, raw(ids, slot, feats)[0], atol=1e-4)   # the grid does change what the trunk computes
    h.square().sum().backward()
    plain(ids, slot, feats)[0].square().sum().backward()
    g, gp = model.blocks[0].mlp[0].weight.grad, plain.blocks[0].mlp[0].weight.grad
    assert g.abs().sum() > 0 and torch.allclose(g, gp, atol=1e-6)   # straight through: the grid point's gradient
    q = Q.fake_quantize(model, bits=4)
    from training.mllm import TrunkLinear
    assert not any(getattr(m, "qat", False) for m in q.modules())
    trunk = [m for m in model.modules() if isinstance(m, TrunkLinear)]
    assert len(trunk) == 8 and all(m.qat for m in trunk)   # the copy's switch, not the model's
    qs, ps = q.state_dict(), plain.state_dict()
    assert all(torch.equal(qs[k], ps[k]) for k in qs if Q.is_trunk4(k))   # what the forward saw is what ships
    args = tiny_train_args(tmp_path, setup)
    assert train_mllm.main(args + ["--out-dir", str(tmp_path / "q"), "--set", "order=scale", "d_model=32", "qat_bits=4",
                                   "--max-steps", "2"]) == 0
    assert torch_load(tmp_path / "q" / "mllm.pt")["config"]["qat_bits"] == 4


def test_train_from_an_init_grown_deeper(tmp_path, setup):
    """train_mllm --init with --set n_layer deeper than the init (an A/B arm's ARM_SET): the run trains the grown
    trunk, the init's blocks kept and the new ones zero-output copies (lr 0: as loaded)"""
    from training import train_mllm
    args = tiny_train_args(tmp_path, setup)
    assert train_mllm.main(args + ["--out-dir", str(tmp_path / "a"), "--set", "order=scale", "--max-steps", "1"]) == 0
    assert train_mllm.main(args + ["--out-dir", str(tmp_path / "g"), "--init", str(tmp_path / "a" / "mllm.pt"),
                                   "--set", "n_layer=3", "ema=0", "lr=0", "--max-steps", "1"]) == 0
    init, got = torch_load(tmp_path / "a" / "mllm.pt")["model"], torch_load(tmp_path / "g" / "state.pt")
    assert got["config"]["n_layer"] == 3
    got = got["model"]
    assert sorted({k.split(".")[1] for k in got if k.startswith("blocks.")}) == ["0", "1", "2"]
    assert all(torch.equal(got[k], init[k].float()) for k in init if not k.startswith("blocks."))
    # 1 old block, 2 new: both follow it
    for b in (1, 2):
        assert torch.equal(got[f"blocks.{b}.attn.qkv.weight"], init["blocks.0.attn.qkv.weight"].float())
        assert not got[f"blocks.{b}.attn.proj.weight"].any() and not got[f"blocks.{b}.mlp.2.bias"].any()


def test_train_only_the_head_from_an_init(tmp_path, setup):
    """train_only="head." with a wider head_hidden, from an init: only the regression head moves; every other
    parameter (trunk, embeddings, the tied LM head: every text output) stays the init's exactly."""
    from training import train_mllm
    args = tiny_train_args(tmp_path, setup)
    assert train_mllm.main(args + ["--out-dir", str(tmp_path / "a"), "--set", "order=scale", "plan=True", "--max-steps", "1"]) == 0
    assert train_mllm.main(args + ["--out-dir", str(tmp_path / "h"), "--init", str(tmp_path / "a" / "mllm.pt"), "--set",
                                   f"head_hidden={2 * TINY.d_model}", "train_only=head.", "ema=0", "lr=0.01", "warmup=0",
                                   "--max-steps", "2"]) == 0
    init, got = torch_load(tmp_path / "a" / "mllm.pt")["model"], torch_load(tmp_path / "h" / "state.pt")["model"]
    assert got["head.0.weight"].shape == (2 * TINY.d_model, TINY.d_model)
    same = [k for k in init if not k.startswith("head.")]
    assert same and all(torch.equal(got[k], init[k].float()) for k in same)
    assert not torch.equal(got["head.2.weight"][:, :TINY.d_model], init["head.2.weight"].float())   # the head learned
    assert got["head.2.weight"][:, TINY.d_model:].any()   # and so did its new units


def test_eval_edit_right_plan_tiny(tmp_path, setup, monkeypatch):
    """--edit-right-plan (the diagnosis for edits): every edit is drawn from its target drawing's own plan, so the
    plan names the source's concept and the asked tone or style every time, whatever the (random) model writes."""
    from training import eval_mllm
    few_decoder_steps(monkeypatch, eval_mllm)
    files = eval_files(tmp_path, setup[1], [{"prompt": "a big red heart", "concept": "C2"}])
    base = ["--tiny", "--set", "order=scale", "plan=True", "--device", "cpu", "--quick", *files, "--n-canonical", "1",
            "--seeds", "1", "--n-heldout", "4"]
    own = eval_mllm.main(base + ["--out", str(tmp_path / "a.json")])
    res = eval_mllm.main(base + ["--edit-right-plan", "--out", str(tmp_path / "b.json")])
    assert res["config"]["edit_right_plan"] and not own["config"]["edit_right_plan"]
    assert set(res["edit"]) == {"edit_tone", "edit_style"}
    for kind, e in res["edit"].items():
        assert e["plan"] == {"concept": 1.0, "asked_field": 1.0, "both": 1.0}, kind
    assert any(e["plan"]["both"] < 1 for e in own["edit"].values())   # the random model's own plans are not
    # --plans-only: the same plans, nothing drawn (no scale, no text-to-image)
    po = eval_mllm.main(base + ["--plans-only", "--out", str(tmp_path / "p.json")])
    assert po["config"]["plans_only"] and "t2i_canonical" not in po and "t2i_natural" not in po
    assert {k: (e["n"], e["plan"], e["plan_examples"]) for k, e in po["edit"].items()} == \
        {k: (e["n"], e["plan"], e["plan_examples"]) for k, e in own["edit"].items()}
    assert all("per_scale" not in e for e in po["edit"].values())
    for e in res["edit"].values():   # success needs both halves; the source's own field is another label than the asked
        for v in e["per_scale"].values():
            assert v["success"] <= min(v["judge_concept"], v["judge_field"])
            assert v["judge_field"] + v["judge_source_field"] <= 1
    for v in res["edit"]["edit_tone"]["per_scale"].values():   # every missed tone is sorted into one kind of miss
        assert math.isclose(sum(v["tone_miss"].values()), 1 - v["judge_field"], abs_tol=1e-6)
        assert sum(v["tone_confusion"].values()) <= round((1 - v["judge_field"]) * res["edit"]["edit_tone"]["n"])
    one = eval_mllm.main(base + ["--edit-kinds", "edit_tone", "--out", str(tmp_path / "c.json"), "--save-drawings", str(tmp_path / "c.pt")])
    assert set(one["edit"]) == {"edit_tone"} and one["edit"]["edit_tone"]["n"] == own["edit"]["edit_tone"]["n"]
    # --save-drawings: what was judged at f0 and f1 (8 bits, as the page shows it), each job's plan and what it asked
    saved, n = torch.load(tmp_path / "c.pt")["edit_tone"], one["edit"]["edit_tone"]["n"]
    assert saved["f0"].shape == saved["f1"].shape == (n, 64, 64, 3) and saved["f0"].dtype == torch.uint8
    # and the f0 tokens drawn, which saved["f0"] is the decode of (what sketch_editor --memory reads)
    assert saved["f0_tokens"].shape[:2] == (n, 256) and saved["f0_tokens"].dtype == torch.float16
    assert saved["f0_tokens"].float().std() > 0
    assert [[j[0], p] for j, p in zip(saved["jobs"], saved["plans"])][:5] == one["edit"]["edit_tone"]["plan_examples"]
    # --tone-guidance: the same plans (guidance acts on the drawing only), recorded in the config
    pushed = eval_mllm.main(base + ["--edit-kinds", "edit_tone", "--tone-guidance", "2", "--out", str(tmp_path / "d.json")])
    assert pushed["config"]["tone_guidance"] == 2 and one["config"]["tone_guidance"] == 1
    assert pushed["edit"]["edit_tone"]["plan"] == one["edit"]["edit_tone"]["plan"]
    # --plan-mix: each named variant drawn again from the same plans, reported beside the drawing as planned; all 1
    # is the drawing itself, and sketches say how closely the drawing follows the sketch given
    mixed = eval_mllm.main(base + ["--edit-kinds", "edit_tone,sketch", "--plan-mix", "same=1,1,1,1,1;fine=1,1,1,0,0",
                                   "--plan-mix-kinds", "edit_tone,sketch", "--out", str(tmp_path / "m.json")])
    e = mixed["edit"]
    assert set(e) == {"edit_tone", "sketch", "edit_tone~same", "sketch~same", "edit_tone~fine", "sketch~fine"}
    assert e["sketch~fine"]["plan_mix"] == [1, 1, 1, 0, 0] and mixed["config"]["plan_mix"]["fine"] == [1, 1, 1, 0, 0]
    for kind in ("edit_tone", "sketch"):
        for sc, v in e[kind]["per_scale"].items():
            nums = {k: x for k, x in v.items() if isinstance(x, float)}
            assert {k: e[kind + "~same"]["per_scale"][sc][k] for k in nums} == pytest.approx(nums, abs=1e-4)
        assert e[kind + "~fine"]["plan"] == e[kind]["plan"]
    assert all(-1 <= v["edge_corr"] <= 1 for v in e["sketch"]["per_scale"].values())
    assert e["sketch"]["edge_corr_target"] == pytest.approx(1.0)   # a colour sketch is its target's own edge map


def test_plan_groups_name_the_half_a_job_misses_in():
    """A sketch's plan: the concept wrong, right in the target's own style (for a held-out-vendor target, a pair no run
    trained), or right in another style."""
    from types import SimpleNamespace
    from training import eval_mllm
    meta = [{"i": 0, "concept": "c0", "name": "red apple", "vendor": "twitter", "skin_tone": "none"},
            {"i": 1, "concept": "c1", "name": "ram", "vendor": "google", "skin_tone": "none"}]
    jobs = [("sketch", None, "s", "c0", 0, 0, 0)] * 3 + [("sketch", None, "s", "c1", 1, 1, 1)]
    plans = [" red apple | twemoji | none", " red apple | noto | none", " ram | twemoji | none", " ram | noto | none"]
    assert eval_mllm.plan_groups(SimpleNamespace(meta=meta), jobs, plans) == \
        ["right, target style", "right, other style", "wrong concept", "right, target style"]
    # a tone edit's target is the drawing at the asked tone (jobs[k][5]), not its tone (jobs[k][4])
    tone = [("edit_tone", None, "darker", "c0", "dark", 0, 0), ("edit_tone", None, "darker", "c1", "dark", 1, 1)]
    assert eval_mllm.plan_groups(SimpleNamespace(meta=meta), tone, [" red apple | twemoji | dark", " ram | twemoji | dark"]) == \
        ["right, target style", "right, other style"]
    hits = {"success": torch.tensor([True, False, True, True])}
    assert eval_mllm.rates_by_group(hits, ["wrong concept", "right, other style", "wrong concept", "wrong concept"]) == {
        "right, target style": {"n": 0, "success": None}, "right, other style": {"n": 1, "success": 0.0},
        "wrong concept": {"n": 3, "success": 1.0}}


def test_eval_sources_heldout_concept_tiny(tmp_path, setup, monkeypatch):
    """--sources heldout_concept: the edits' given images are the held-out concepts' drawings by the trained vendors,
    one style edit each toward the other vendor's drawing of it."""
    from training import eval_mllm
    few_decoder_steps(monkeypatch, eval_mllm)
    files = eval_files(tmp_path, setup[1], [{"prompt": "a big red heart", "concept": "C2"}])
    path = tmp_path / "data" / "meta.json"
    meta = json.load(open(path))
    for m in meta:   # C1's trained drawings become a held-out concept's
        if m["concept"] == "C1" and m["split"] == "train":
            m["split"] = "heldout_concept"
    json.dump(meta, open(path, "w"))
    want = sum(m["split"] == "heldout_concept" for m in meta)
    assert want != sum(m["split"] == "heldout_vendor" for m in meta)   # the two source sets tell apart by their size
    base = ["--tiny", "--set", "order=scale", "plan=True", "--device", "cpu", "--quick", *files, "--n-canonical", "1",
            "--seeds", "1", "--edit-kinds", "edit_style"]
    res = eval_mllm.main(base + ["--sources", "heldout_concept", "--out", str(tmp_path / "a.json")])
    assert res["config"]["sources"] == "heldout_concept" and res["edit"]["edit_style"]["n"] == want
    assert all(ex[1].strip() for ex in res["edit"]["edit_style"]["plan_examples"])
    hv = eval_mllm.main(base + ["--out", str(tmp_path / "b.json")])
    assert hv["config"]["sources"] == "heldout_vendor" and hv["edit"]["edit_style"]["n"] == sum(m["split"] == "heldout_vendor" for m in meta)


def test_eval_sources_train_tiny(tmp_path, setup, monkeypatch):
    """--sources train: the edits' given images are a --n-heldout sample of the trained vendors' training drawings
    (a diagnosis: sources and targets the model trained on), every one a training drawing."""
    from training import eval_mllm
    few_decoder_steps(monkeypatch, eval_mllm)
    files = eval_files(tmp_path, setup[1], [{"prompt": "a big red heart", "concept": "C2"}])
    meta = json.load(open(tmp_path / "data" / "meta.json"))
    seen = []
    real = eval_mllm.edit_jobs
    monkeypatch.setattr(eval_mllm, "edit_jobs", lambda ctx, hv, *a, **k: seen.extend(hv) or real(ctx, hv, *a, **k))
    res = eval_mllm.main(["--tiny", "--set", "order=scale", "plan=True", "--device", "cpu", "--quick", *files,
                          "--n-canonical", "1", "--seeds", "1", "--edit-kinds", "edit_tone", "--sources", "train",
                          "--n-heldout", "4", "--out", str(tmp_path / "t.json")])
    assert res["config"]["sources"] == "train" and len(seen) == 4 == len(set(seen))
    assert all(meta[i]["split"] == "train" for i in seen)
    assert res["edit"]["edit_tone"]["n"] == sum(meta[i]["concept"] == "C1" for i in seen)   # C1 alone has tones


def test_eval_tone_editor_tiny(tmp_path, setup, monkeypatch):
    """--tone-editor: the edits whose instruction asks for a tone drawn again by a saved local editor from the plan's
    tone (here every job's right plan): every tone edit under route 'all', no style edit, the MLLM's drawings changed
    for them alone."""
    from training import eval_mllm, tone_editor as E
    few_decoder_steps(monkeypatch, eval_mllm)
    files = eval_files(tmp_path, setup[1], [{"prompt": "a big red heart", "concept": "C2"}])
    torch.manual_seed(0)
    net = E.ToneEditor(TINY.feature_dim, 2 * len(E.TONES), width=8, depth=2, coords=True)
    torch.nn.init.normal_(net.out.weight)   # not the copy: its drawings differ from the source's
    ed = tmp_path / "editor.pt"
    torch.save({"state": net.state_dict(), "args": {"src": False, "width": 8, "depth": 2, "coords": True}}, ed)
    drawn = []   # (kind, every job's drawing) as each scoring saw them: the MLLM's, then each route's
    real = eval_mllm.score_edits
    monkeypatch.setattr(eval_mllm, "score_edits", lambda ctx, kind, jobs, gen, *a, **k:
                        drawn.append((kind, gen.clone(), jobs)) or real(ctx, kind, jobs, gen, *a, **k))
    res = eval_mllm.main(["--tiny", "--set", "order=scale", "plan=True", "--device", "cpu", "--quick", *files,
                          "--n-canonical", "1", "--seeds", "1", "--edit-kinds", "edit_tone,edit_style", "--edit-right-plan",
                          "--tone-editor", str(ed), "--out", str(tmp_path / "t.json")])
    e = res["edit"]
    assert e["edit_tone"]["n"] > 0 and e["edit_style"]["n"] > 0
    assert e["edit_style~tone_editor_all"]["tone_editor"]["drawn_by_editor"] == 0
    assert res["config"]["tone_editor"].endswith("editor.pt")
    (_, mllm, jobs), (_, mllm2, _), (_, routed, _) = drawn[:3]   # edit_style, edit_tone as drawn; route 'all'
    assert torch.equal(mllm, mllm2)
    # the tone edits whose instruction says skin (every right plan names a tone): the editor's; the rest the MLLM's
    tone = [k for k, j in enumerate(jobs) if j[0] == "edit_tone" and E.names_tone(j[2], E.tone_words())]
    assert 0 < len(tone) == e["edit_tone~tone_editor_all"]["tone_editor"]["drawn_by_editor"]
    style = [k for k in range(len(jobs)) if k not in tone]
    assert torch.equal(routed[style], mllm[style])                 # a style edit (or no skin) left as the MLLM drew it
    assert not torch.isclose(routed[tone], mllm[tone]).all()       # a tone edit drawn again, by the editor: its f0
    # pooled into the coarser scales as the encoder's pyramid is (f1's tokens the means of f0's 2x2 blocks)
    f0, f1 = eval_mllm.split_scales(routed[tone])["f0"], eval_mllm.split_scales(routed[tone])["f1"]
    grid = f0.reshape(len(tone), 8, 2, 8, 2, -1).mean((2, 4)).reshape(len(tone), 64, -1)
    assert torch.allclose(f1, grid, atol=1e-3)
    assert res["config"]["tone_editor"].endswith("editor.pt")


def test_eval_tone_edit_as_the_page_tiny(tmp_path, setup, monkeypatch):
    """By default (--tone-edit manifest) the edits draw as the page does with manifest mllm.tone_edit: the tone edits
    whose instruction says skin drawn by the shipped editor (here a tiny one in its place) into the evaluation's own
    rows, counted per kind; --tone-edit none leaves every edit the MLLM's."""
    from training import eval_mllm, tone_editor as E
    few_decoder_steps(monkeypatch, eval_mllm)
    files = eval_files(tmp_path, setup[1], [{"prompt": "a big red heart", "concept": "C2"}])
    torch.manual_seed(0)
    net = E.ToneEditor(TINY.feature_dim, 2 * len(E.TONES), width=8, depth=2, coords=True)
    torch.nn.init.normal_(net.out.weight)
    monkeypatch.setattr(E, "load_shipped", lambda device="cpu", models_dir=None: net.eval())
    drawn = {}
    real = eval_mllm.score_edits
    monkeypatch.setattr(eval_mllm, "score_edits", lambda ctx, kind, jobs, gen, *a, **k:
                        drawn.setdefault(len(drawn), (kind, gen.clone(), jobs)) and real(ctx, kind, jobs, gen, *a, **k))
    base = ["--tiny", "--set", "order=scale", "plan=True", "--device", "cpu", "--quick", *files, "--n-canonical", "1",
            "--seeds", "1", "--edit-kinds", "edit_tone,edit_style", "--edit-right-plan"]
    page = eval_mllm.main(base + ["--out", str(tmp_path / "page.json")])
    _, with_editor, jobs = drawn[0]
    drawn.clear()
    plain = eval_mllm.main(base + ["--tone-edit", "none", "--out", str(tmp_path / "none.json")])
    _, mllm, _ = drawn[0]
    skin = [k for k, j in enumerate(jobs) if j[0] == "edit_tone" and E.names_tone(j[2], E.tone_words())]
    rest = [k for k in range(len(jobs)) if k not in skin]
    assert skin and page["config"]["tone_edit"]["route"] == "one" and plain["config"]["tone_edit"] is None
    assert page["edit"]["edit_tone"]["drawn_by_tone_editor"] == len(skin) and page["edit"]["edit_style"]["drawn_by_tone_editor"] == 0
    assert "drawn_by_tone_editor" not in plain["edit"]["edit_tone"]
    assert torch.equal(with_editor[rest], mllm[rest])                        # the rest as the MLLM drew them
    assert not torch.isclose(with_editor[skin], mllm[skin]).all()


def test_eval_sketch_lines_tiny(tmp_path, setup, monkeypatch):
    """sketch_lines: a held-out-vendor drawing's concept sketched as the line-drawn vendor drew it (the edge map of that
    drawing, as the page takes a canvas's), one job per held-out-vendor drawing whose concept that vendor drew (toned
    ones through the untoned line drawing), recognised like a sketch; none when the model read those drawings."""
    from training import eval_mllm
    few_decoder_steps(monkeypatch, eval_mllm)
    files = eval_files(tmp_path, setup[1], [{"prompt": "a big red heart", "concept": "C2"}], lines=("C0", "C1"))
    meta = json.load(open(tmp_path / "data" / "meta.json"))
    hv = [m for m in meta if m["split"] == "heldout_vendor"]
    want = sum(m["concept"] in ("C0", "C1") for m in hv)
    assert 0 < want < len(hv)   # C2 has no line drawing
    base = ["--tiny", "--device", "cpu", "--quick", *files, "--n-canonical", "1", "--seeds", "1",
            "--edit-kinds", "sketch,sketch_lines,sketch_lines_drawn"]
    res = eval_mllm.main(base + ["--set", "order=scale", "plan=True", "--out", str(tmp_path / "a.json")])
    assert res["edit"]["sketch_lines"]["n"] == res["edit"]["sketch_lines_drawn"]["n"] == want == res["config"]["sketch_lines"]["n"]
    assert res["edit"]["sketch"]["n"] == len(hv)
    for k in eval_mllm.LINE_KINDS:
        for v in res["edit"][k]["per_scale"].values():
            assert {"psnr", "recognised_top1", "recognised_top5"} <= set(v) and v["recognised_top1"] <= v["recognised_top5"]
    for k in ("sketch", *eval_mllm.LINE_KINDS):   # every item in one plan group; the groups' rates make up the whole
        for v in res["edit"][k]["per_scale"].values():
            g = v["recognised_by_plan"].values()
            assert sum(x["n"] for x in g) == res["edit"][k]["n"]
            assert sum(x["n"] * (x["recognised_top1"] or 0) for x in g) / res["edit"][k]["n"] == pytest.approx(v["recognised_top1"])
    read = eval_mllm.main(base + ["--set", "order=scale", "plan=True", f"source_vendors={eval_mllm.LINE_VENDOR}",
                                  "--out", str(tmp_path / "b.json")])
    assert not set(eval_mllm.LINE_KINDS) & set(read["edit"]) and read["config"]["sketch_lines"]["n"] == 0


def test_sketch_lines_jobs_leave_the_other_jobs_as_they_were():
    """The sketch_lines jobs read the line drawing's edge map and target the held-out drawing; every other job (and the
    random tones drawn for them) is the same with and without them."""
    import dataclasses
    import random
    from types import SimpleNamespace
    from training.eval_mllm import edit_jobs, line_sources, ALL_EDIT_KINDS, LINE_VENDOR
    from training.judge_ceiling import judge_ctx
    meta = fake_meta()
    for m in meta:
        m["split"] = "heldout_vendor" if m["vendor"] == "twitter" else "train"
    meta.append(dict(meta[0], i=len(meta), vendor=LINE_VENDOR, split="sources_extra"))   # C0's line drawing
    ctx, hv = judge_ctx(None, meta, SimpleNamespace(vocab={"skin_tone": list(T.TONES) + ["none"], "style": ["google", "twitter"]}))
    # the rows name their variant, so the assertions below see which image (drawing or edge map) each job reads
    ctx = dataclasses.replace(ctx, sampler=SimpleNamespace(row=lambda i, variant="orig": (variant, i)))
    lines = line_sources(meta, hv, "fluent,noto_v1")
    assert lines == {i: len(meta) - 1 for i in hv if meta[i]["concept"] == "C0"} and lines
    assert line_sources(meta, hv, f"fluent,{LINE_VENDOR}") == {}
    without = edit_jobs(ctx, hv, random.Random(3), ALL_EDIT_KINDS)
    got = edit_jobs(ctx, hv, random.Random(3), ALL_EDIT_KINDS, lines)
    assert got[:len(without)] == without
    # the line drawing's edge map (as the page takes a canvas), then the line drawing as drawn
    assert got[len(without):] == [(k, (v, len(meta) - 1), T.SKETCH[0], "C0", i, i, len(meta) - 1)
                                  for k, v in (("sketch_lines", "edges"), ("sketch_lines_drawn", "orig")) for i in lines]


def test_untoned_plans_are_the_same_plans_without_a_tone(setup):
    """--tone-guidance's contrast: a tone edit's plan with its tone set to none; other jobs, and plans already without
    a tone, get none (not guided)."""
    from training.eval_mllm import untoned_plans
    tok = setup[1]
    enc = lambda t: tok.encode(" " + T.normalize_text(t))
    jobs = [("edit_tone",), ("edit_tone",), ("edit_style",)]
    plans = [enc("thumbs up sign | noto | medium and dark"), enc("thumbs up sign | noto | none"),
             enc("red heart | twemoji | light")]
    got = untoned_plans(tok, jobs, plans)
    assert got[0] == enc("thumbs up sign | noto | none") and got[1] is None and got[2] is None


def test_tone_misses_sort_what_the_judge_sees():
    """tone_steps / tone_misses: a missed tone is a neighbour (one step on light .. dark, each person's), further off,
    untoned (the judge sees no tone) or other (another number of people); the shares are of all items."""
    from training.eval_mllm import tone_steps, tone_misses
    assert tone_steps("medium", "medium-dark") == 1 and tone_steps("light", "dark") == 4
    assert tone_steps("light,dark", "medium-light,dark") == 1 and tone_steps("light,dark", "dark,light") == 4
    assert tone_steps("none", "light") is None and tone_steps("light", "light,light") is None
    labels = ["dark", "light", "light,dark", "medium", "medium-dark", "none"]
    asked = ["medium", "medium", "medium", "light", "dark", "light,dark", "medium"]
    seen = [3, 4, 1, 0, 5, 3, 3]   # right, neighbour, far (2 steps), far, untoned, other, right
    got = tone_misses(labels, seen, asked)
    assert got["tone_miss"] == {"neighbour": 1 / 7, "far": 2 / 7, "untoned": 1 / 7, "other": 1 / 7}
    assert got["tone_confusion"] == {"dark -> none": 1, "light -> dark": 1, "light,dark -> medium": 1,
                                     "medium -> light": 1, "medium -> medium-dark": 1}


def test_eval_pick_tiny(tmp_path, setup, monkeypatch):
    """eval_mllm --pick (the page's manifest mllm.pick): captions are names the gallery retrieved, the picked tasks'
    plans name one, the others' plans are the greedy ones (the same as without --pick)."""
    from training import eval_mllm
    few_decoder_steps(monkeypatch, eval_mllm)
    files = eval_files(tmp_path, setup[1], [{"prompt": "a big red heart", "concept": "C2"}])
    base = ["--tiny", "--set", "order=scale", "plan=True", "reader=True", "residual_edit=True", "--device", "cpu", *files,
            "--n-t2i", "1", "--n-openmoji", "2", "--n-canonical", "1", "--seeds", "1", "--n-heldout", "3"]
    off = eval_mllm.main(base + ["--out", str(tmp_path / "a.json")])
    res = eval_mllm.main(base + ["--pick", "2", "--pick-tasks", "caption,edit", "--out", str(tmp_path / "b.json")])
    assert res["config"]["pick"] == 2 and res["config"]["pick_tasks"] == ["caption", "edit"]
    from training.manifest import read_manifest   # the retrieval frames the given images as the page does
    assert res["config"]["pick_frame"] == read_manifest()["mllm"]["pick"].get("frame") and off["config"]["pick_frame"] is None
    views = read_manifest()["mllm"]["pick"]["views"]   # and the caption's choice reads the page's re-drawings
    assert res["config"]["pick_views"] == {"thetas": views["thetas"], "tasks": views["tasks"]} and len(views["thetas"]) > 0
    meta = json.load(open(tmp_path / "data" / "meta.json"))
    names = {T.normalize_text(n) for n in eval_mllm.concept_names(meta).values()}
    for s in ("heldout_vendor", "openmoji"):
        assert all(ans in names for _, ans in res["caption"][s]["examples"])
    for kind, e in res["edit"].items():
        concepts = [T.parse_plan(p)["concept"] for _, p in e["plan_examples"]]
        if kind in ("edit_tone", "edit_style"):
            assert all(c in names for c in concepts)
        else:   # not picked: the greedy plans, as without --pick
            assert e["plan_examples"] == off["edit"][kind]["plan_examples"]
    # the record: every pick's candidates and scores; with a temperature each name adds its cosine over it
    fused = eval_mllm.main(base + ["--pick", "2", "--pick-tasks", "caption,edit", "--pick-temperature", "0.1",
                                   "--pick-record", str(tmp_path / "rec.json"), "--out", str(tmp_path / "c.json")])
    # without the flag the manifest's temperature applies (mllm.pick.temperature: the key's 1/S since stop 57)
    assert fused["config"]["pick_temperature"] == 0.1
    assert res["config"]["pick_temperature"] == read_manifest()["mllm"]["pick"].get("temperature")
    rec = json.load(open(tmp_path / "rec.json"))
    assert set(res["edit"]) == {"edit_tone", "edit_style", "colorize", "inpaint", "sketch"}
    assert {r["task"] for r in rec} == {"caption", "edit_tone", "edit_style"}   # the picked tasks only
    assert sum(r["task"] == "caption" for r in rec) == 3 + 2   # held-out vendor and OpenMoji
    for r in rec:
        assert len(r["names"]) == len(r["loglik"]) == len(r["prior"]) == 2 and r["want"] in names
        assert r["prior"][0] >= r["prior"][1]   # retrieval's order, its cosine over 0.1
        score = [l + p for l, p in zip(r["loglik"], r["prior"])]
        assert r["picked"] == r["names"][score.index(max(score))]
    caps = [r["picked"] for r in rec if r["task"] == "caption"]
    assert caps == [a for s in ("heldout_vendor", "openmoji") for _, a in fused["caption"][s]["examples"]]
    # --understand-reader-only: the captions' names are scored on the reader's reading alone (their retrieval and the
    # edits' plans as before)
    ro = eval_mllm.main(base + ["--pick", "2", "--pick-tasks", "caption,edit", "--pick-temperature", "0.1",
                                "--understand-reader-only", "--pick-record", str(tmp_path / "rec_ro.json"), "--out", str(tmp_path / "d.json")])
    assert ro["config"]["understand_reader_only"] and not fused["config"]["understand_reader_only"]
    rec_ro = json.load(open(tmp_path / "rec_ro.json"))
    assert [(r["task"], r["names"], r["prior"]) for r in rec_ro] == [(r["task"], r["names"], r["prior"]) for r in rec]
    cap_ll = lambda rs: [r["loglik"] for r in rs if r["task"] == "caption"]
    assert all(not np.allclose(a, b) for a, b in zip(cap_ll(rec_ro), cap_ll(rec)))
    assert [r["loglik"] for r in rec_ro if r["task"] != "caption"] == [r["loglik"] for r in rec if r["task"] != "caption"]
    # --understanding-only: the same captions and questions, nothing drawn
    und = eval_mllm.main(base + ["--pick", "2", "--pick-tasks", "caption,edit", "--understanding-only", "--out", str(tmp_path / "u.json")])
    assert not {"t2i", "t2i_canonical", "t2i_natural", "edit"} & set(und) and und["caption"] == res["caption"] and und["vqa"] == res["vqa"]
    # the captions' re-drawings read as the orig rows alone (captions only read views) give the captions the whole
    # re-drawn banks give (every picking task reading views)
    allv = eval_mllm.main(base + ["--pick", "2", "--pick-tasks", "caption,edit", "--understanding-only", "--pick-views-tasks",
                                  "all", "--out", str(tmp_path / "v.json")])
    assert allv["config"]["pick_views"]["tasks"] != und["config"]["pick_views"]["tasks"] and allv["caption"] == und["caption"]


def test_eval_dev_tiny(tmp_path, setup, monkeypatch):
    """eval_mllm --dev: the pick's dev set (dev_sources: OpenMoji drawings of training concepts outside the held-out
    vendor's) in place of the evaluation: its captions and every edit job's plan picked and recorded with their
    cosines, nothing drawn; training.pick_temperature chooses a temperature per page task on the record."""
    from training import eval_mllm, pick_temperature
    files = eval_files(tmp_path, setup[1], [{"prompt": "a big red heart", "concept": "C2"}], lines=("C1",),
                       openmoji=("C0", "C2", "C1"))
    mp = tmp_path / "data" / "meta.json"
    meta = json.load(open(mp))
    for m in meta:   # C1 (toned) no longer held out of a vendor: its OpenMoji drawing is a dev drawing
        if m["concept"] == "C1" and m["split"] == "heldout_vendor":
            m["split"] = "train"
    json.dump(meta, open(mp, "w"))
    monkeypatch.setattr(eval_mllm, "EVAL_OPENMOJI", (0,))   # the tiny set's two OpenMoji drawings: no evaluation reads them
    base = ["--tiny", "--set", "order=scale", "plan=True", "reader=True", "residual_edit=True", "--device", "cpu", *files]
    with pytest.raises(SystemExit):   # its output is the record
        eval_mllm.main(base + ["--dev", "5", "--pick", "2", "--out", str(tmp_path / "x.json")])
    res = eval_mllm.main(base + ["--dev", "5", "--pick", "2", "--pick-temperature", "1", "--pick-tasks",
                                "caption,edit,colorize,inpaint,sketch", "--pick-record", str(tmp_path / "rec.json"),
                                "--out", str(tmp_path / "dev.json")])
    dev = [m for m in meta if m["split"] == "openmoji" and m["concept"] == "C1"]
    assert res["config"]["dev"] == 5 and res["dev"]["n"] == len(dev) == 1 and res["dev"]["n_lines"] == 1
    assert not {"t2i", "t2i_canonical", "t2i_natural", "caption", "vqa"} & set(res)
    assert set(res["edit"]) == {"edit_tone", "edit_style", "colorize", "inpaint", "sketch", "sketch_lines"}
    assert all("per_scale" not in e for e in res["edit"].values())   # plans alone, nothing drawn
    rec = json.load(open(tmp_path / "rec.json"))
    names = {T.normalize_text(n) for n in eval_mllm.concept_names(meta).values()}
    assert sorted(r["task"] for r in rec) == sorted(["caption", *res["edit"]])   # one of each for the one drawing
    assert all(r["want"] == T.normalize_text(dev[0]["name"]) and r["picked"] in names for r in rec)
    got = pick_temperature.choose(rec, 1.0, 0.05)
    assert set(got) == {"caption", "edit", "colorize", "inpaint", "sketch"} and got["edit"]["n"] == 2
    for r in rec:   # a cosine is the prior at T = 1
        assert r["prior"] == sorted(r["prior"], reverse=True) and all(-1.0 <= c <= 1.0 for c in r["prior"])
    # --dev-draw: the dev set's edits drawn and judged (the kinds asked), with the same plans as recorded
    drawn = eval_mllm.main(base + ["--dev", "5", "--dev-draw", "--edit-kinds", "edit_style,sketch", "--pick", "2",
                                   "--pick-temperature", "1", "--pick-tasks", "caption,edit,colorize,inpaint,sketch",
                                   "--pick-record", str(tmp_path / "rec2.json"), "--out", str(tmp_path / "dev2.json")])
    assert drawn["config"]["dev_draw"] and set(drawn["edit"]) == {"edit_style", "sketch"}
    for k, e in drawn["edit"].items():
        assert set(e["per_scale"]) == {"f0", "f1", "f2", "f3", "f4"} and e["plan"] == res["edit"][k]["plan"]


def test_reader_only_reads_the_reader_alone(setup):
    """eval_mllm.reader_only: every encoder feature becomes the normalisation's mean, the reader's bank is the same
    object; a model without a reader is refused."""
    from training import eval_mllm
    from dataclasses import replace
    model = MLLM(replace(TINY, reader=True, order="scale"))
    model.feat_mean.copy_(torch.arange(TINY.feature_dim, dtype=torch.float32))
    main, reader = torch.randn(10, TINY.feature_dim).half(), torch.randn(10, TINY.feature_dim).half()
    m2, r2 = eval_mllm.reader_only(model, (main, reader))
    assert r2 is reader and m2.shape == main.shape and torch.equal(m2[7].float(), model.feat_mean)
    assert torch.equal(m2[torch.tensor([3, 3, 9])].float(), model.feat_mean.expand(3, -1))
    with pytest.raises(ValueError):
        eval_mllm.reader_only(model, main)


def test_anchor_charges_what_departs_from_the_teacher(setup):
    """anchor_weight / anchor_hidden (learning without forgetting): a student identical to its teacher pays nothing;
    one that departs pays the KL on the text positions (checked against F.kl_div there) and the hidden distance where
    nothing is drawn; a step on the anchor alone brings the student back toward the teacher."""
    import copy
    from dataclasses import replace
    import torch.nn.functional as F
    meta, tok, bank, _ = setup
    torch.manual_seed(0)
    cfg = replace(TINY, order="scale", plan=True, anchor_weight=1.0, anchor_hidden=1.0)
    teacher = MLLM(cfg).eval()
    s = T.TaskSampler(meta, tok, seed=2, order="scale", plan=True)
    b = T.to_device(s.batch({**T.SHORT_TASKS, **T.LONG_TASKS}, 6, cfg.ctx, pad_multiple=64),
                    bank.view(-1, bank.shape[-1]), "cpu")
    student = copy.deepcopy(teacher)
    plain, _ = student.compute_loss(b)
    same, st = student.compute_loss(b, teacher)
    assert float(st["kl"]) == 0 and float(st["hid"]) == 0 and torch.equal(same, plain)
    with torch.no_grad():
        for p in student.blocks[0].parameters():
            p.add_(0.05 * torch.randn_like(p))
    plain, _ = student.compute_loss(b)
    loss, st = student.compute_loss(b, teacher)
    said = b["text_tgt"] >= 0
    h, _ = student(b["ids"], b["slot"], b["feats"], block=b["block"])
    with torch.no_grad():
        th, _ = teacher(b["ids"], b["slot"], b["feats"], block=b["block"])
    kl = F.kl_div(F.log_softmax(student.logits(h)[said], -1), F.log_softmax(teacher.logits(th)[said], -1),
                  log_target=True, reduction="batchmean")
    keep = (b["block"] < T.PAD_BLOCK) & (b["feat_tgt_slot"] == 0)
    assert said.any() and keep.any() and (b["block"] >= T.PAD_BLOCK).any()   # text, given images and padding all present
    assert torch.isclose(st["kl"], kl, rtol=1e-4) and float(kl) > 0
    assert torch.isclose(st["hid"], (h - th).pow(2).mean(-1)[keep].mean(), rtol=1e-4)
    assert torch.isclose(loss, plain + st["kl"] + st["hid"], rtol=1e-5)
    opt = torch.optim.SGD(student.parameters(), lr=0.5)
    for _ in range(3):
        opt.zero_grad()
        student.anchor_loss(teacher, b, b["feats"], *(lambda h: (h, student.logits(h).float()))(
            student(b["ids"], b["slot"], b["feats"], block=b["block"])[0]), {}).backward()
        opt.step()
    _, after = student.compute_loss(b, teacher)
    assert float(after["kl"]) < float(st["kl"]) and float(after["hid"]) < float(st["hid"])
    assert not any(p.grad is not None for p in teacher.parameters())   # the teacher never learns


def test_trainer_anchored_to_its_init(tmp_path, setup):
    """train_mllm with the anchor: it needs --init; it trains, and resumes with the init as the teacher again."""
    from training import train_mllm
    args = tiny_train_args(tmp_path, setup)
    assert train_mllm.main(args + ["--out-dir", str(tmp_path / "a"), "--set", "order=scale", "plan=True", "--max-steps", "1"]) == 0
    with pytest.raises(SystemExit, match="need --init"):
        train_mllm.main(args + ["--out-dir", str(tmp_path / "x"), "--set", "anchor_weight=1", "--max-steps", "1"])
    anchored = args + ["--out-dir", str(tmp_path / "k"), "--init", str(tmp_path / "a" / "mllm.pt"), "--set",
                       "anchor_weight=1", "anchor_hidden=1", "lr=0.01", "warmup=0", "--log-every", "1"]
    assert train_mllm.main(anchored + ["--max-steps", "1"]) == 0
    assert train_mllm.main(anchored + ["--max-steps", "2"]) == 0   # resumed: the teacher rebuilt from --init
    stages = [json.loads(x) for x in open(tmp_path / "k" / "stages.jsonl")]
    assert [s["step"] for s in stages] == [1, 2]
    assert all({"s_kl", "s_hid", "l_kl", "l_hid"} <= set(s["last_losses"]) for s in stages)
    assert stages[1]["last_losses"]["s_kl"] > 0   # after a step the student has departed, and pays for it
    # the teacher of a resumed run is the init exactly, not the student it was copied from (which has moved)
    from training.mllm import from_config_dict
    ck = torch_load(tmp_path / "k" / "state.pt")
    student = MLLM(from_config_dict(ck["config"]))
    student.load_state_dict(ck["model"])
    init = torch_load(tmp_path / "a" / "mllm.pt")["model"]
    teacher = train_mllm.anchor_teacher(student, train_mllm.read_init(str(tmp_path / "a" / "mllm.pt")))
    got = teacher.state_dict()
    assert all(torch.equal(got[k], init[k].float()) for k in init)
    assert not all(torch.equal(student.state_dict()[k], init[k].float()) for k in init)
    assert not any(p.requires_grad for p in teacher.parameters())


def test_trainer_continues_a_brought_back_stage_on_its_clock(tmp_path, setup, monkeypatch):
    """train_mllm --continue (a stage on a new machine, no state.pt): the brought-back weights (int8-packed, as they
    travel) as model and EMA, the checkpoint's config, step, training seconds and stages, and its LR clock, re-warmed
    over the warmup steps for the fresh optimizer."""
    from training import train_mllm, quantize
    args = tiny_train_args(tmp_path, setup)
    a = tmp_path / "a"
    assert train_mllm.main(args + ["--out-dir", str(a), "--set", "order=scale", "warmup=2", "budget_minutes=60",
                                   "--max-steps", "3", "--stop-step", "2"]) == 0
    ck = torch_load(a / "mllm.pt")
    assert ck["step"] == 2 and not ck["done"]
    ck["model"], ck["packed"] = quantize.pack_int8(ck["model"]), "int8"
    torch.save(ck, tmp_path / "packed.pt")
    lrs = []
    real = train_mllm.lr_at
    monkeypatch.setattr(train_mllm, "lr_at", lambda cfg, step, progress: lrs.append((step, real(cfg, step, progress))) or lrs[-1][1])
    seen = []
    monkeypatch.setattr(torch.optim.AdamW, "step", lambda self, *a, **k: seen.append([g["lr"] for g in self.param_groups][0]))
    b = tmp_path / "b"
    assert train_mllm.main(args + ["--out-dir", str(b), "--continue", str(tmp_path / "packed.pt"), "--max-steps", "4"]) == 0
    got = torch_load(b / "state.pt")
    assert got["step"] == 4 and got["done"] and got["config"]["order"] == "scale" and got["config"]["warmup"] == 2
    assert [s["step"] for s in got["stages"]] == [2, 4] and got["train_seconds"] > ck["train_seconds"]
    # the clock goes on from step 2 (the optimizer did not step: AdamW.step replaced, so the weights are the packed ones)
    assert [s for s, _ in lrs] == [2, 3]
    assert seen == pytest.approx([lrs[0][1] * 0.5, lrs[1][1] * 1.0])   # re-warmed over warmup=2 steps
    init = quantize.unpack_int8(torch_load(tmp_path / "packed.pt")["model"])
    assert all(torch.equal(got["model"][k], init[k].float()) for k in init if init[k].is_floating_point())
    # the same weights unpacked as a checkpoint of their own (quantize --unpack: what eval_packed.sh evaluates)
    import subprocess, sys
    subprocess.run([sys.executable, "-m", "training.quantize", "--unpack", str(tmp_path / "packed.pt"), str(tmp_path / "u.pt")],
                   check=True, cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    u = torch_load(tmp_path / "u.pt")
    assert "packed" not in u and u["step"] == 2 and u["config"] == ck["config"]
    assert all(torch.equal(u["model"][k], init[k]) for k in init) and set(u["model"]) == set(ck["model"])
    # a finished checkpoint is not trained again
    assert train_mllm.main(args + ["--out-dir", str(tmp_path / "c"), "--continue", str(b / "mllm.pt")]) == 0
    assert not (tmp_path / "c" / "state.pt").exists()
    # a resumed stage keeps its own checkpoint's config even when --init is given again (as an anchored run's
    # teacher is): the init's config (warmup 2) must not replace the run's (warmup 7)
    d = tmp_path / "d"
    assert train_mllm.main(args + ["--out-dir", str(d), "--init", str(a / "mllm.pt"), "--set", "warmup=7", "--max-steps", "1"]) == 0
    assert train_mllm.main(args + ["--out-dir", str(d), "--init", str(a / "mllm.pt"), "--max-steps", "2"]) == 0
    got = torch_load(d / "state.pt")
    assert got["step"] == 2 and got["config"]["warmup"] == 7


def test_tone_probe_fits_the_training_tones_and_reads_each_drawn_image(setup):
    """training.tone_probe: fitted on features whose mean f1/f0 token carries the tone, it reads every training
    drawing's tone; to_device gives each example its drawn image's tone (-1 for captions and questions); the loss
    pools exactly the drawn positions, and a step on it alone moves the predicted features toward the target's tone."""
    from dataclasses import replace
    from training import tone_probe as TP
    meta, tok, _, _ = setup
    torch.manual_seed(3)
    n = len(meta)
    tones = TP.tone_vocab(meta, range(n))
    assert tones == sorted({"none", *T.TONES})
    code = torch.randn(len(tones), TINY.feature_dim) * 2
    bank = 0.3 * torch.randn(len(T.VARIANTS) * n, N_IMG, TINY.feature_dim)
    rows = TP.row_tones(meta, n, bank.shape[0], tones)
    assert rows.shape == (bank.shape[0],) and torch.equal(rows[n:2 * n], rows[:n])       # every block: r % n
    bank += code[rows].unsqueeze(1)                                                       # each image's tone, every token
    probe = TP.fit(bank, meta, list(range(n)), lambda f: f, steps=300)
    assert not any(p.requires_grad for p in probe.parameters())
    x = TP.pooled(bank[:n], TP.image_scale_index().expand(n, -1))
    assert torch.equal(probe(x).argmax(-1), rows[:n])

    cfg = replace(TINY, order="scale", plan=True, tone_probe=1.0)
    model = MLLM(cfg)
    s = T.TaskSampler(meta, tok, seed=2, order="scale", plan=True)
    nb = s.batch({**T.SHORT_TASKS, **T.LONG_TASKS}, 8, cfg.ctx)
    b = T.to_device(nb, bank.view(-1, bank.shape[-1]), "cpu", tone_rows=rows)
    drawn = (b["feat_tgt_slot"] > 0).any(1)
    assert drawn.any() and (~drawn).any()
    assert torch.equal(b["tone_tgt"] >= 0, drawn)
    for k in torch.nonzero(drawn).flatten():   # the tone of the image whose tokens are the targets
        tsrc = torch.as_tensor(nb["feat_tgt_src"][k])
        assert b["tone_tgt"][k] == rows[tsrc[tsrc >= 0][0] // N_IMG]
    plain, _ = MLLM.compute_loss(model, b)
    loss, st = model.compute_loss(b, tone_probe=probe)
    assert torch.isclose(loss, plain + st["tone_ce"], rtol=1e-5) and float(st["tone_ce"]) > 0

    # the loss reads the drawn positions only: a change anywhere else leaves it as it was
    pred = torch.randn(*b["feat_tgt_slot"].shape, TINY.feature_dim, requires_grad=True)
    sc = model.slot_scale[b["feat_tgt_slot"]]
    ce, _ = TP.loss(probe, pred, sc, b["feat_tgt_slot"] > 0, b["tone_tgt"])
    other = pred.detach().clone()
    other[b["feat_tgt_slot"] == 0] += 5.0
    assert torch.isclose(TP.loss(probe, other, sc, b["feat_tgt_slot"] > 0, b["tone_tgt"])[0], ce)
    ce.backward()
    assert pred.grad[b["feat_tgt_slot"] == 0].abs().max() == 0
    with torch.no_grad():
        moved = pred - 0.5 * pred.grad / pred.grad.norm() * pred.numel() ** 0.5
    assert TP.loss(probe, moved, sc, b["feat_tgt_slot"] > 0, b["tone_tgt"])[0] < ce


def test_trainer_fits_the_tone_probe_and_trains_on_it(tmp_path, setup):
    """--set tone_probe=W: the trainer fits the probe, charges its cross-entropy (logged), and saves a model with
    nothing of the probe in it (the page never runs it)."""
    from training import train_mllm
    out = tmp_path / "run"
    assert train_mllm.main(tiny_train_args(tmp_path, setup) + ["--out-dir", str(out), "--workers", "0", "--max-steps", "2",
                                                               "--log-every", "1", "--set", "tone_probe=0.5"]) == 0
    ck = torch_load(out / "mllm.pt")
    assert ck["config"]["tone_probe"] == 0.5
    assert not any("probe" in k for k in ck["model"])
    last = [json.loads(l) for l in open(out / "stages.jsonl")][-1]["last_losses"]
    assert last["s_tone_ce"] > 0 and last["l_tone_ce"] > 0

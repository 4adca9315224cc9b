"""The pick's re-drawings (training/redraw.py, manifest mllm.pick.views): the arithmetic both sides run, the fixed
views the manifest holds, and the choice that averages each name's log-likelihood over them."""
import json
import os
import shutil
from dataclasses import replace

import numpy as np
import pytest
import torch

from training import mllm_tasks as T, redraw
from training.caption_rerank import answer_loglik, pick
from training.eval_mllm import prefix_of
from training.manifest import MODELS_DIR
from training.mllm import MLLM, TINY, N_IMG
from training.tests.test_mllm import fake_meta
from training.tokenizer import train_bpe, BYTE_OFFSET


def test_identity_keeps_and_a_shift_moves_by_whole_pixels_with_white_coming_in():
    torch.manual_seed(0)
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    assert torch.allclose(redraw.redraw(x, [[1, 0, 0], [0, 1, 0]]), x, atol=1e-5)
    # theta's tx = +2 px (of 64 in [-1, 1]: 4/64) samples 2 px to the right: the drawing moves 2 px left
    y = redraw.redraw(x, [[1, 0, 4 / 64], [0, 1, 0]])
    assert torch.allclose(y[..., :-2], x[..., 2:], atol=1e-5)
    assert torch.all(y[..., -2:] == 1)   # white from outside
    # a half-pixel shift is the mean of the two neighbours (bilinear)
    h = redraw.redraw(x, [[1, 0, 1 / 64], [0, 1, 0]])
    assert torch.allclose(h[..., :-1], (x[..., :-1] + x[..., 1:]) / 2, atol=1e-5)


def test_augments_geometry_is_the_redraw_and_keeps_every_colour():
    x = torch.ones(1, 3, 64, 64)
    x[:, 0, 20:40, 20:40], x[:, 1, 20:40, 20:40], x[:, 2, 20:40, 20:40] = -1, 0.5, -0.2
    from training.transforms import augment
    p = torch.rand(9, generator=torch.Generator().manual_seed(7))[None]
    assert torch.equal(augment(x, [7], colour=False), redraw.redraw(x, redraw.geometry(p)))
    y = redraw.redraw(x, redraw.thetas(1)[0])
    centre = y[0, :, 30, 30]
    assert torch.allclose(centre, torch.tensor([-1, 0.5, -0.2]), atol=1e-5)


def test_thetas_are_fixed_rounded_and_within_the_geometry():
    a, b = redraw.thetas(4), redraw.thetas(4)
    assert a == b and redraw.thetas(2) == a[:2] and redraw.thetas(0) == []
    for th in a:
        m = np.asarray(th)
        assert m.shape == (2, 3) and all(round(v, 6) == v for v in m.ravel())
        scale = 1 / np.hypot(m[0, 0], m[1, 0])
        assert 0.85 <= scale <= 1.1 and abs(m[0, 0] - m[1, 1]) < 1e-9 and abs(m[0, 1] + m[1, 0]) < 1e-9
        assert np.all(np.abs(m[:, 2]) <= 3 / 32 + 1e-9)
    assert len({json.dumps(t) for t in a}) == 4


def test_write_puts_the_views_in_the_manifest_and_the_gallery_keeps_them(tmp_path):
    d = tmp_path / "models"
    d.mkdir()
    shutil.copy(os.path.join(MODELS_DIR, "manifest.json"), d / "manifest.json")
    man = json.load(open(d / "manifest.json"))
    for e in man["models"].values():   # file facts are refreshed on write: give every file a stand-in of its bytes
        for v in e.get("variants", []):
            for f in [v] + v.get("external_data", []):
                (d / f["file"]).write_bytes(b"x")
        if "file" in e:
            (d / e["file"]).write_bytes(b"x")
    m = redraw.write(2, ["caption"], models_dir=str(d))
    assert m["mllm"]["pick"]["views"]["thetas"] == redraw.thetas(2) and m["mllm"]["pick"]["views"]["tasks"] == ["caption"]
    with pytest.raises(AssertionError):
        redraw.write(2, ["not a task"], models_dir=str(d))
    from training import gallery
    g = gallery.write(np.zeros(4), None, np.zeros((2, 4)), np.zeros(2, int), ["1F600"], models_dir=str(d))
    assert g["mllm"]["pick"]["views"]["thetas"] == redraw.thetas(2)


def test_pick_with_views_scores_the_mean_log_likelihood():
    meta = fake_meta()
    tok = train_bpe(T.corpus(meta, per_image=1), vocab_size=BYTE_OFFSET + 256 + 50)
    torch.manual_seed(0)
    model = MLLM(replace(TINY, order="scale")).eval()
    banks = [torch.randn(len(T.VARIANTS) * len(meta), N_IMG, TINY.feature_dim).view(-1, TINY.feature_dim) for _ in range(3)]
    s = T.TaskSampler(meta, tok, seed=0)
    pre = [prefix_of(s.understanding(i, T.CAPTION_Q[0], "x")[:6], "scale") for i in (0, 3)]
    cands = [["grinning face", "red heart", "thumbs up sign"], ["red heart", "x"]]
    each = [answer_loglik(model, tok, pre, cands, b, "cpu") for b in banks]
    rec = []
    got = pick(model, tok, pre, cands, banks[0], "cpu", record=rec, views=banks[1:])
    for i, (r, cs) in enumerate(zip(rec, cands)):
        mean = np.mean([e[i] for e in each], 0)
        assert r["loglik"] == pytest.approx(mean.tolist(), abs=1e-6)
        assert got[i] == cs[int(np.argmax(mean))]
    assert pick(model, tok, pre, cands, banks[0], "cpu") == [cs[int(np.argmax(l))] for cs, l in zip(cands, each[0])]

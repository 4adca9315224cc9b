"""The encoder probe (training/encoder_probe.py) and the encoder stage's cross-vendor variant
(VisualConfig.cross_vendor_weight) on the tiny configuration and a synthetic dataset (CPU, seconds)."""
import json
import math
import os
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F

from training import encoder_probe as P
from training import train_visual as TV
from training.config import TINY
from training.data import save_images
from training.encoder import Encoder

TONES = ("none", "light", "dark")


def fake_dataset(d, n_concepts=8):
    """training.data's format: n concepts in both vendors (concept 1 also in two skin tones), concepts 0 and 1
    held out in google's art (split heldout_vendor), every concept once in OpenMoji. A drawing is a disc whose
    place and colour are the concept's; the vendor's style is an outline, the tone darkens the colour."""
    rng = np.random.RandomState(0)
    meta, images = [], []
    yy, xx = np.mgrid[:64, :64]
    for c in range(n_concepts):
        cy, cx, r = 16 + 8 * (c % 4), 16 + 10 * (c // 4), 10
        colour = rng.randint(0, 200, 3)
        for vendor in ("google", "twitter", "openmoji"):
            for k, tone in enumerate(TONES if c == 1 and vendor != "openmoji" else TONES[:1]):
                img = np.full((64, 64, 3), 255, np.uint8)
                dist = np.hypot(yy - cy, xx - cx)
                img[dist < r] = colour * (1 - 0.3 * k)
                if vendor == "google":
                    img[(dist >= r) & (dist < r + 2)] = 0
                elif vendor == "openmoji":
                    img[(dist >= r) & (dist < r + 1)] = 90
                split = "openmoji" if vendor == "openmoji" else ("heldout_vendor" if c < 2 and vendor == "google" else "train")
                meta.append(dict(i=len(meta), vendor=vendor, concept=f"C{c}", unified=f"C{c}-{tone}", name=f"thing {c}",
                                 short_names=[f"thing_{c}"], keywords=["thing", f"k{c}"], category="Objects",
                                 subcategory="x", skin_tone=tone, split=split))
                images.append(img)
    os.makedirs(d, exist_ok=True)
    save_images(np.stack(images), str(d))
    json.dump(meta, open(os.path.join(d, "meta.json"), "w"))
    return np.stack(images), meta


# ---------------------------------------------------------------- the probe's metrics
def synthetic_split(n_concepts=40, per_concept=3, n_queries=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    g_lab = torch.arange(n_concepts).repeat_interleave(per_concept)
    q_lab = torch.randint(0, n_concepts, (n_queries,), generator=g)
    return g_lab, q_lab, g


def test_nearest_neighbour_is_exact_on_label_codes():
    g_lab, q_lab, _ = synthetic_split()
    n = int(g_lab.max()) + 1
    res, pred = P.probe({"code": F.one_hot(q_lab, n).float()}, {"code": F.one_hot(g_lab, n).float()}, g_lab, n, q_lab,
                        linear_names=("code",))
    r = res["code"]
    assert r["nn_top1"] == r["ncm_top1"] == r["linear_top1"] == 1.0 and r["nn_top5"] == 1.0
    assert pred is None   # per-query predictions are f4's only


def test_nearest_neighbour_is_chance_like_on_random_features():
    g_lab, q_lab, g = synthetic_split()
    n = int(g_lab.max()) + 1                       # chance: top-1 0.025, top-5 0.125
    fg, fq = torch.randn(len(g_lab), 64, generator=g), torch.randn(len(q_lab), 64, generator=g)
    res, _ = P.probe({"f4": fq}, {"f4": fg}, g_lab, n, q_lab, linear_names=("f4",))
    r = res["f4"]
    for k in ("nn", "ncm", "linear"):
        assert r[f"{k}_top1"] < 0.08 and r[f"{k}_top5"] < 0.25, (k, r)


def test_nearest_neighbour_scores_a_concept_by_its_best_match():
    # concept 0 has one exact match among far-away drawings; concept 1 is close on average but never exact
    g = torch.tensor([[1.0, 0, 0], [-1, 0.2, 0], [-1, -0.2, 0], [0.8, 0.6, 0], [0.8, -0.6, 0]])
    g_lab = torch.tensor([0, 0, 0, 1, 1])
    nn_s, ncm_s, nearest = P.retrieval(torch.tensor([[1.0, 0, 0]]), g, g_lab, 2)
    assert nn_s.argmax(1).item() == 0 and ncm_s.argmax(1).item() == 1 and nearest.item() == 0


def test_fast_cpu_forward_matches_the_module():
    torch.manual_seed(0)
    enc = Encoder(TINY).eval()
    for p in enc.parameters():    # trained-looking weights: zero-initialised ones would hide a wrong head order
        p.data.add_(0.1 * torch.randn_like(p))
    x = torch.rand(3, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(P.fast_cpu_forward(enc, x), enc(x), atol=1e-5)


def test_selection_keeps_every_query_concept_and_caps_the_gallery():
    meta = [dict(i=k, concept=f"C{k // 4}", split="train", vendor="google") for k in range(400)]
    for k, s in [(3, "heldout_vendor"), (50, "openmoji"), (60, "openmoji"), (70, "openmoji"), (500, "openmoji")]:
        meta.append(dict(i=len(meta), concept=f"C{k}", split=s, vendor="twitter"))
    queries, gallery, labels, concepts, n_needed = P.select(meta, n_openmoji=2, gallery_concepts=10, per_concept=2)
    assert len(queries["heldout_vendor"]) == 1 and len(queries["openmoji"]) == 2   # C500 is no trained concept
    assert n_needed == 3 and len(concepts) == 10 and concepts[:3] == ["C3", "C50", "C70"]
    assert len(gallery) == 20 and all(meta[i]["concept"] == concepts[int(l)] for i, l in zip(gallery, labels))
    _, gallery, _, concepts, _ = P.select(meta, 0, 0, 0)
    assert len(gallery) == 400 and len(concepts) == 100


def test_probe_cli_on_a_tiny_dataset(tmp_path, monkeypatch):
    """The entry point on a tiny trained checkpoint: both query sets, every feature, the aux decoder's PSNR."""
    d = tmp_path / "data"
    images, meta = fake_dataset(d)
    monkeypatch.setattr(TV, "CKPT", str(tmp_path / "ckpt"))
    TV.main(["--stage", "encoder", "--config", "tiny", "--data", str(d), "--no-resume", "--set", "enc_steps=2"])
    out = P.main(["--encoder", str(tmp_path / "ckpt" / "encoder.pt"), "--data", str(d), "--device", "cpu",
                  "--out", str(tmp_path / "probe.json"), "--linear-steps", "20"])
    assert json.load(open(tmp_path / "probe.json")) == json.loads(json.dumps(out))
    hv = out["query_sets"]["heldout_vendor"]
    assert hv["n"] == sum(m["split"] == "heldout_vendor" for m in meta) and hv["concepts"] == 2
    assert out["query_sets"]["openmoji"]["n"] == 8 and out["gallery"]["concepts"] == 8
    assert set(hv["features"]) == {"f4", "f3_flat", "f2_flat", "f1_flat", "f0_flat", "f2_max", "f1_max", "f0_max", "concat", "pixels"}
    assert all(0 <= v["nn_top1"] <= v["nn_top5"] <= 1 for v in hv["features"].values())
    assert "linear_top1" in hv["features"]["f4"] and "nn_same_vendor" in hv["features"]["f4"]
    assert math.isfinite(out["aux_psnr_heldout_vendor"]) and out["step"] == 2 and out["cross_vendor_weight"] == 0.0
    assert len(out["heldout_vendor_f4_nn"]) == hv["n"]


# ---------------------------------------------------------------- the encoder stage's variant
def test_cross_vendor_loss_is_lower_when_a_concept_agrees():
    torch.manual_seed(0)
    concept = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3, 4])          # the last one has no positive: left out
    agree = F.one_hot(concept, 8).float() * 3 + 0.1 * torch.randn(9, 8)
    rand = torch.randn(9, 8)
    la, lr = TV.cross_vendor_loss(agree, concept), TV.cross_vendor_loss(rand, concept)
    assert torch.isfinite(la) and la < 0.1 < 1.0 < lr
    assert TV.cross_vendor_loss(agree, torch.arange(9)) == 0     # no positives at all: nothing to learn


def test_cross_vendor_pairs_are_the_same_concept_in_another_vendor(tmp_path):
    _, meta = fake_dataset(tmp_path / "data")
    train_idx = [m["i"] for m in meta if m["split"] == "train"]
    anchors, partners, counts = TV.cross_vendor_pairs(meta, train_idx)
    # concepts 0 and 1 train in twitter's art only: no anchor; the others pair google with twitter both ways
    assert len(anchors) == sum(meta[i]["concept"] not in ("C0", "C1") for i in train_idx)
    for a, row, n in zip(anchors.tolist(), partners.tolist(), counts.tolist()):
        ma = meta[train_idx[a]]
        assert n >= 1 and all(meta[train_idx[b]]["concept"] == ma["concept"] and meta[train_idx[b]]["vendor"] != ma["vendor"]
                              for b in row)


def run_stage(tmp_path, monkeypatch, d, *sets):
    """The encoder stage (one step) through its entry point; the losses it optimised."""
    losses = []
    optimize = TV.optimize
    monkeypatch.setattr(TV, "optimize", lambda opt, loss: (losses.append(loss.item()), optimize(opt, loss)))
    monkeypatch.setattr(TV, "CKPT", str(tmp_path / "ckpt"))
    TV.main(["--stage", "encoder", "--config", "tiny", "--data", str(d), "--no-resume", "--set", "enc_steps=1", "enc_batch=8", *sets])
    return losses


def reference_loss(images, meta, cfg):
    """The shipped recipe's first encoder step, written out from the recipe as it shipped (reconstruction + CLIP
    on f4, uniform batch): what the stage must still compute with the flag off."""
    from training.encoder import pyramid
    from training.transforms import to_tensor
    torch.manual_seed(cfg.seed)
    train_idx = [m["i"] for m in meta if m["split"] == "train"]
    vocab, bags = TV.text_bags(meta, train_idx)
    obj = TV.EncoderObjective(cfg, len(vocab))
    gen = torch.Generator().manual_seed(cfg.seed * 1000)
    idx = torch.randint(0, len(train_idx), (cfg.enc_batch,), generator=gen)
    x = TV.augment_for_encoder(to_tensor(torch.as_tensor(images[train_idx])[idx]), gen)
    b = bags[train_idx][idx]
    f0 = obj.enc(x)
    rec = obj.aux(f0).float()
    l_rec = F.l1_loss(rec, x) + F.mse_loss(rec, x)
    zi = F.normalize(obj.proj(pyramid(f0, obj.grid)[4][:, 0]).float(), dim=-1)
    zt = F.normalize(obj.txt(b).float(), dim=-1)
    logits = obj.logit_scale.exp().clamp(max=100) * zi @ zt.t()
    same = (b[:, None, :] == b[None, :, :]).all(-1).float()
    tgt = same / same.sum(1, keepdim=True)
    l_clip = 0.5 * (torch.sum(-tgt * F.log_softmax(logits, 1), 1).mean() + torch.sum(-tgt.t() * F.log_softmax(logits.t(), 1), 1).mean())
    return (l_rec + cfg.clip_weight * l_clip).item()


def test_flag_off_leaves_the_encoder_loss_unchanged_and_on_adds_the_cross_vendor_term(tmp_path, monkeypatch):
    d = tmp_path / "data"
    images, meta = fake_dataset(d)
    ref = reference_loss(images, meta, replace(TINY, enc_steps=1, enc_batch=8))
    assert run_stage(tmp_path, monkeypatch, d) == [ref]                               # the default: off
    assert run_stage(tmp_path, monkeypatch, d, "cross_vendor_weight=0.0") == [ref]
    on = run_stage(tmp_path, monkeypatch, d, "cross_vendor_weight=1.0")
    assert len(on) == 1 and on[0] > ref + 0.1    # the pairs' InfoNCE (about log of the batch size, untrained) on top


def test_cross_vendor_head_takes_the_invariance_off_f4(tmp_path, monkeypatch):
    """cross_vendor_head > 0: the InfoNCE reads a small MLP of f4 (its own parameters in the objective), so the
    loss is not the head-less variant's; off, the objective's state dict has no head (the shipped recipe's)."""
    d = tmp_path / "data"
    fake_dataset(d)
    plain = run_stage(tmp_path, monkeypatch, d, "cross_vendor_weight=1.0")
    head = run_stage(tmp_path, monkeypatch, d, "cross_vendor_weight=1.0", "cross_vendor_head=16")
    assert len(head) == 1 and head[0] != plain[0]
    ck = torch.load(tmp_path / "ckpt" / "encoder.pt", map_location="cpu", weights_only=False)
    assert ck["objective"]["xv_head.0.weight"].shape == (16, TINY.feature_dim)
    assert not any(k.startswith("xv_head") for k in TV.EncoderObjective(TINY, 10).state_dict())

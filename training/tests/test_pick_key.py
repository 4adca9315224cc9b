"""The pick's key (training/pick_key.py) on a synthetic dataset (CPU, seconds): the shipped graph computes what the
trained network does, training learns the concepts across vendors and views, export writes a gallery the page's
retrieval reads in the key's space, and eval_mllm's ImageKeys hands each prefix its own given image's key."""
import json
import os

import numpy as np
import pytest
import torch

from training import framing
from training import pick_key as P
from training import transforms as TF
from training.data import save_images
from training.gallery import Gallery, hold
from training.known_words import concept_char
from training.mllm_tasks import VARIANTS, image_variants

N_CONCEPTS = 6
FRAME = {"span": 62, "ink": 0.1, "keep": [60, 64]}


def code(c):
    return f"{0x1F600 + c:X}"


def fake_dataset(d):
    """Six concepts, each a square filling the frame (as emoji do: the pick frames a given image) in the concept's
    colour: drawn by google and twitter (split train; twitter's drawings of concepts 0-2 held out, split
    heldout_vendor) and by fluent (split sources). A vendor's style is its outline (none, black, grey) and size."""
    colours = [(220, 30, 30), (30, 180, 40), (40, 60, 220), (230, 210, 30), (200, 40, 200), (30, 200, 210)]
    meta, images = [], []
    for c in range(N_CONCEPTS):
        y = x = 32
        colour = np.array(colours[c])
        for vendor, outline, r in (("google", None, 31), ("twitter", 0, 30), ("fluent", 120, 29)):
            img = np.full((64, 64, 3), 255, np.uint8)
            img[y - r:y + r, x - r:x + r] = colour
            if outline is not None:
                img[y - r:y + r, x - r:x - r + 2] = outline
                img[y - r:y - r + 2, x - r:x + r] = outline
            split = "sources" if vendor == "fluent" else ("heldout_vendor" if vendor == "twitter" and c < 3 else "train")
            meta.append(dict(i=len(meta), vendor=vendor, concept=code(c), unified=code(c), name=f"thing {c}",
                             short_names=[f"thing_{c}"], keywords=["thing"], category="Objects", subcategory="x",
                             skin_tone="none", split=split))
            images.append(img)
    os.makedirs(d, exist_ok=True)
    save_images(np.stack(images), str(d))
    json.dump(meta, open(os.path.join(d, "meta.json"), "w"))
    return np.stack(images), meta


def test_fused_key_computes_the_trained_network():
    torch.manual_seed(0)
    net = P.KeyNet(width=4, dim=8)
    for m in net.modules():   # batch norms with statistics and affine weights of their own, as after training
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    net.eval()
    x = torch.rand(3, 3, 64, 64) * 2 - 1
    assert torch.allclose(P.fuse(net)(x), net(x), atol=1e-5)


def test_train_probe_export_and_image_keys(tmp_path):
    data = tmp_path / "data"
    images, meta = fake_dataset(data)
    ck_path = str(tmp_path / "key.pt")
    P.train(ck_path, steps=150, batch=32, lr=3e-3, width=4, dim=8, device="cpu", log=lambda *a: None, data_dir=str(data))
    ck = torch.load(ck_path)
    assert ck["step"] == 150 and len(ck["codes"]) == N_CONCEPTS

    models = tmp_path / "models"
    models.mkdir()
    chars = [concept_char(code(c)) for c in range(N_CONCEPTS)]
    json.dump({"concepts": {ch: f"thing {c}" for c, ch in enumerate(chars)}}, open(models / "words.json", "w"))
    json.dump({"models": {"words": {"role": "words", "file": "words.json"},
                          "gallery": {"role": "gallery", "concepts": chars}},
               "mllm": {"pick": {"gallery": "gallery", "k": 3, "tasks": ["caption"], "frame": FRAME}}},
              open(models / "manifest.json", "w"))
    res = P.probe(ck_path, str(tmp_path / "probe.json"), device="cpu", log=lambda *a: None, data_dir=str(data),
                  models_dir=str(models))
    assert res["n"]["held-out vendor as drawn"] == 3 and res["n"]["sketch_lines (line vendor's edge map)"] == 0
    # the held-out vendor's drawings are named from the other vendors' (chance: 1 in 6 first)
    assert res["head"]["held-out vendor as drawn"][0] >= 2 / 3

    man = P.export(ck_path, str(models))
    pick, entry = man["mllm"]["pick"], man["models"]["gallery"]
    assert entry["space"] == "key" and entry["key"] == "key" and "scale" not in entry and entry["rows"] == N_CONCEPTS
    assert abs(pick["temperature"] - 1 / ck["scale"]) < 1e-9 and pick["frame"] == FRAME and pick["k"] == 3
    shipped = P.load_shipped("cpu", str(models))
    net, _ = P.load_key(ck_path)
    x = TF.to_tensor(images)
    assert torch.allclose(shipped(x), net(x), atol=0.05)   # key.onnx is the trained network, its weights int8
    golden = json.load(open(models / man["models"]["key"]["golden"]))
    assert golden["model"] == "key" and set(golden["outputs"]) == {"key"}

    g = Gallery.load(str(models))
    assert g.space == "key" and len(g.rows) == N_CONCEPTS and not g.mean.any()
    train = [m for m in meta if m["split"] == "train"]
    named = hold(g.retrieve(shipped(x[[m["i"] for m in train]]), 3)[0], [f"thing {int(m['concept'], 16) - 0x1F600}" for m in train])
    assert named[0] >= 2 / 3   # named by their own concept's proxy (rows in another order: chance, 1 in 6)

    # ImageKeys: a prefix's given image (its first non-negative row in the reader bank's layout) gets that image's
    # key, in the VARIANTS block its rows point into, read framed
    ik = P.ImageKeys(shipped, images, "cpu", FRAME)
    n, j = len(images), VARIANTS.index("edges")
    rows = (j * n + 4) * 341 + np.arange(341)
    prefixes = [(None, None, [-1, -1, *rows.tolist()])]
    want = shipped(framing.frame_as(image_variants(TF.to_tensor(images), torch.arange(n))["edges"][4:5], FRAME))
    assert torch.allclose(ik.given(prefixes), want, atol=1e-5)


def test_views_arg_reads_the_odds_in_the_views_order():
    """--views: odds per view name, in VIEWS' order, a view left out at 0; an unknown name or no odds at all refused."""
    import argparse
    got = P.views_arg("edges=0.5,orig=0.5")
    assert [n for n, _ in got] == [n for n, _ in P.VIEWS]
    assert dict(got) == {n: {"edges": 0.5, "orig": 0.5}.get(n, 0.0) for n, _ in P.VIEWS}
    assert P.views_arg("edges=0.5+orig=0.5") == got
    for bad in ("edge=1", "orig=0", "orig=-1,edges=2"):
        with pytest.raises(argparse.ArgumentTypeError):
            P.views_arg(bad)


def test_train_draws_and_records_the_views_it_is_given(tmp_path, monkeypatch):
    data = tmp_path / "data"
    fake_dataset(data)
    ck = tmp_path / "k.pt"
    views = P.views_arg("edges=1")
    drawn, view_of = [], P.view_of   # the views a step draws its drawings in
    monkeypatch.setattr(P, "view_of", lambda x, ids, name: drawn.append(name) or view_of(x, ids, name))
    P.train(str(ck), steps=2, batch=8, width=4, dim=8, device="cpu", log=lambda *a: None, data_dir=str(data), views=views)
    assert set(drawn) == {"edges"}
    assert torch.load(ck)["views"] == dict(views)


def test_edge_twins_find_another_concept_with_the_same_edges():
    """training/edge_twins: a drawing's nearest trained drawing of ANOTHER concept by its vendor; two squares of one
    outline in two colours have the same edge map (twins by their edges, not by their colours)."""
    from training import edge_twins as E
    images, meta = fake_dataset_images()
    x = TF.to_tensor(images)
    rows = E.rows_of(x)
    assert torch.allclose((rows * rows).sum(1), torch.ones(len(rows)), atol=1e-4)
    concepts, vendors = [m["concept"] for m in meta], [m["vendor"] for m in meta]
    q = [k for k, m in enumerate(meta) if m["vendor"] == "twitter" and m["concept"] == code(0)]
    edges = edge_maps(x, meta)
    best, j = E.nearest_other(E.rows_of(edges[q], blur=True), E.rows_of(edges, blur=True), [concepts[k] for k in q],
                              concepts, [vendors[k] for k in q], vendors)
    assert meta[j[0]]["vendor"] == "twitter" and meta[j[0]]["concept"] != code(0)   # never itself, never another vendor
    assert best[0] > 0.95                                                          # the same square's edges
    colour = (E.rows_of(x[q]) * E.rows_of(x[j])).sum(1)
    assert colour[0] < best[0]                                                     # which the colours tell apart
    s = E.split(torch.tensor([True, False, True]), torch.tensor([True, True, False]))
    assert s == {"n": 2, "key_top1_twin": 0.5, "key_top1_no_twin": 1.0}


def fake_dataset_images():
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        return fake_dataset(d)


def edge_maps(x, meta):
    from training.mllm_tasks import image_variant
    return image_variant(x, torch.tensor([m["i"] for m in meta]), "edges")

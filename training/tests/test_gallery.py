"""training/gallery.py add_sources: another vendor's drawings appended to a written gallery (CPU, a random reader)."""
import json

import numpy as np
import pytest
import torch

from training import gallery as G
from training.caption_rerank import tokens_of
from training.known_words import concept_char
from training.tests.test_mllm import fake_meta
from training.train_mllm import random_encoder


def with_fluent(meta):
    """fake_meta plus a "fluent" drawing (split sources) of every google record, one of a held-out concept's split
    (sources_heldout) and one of another vendor: only the first kind may join the gallery."""
    out = [dict(m) for m in meta]
    for m in meta:
        if m["vendor"] == "google":
            out.append(dict(m, i=len(out), vendor="fluent", split="sources"))
    out.append(dict(meta[0], i=len(out), vendor="fluent", split="sources_heldout"))
    out.append(dict(meta[0], i=len(out), vendor="noto_v1", split="sources_extra"))
    return out


def test_add_sources_appends_the_vendors_drawings_keyed_as_the_gallery_and_keeps_the_rest(tmp_path):
    meta = with_fluent(fake_meta())
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (len(meta), 64, 64, 3), dtype=np.uint8)
    reader = random_encoder(16, seed=1)
    names = {}
    for m in meta:
        names.setdefault(concept_char(m["concept"]), m["name"])
    (tmp_path / "words.json").write_text(json.dumps({"concepts": names}))
    views = {"thetas": [[[1, 0, 0], [0, 1, 0]]], "tasks": ["caption"]}
    (tmp_path / "manifest.json").write_text(json.dumps({"models": {"words": {"file": "words.json"}},
                                                        "mllm": {"pick": {"views": views, "page_styles": True}}}))
    mean, proj, rows, concept, codes = G.gallery_rows(images, meta, reader, dim=4)
    G.write(mean.numpy(), proj.numpy(), rows.numpy(), concept, codes, str(tmp_path), k=2, tasks=["caption"])
    before = G.Gallery.load(str(tmp_path))
    n_train = sum(m["split"] == "train" for m in meta)
    assert len(before.rows) == n_train

    fluent = [m for m in meta if m["vendor"] == "fluent" and m["split"] == "sources"]
    assert G.add_sources(images, meta, reader, {"fluent"}, str(tmp_path)) == (n_train, len(fluent))
    after = G.Gallery.load(str(tmp_path))
    assert torch.equal(after.rows[:n_train], before.rows) and torch.equal(after.concept[:n_train], before.concept)
    assert torch.equal(after.mean, before.mean) and torch.equal(after.proj, before.proj) and after.names == before.names
    # the new rows: the Fluent drawings' keys by the gallery's own key, each of its concept
    want, _ = G.source_rows(before, json.load(open(tmp_path / "manifest.json"))["models"]["gallery"]["concepts"],
                            images, meta, reader, {"fluent"}, None)
    assert torch.allclose(after.rows[n_train:], want.half().float())
    assert [after.names[int(c)] for c in after.concept[n_train:]] == [m["name"] for m in fluent]
    # a Fluent drawing now finds its own concept first
    q = G.keys_of(tokens_of(reader, images[[fluent[0]["i"]]], "cpu"), after.scale)
    assert after.retrieve(q, 1)[0][0][0] == fluent[0]["name"]
    m = json.load(open(tmp_path / "manifest.json"))
    assert m["models"]["gallery"]["sources"] == ["fluent"] and m["models"]["gallery"]["train_rows"] == n_train
    assert m["models"]["gallery"]["rows"] == n_train + len(fluent) and m["mllm"]["pick"]["views"] == views and m["mllm"]["pick"]["k"] == 2
    assert m["mllm"]["pick"]["page_styles"] is True   # the model's (export_mllm), kept as the views are
    with pytest.raises(ValueError, match="already holds"):
        G.add_sources(images, meta, reader, {"fluent"}, str(tmp_path))

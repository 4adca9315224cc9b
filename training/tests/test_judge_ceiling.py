"""training/judge_ceiling.py: eval_mllm's edit jobs judged on their own target drawings."""
import numpy as np
import torch

from training.judge import label_vocab, labels_of
from training.judge_ceiling import ceiling
from training.tests.test_mllm import fake_meta


class LabelReader(torch.nn.Module):
    """A judge that reads each drawing's labels off the drawing: every test image carries its own index in its first
    pixel, so this judge is always right about the drawing it is shown (what the ceiling assumes of a perfect judge)."""

    def __init__(self, meta, labels_from=None):
        super().__init__()
        self.vocab = label_vocab(meta)
        # labels_from: the record whose labels the judge reports for each drawing (a judge that misreads)
        shown = [meta[labels_from(m)] if labels_from else m for m in meta]
        self.labels = labels_of(shown, self.vocab)

    def forward(self, x):
        i = ((x[:, 0, 0, 0] + 1) * 127.5).round().long() % len(self.labels["concept"])   # any drawing names some record
        return {h: torch.nn.functional.one_hot(v[i], len(self.vocab[h])).float() * 10 for h, v in self.labels.items()}


def data():
    meta = fake_meta()
    for m in meta:   # twitter's drawings are the held-out vendor's: the edits' sources
        m["split"] = "heldout_vendor" if m["vendor"] == "twitter" else "train"
    images = np.zeros((len(meta), 64, 64, 3), np.uint8)
    images[:, 0, 0, 0] = np.arange(len(meta))
    return images, meta


def test_a_judge_right_about_every_drawing_scores_every_target():
    images, meta = data()
    res = ceiling(images, meta, LabelReader(meta), seeds=(0, 1))
    # 8 held-out-vendor drawings: C1 in 6 tones (each a tone edit), every one with a google drawing of its concept and
    # tone (a style edit) and a sketch
    assert {k: v["n"] for k, v in res.items()} == {"edit_tone": 6, "edit_style": 8, "sketch": 8}
    assert all(v["success"] == 1.0 for v in res.values()), res


def test_the_targets_are_the_edited_drawings_not_the_sources():
    """A judge that sees the SOURCE's labels in every held-out-vendor drawing (as if the edit changed nothing) fails
    every tone edit: the target of a tone edit is another tone of the source's concept, drawn by the same vendor."""
    images, meta = data()
    same_vendor_default_tone = {(m["concept"], m["vendor"]): m["i"] for m in meta if m["skin_tone"] == "none"}
    judge = LabelReader(meta, labels_from=lambda m: same_vendor_default_tone[(m["concept"], m["vendor"])])
    res = ceiling(images, meta, judge, seeds=(0,))
    # every tone source is a toned drawing or the default one; the targets the judge misreads as "none" fail
    assert 0 < res["edit_tone"]["success"] < 1
    assert res["edit_style"]["success"] == 1.0 and res["sketch"]["success"] == 1.0   # default-tone concepts unchanged


def test_decoded_ceiling_judges_what_the_decoder_gives_back():
    """decoded_ceiling: the targets encoded and decoded back at each scale, judged as eval_mllm judges a drawing. A
    decoder that gives back exactly the target drawings scores every target (the label reader is always right); the
    tiny random decoders' drawings are scored by the same rule (success needs both halves; every missed tone is
    sorted into one kind of miss)."""
    import random
    from training.judge_ceiling import decoded_ceiling, judge_ctx, KINDS
    from training.eval_mllm import edit_jobs, make_decode
    from training.train_mllm import random_encoder
    from training.transforms import to_tensor
    images, meta = data()
    judge = LabelReader(meta)
    encoder = random_encoder(8)
    ctx, hv = judge_ctx(images, meta, judge)
    targets = [[j[5] for j in edit_jobs(ctx, hv, random.Random(0), (k,))] for k in KINDS for _ in ("f0", "f1")]
    calls = iter(targets)
    exact = decoded_ceiling(images, meta, judge, encoder, lambda s, toks, seed: to_tensor(images[next(calls)]),
                            scales=("f0", "f1"))
    assert all(v["success"] == 1.0 for k in KINDS for v in exact[k]["per_scale"].values()), exact
    assert exact["edit_tone"]["per_scale"]["f0"]["tone_miss"] == {"neighbour": 0, "far": 0, "untoned": 0, "other": 0}
    tiny = decoded_ceiling(images, meta, judge, encoder, make_decode(encoder, "cpu", steps=2, tiny=True), scales=("f1",))
    assert {k: v["n"] for k, v in tiny.items()} == {"edit_tone": 6, "edit_style": 8, "sketch": 8}
    for kind in ("edit_tone", "edit_style"):
        v = tiny[kind]["per_scale"]["f1"]
        assert v["success"] <= min(v["judge_concept"], v["judge_field"])
    v = tiny["edit_tone"]["per_scale"]["f1"]
    assert abs(sum(v["tone_miss"].values()) - (1 - v["judge_field"])) < 1e-6

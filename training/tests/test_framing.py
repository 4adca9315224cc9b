"""training/framing.py (the pick's retrieval reads the given image framed as the gallery's drawings are) on the CPU:
the framing itself, the bank it makes, and that eval_mllm's pick retrieves with it."""

import numpy as np
import torch

from training import framing, mllm_tasks as T


def drawing(y0, y1, x0, x1, value=-1.0):
    """[3, 64, 64] white with a rectangle of ink, its left half `value`, its right half black"""
    x = torch.ones(3, 64, 64)
    x[:, y0:y1, x0:x1] = value
    x[:, y0:y1, (x0 + x1) // 2:x1] = -1.0
    return x


def test_frame_spans_centres_and_ignores_where_and_how_large():
    a, b, c = drawing(2, 22, 2, 22, 0.0), drawing(40, 60, 30, 50, 0.0), drawing(1, 63, 1, 63, 0.0)
    got = framing.frame(torch.stack([a, b, c]), 62)
    assert torch.equal(got[0], got[1])                       # the same drawing wherever it sits
    assert (got[0] - c).abs().max() < 1e-6                  # drawn 3x larger: the same once framed
    assert framing.ink_box(got[0]) == (1, 63, 1, 63)         # its longer side spans 62, centred
    wide = framing.frame(drawing(5, 15, 3, 43)[None], 62)[0]
    assert framing.ink_box(wide) == (24, 40, 1, 63)          # aspect kept: 10 x 40 -> 16 x 62
    assert list(framing.extent(torch.stack([a, wide]))) == [20, 62]


def test_frame_leaves_no_ink_alone_and_averages_by_area():
    white = torch.ones(2, 3, 64, 64)
    white[1] = 0.95                                          # a faint wash: 3 x 0.025 of darkness < INK
    assert torch.equal(framing.frame(white, 62), white)
    x = drawing(20, 24, 20, 24, -0.5)
    x[:, 20] = torch.where(x[:, 20] < 1, -1.0, 1.0)           # the top row black
    got = framing.frame(x[None], 62)[0, 0, :, 30]
    assert torch.allclose(got[15:18], torch.tensor([-1.0, -0.75, -0.5]))   # row 15 straddles two input rows
    w = framing.area_weights(62, 4)
    assert torch.allclose(w.sum(1), torch.ones(62, dtype=w.dtype)) and torch.equal(framing.area_weights(5, 5), torch.eye(5, dtype=w.dtype))


def test_pick_retrieves_with_the_framed_keys():
    """The gallery holds drawings that fill the frame; a query drawn at half their size is retrieved as its own
    concept when the keys are framed (build_bank's view, caption_rerank's keys_flat), whatever the unframed do."""
    from training.caption_rerank import retrieved
    from training.eval_mllm import prefix_of
    from training.gallery import Gallery
    from training.tests.test_mllm import fake_meta
    from training.tokenizer import train_bpe, BYTE_OFFSET
    from training.train_mllm import random_encoder
    meta = fake_meta()
    rng = np.random.default_rng(0)
    full = []
    for m in meta:   # each concept its own colours in a 4 x 4 grid of blocks, filling 62 px
        img = np.full((64, 64, 3), 255, np.uint8)
        cols = rng.integers(0, 200, (4, 4, 3), dtype=np.uint8)
        img[1:63, 1:63] = np.kron(cols, np.ones((16, 16, 1), np.uint8))[:62, :62]
        full.append(img)
    images = np.stack(full)
    small = images.copy()
    for k, img in enumerate(images):   # the same drawings at half size, off centre
        small[k] = 255
        small[k, 4:35, 20:51] = img[1:63:2, 1:63:2]
    reader = random_encoder(16, seed=1)
    tok = train_bpe(T.corpus(meta, per_image=1), vocab_size=BYTE_OFFSET + 256 + 50)
    gallery = Gallery.build(images, meta, reader)
    framed = T.build_bank(reader, small, "cpu", log=None, view=lambda v: framing.frame(v, 62))
    plain = T.build_bank(reader, small, "cpu", log=None)
    s = T.TaskSampler(meta, tok, seed=0)
    train = [m["i"] for m in meta if m["split"] == "train"]
    pre = [prefix_of([s.sp(tok.bos), s.sp(tok.img), ("img", s.row(i), False), s.sp(tok.img_end)], "scale") for i in train]
    want = [gallery.names[sorted({m["concept"] for m in meta if m["split"] == "train"}).index(meta[i]["concept"])] for i in train]
    hits = lambda bank: np.mean([w == n[0] for w, n in zip(want, retrieved(gallery, pre, bank.view(-1, bank.shape[-1]), 1)[0])])
    assert hits(framed) == 1.0 and hits(plain) < 1.0


def test_frame_spec_is_the_gallery_drawings_median_extent_and_central_80_percent():
    from training.gallery import frame_spec
    from training.tests.test_mllm import fake_meta
    meta = fake_meta()
    images = np.full((len(meta), 64, 64, 3), 255, np.uint8)
    train = [m["i"] for m in meta if m["split"] == "train"]
    for k, i in enumerate(train):   # extents 10, 11, 12, ... over the training drawings; others ignored
        images[i, 5:15 + k, 5:8] = 0
    for m in meta:
        if m["split"] != "train":
            images[m["i"], :, :] = 0
    ext = 10 + np.arange(len(train))
    assert frame_spec(images, meta) == {"span": int(np.median(ext)), "ink": framing.INK,
                                        "keep": [int(np.percentile(ext, 10)), int(np.percentile(ext, 90))]}
    assert len(train) >= 10 and frame_spec(images, meta)["keep"] != [10, 10 + len(train) - 1]   # the central 80%, not all


def test_frame_keeps_a_drawing_already_framed_where_it_is():
    near, small = drawing(3, 63, 2, 40), drawing(3, 62, 2, 40)   # 60 and 59 px tall
    got = framing.frame(torch.stack([near, small]), 62, keep=(60, 64))
    assert torch.equal(got[0], near)                           # within keep: as given
    assert framing.ink_box(got[1]) == (1, 63, 12, 52)          # outside: framed (38 -> 39.9 wide)
    assert framing.ink_box(framing.frame(near[None], 62)[0]) == (1, 63, 12, 51)   # without keep: framed as any other

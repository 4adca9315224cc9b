"""caption_rerank on the tiny configuration (CPU): the answers' log-likelihood with the prefix's cache
shared equals the full forward's, in both orders, and retrieval names the concept of the nearest
training drawing."""
from dataclasses import replace

import pytest
import torch

from training import mllm_tasks as T
from training.caption_rerank import answer_loglik
from training.gallery import Gallery
from training.eval_mllm import extend_prefix, prefix_of, _prefix_tensors
from training.mllm import MLLM, TINY, N_IMG
from training.tests.test_mllm import fake_meta
from training.tokenizer import train_bpe, BYTE_OFFSET


@pytest.mark.parametrize("order", ["token", "scale"])
def test_answer_loglik_is_the_full_forwards(order):
    meta = fake_meta()
    tok = train_bpe(T.corpus(meta, per_image=1), vocab_size=BYTE_OFFSET + 256 + 50)
    torch.manual_seed(0)
    cfg = replace(TINY, order=order)
    model = MLLM(cfg).eval()
    bank = torch.randn(len(T.VARIANTS) * len(meta), N_IMG, cfg.feature_dim)
    flat = bank.view(-1, bank.shape[-1])
    s = T.TaskSampler(meta, tok, seed=0)
    pre = [prefix_of(s.understanding(i, T.CAPTION_Q[0], "x")[:6], order) for i in (0, 3)]
    answers = [["grinning face", "red heart", "thumbs up sign"], ["red heart", "x"]]
    got = answer_loglik(model, tok, pre, answers, flat, "cpu")
    for p, cands, lls in zip(pre, answers, got):
        assert len(lls) == len(cands)
        for a, ll in zip(cands, lls):
            q = tok.encode(" " + a) + [tok.eos]
            full = extend_prefix(p, q)
            ids, slot, feats, block, rd = _prefix_tensors([full], [0], flat, "cpu")
            with torch.no_grad():
                h, _ = model(ids, slot, feats, None, block if order == "scale" else None, rd)
                lp = model.logits(h)[0, :, :tok.vocab_size].float().log_softmax(-1)
            n = len(p[0])
            want = sum(float(lp[n - 1 + t, q[t]]) for t in range(len(q)))
            assert ll == pytest.approx(want, abs=1e-4)
    # the likelihoods differ between answers (the scoring reads them)
    assert len(set(round(x, 3) for x in got[0])) == 3


def test_retrieve_names_the_nearest_drawings_concept():
    torch.manual_seed(0)
    g = torch.randn(6, 8)
    mean = g.mean(0)
    gal = Gallery(mean, torch.nn.functional.normalize(g - mean, dim=1), [0, 0, 1, 1, 2, 2], ["a", "b", "c"])
    q = torch.stack([g[3] + 0.01 * torch.randn(8), mean + (g[4] - mean) * 2])   # near a "b" drawing; a scaled "c" one
    got, scores = gal.retrieve(q, 2)
    assert [r[0] for r in got] == ["b", "c"]
    assert len(set(got[0])) == 2 and (scores[:, 0] >= scores[:, 1]).all()
    # a concept scores its best drawing: the second "b" row's cosine, exactly
    assert float(scores[0, 0]) == pytest.approx(float(gal.rows[3] @ torch.nn.functional.normalize(q[0] - mean, dim=0)), abs=1e-6)
    # ties go to the lower concept index
    tie = Gallery(torch.zeros(2), torch.tensor([[1.0, 0], [1.0, 0], [0, 1.0]]), [1, 0, 2], ["a", "b", "c"])
    assert tie.retrieve(torch.tensor([[1.0, 0.0]]), 3)[0][0] == ["a", "b", "c"]


def test_projected_keys_retrieve_on_the_principal_axes():
    """A gallery with a projection (the shipped key: f2 on its principal axes): a query is centred, projected, then
    compared; keys_of flattens a scale's tokens in the pyramid's order."""
    from training.gallery import keys_of
    torch.manual_seed(0)
    g = torch.randn(6, 12)
    mean = g.mean(0)
    proj = torch.linalg.svd(g - mean, full_matrices=False)[2][:3].T
    gal = Gallery(mean, torch.nn.functional.normalize((g - mean) @ proj, dim=1), [0, 0, 1, 1, 2, 2], ["a", "b", "c"], proj=proj, scale="f3")
    got, scores = gal.retrieve(g[[1, 4]], 1)
    assert [r[0] for r in got] == ["a", "c"]
    assert float(scores[0, 0]) == pytest.approx(1.0, abs=1e-5)
    toks = torch.arange(2 * 341 * 3, dtype=torch.float32).reshape(2, 341, 3)
    assert keys_of(toks, "f3").tolist() == toks[:, 1:5].reshape(2, 12).tolist()
    assert keys_of(toks, "f4").tolist() == toks[:, 0].tolist()


def test_shipped_gallery_file_reads_back():
    """public/models/gallery.bin as the page reads it: its layout, unit rows, names from words.json."""
    gal = Gallery.load()
    assert gal.rows.shape[1] == (gal.mean.shape[0] if gal.proj is None else gal.proj.shape[1]) and len(gal.concept) == len(gal.rows)
    assert torch.allclose(gal.rows.norm(dim=1), torch.ones(len(gal.rows)), atol=2e-3)
    assert int(gal.concept.max()) == len(gal.names) - 1 and all(gal.names)
    # a training drawing's own row retrieves its own concept first
    names, _ = gal.retrieve(gal.mean + (gal.rows[:3] if gal.proj is None else gal.rows[:3] @ gal.proj.T), 1)
    assert [n[0] for n in names] == [gal.names[int(c)] for c in gal.concept[:3]]


def test_plan_fix_keeps_style_and_tone_and_names_a_retrieved_concept():
    """eval_mllm --pick: each plan's concept becomes one of the names retrieved for the prefix's
    given image; its style and tone stay the MLLM's."""
    from training.caption_rerank import plan_fix
    from training.train_mllm import random_encoder
    from training.eval_mllm import concept_names, prefix_of
    meta = fake_meta()
    tok = train_bpe(T.corpus(meta, per_image=1), vocab_size=BYTE_OFFSET + 256 + 50)
    torch.manual_seed(0)
    cfg = replace(TINY, reader=True, order="scale")
    model = MLLM(cfg).eval()
    reader = random_encoder(cfg.feature_dim, seed=1)
    images = (torch.rand(len(meta), 64, 64, 3) * 255).to(torch.uint8).numpy()
    rb = T.build_bank(reader, images, "cpu", log=None)
    bank = T.build_bank(random_encoder(cfg.feature_dim), images, "cpu", log=None)
    flat = (bank.view(-1, bank.shape[-1]), rb.view(-1, rb.shape[-1]))
    s = T.TaskSampler(meta, tok, seed=0)
    sp = s.sp
    pre = [prefix_of([sp(tok.bos), sp(tok.img), ("img", s.row(i), False), sp(tok.img_end), s.text("make it dark"), sp(tok.ans)], "scale")
           for i in (0, 5)]
    greedy = [tok.encode(" " + T.normalize_text(T.PLAN_SEP.join(["x", "noto", "dark skin tone"])))] * 2
    fixed = plan_fix(model, tok, Gallery.build(images, meta, reader), flat, "cpu", 2)(pre, greedy)
    names = set(concept_names(meta).values())
    for ids in fixed:
        p = T.parse_plan(tok.decode(ids).strip())
        assert p["concept"] in names and (p["style"], p["tone"]) == ("noto", "dark skin tone")
    # a temperature per page task: each prefix's prior is its task's cosine over that task's T (none: no prior)
    from training.caption_rerank import retrieved
    gal = Gallery.build(images, meta, reader)
    rec = []
    temps = {"edit": 0.1, "sketch": None}
    plan_fix(model, tok, gal, flat, "cpu", 2, temperature=temps)(pre, greedy, record=rec, tasks=["edit", "sketch"])
    names, prior = retrieved(gal, pre, flat[1], 2, 0.1)
    assert [r["names"] for r in rec] == names
    assert rec[0]["prior"] == pytest.approx(prior[0]) and rec[1]["prior"] is None
    for r in rec:   # the pick is the best log-likelihood plus the prior where the task has one
        score = [l + (p if r["prior"] else 0.0) for l, p in zip(r["loglik"], r["prior"] or [0.0] * 2)]
        assert r["picked"] == r["names"][score.index(max(score))]
    with pytest.raises(ValueError):   # a temperature per task needs each prefix's task
        plan_fix(model, tok, gal, flat, "cpu", 2, temperature=temps)(pre, greedy)
    # page styles only (manifest mllm.pick.page_styles): a plan naming a design only trained on ("fluent") has its
    # concept and style picked among the names x the page's styles (the prior a name's for each of its styles); a
    # plan already in a page style keeps it
    other = [tok.encode(" " + T.normalize_text(T.PLAN_SEP.join(["x", "fluent", "dark skin tone"])))] * 2
    rec = []
    got = plan_fix(model, tok, gal, flat, "cpu", 2, temperature=0.1, styles=["noto", "twemoji"])(pre, other, record=rec)
    for ids, r in zip(got, rec):
        p = T.parse_plan(tok.decode(ids).strip())
        assert p["style"] in ("noto", "twemoji") and p["tone"] == "dark skin tone"
        assert len(r["loglik"]) == len(r["prior"]) == len(r["names"]) == 4
        score = [l + q for l, q in zip(r["loglik"], r["prior"])]
        assert p["concept"] == T.normalize_text(r["names"][score.index(max(score))])
    kept = plan_fix(model, tok, gal, flat, "cpu", 2, styles=["noto", "twemoji"])(pre, greedy)
    assert [T.parse_plan(tok.decode(ids).strip())["style"] for ids in kept] == ["noto", "noto"]
    with pytest.raises(KeyError):   # and names every task that picks (as the page's manifest validation)
        plan_fix(model, tok, gal, flat, "cpu", 2, temperature=temps)(pre, greedy, tasks=["edit", "colorize"])

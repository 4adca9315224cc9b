"""training/sketch_editor.py: the style condition; that the local editor learns to fill a drawing's inside from its
edge map on designs it trained on and draws that fill on a design it never saw; that with a remembered drawing
(--memory) it also draws what only the memory says (the concept's colour); the colour rule that decides which
sketches the page redraws; and the export the page runs."""
from types import SimpleNamespace

import numpy as np
import torch

from training import sketch_editor as S


def test_condition_is_nothing_or_the_target_style():
    assert S.condition(["google", "twitter"], "none", "cpu").shape == (2, 0)
    assert S.condition(["google", "twitter", "google"], "style", "cpu").argmax(1).tolist() == [0, 1, 0]


def synthetic(n, seed):
    """Designs: a random region on the 16x16 grid; its edge map lights channel 0 on the region's border, the drawing
    lights channel 1 inside it (the fill) and keeps the border: the inside is what the edge map lacks. The line
    drawing's edge map ("lines") is the border twice as bright."""
    g = torch.Generator().manual_seed(seed)
    orig, edges = [], []
    for _ in range(n):
        r = (torch.rand(1, 1, 4, 4, generator=g) < 0.5).float()
        region = torch.nn.functional.interpolate(r, size=16, mode="nearest")[0, 0]
        inner = -torch.nn.functional.max_pool2d(-region[None, None], 3, 1, 1)[0, 0]
        border = region - inner
        e, o = torch.zeros(256, 4), torch.zeros(256, 4)
        e[:, 0] = border.flatten()
        o[:, 0], o[:, 1] = border.flatten(), inner.flatten()
        edges.append(e)
        orig.append(o)
    edges = torch.stack(edges)
    return {"orig": torch.stack(orig), "edges": edges, "lines": 2 * edges}


def test_the_editor_fills_an_unseen_designs_inside_from_its_edges():
    bank = synthetic(64, seed=1)
    test = synthetic(8, seed=2)                        # designs never trained
    args = SimpleNamespace(seed=0, width=32, depth=5, lr=5e-3, steps=400, batch=32, coords=False, cond="none",
                           lines_p=0.3, memory="none")
    net = S.train(bank, list(range(64)), ["google"] * 64, args, "cpu", log=lambda s: None)
    with torch.no_grad():
        out = net(test["edges"], S.condition(["google"] * 8, "none", "cpu"))
    copy_err, err = (test["edges"] - test["orig"]).pow(2).mean(), (out - test["orig"]).pow(2).mean()
    assert err < 0.2 * copy_err, (float(err), float(copy_err))


def region_of(r):
    """A 4x4 mask -> (its border, its inside) on the 16x16 grid."""
    reg = torch.nn.functional.interpolate(r[None, None], size=16, mode="nearest")[0, 0]
    inner = -torch.nn.functional.max_pool2d(-reg[None, None], 3, 1, 1)[0, 0]
    return reg - inner, inner


def mask(g, n=None):
    """A random 4x4 mask (n of them with n), never empty: every design has an inside."""
    r = (torch.rand(*(() if n is None else (n,)), 4, 4, generator=g) < 0.5).float()
    r[..., 1:3, 1:3] = 1
    return r


OUTER = [(i, j) for i in range(4) for j in range(4) if not (1 <= i <= 2 and 1 <= j <= 2)]


def concepts(n_concepts, designs, seed, shaped=False):
    """Each concept's drawings fill their inside with the concept's own colour (channel 2), which no edge map holds:
    only a remembered drawing of the concept (another design) says it. Vendors alternate over a concept's designs.
    shaped: each concept also has its own shape (a mask drawn once, the same for every seed), each design one outer
    cell of it flipped, so that the edge map says which concept it is, as a real sketch's outline does."""
    g = torch.Generator().manual_seed(seed)
    shapes = mask(torch.Generator().manual_seed(99), n_concepts) if shaped else None
    colour = torch.linspace(-1, 1, n_concepts)
    orig, edges, metas = [], [], []
    for c in range(n_concepts):
        for d in range(designs):
            if shaped:
                r = shapes[c].clone()
                cell = OUTER[int(torch.randint(len(OUTER), (1,), generator=g))]
                r[cell] = 1 - r[cell]
            border, inner = region_of(r if shaped else mask(g))
            e, o = torch.zeros(256, 4), torch.zeros(256, 4)
            e[:, 0] = o[:, 0] = border.flatten()
            o[:, 1], o[:, 2] = inner.flatten(), colour[c] * inner.flatten()
            edges.append(e)
            orig.append(o)
            metas.append({"concept": f"c{c}", "vendor": ("google", "twitter")[d % 2], "skin_tone": "none"})
    edges = torch.stack(edges)
    return {"orig": torch.stack(orig), "edges": edges, "lines": edges}, metas


def test_memories_name_the_concept_in_another_design_and_nearby_other_concepts():
    bank, metas = concepts(4, 4, seed=3)
    right, wrong = S.memories(metas, bank["orig"], k=3)
    for r, m in enumerate(metas):
        assert right[r] and r not in right[r]
        assert all(metas[q]["concept"] == m["concept"] and metas[q]["vendor"] != m["vendor"] for q in right[r])
        assert len(wrong[r]) == 3 and all(metas[q]["concept"] != m["concept"] for q in wrong[r])


def test_memories_are_trained_styles_drawings_for_other_vendors_too():
    """--vendors all: another vendor's drawing is trained on, its memories still a trained style's drawing (what the
    MLLM draws), right (its concept) or wrong (another's)."""
    bank, metas = concepts(4, 4, seed=3)
    for r in (1, 6, 9):
        metas[r] = dict(metas[r], vendor="fluent")
    right, wrong = S.memories(metas, bank["orig"], k=3)
    for r, m in enumerate(metas):
        assert right[r] and all(metas[q]["vendor"] in S.STYLED for q in right[r] + wrong[r]), (r, right[r], wrong[r])
        assert all(metas[q]["concept"] == m["concept"] for q in right[r])


def test_memory_coarse_keeps_block_means():
    x = torch.randn(2, 256, 3)
    assert torch.equal(S.coarse(x, "f0"), x)
    y = S.coarse(x, "f1").transpose(1, 2).reshape(2, 3, 16, 16)
    blocks = x.transpose(1, 2).reshape(2, 3, 8, 2, 8, 2).mean((3, 5))
    assert torch.allclose(y[:, :, ::2, ::2], blocks, atol=1e-6) and torch.allclose(y[:, :, 1::2, 1::2], blocks, atol=1e-6)


def test_the_editor_reads_the_concepts_colour_from_its_memory():
    """Trained with memories (another design of the concept), the editor draws an unseen design's concept colour,
    which the edge-map-only editor cannot know."""
    bank, metas = concepts(6, 8, seed=4)
    test, tmetas = concepts(6, 2, seed=5)                # new designs of the same concepts
    n = len(metas)
    common = dict(seed=0, width=32, depth=5, lr=5e-3, steps=500, batch=32, coords=False, cond="none", lines_p=0.0,
                  wrong_p=0.2, mem_scale="f0")
    errs = {}
    for memory in ("none", "drawing"):
        net = S.train(bank, list(range(n)), [m["vendor"] for m in metas], SimpleNamespace(memory=memory, **common),
                      "cpu", log=lambda s: None, metas=metas)
        x = test["edges"]
        if memory == "drawing":    # each test drawing's memory: a trained drawing of its concept
            x = torch.cat([x, bank["orig"][[8 * int(m["concept"][1:]) for m in tmetas]]], -1)
        with torch.no_grad():
            out = net(x, S.condition(["google"] * len(tmetas), "none", "cpu"))
        errs[memory] = float((out[..., 2] - test["orig"][..., 2]).pow(2).mean())
    assert errs["drawing"] < 0.5 * errs["none"], errs


def test_has_colour_is_colour_ink_over_a_share_of_the_ink():
    white = np.full((2, 8, 8, 3), 255, np.uint8)
    img = white.copy()
    img[0, :4, :] = [0, 0, 0]                       # 32 black pixels: ink, none coloured
    img[1, :4, :] = [0, 0, 0]
    img[1, 0, :2] = [200, 20, 20]                   # 2 of 32 coloured: 1/16 >= 1/20
    assert S.has_colour(img).tolist() == [False, True]
    assert not S.has_colour(white[0]) and not S.has_colour(np.full((8, 8, 3), 230, np.uint8))   # no ink: no colour
    grey = white[0].copy()
    grey[:, :] = [100, 140, 163]                    # a spread of 63: grey-blue, not colour
    assert not S.has_colour(grey)
    grey[0, :3] = [100, 140, 164]                   # 3 of 64 ink pixels coloured: under 1/20
    assert not S.has_colour(grey)
    grey[0, 3] = [100, 140, 164]                    # 4 of 64: at least 1/20
    assert S.has_colour(grey)


def test_export_is_the_sketch_editor_as_the_page_runs_it(tmp_path):
    """export: sketch_editor.onnx (int8-stored weights) computes the saved editor (the drawing seen at its
    --mem-scale), the golden vectors are its output, the manifest gives the colour rule (mllm.sketch_edit)."""
    import json
    import onnx
    from training.manifest import tensor_from_json
    torch.manual_seed(0)
    net = S.ToneEditor(8, 0, width=16, depth=3, coords=True, extra=8)
    torch.nn.init.normal_(net.out.weight, std=0.1)
    ed = tmp_path / "editor.pt"
    torch.save({"state": net.state_dict(), "args": {"memory": "drawing", "cond": "none", "width": 16, "depth": 3,
                                                    "coords": True, "mem_scale": "f2", "steps": 5, "batch": 4,
                                                    "lr": 1e-3, "seed": 0, "wrong_p": 0.5, "lines_p": 0.0}}, ed)
    models = tmp_path / "models"
    models.mkdir()
    json.dump({"models": {}, "mllm": {"restyle": {"words": ["noto"]}}}, open(models / "manifest.json", "w"))
    man = S.export(str(ed), models_dir=str(models))
    entry, spec = man["models"]["sketch_editor"], man["mllm"]["sketch_edit"]
    assert "near" not in spec and [o["name"] for o in entry["outputs"]] == ["edited"]   # no bank: the colour rule alone
    assert entry["config"] == {"channels": 8, "width": 16, "depth": 3, "coords": True, "mem_scale": "f2"}
    assert [i["name"] for i in entry["inputs"]] == ["sketch", "drawn"]
    assert {k: spec[k] for k in S.COLOUR_RULE} == S.COLOUR_RULE and spec["model"] == "sketch_editor"
    assert man["mllm"]["restyle"] == {"words": ["noto"]}                      # the rest of mllm kept
    assert any(i.data_type == onnx.TensorProto.INT8 for i in onnx.load(str(models / "sketch_editor.onnx")).graph.initializer)
    shipped, rule = S.load_shipped("cpu", str(models))
    assert rule == spec
    sk, dr = torch.randn(3, 256, 8), torch.randn(3, 256, 8)
    with torch.no_grad():
        want = net(torch.cat([sk, S.coarse(dr, "f2")], -1), torch.zeros(3, 0))
        assert torch.allclose(shipped(sk, dr), want, atol=0.02)            # the trained editor, its weights int8
        assert not torch.allclose(shipped(sk, dr), shipped(sk, torch.randn(3, 256, 8)), atol=1e-3)   # it reads the drawing
        golden = json.load(open(models / entry["golden"]))
        gi = {k: torch.from_numpy(tensor_from_json(v).copy()) for k, v in golden["inputs"].items()}
        go = torch.from_numpy(tensor_from_json(golden["outputs"]["edited"]).copy())
        assert torch.allclose(shipped(gi["sketch"], gi["drawn"]), go, atol=1e-5)


def test_eval_redraws_the_colour_sketches_alone_as_the_page_does():
    """eval_mllm.sketch_edited: a sketch job whose given image has colour gets the editor's f0 (from its edge map's f0
    and the MLLM's f0) and that f0's pooling at every coarser scale; a line drawing's, and every other job, stay."""
    from training import mllm_tasks as T
    from training.eval_mllm import sketch_edited, split_scales
    from training.train_mllm import random_encoder
    torch.manual_seed(0)
    images = np.full((3, 64, 64, 3), 255, np.uint8)
    images[0, 20:40, 20:40] = [220, 40, 40]          # colour
    images[1, 20:40, 20:40] = [0, 0, 0]              # a line drawing's ink: black
    images[2, 20:40, 20:40] = [40, 200, 40]
    jobs = [("sketch", None, "", "c", 0, 0, 0), ("sketch_lines", None, "", "c", 1, 1, 1), ("colorize", None, "", "c", 2, 2, 2)]
    ctx = SimpleNamespace(images=images, encoder=random_encoder(8), device="cpu")
    net = S.SketchEditorGraph(S.ToneEditor(8, 0, width=8, depth=2, coords=False, extra=8), "f1")
    torch.nn.init.normal_(net.net.out.weight, std=0.1)
    gen = torch.randn(3, 341, 8)
    rule = dict(S.COLOUR_RULE, model="sketch_editor")
    with torch.no_grad():
        out, rows = sketch_edited(ctx, jobs, gen, net, rule)
        assert rows == [0]
        assert torch.equal(out[1:], gen[1:])
        drawn = split_scales(out[:1])
        assert torch.allclose(out[:1], T.image_tokens(drawn["f0"]))       # the coarser scales: f0's pooling
        from training.eval_mllm import encode_pyramid
        from training.transforms import to_tensor
        edges = T.image_variant(to_tensor(images[:1]), torch.tensor([0]), "edges")
        sk = split_scales(encode_pyramid(ctx.encoder, edges))["f0"]
        assert torch.allclose(drawn["f0"], net(sk, split_scales(gen[:1])["f0"]), atol=1e-5)


def test_the_gate_tells_the_sketched_concepts_memory_from_anothers():
    """--gate-w: trained on memories of the drawing's concept (another design) and of other concepts, the gate tells
    them apart on designs it never saw, and the gated editor gives the memory itself where it judges it right and its
    own redrawing elsewhere."""
    bank, metas = concepts(6, 8, seed=4, shaped=True)
    test, tmetas = concepts(6, 2, seed=5, shaped=True)
    n = len(metas)
    args = SimpleNamespace(seed=0, width=32, depth=4, lr=5e-3, steps=600, batch=32, coords=False, cond="none",
                           lines_p=0.0, wrong_p=0.5, mem_scale="f0", memory="drawing", gate_w=1.0, gate_detach=False)
    net = S.train(bank, list(range(n)), [m["vendor"] for m in metas], args, "cpu", log=lambda s: None, metas=metas)
    assert isinstance(net, S.GatedEditor)
    own = [8 * int(m["concept"][1:]) for m in tmetas]                  # a trained drawing of the test drawing's concept
    other = [8 * ((int(m["concept"][1:]) + 3) % 6) for m in tmetas]     # one of another concept
    cond = S.condition(["google"] * len(tmetas), "none", "cpu")
    with torch.no_grad():
        for rows, same in ((own, True), (other, False)):
            mem = bank["orig"][rows]
            x = torch.cat([test["edges"], mem], -1)
            edited, logit = net.parts(x, cond)
            kept = logit > 0
            assert kept.float().mean() >= (0.8 if same else 0.0) and kept.float().mean() <= (1.0 if same else 0.2), logit
            out = net(x, cond)
            assert torch.equal(out[kept], mem[kept]) and torch.equal(out[~kept], edited[~kept])


def test_outlined_edges_outline_each_boundary_twice():
    """--outline-p's view: a colour disc inked black along its edge (an outlined style's drawing) has an edge map
    with a ring on each side of the ink, more ink than the plain edge map's one ring, its inside still blank."""
    from training.transforms import sobel_edges
    yy, xx = torch.meshgrid(torch.arange(64.), torch.arange(64.), indexing="ij")
    disc = ((yy - 32) ** 2 + (xx - 32) ** 2 < 20 ** 2).float()
    x = torch.ones(1, 3, 64, 64)
    x[0, 0] -= 0.2 * disc                                   # a pale red disc on white
    x[0, 1:] -= 1.6 * disc
    plain, outlined = sobel_edges(x), S.outlined_edges(x, torch.tensor([0]))
    ink = lambda e: int((e[0, 0] < 0).sum())
    assert ink(outlined) > 1.5 * ink(plain), (ink(outlined), ink(plain))
    assert outlined[0, :, 32, 32].min() > 0.9                # the disc's inside: no edge


def test_near_admits_a_trained_designs_redrawing_and_refuses_another_style():
    # a hundred concepts drawn in one style (their edge maps' features on three factors of that style), three designs
    # each: the bank, the editor's training drawings. A new design of a trained concept is near; a drawing in another
    # style (other factors) is not, though the bank's key projects it onto the same axes
    g = torch.Generator().manual_seed(1)
    style = torch.randn(3, 256 * 16, generator=g)
    pattern = (torch.randn(100, 3, generator=g) @ style).reshape(100, 256, 16)
    design = lambda p: p + 0.3 * torch.randn(p.shape, generator=g)
    bank_f0 = torch.cat([design(pattern) for _ in range(3)])
    concepts = [c for _ in range(3) for c in range(100)]
    bank = S.near_bank(bank_f0, concepts, dim=8, pool=4)
    assert bank["rows"].shape == (300, 8) and bank["proj"].shape == (16 * 16, 8)
    from training.half_weights import _on_int8_grid
    assert _on_int8_grid(bank["rows"].numpy()) is not None and _on_int8_grid(bank["proj"].numpy()) is not None
    keys = bank["rows"]   # unit keys on their int8 grid, compared as stored
    assert torch.allclose(keys.norm(dim=1), torch.ones(300), atol=0.02)
    # the threshold: the median over the bank of the cosine with the nearest row of another concept
    other = torch.tensor(concepts)[:, None] != torch.tensor(concepts)[None]
    assert abs(bank["threshold"] - float((keys @ keys.T).masked_fill(~other, -2).max(1).values.median())) < 1e-6
    fresh = design(pattern[:5])                                                              # new designs, trained concepts
    alien = (torch.randn(5, 3, generator=g) @ torch.randn(3, 256 * 16, generator=g)).reshape(5, 256, 16)   # another style
    near, far = S.nearness(bank, fresh), S.nearness(bank, alien)
    assert bool((near >= bank["threshold"]).all()) and bool((far < bank["threshold"]).all()), (near, far, bank["threshold"])
    # a bank drawing is its own nearest (int8 rows: within their rounding)
    assert torch.allclose(S.nearness(bank, bank_f0[:4]), torch.ones(4), atol=0.03)


def test_export_with_a_near_bank_gives_the_sketchs_nearness_as_a_second_output(tmp_path):
    """export EDITOR BANK: the graph's second output "near" is nearness(bank, sketch), whatever the drawing; the
    golden vectors hold it; the manifest's rule carries its threshold; load_shipped gives the bank back exactly."""
    import json
    from training.manifest import tensor_from_json
    torch.manual_seed(0)
    net = S.ToneEditor(8, 0, width=16, depth=3, coords=True, extra=8)
    ed = tmp_path / "editor.pt"
    torch.save({"state": net.state_dict(), "args": {"memory": "drawing", "cond": "none", "width": 16, "depth": 3,
                                                    "coords": True, "mem_scale": "f2"}}, ed)
    bank_f0 = torch.randn(40, 256, 8)
    bank = S.near_bank(bank_f0, [k % 10 for k in range(40)], dim=4, pool=8)
    torch.save(bank, tmp_path / "bank.pt")
    models = tmp_path / "models"
    models.mkdir()
    json.dump({"models": {}, "mllm": {}}, open(models / "manifest.json", "w"))
    man = S.export(str(ed), str(tmp_path / "bank.pt"), str(models))
    entry, spec = man["models"]["sketch_editor"], man["mllm"]["sketch_edit"]
    assert [o["name"] for o in entry["outputs"]] == ["edited", "near"] and entry["outputs"][1]["shape"] == ["batch"]
    assert spec["near"] == {"output": "near", "threshold": bank["threshold"]}
    assert entry["config"]["near"] == {"rows": 40, "dim": 4, "in_dim": 32, "pool": 8}
    shipped, _ = S.load_shipped("cpu", str(models))
    for k in ("mean", "proj", "rows"):   # stored int8 (the mean fp32) and read back bit for bit
        assert torch.equal(getattr(shipped, "near_" + k), bank[k].float()), k
    sk = torch.cat([bank_f0[:2], torch.randn(2, 256, 8)])
    with torch.no_grad():
        edited, near = shipped(sk, torch.randn(4, 256, 8))
        assert torch.allclose(near, S.nearness(bank, sk), atol=1e-6)
        assert torch.equal(near, shipped(sk, torch.zeros(4, 256, 8))[1])        # read from the sketch alone
        assert bool((near[:2] > 0.99).all())                                    # a bank drawing is its own nearest
        golden = json.load(open(models / entry["golden"]))
        gi = {k: torch.from_numpy(tensor_from_json(v).copy()) for k, v in golden["inputs"].items()}
        assert torch.allclose(shipped(gi["sketch"], gi["drawn"])[1], torch.from_numpy(tensor_from_json(golden["outputs"]["near"]).copy()), atol=1e-5)


def test_eval_redraws_only_the_sketches_near_the_editors_designs_where_the_rule_says_so():
    """eval_mllm.sketch_edited with the rule's near: of two colour sketches, the one whose nearness is under the
    threshold stays the MLLM's."""
    from training.eval_mllm import encode_pyramid, sketch_edited, split_scales
    from training import mllm_tasks as T
    from training.train_mllm import random_encoder
    from training.transforms import to_tensor
    torch.manual_seed(0)
    images = np.full((2, 64, 64, 3), 255, np.uint8)
    images[0, 10:30, 10:50] = [220, 40, 40]
    images[1, 30:60, 40:60] = [40, 40, 220]
    jobs = [("sketch", None, "", "c", k, k, k) for k in range(2)]
    ctx = SimpleNamespace(images=images, encoder=random_encoder(8), device="cpu")
    with torch.no_grad():
        sk = split_scales(encode_pyramid(ctx.encoder, T.image_variant(to_tensor(images), torch.arange(2), "edges")))["f0"]
    bank = S.near_bank(torch.cat([sk[:1], torch.randn(3, 256, 8)]), ["a", "b", "c", "d"], dim=3, pool=8)
    net = S.SketchEditorGraph(S.ToneEditor(8, 0, width=8, depth=2, coords=False, extra=8), "f1").set_bank(bank)
    near = S.nearness(bank, sk)
    assert near[0] > near[1] + 0.01, near   # the bank holds the first sketch itself
    rule = dict(S.COLOUR_RULE, model="sketch_editor", near={"output": "near", "threshold": float(near.mean())})
    gen = torch.randn(2, 341, 8)
    with torch.no_grad():
        out, rows = sketch_edited(ctx, jobs, gen, net, rule)
        assert rows == [0] and torch.equal(out[1], gen[1]) and not torch.equal(out[0], gen[0])
        out, rows = sketch_edited(ctx, jobs, gen, net, {k: v for k, v in rule.items() if k != "near"})
        assert rows == [0, 1]                                                   # the colour rule alone: both

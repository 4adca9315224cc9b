"""training/sketch_editor.py (a measured exploration): the style condition, and that the local editor learns to fill a
drawing's inside from its edge map on designs it trained on and draws that fill on a design it never saw."""
from types import SimpleNamespace

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


def region(g):
    r = (torch.rand(1, 1, 4, 4, generator=g) < 0.5).float()
    r[0, 0, 1:3, 1:3] = 1                                # never empty: every design has an inside
    reg = torch.nn.functional.interpolate(r, size=16, mode="nearest")[0, 0]
    inner = -torch.nn.functional.max_pool2d(-reg[None, None], 3, 1, 1)[0, 0]
    return reg - inner, inner


def concepts(n_concepts, designs, seed):
    """Each concept's drawings fill their inside with the concept's own colour (channel 2), which no edge map holds:
    only a remembered drawing of the concept (another design) says it. Vendors alternate over a concept's designs."""
    g = torch.Generator().manual_seed(seed)
    colour = torch.linspace(-1, 1, n_concepts)
    orig, edges, metas = [], [], []
    for c in range(n_concepts):
        for d in range(designs):
            border, inner = region(g)
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

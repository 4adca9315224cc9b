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
                           lines_p=0.3)
    net = S.train(bank, list(range(64)), ["google"] * 64, args, "cpu", log=lambda s: None)
    with torch.no_grad():
        out = net(test["edges"], S.condition(["google"] * 8, "none", "cpu"))
    copy_err, err = (test["edges"] - test["orig"]).pow(2).mean(), (out - test["orig"]).pow(2).mean()
    assert err < 0.2 * copy_err, (float(err), float(copy_err))

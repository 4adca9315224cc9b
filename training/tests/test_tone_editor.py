"""training/tone_editor.py (a measured exploration): the tone code, which groups train, the editor's start, and that a
local editor learns a tone change on some designs and applies it to one it never saw."""
import json
from types import SimpleNamespace

import torch

from training import tone_editor as E


def test_tone_onehot_names_each_persons_tone():
    def on(t):
        return torch.nonzero(E.tone_onehot(t))[:, 0].tolist()
    assert on("none") == [0, 6]
    assert on("light") == [1, 7]                    # one person: both halves the same
    assert on("medium,dark") == [3, 11]             # two: the first person's, then the second's
    assert on("dark,medium") == [5, 9]


def test_groups_are_the_trained_toned_designs_only():
    meta = []

    def add(concept, vendor, tone, split):
        meta.append(dict(i=len(meta), concept=concept, vendor=vendor, skin_tone=tone, split=split))
    for t in ("none", "light", "dark"):
        add("A", "google", t, "train")
        add("A", "twitter", t, "heldout_vendor")      # the evaluation's: never trained
        add("A", "openmoji", t, "train")              # no style to draw
        add("B", "fluent", t, "sources")
        add("B", "fluent_hc", t, "sources")           # the line vendor stays unseen
    add("C", "google", "none", "train")               # one tone: nothing to edit
    groups = E.tone_groups(meta, E.TRAIN_SPLITS)
    assert sorted(groups) == [("A", "google"), ("B", "fluent")]
    assert sorted(groups[("A", "google")]) == ["dark", "light", "none"]
    assert sorted(E.tone_groups(meta, E.TRAIN_SPLITS, strict=True)) == [("B", "fluent")]   # A is edited in evaluation


def test_the_editor_starts_as_the_copy():
    for coords in (False, True):
        net = E.ToneEditor(8, 12, width=16, depth=3, coords=coords)
        x = torch.randn(3, 256, 8)
        assert torch.equal(net(x, torch.randn(3, 12)), x)


def synthetic(n_designs, seed):
    """Designs: a random skin mask on the 16x16 grid. A drawing's feature is the mask times its tone's colour
    (one of the first four channels lit, brighter for the darker tones) beside a design-specific background in two
    other channels that no tone changes."""
    g = torch.Generator().manual_seed(seed)
    f0, meta = [], []
    for d in range(n_designs):
        mask = (torch.rand(256, generator=g) < 0.4).float()[:, None]
        back = torch.randn(256, 2, generator=g)
        for k, tone in enumerate(E.TONES):
            colour = torch.zeros(4)
            colour[k % 4] = 1.0 + k // 4
            f0.append(torch.cat([mask * colour, back], 1))
            meta.append(dict(i=len(meta), concept=f"C{seed}_{d}", vendor="google", skin_tone=tone, split="train"))
    return torch.stack(f0), meta


def test_a_local_editor_draws_the_tone_change_on_an_unseen_design():
    f0, meta = synthetic(12, seed=1)
    test_f0, _ = synthetic(1, seed=2)                 # a design never trained
    groups = E.tone_groups(meta, E.TRAIN_SPLITS)
    pos = {m["i"]: m["i"] for m in meta}
    args = SimpleNamespace(seed=0, width=32, depth=2, lr=1e-2, steps=300, batch=32, src=False, coords=False)
    net = E.train(f0, pos, groups, meta, args, "cpu", log=lambda s: None)
    src, dst = test_f0[1], test_f0[5]                 # light -> dark
    with torch.no_grad():
        out = net(src[None], E.condition("light", "dark", False)[None])[0]
    copy_err, err = (src - dst).pow(2).mean(), (out - dst).pow(2).mean()
    assert err < 0.1 * copy_err, (float(err), float(copy_err))


def test_mllm_split_reads_the_evaluations_tone_edits_by_people(tmp_path):
    meta = []
    for concept, tones in (("ONE", E.TONES), ("TWO", ["none"] + [f"{a},{b}" for a in E.TONES[1:] for b in E.TONES[1:]]),
                           ("PLAIN", ["none"])):
        for t in tones:
            meta.append(dict(i=len(meta), concept=concept, vendor="google", skin_tone=t, split="train"))
    meta[0]["split"] = meta[6]["split"] = meta[7]["split"] = meta[-1]["split"] = "heldout_vendor"   # ONE none; TWO none, light,light; PLAIN
    items = tmp_path / "choice_items.json"
    items.write_text(json.dumps({"edit.edit_tone": {"prefs": {"f0": [0.9, 0.2, 0.4]}}}))   # PLAIN has no other tone: no edit
    got = E.mllm_split(str(items), meta)
    assert got["n"] == 3 and got["n_two_people"] == 2
    assert abs(got["pref_one_person"] - 0.9) < 1e-9 and abs(got["pref_two_people"] - 0.3) < 1e-9
    assert abs(got["pref"] - 0.5) < 1e-9


def test_a_tone_instruction_asks_for_a_tone_and_a_style_one_does_not():
    """The editor's trigger (names_tone) over the training's own instruction pools: every tone instruction with every
    tone's words, none of the style instructions with every style's."""
    from training.text import phrases as P
    ws = E.tone_words()
    tone = [p.format(tone=w) for p in P.EDIT_TONE for v in P.TONE_WORDS.values() for w in v]
    style = [p.format(style=w) for p in P.EDIT_STYLE for v in P.STYLE_WORDS.values() for w in v]
    assert [p for p in tone if not E.names_tone(p, ws)] == []
    assert [p for p in style if E.names_tone(p, ws)] == []
    # the default tone's: all but the three that never say skin (drawn by the MLLM as before)
    assert [p for p in P.EDIT_TONE_NONE if not E.names_tone(p, ws)] == ["the yellow version", "back to the default color",
                                                                         "use the neutral yellow"]
    for other in ("no hat", "light blue background", "make it deep red", "a tan hat", "skinny jeans"):
        assert not E.names_tone(other, ws), other                 # tone words that say something else; whole words


def test_the_plan_gives_the_asked_tone_and_routes_two_people_to_the_mllm():
    assert E.plan_tone(" woman raising hand | noto | medium and dark") == "medium,dark"
    assert E.plan_tone("heart | twemoji | none") == "none"
    assert E.plan_tone("heart | twemoji") is None and E.plan_tone("heart | noto | purple") is None
    ins = ["make it dark skin", "draw it in noto style", "make the skin yellow", "give it light skin"]
    plans = ["a | noto | dark", "a | twemoji | none", "a | noto | none", "a | noto | light and dark"]
    assert E.routed(ins, plans, "all") == [(0, "dark"), (2, "none"), (3, "light,dark")]
    assert E.routed(ins, plans, "one") == [(0, "dark"), (2, "none")]


def test_export_is_the_editor_as_the_page_runs_it(tmp_path):
    """--export: tone_editor.onnx (int8-stored weights) computes the saved editor (its weights on the int8 grid), the
    golden vectors are its output, the manifest says when the page uses it (mllm.tone_edit)."""
    import onnx
    from training.manifest import tensor_from_json
    torch.manual_seed(0)
    net = E.ToneEditor(8, 2 * len(E.TONES), width=16, depth=3, coords=True)
    torch.nn.init.normal_(net.out.weight, std=0.1)
    ed = tmp_path / "editor.pt"
    torch.save({"state": net.state_dict(), "args": {"src": False, "width": 16, "depth": 3, "coords": True,
                                                    "steps": 5, "batch": 4, "lr": 1e-3, "two_p": 0.3}}, ed)
    models = tmp_path / "models"
    models.mkdir()
    json.dump({"models": {}, "mllm": {"restyle": {"words": ["noto"]}}}, open(models / "manifest.json", "w"))
    man = E.export(str(ed), str(models))
    entry, spec = man["models"]["tone_editor"], man["mllm"]["tone_edit"]
    assert entry["config"] == {"channels": 8, "width": 16, "depth": 3, "coords": True}
    assert spec["tones"] == list(E.TONES) and spec["route"] == "one" and "skin" in spec["words"]
    assert man["mllm"]["restyle"] == {"words": ["noto"]}                      # the rest of mllm kept
    assert any(i.data_type == onnx.TensorProto.INT8 for i in onnx.load(str(models / "tone_editor.onnx")).graph.initializer)
    shipped = E.load_shipped("cpu", str(models))
    x = torch.randn(3, 256, 8)
    cond = torch.stack([E.tone_onehot(t) for t in ("dark", "none", "light,medium")])
    with torch.no_grad():
        assert torch.allclose(shipped(x, cond), net(x, cond), atol=0.02)   # the trained editor, its weights int8
        golden = json.load(open(models / entry["golden"]))
        gi = {k: torch.from_numpy(tensor_from_json(v).copy()) for k, v in golden["inputs"].items()}
        go = torch.from_numpy(tensor_from_json(golden["outputs"]["edited"]).copy())
        assert torch.allclose(shipped(gi["f0"], gi["tone"]), go, atol=1e-5)

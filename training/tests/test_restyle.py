"""training/restyle.py: which edits are restyled, and how the dev set's choice is made."""
import pytest

from training import mllm_tasks as T
from training import restyle as R


def test_words_hold_every_style_word_and_plan_style():
    ws = R.words()
    assert {"noto", "twemoji", "google", "twitter"} <= set(ws)
    assert ws == sorted(ws, key=lambda w: (-len(w), w)) and all(w == T.normalize_text(w) for w in ws)


@pytest.mark.parametrize("text,named", [
    ("draw it in noto style", True), ("Make it TWEMOJI style", True), ("convert to Google", True),
    ("how would x (twitter) draw this", True), ("restyle it like discord", True),
    ("make it medium-dark skin tone", False), ("notorious", False), ("googled it", False), ("colorize this", False),
])
def test_names_style_matches_whole_words(text, named):
    assert R.names_style(text, R.words()) is named


def test_training_style_instructions_name_a_style_and_tone_ones_do_not():
    """All but the training's typo noise ("convert to ttwemoji"): a typo'd style word is not matched."""
    import random
    rng, ws = random.Random(0), R.words()
    named = [R.names_style(T.style_instruction(v, rng), ws) for v in T.STYLE for _ in range(100)]
    assert sum(named) >= 0.95 * len(named)
    assert not any(R.names_style(T.tone_instruction(t, rng), ws) for t in ("none",) + T.TONES for _ in range(40))


def run(base, **variants):
    e = {"edit_style": {"per_scale": {"f0": {"success": base}}}}
    for name, (rate, w) in variants.items():
        e[f"edit_style~{name}"] = {"per_scale": {"f0": {"success": rate}}, "plan_mix": w}
    return {"edit": e, "config": {"dev_draw": True}}


def test_choose_takes_the_best_variant_only_if_it_beats_the_edit_as_drawn():
    assert R.choose(run(0.5, a=(0.4, [0, 0, 0, 0, 0])))[:2] == (None, None)
    assert R.choose(run(0.5, a=(0.5, [0, 0, 0, 0, 0])))[:2] == (None, None)   # a tie keeps the edit as drawn
    got = R.choose(run(0.5, a=(0.6, [0, 0, 0, 0, 0]), b=(0.6, [1, 1, 1, 0, 0]), c=(0.55, [1, 1, 1, 1, 0])))
    assert got[:2] == ("b", [1, 1, 1, 0, 0])   # a tie goes to more of the edit's own scales
    assert got[2] == {"as drawn": 0.5, "a": 0.6, "b": 0.6, "c": 0.55}


def test_main_refuses_an_evaluation_and_writes_the_choice(tmp_path, monkeypatch):
    import json
    from training import manifest
    ev = run(0.5, b=(0.6, [1, 1, 1, 0, 0]))
    (tmp_path / "e.json").write_text(json.dumps(dict(ev, config={"dev_draw": False})))
    with pytest.raises(SystemExit):
        R.main([str(tmp_path / "e.json")])
    (tmp_path / "d.json").write_text(json.dumps(ev))
    written = {}
    monkeypatch.setattr(manifest, "read_manifest", lambda: {"mllm": {"order": "scale", "restyle": {"weights": [0] * 5}}})
    monkeypatch.setattr(manifest, "update_manifest", lambda models, extra, facts=True: written.update(extra, facts=facts))
    R.main([str(tmp_path / "d.json"), "--write"])
    assert written["mllm"]["order"] == "scale" and written["mllm"]["restyle"]["weights"] == [1, 1, 1, 0, 0]
    assert written["facts"] is False   # no file changes: written where the model files may be set aside
    assert written["mllm"]["restyle"]["words"] == R.words()
    (tmp_path / "n.json").write_text(json.dumps(run(0.5, b=(0.4, [1, 1, 1, 0, 0]))))
    R.main([str(tmp_path / "n.json"), "--write"])
    assert "restyle" not in written["mllm"]   # none beats the edit as drawn: the rule is removed


def test_update_manifest_without_facts_keeps_the_stored_ones(tmp_path):
    """facts=False (restyle --write on a device call, the int8 decoders set aside): the stored bytes and sha256 stand
    where a file is absent; with facts they are read from the files."""
    import json
    from training import manifest
    (tmp_path / "a.onnx").write_bytes(b"abc")
    manifest.update_manifest({"a": {"variants": [{"file": "a.onnx"}]}}, models_dir=str(tmp_path))
    stored = json.load(open(tmp_path / "manifest.json"))["models"]["a"]["variants"][0]
    assert stored["bytes"] == 3
    (tmp_path / "a.onnx").unlink()
    m = manifest.update_manifest({}, extra={"mllm": {"restyle": {"weights": [0] * 5}}}, models_dir=str(tmp_path), facts=False)
    assert m["models"]["a"]["variants"][0] == stored and m["total_bytes"] == 3 and m["mllm"]["restyle"]["weights"] == [0] * 5
    with pytest.raises(FileNotFoundError):
        manifest.update_manifest({}, models_dir=str(tmp_path))

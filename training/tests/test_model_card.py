"""The model card's readers of an evaluation (training/model_card.py): what a number in its tables means."""
import numpy as np
import pytest
import torch

from training import model_card as M
from training.eval_mllm import choice_report


def edit(per_scale_success, picked, metric_at_pick, **more):
    return {"n": sum(picked.values()), "per_scale": {s: {"success": v} for s, v in per_scale_success.items()},
            "scale_choice": {"picked": picked, "metric_at_pick": metric_at_pick, **more}}


def test_edit_rec_is_a_success_rate_wherever_one_was_recorded():
    """A tone or style edit at the recommended scale: the recorded success_at_pick; else, when every pick fell on one
    scale, that scale's success; else only the judge's probability was recorded, which the card marks."""
    assert M.edit_rec(edit({"f0": 0.7, "f1": 0.6}, {"f0": 3, "f1": 1}, 0.5, success_at_pick=0.65)) == 0.65
    one = M.edit_rec(edit({"f0": 0.7, "f1": 0.6}, {"f0": 4, "f1": 0}, 0.5))
    assert one == 0.7 and not isinstance(one, M.Prob)
    mixed = M.edit_rec(edit({"f0": 0.7, "f1": 0.6}, {"f0": 3, "f1": 1}, 0.5))
    assert isinstance(mixed, M.Prob) and mixed == 0.5
    assert M.pct(mixed) == "50.0% (p)" and M.pct(0.5) == "50.0%"


def test_targets_table_explains_a_probability_only_where_one_is_shown():
    head = lambda rec: {k: (0.5, rec) if k.startswith(("tone", "style")) else (0.5,) for k in M.TARGETS}
    assert M.PROB_NOTE not in M.targets_table(["a"], [head(0.6)])
    assert M.PROB_NOTE in M.targets_table(["a", "b"], [head(0.6), head(M.Prob(0.6))])


def test_choice_report_success_at_pick_reads_each_items_own_pick():
    scores = {"f1": torch.tensor([1.0, 0.0, 0.0]), "f0": torch.tensor([0.0, 1.0, 1.0])}
    prefs = {"f1": torch.tensor([0.9, 0.1, 0.2]), "f0": torch.tensor([0.3, 0.8, 0.4])}
    ok = {"f1": torch.tensor([True, False, False]), "f0": torch.tensor([False, True, False])}
    r = choice_report(scores, prefs, successes=ok)
    assert r["picked"] == {"f1": 1, "f0": 2}
    assert abs(r["success_at_pick"] - 2 / 3) < 1e-6   # item 0 at f1, items 1 and 2 at f0
    assert abs(r["metric_at_pick"] - (0.9 + 0.8 + 0.4) / 3) < 1e-6
    assert "success_at_pick" not in choice_report(scores, prefs)


def test_paired_groups_means_each_group_of_the_per_item_difference(tmp_path):
    """training/paired_groups: each side is the mean of its runs' per-item preferences, and a group's difference is
    the mean over its own items (not a share of the whole)."""
    import json
    import lzma
    from training.paired_groups import grouped, side
    files = []
    for k, prefs in enumerate(([0.0, 1.0, 0.5], [1.0, 0.0, 0.5])):
        f = tmp_path / f"r{k}.json.xz"
        with lzma.open(f, "wt") as fh:
            json.dump({"t2i_canonical": {"prefs": {"f1": prefs}}}, fh)
        files.append(f)
    assert side(files).tolist() == [0.5, 0.5, 0.5]
    g = grouped(np.array([-0.3, 0.1, 0.2, 0.0]), ["a", "b", "a", "b"])
    assert g["all"]["n"] == 4 and abs(g["all"]["diff"]) < 1e-12
    assert g["a"]["n"] == 2 and abs(g["a"]["diff"] - (-0.05)) < 1e-12 and abs(g["b"]["diff"] - 0.05) < 1e-12
    # the standard error of a group's mean: sd (ddof 1) / sqrt(n); none for a group of one
    assert abs(g["a"]["se"] - np.std([-0.3, 0.2], ddof=1) / np.sqrt(2)) < 1e-12
    assert grouped(np.array([0.1, 0.2]), ["a", "b"])["a"]["se"] is None


def test_paired_groups_reads_another_jobs_items_at_its_scale(tmp_path):
    """training/paired_groups --key/--scale: the paired difference over all of another job's items (a tone edit's
    success probability at f0), arm minus control, each side the mean of its runs; a mismatched evaluation stops."""
    import json
    import lzma
    from training.paired_groups import main

    def run(name, prefs):
        f = tmp_path / f"{name}.json.xz"
        with lzma.open(f, "wt") as fh:
            json.dump({"edit.edit_tone": {"prefs": {"f0": prefs, "f1": [0.0] * len(prefs)}}}, fh)
        return str(f)
    ctl = [run("c1", [0.2, 0.4, 0.6]), run("c2", [0.4, 0.4, 0.4])]
    arm = [run("a1", [0.5, 0.5, 0.9])]
    out = tmp_path / "o.json"
    main([str(out), "--control", *ctl, "--arm", *arm, "--key", "edit.edit_tone", "--scale", "f0"])
    r = json.load(open(out))["all"]
    assert r["n"] == 3 and abs(r["diff"] - (0.2 + 0.1 + 0.4) / 3) < 1e-9
    assert abs(r["se"] - np.std([0.2, 0.1, 0.4], ddof=1) / np.sqrt(3)) < 1e-12   # over items, each side its runs' mean
    with pytest.raises(SystemExit):
        main([str(out), "--control", run("c3", [0.1, 0.2]), "--arm", *arm, "--key", "edit.edit_tone", "--scale", "f0"])

"""training/gpu/ab_summary.py: --fixed-scale reads an evaluation as if the scale choice marked one scale alone."""
import json

from training.gpu import ab_summary


def test_fixed_scale_reads_recommended_at_that_scale(tmp_path, capsys):
    """v12 evaluated under the f0-or-f1 rule (stop 50) read at f0 gives every metric its evaluation under the f0-alone
    rule gave (stop 51, a separate run: the same images, so the same numbers to the summary's 4 digits)."""
    import os
    ev = os.path.join(os.path.dirname(__file__), "..", "eval")
    old, new = json.load(open(os.path.join(ev, "pick", "views", "caption_v4.json"))), json.load(open(os.path.join(ev, "v12_f0", "eval_mllm.json")))
    assert old["edit"]["edit_tone"]["scale_choice"]["candidates"] == ["f0", "f1"] and new["edit"]["edit_tone"]["scale_choice"]["candidates"] == ["f0"]
    a, b = ab_summary.metrics(ab_summary.at_scale(old, "f0")), ab_summary.metrics(new)
    assert a.keys() == b.keys() and all(abs(a[k] - b[k]) < 5e-4 for k in a), {k: (a[k], b[k]) for k in a if abs(a[k] - b[k]) >= 5e-4}
    # as recorded, the two rules differ where the rule matters
    plain = ab_summary.metrics(old)
    assert plain["t2i_nat_top5_recommended"] != b["t2i_nat_top5_recommended"] and plain["edit_tone_recommended"] != b["edit_tone_recommended"]
    assert ab_summary.at_scale(old, "f1")["edit"]["edit_style"]["scale_choice"]["metric_at_pick"] == old["edit"]["edit_style"]["scale_choice"]["metric_fixed"]["f1"]
    for name, e in (("a", old), ("b", new)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "eval_mllm.json").write_text(json.dumps(e))
    ab_summary.main(["--fixed-scale", "f0", str(tmp_path / "a"), str(tmp_path / "b")])
    score = [l for l in capsys.readouterr().out.splitlines() if l.startswith("score")][0].split()
    assert score[1] == score[2]

"""training.scale_choice_fit on planted items: the candidate set it chooses is the one the items were built to favour."""
import json

import numpy as np

from training import scale_choice_fit as F

SCALES = ["f0", "f1", "f2", "f3", "f4"]


def items(n, rng, informative):
    """One t2i-like group. Preferences: f0 and f1 good, the rest poor. Scores: the coarse scales score HIGHEST (the
    score misleads across fine/coarse); informative: between f0 and f1 the score follows the preference."""
    P = np.column_stack([rng.uniform(0.5, 1, n), rng.uniform(0.5, 1, n)] + [rng.uniform(0, 0.3, n) for _ in range(3)])
    S = np.column_stack([rng.uniform(0, 0.5, n) for _ in range(2)] + [rng.uniform(0.6, 1, n) for _ in range(3)])
    if informative:
        S[:, :2] = P[:, :2] - 0.5
    else:
        P[:, 0] += 0.2   # f0 always the better of the two, whatever the score says
    return {"t2i_natural": {"scores": dict(zip(SCALES, S.T.tolist())), "prefs": dict(zip(SCALES, P.T.tolist()))}}


def test_fit_restricts_the_pick_to_the_scales_that_pay(tmp_path):
    rng = np.random.default_rng(0)
    got = F.fit_all(items(200, rng, informative=True), say=lambda *_: None)["text-to-image"]
    assert got["candidates"] == ["f0", "f1"]
    v = got["held_out"]["t2i_natural"]
    assert v["fitted"] > v["fixed"] > v["old"] and v["fitted"] <= v["best"]
    assert got["levels"] == ["f4"]   # scores recorded before their levels were: text-to-image's default
    got = F.fit_all(items(200, rng, informative=False), say=lambda *_: None)["text-to-image"]
    assert got["candidates"] == ["f0"] and got["held_out"]["t2i_natural"]["fitted"] == got["held_out"]["t2i_natural"]["fixed"]
    # scores recorded under another rule's levels keep them: the fit ships the levels the scores were computed over
    it = items(200, rng, informative=True)
    it["t2i_natural"]["score_levels"] = ["f1", "f0"]
    assert F.fit_all(it, say=lambda *_: None)["text-to-image"]["levels"] == ["f1", "f0"]
    # the CLI: an xz-compressed items file, the chosen sets and the A/B written out
    import lzma
    path = tmp_path / "items.json.xz"
    with lzma.open(path, "wt") as f:
        json.dump(items(100, rng, informative=True), f)
    F.main([str(path), "--out", str(tmp_path / "fit.json")])
    assert json.load(open(tmp_path / "fit.json"))["tasks"]["text-to-image"]["candidates"] == ["f0", "f1"]


def test_fit_chooses_the_score_levels_that_predict_the_preference():
    """Per-level cosines recorded: f2's agreement follows which of f0/f1 the judge prefers, f4's (the recorded score)
    is noise; the fit scores with f2 and picks among f0/f1."""
    rng = np.random.default_rng(1)
    n = 300
    P = np.column_stack([rng.uniform(0.5, 1, n), rng.uniform(0.5, 1, n)] + [rng.uniform(0, 0.3, n) for _ in range(3)])
    lv = {s: {l: rng.uniform(0, 1, n) for l in SCALES} for s in SCALES}
    lv["f0"]["f2"], lv["f1"]["f2"] = P[:, 0], P[:, 1]
    for s in SCALES[2:]:
        lv[s]["f2"] = rng.uniform(0, 0.4, n)
    items = {"t2i_natural": {"scores": {s: lv[s]["f4"].tolist() for s in SCALES}, "prefs": dict(zip(SCALES, P.T.tolist())),
                             "levels": {s: {l: v.tolist() for l, v in lv[s].items()} for s in SCALES}}}
    got = F.fit_all(items, say=lambda *_: None)["text-to-image"]
    assert got["levels"] == ["f2"] and set(got["candidates"]) >= {"f0", "f1"}
    v = got["held_out"]["t2i_natural"]
    assert v["fitted"] == v["best"] > v["fixed"] > v["old"]


def test_a_candidate_must_gain_more_than_an_encoder_run_costs():
    """f1 adds a gain below EXTRA_CANDIDATE_COST (in the preference's spread) over f0 alone: the fit keeps f0 alone.
    The same items with the gain made large keep both."""
    rng = np.random.default_rng(2)
    n = 400
    P = np.column_stack([rng.uniform(0.5, 1, n), rng.uniform(0.5, 1, n)] + [rng.uniform(0, 0.3, n) for _ in range(3)])
    P[:, 0] = P[:, 1] + 0.1   # f0 beats f1 on every item ...
    S = np.column_stack([rng.uniform(0, 1, n) for _ in SCALES])
    few = np.arange(n) % 50 == 0   # ... but on every 50th f1 is better by a little and the score says so
    P[few, 1] = P[few, 0] + 0.05
    S[:, 0], S[:, 1] = 0.5, np.where(few, 1.0, 0.0)

    def fit(P):
        it = {"t2i_natural": {"scores": dict(zip(SCALES, S.T.tolist())), "prefs": dict(zip(SCALES, P.T.tolist()))}}
        return F.fit_all(it, say=lambda *_: None)["text-to-image"]

    small = fit(P)
    gain = (0.05 * few.mean()) / P.std()
    assert 0 < gain < F.EXTRA_CANDIDATE_COST and small["candidates"] == ["f0"]
    P[few, 1] = P[few, 0] + 3.0   # the same items where f1 is far better: worth its encoder run
    assert fit(P)["candidates"] == ["f0", "f1"]

"""Which scales the automatic scale choice may pick, per task, fitted offline on eval_mllm --choice-items and A/B'd
on items the fit never saw; --manifest ships the result as the manifest's `scale_choice`.

The page recommends the scale whose drawn image scores highest on a measure it computes from the encoder alone
(the mean token cosine of its pyramid against the generated one at some levels: eval_mllm.level_cosines). v9's evaluation found that pick trailing a fixed fine scale on every task:
the score tells a good f0 from a good f1 at best, and a coarse scale that scores well is still a worse image. The
rule fitted here keeps the score but restricts the pick to a set of candidate scales per task (the page's task
names: text-to-image, edit, colorize, inpaint, sketch); one candidate is a fixed scale, all five the old rule. A
bias per scale (argmax of score + bias) was tried first and lost to a fixed f0 on held-out edits: it overfits.

Two-fold: items split by even/odd index; the candidate set chosen on one half (the highest mean preference, ties to
the smaller set: every candidate is an extra encoder run in the page) is scored on the other, the two held-out
halves pooled. Beside it on the same halves: the old rule (all five) and the best single scale of the fitting half.

  python3 -m training.scale_choice_fit ITEMS.json[.xz] [--transfer OTHER.json[.xz]] [--out training/eval/scale_choice.json]
      [--manifest]

--transfer scores the sets chosen on all of ITEMS on another model's items. --manifest writes them into
public/models/manifest.json (`scale_choice`: {task: [scales]}), read by the page (workers/engine/steps.ts) and by
eval_mllm, whose "recommended" numbers are then the page's.
"""
import argparse
import itertools
import json
import lzma

import numpy as np

# eval_mllm's choice item groups per page task (an edit of tone and one of style are the page's one edit task)
KINDS = {"text-to-image": ("t2i_natural", "t2i_canonical", "t2i"), "edit": ("edit.edit_tone", "edit.edit_style"),
         "colorize": ("edit.colorize",), "inpaint": ("edit.inpaint",), "sketch": ("edit.sketch",)}
# old: all five at the recorded score; fitted: the chosen rule; recorded_score: the chosen candidates at the recorded
# score (what the levels alone add); fixed: the fitting half's best single scale; best: the oracle
METRICS = ("old", "fitted", "recorded_score", "fixed", "best")


# the score the page computes for a scale's drawing: the mean over these pyramid levels of the mean token cosine
# between the drawing's pyramid (encoded again) and the generated one. None: the score the items were recorded with
# (their score_levels; items from before those were recorded: eval_mllm.default_levels)
LEVEL_SETS = (None, ("f4",), ("f3",), ("f2",), ("f1",), ("f0",), ("f1", "f0"), ("f2", "f1", "f0"), ("f4", "f3", "f2", "f1", "f0"))


def recorded_levels(items, kind):
    """The levels the items' recorded scores were computed over (the manifest's rule when they were evaluated)."""
    from training.eval_mllm import default_levels
    return next((items[g]["score_levels"] for g in KINDS[kind] if g in items and "score_levels" in items[g]),
                default_levels(kind))


def groups(items, kind, levels=None):
    """[(group name, scales, S [n,k], P [n,k])] for the kind's groups present in items; levels: S from the items'
    per-level cosines (eval_mllm.level_cosines) averaged over those levels (None: the recorded score)."""
    out = []
    for g in KINDS[kind]:
        if g in items:
            names = list(items[g]["scores"])
            if levels is None:
                S = np.array([items[g]["scores"][s] for s in names]).T
            else:
                S = np.array([np.mean([items[g]["levels"][s][lv] for lv in levels], 0) for s in names]).T
            out.append((g, names, S, np.array([items[g]["prefs"][s] for s in names]).T))
    return out


def level_sets(items, kind):
    """The score definitions the items allow (per-level cosines recorded: all of LEVEL_SETS; else the recorded one)."""
    have = all("levels" in items[g] for g in KINDS[kind] if g in items)
    return LEVEL_SETS if have else (None,)


def at_pick(S, P, cand):
    """Preference at the highest-scoring candidate (cand: column indices) per item."""
    cand = list(cand)
    pick = np.array(cand)[S[:, cand].argmax(1)]
    return P[np.arange(len(P)), pick]


def objective(gs, cand, rows):
    """Mean over the kind's groups of the mean preference at the pick, each group in units of its own spread
    (PSNR's dB and the judge's probabilities weigh alike when a kind pools groups)."""
    return float(np.mean([at_pick(S[r], P[r], cand).mean() / (P[r].std() or 1.0) for (_, _, S, P), r in zip(gs, rows)]))


# what one more candidate scale must gain, in units of the metric's spread (objective), to be chosen: each candidate
# is one more encoder run in the page (58-86 ms on 2-core WASM: bench/results/scale-choice-wasm-vm-2026-12-01-23-22.md),
# and per-level scores made the fit find sets whose gain was a hundredth of a dB (sketch: f0 + f4 scored at f3,
# +0.006 dB on the held-out halves)
EXTRA_CANDIDATE_COST = 0.01


def penalised(gs, cand, rows):
    """The objective less EXTRA_CANDIDATE_COST per candidate beyond the first (what choose ranks by)."""
    return objective(gs, cand, rows) - EXTRA_CANDIDATE_COST * (len(cand) - 1)


def choose(gs, rows):
    """The candidate set with the highest penalised objective on rows; ties (within 1e-9) to the smaller set, then the
    finer."""
    k = gs[0][2].shape[1]
    sets = [c for r in range(1, k + 1) for c in itertools.combinations(range(k), r)]
    return max(sets, key=lambda c: (round(penalised(gs, c, rows), 9), -len(c), [-i for i in c]))


def choose_rule(by_levels, rows):
    """(levels, candidate set) with the highest penalised objective on rows over every score definition; ties to the
    recorded score (None, first in LEVEL_SETS), then as choose."""
    best = None
    for i, (lv, gs) in enumerate(by_levels):
        cand = choose(gs, rows)
        key = (round(penalised(gs, cand, rows), 9), -i, -len(cand))
        if best is None or key > best[0]:
            best = (key, lv, cand)
    return best[1], best[2]


def two_fold(by_levels):
    """{group: {old, fitted, fixed, best, n}} pooled over the two held-out halves, and each fold's chosen rule.
    by_levels: [(levels, groups)], the recorded score first."""
    gs = by_levels[0][1]
    k = gs[0][2].shape[1]
    pooled = {g: dict.fromkeys(METRICS, 0.0) | {"n": 0} for g, _, _, _ in gs}
    chosen = []
    for a in (0, 1):
        fit_rows = [np.arange(len(S))[a::2] for _, _, S, _ in gs]
        test_rows = [np.arange(len(S))[1 - a::2] for _, _, S, _ in gs]
        lv, cand = choose_rule(by_levels, fit_rows)
        fitted = dict(by_levels)[lv]
        fixed = max(range(k), key=lambda j: objective(gs, (j,), fit_rows))
        chosen.append((lv, cand))
        for (g, _, S, P), (_, _, SF, _), r in zip(gs, fitted, test_rows):
            v = pooled[g]
            v["old"] += at_pick(S[r], P[r], range(k)).sum()
            v["fitted"] += at_pick(SF[r], P[r], cand).sum()
            v["recorded_score"] += at_pick(S[r], P[r], cand).sum()
            v["fixed"] += P[r, fixed].sum()
            v["best"] += P[r].max(1).sum()
            v["n"] += len(r)
    for v in pooled.values():
        for m in METRICS:
            v[m] = float(v[m] / v["n"])
    return pooled, chosen


def fit_all(items, other=None, say=print):
    """{task: {candidates, folds, held_out, transfer?}} for every task whose groups are in items."""
    res = {}
    say(f"{'group':22s} {'n':>4s} {'all five':>9s} {'fitted':>8s} {'rec.score':>9s} {'1 fixed':>8s} {'oracle':>8s}"
        "   (held-out halves; rec.score: the fitted candidates at the recorded score)")
    for kind in KINDS:
        gs = groups(items, kind)
        if not gs:
            continue
        names = gs[0][1]
        by_levels = [(lv, groups(items, kind, lv)) for lv in level_sets(items, kind)]
        pooled, folds = two_fold(by_levels)
        lv, cand = choose_rule(by_levels, [np.arange(len(S)) for _, _, S, _ in gs])
        levels = list(lv) if lv else recorded_levels(items, kind)
        entry = {"candidates": [names[i] for i in cand], "levels": levels,
                 "folds": [{"candidates": [names[i] for i in c], "levels": list(f) if f else None} for f, c in folds],
                 "held_out": pooled}
        for g, v in pooled.items():
            say(f"{g:22s} {v['n']:4d} {v['old']:9.4f} {v['fitted']:8.4f} {v['recorded_score']:9.4f} {v['fixed']:8.4f} "
                f"{v['best']:8.4f}")
        if other:
            entry["transfer"] = {}
            other_lv = lv if lv in level_sets(other, kind) else None
            for (g, _, S0, P), (_, _, S, _) in zip(groups(other, kind), groups(other, kind, other_lv)):
                entry["transfer"][g] = {"n": len(S), "old": float(at_pick(S0, P, range(S.shape[1])).mean()),
                                        "fitted": float(at_pick(S, P, cand).mean())}
                t = entry["transfer"][g]
                say(f"  other model: {g:17s} {t['n']:4d} {t['old']:9.4f} {t['fitted']:8.4f}")
        say(f"  {kind}: candidates {entry['candidates']}, score levels {entry['levels']} (folds: "
            f"{[(f['candidates'], f['levels']) for f in entry['folds']]})")
        res[kind] = entry
    return res


def read_items(path):
    """A --choice-items JSON, or one compressed with xz (as committed)."""
    with (lzma.open(path, "rt") if path.endswith(".xz") else open(path)) as f:
        return json.load(f)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("items", help="eval_mllm --choice-items JSON")
    ap.add_argument("--transfer", default=None, help="another model's choice items, scored with the sets chosen on ITEMS")
    ap.add_argument("--out", default=None, help="write the chosen sets and the A/B (JSON)")
    ap.add_argument("--manifest", action="store_true", help="ship the chosen sets as public/models/manifest.json's scale_choice")
    args = ap.parse_args(argv)
    items = read_items(args.items)
    other = read_items(args.transfer) if args.transfer else None
    tasks = fit_all(items, other)
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"items": args.items, "transfer": args.transfer, "tasks": tasks}, f, indent=1)
    if args.manifest:
        from training.manifest import update_manifest
        update_manifest({}, extra={"scale_choice": {k: {"candidates": v["candidates"], "levels": v["levels"]}
                                                    for k, v in tasks.items()}})
    return tasks


if __name__ == "__main__":
    main()

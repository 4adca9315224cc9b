"""The pick's temperature per page task, chosen on a dev set the evaluation never reads (issue 15).

The pick (manifest mllm.pick, caption_rerank.py) scores each of the key's k retrieved names by the MLLM's
log-likelihood plus the name's cosine / T. Stop 57 shipped one T for every task, the key's own scale (1/S = 0.05),
because a T fitted on the evaluation would fit the prior to the test set. But the two experts' reliability differs
by what the MLLM is given to read (on the evaluation, T = 0.02 moved line-art sketches 22 -> 36% and cost tone edits),
so a task whose MLLM reads worse wants the key's prior stronger (a lower T). This chooses T per page task on
`eval_mllm --dev`'s record:
OpenMoji drawings of the training concepts (no model trained on OpenMoji; its concepts kept apart from the held-out
vendor's and from every OpenMoji drawing an evaluation samples: eval_mllm.dev_sources) and, for sketches, the
line-drawn vendor's drawings of those concepts (no model read it). The record holds each choice's candidates, their
log-likelihoods and cosines, so every T is scored offline:

    python3 -m training.eval_mllm --mllm V.pt --reader shipped --pick 5 --pick-temperature 1 --dev 600 \\
        --n-openmoji 200 --pick-record REC.json --out DEV.json            (one GPU, about a minute)
    python3 -m training.pick_temperature REC.json[.xz] DEV.json [--out OUT.json] [--write [--tasks T,...]]

--write puts the chosen {task: T} into the manifest's mllm.pick.temperature (the page and eval_mllm read it per task).
Run 30 (stop 58, training/eval/pick_dev): on this dev set, whose style no model read, the key should outweigh the MLLM
for every task (T 0.005-0.01); on the evaluation's held-out vendor, whose styles the MLLM draws, that loses captions
and edits, and wins line-art sketches (22 -> 56%): the manifest took the sketch's choice alone (--tasks sketch).
The rule: each page task's T is the grid value with the most right picks over its jobs on the dev set (a page task
pools its job kinds: edit = tone and style edits, sketch = colour drawings' and line drawings' edge maps); ties go to
the T nearest the key's own scale (in log T), the choice that needs no data.
"""
import argparse
import json
import lzma
import math
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "training", "eval", "pick_dev", "dev_temperature.json")
# candidate temperatures: from the key's prior alone (in effect) to the log-likelihood alone (None)
GRID = (0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, None)


def cosines(rec, used):
    """One record's candidates' cosines: its prior times the temperature it was recorded with (`used`)."""
    if rec["prior"] is None or not used:
        raise ValueError("the record holds no cosines: record the pick with a temperature (--pick-temperature 1)")
    return np.asarray(rec["prior"], dtype=np.float64) * used


def hits(rec, used, grid):
    """{T: whether the record picks its right name at T} over the grid (None: the log-likelihood alone); ties go to the
    earlier (nearer) name, as the page's argmax does."""
    ll = np.asarray(rec["loglik"], dtype=np.float64)
    cos = None if all(t is None for t in grid) else cosines(rec, used)
    return {t: rec["names"][int(np.argmax(ll if t is None else ll + cos / t))] == rec["want"] for t in grid}


def choose(records, used, default, grid=GRID):
    """records (eval_mllm --pick-record), the temperature they were recorded with -> {page task: {"temperature",
    "right", "n", "curve": {T: share right}, "by_kind": {kind: {"n", "curve"}}}}; the chosen T has the most right picks,
    ties to the T nearest `default` in log T (the log-likelihood alone counts as the farthest). A page task pools its
    job kinds (eval_mllm.page_task); each record is scored once per T."""
    from training.eval_mllm import page_task
    scored = [(r["task"], hits(r, used, grid)) for r in records]
    share = lambda hs, t: sum(h[t] for h in hs) / len(hs)
    dist = lambda t: math.inf if t is None else abs(math.log(t / default))
    out = {}
    for task in sorted({page_task(k) for k, _ in scored}):
        hs = [h for k, h in scored if page_task(k) == task]
        counts = {t: sum(h[t] for h in hs) for t in grid}
        best = max(grid, key=lambda t: (counts[t], -dist(t)))
        kinds = sorted({k for k, _ in scored if page_task(k) == task})
        by_kind = {k: [h for kk, h in scored if kk == k] for k in kinds}
        out[task] = {"temperature": best, "right": counts[best], "n": len(hs),
                     "curve": {str(t): share(hs, t) for t in grid},
                     "by_kind": {k: {"n": len(v), "curve": {str(t): share(v, t) for t in grid}} for k, v in by_kind.items()}}
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("record", help="eval_mllm --dev --pick-record's JSON")
    ap.add_argument("dev", help="eval_mllm --dev --out's JSON (the temperature the record was made with)")
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--arg", action="store_true", help="print the choice on stdout as eval_mllm's --pick-temperature "
                    "argument (the table goes to stderr): the evaluation of the choice in the device call that records it")
    ap.add_argument("--write", action="store_true", help="the chosen temperatures into the manifest (mllm.pick.temperature)")
    ap.add_argument("--tasks", default=None, help="with --write: the page tasks whose dev choice is written, comma-"
                    "separated; the others keep the manifest's temperature (the key's own scale where it has one for "
                    "all): a choice that lost its A/B on the evaluation is not shipped")
    args = ap.parse_args(argv)
    from training.manifest import read_manifest, update_manifest
    dev = json.load(open(args.dev))
    if not dev["config"].get("dev"):
        raise SystemExit(f"{args.dev}: not an eval_mllm --dev run (the evaluation's own picks would fit T to the test set)")
    used = dev["config"]["pick_temperature"]
    records = json.load(lzma.open(args.record) if args.record.endswith(".xz") else open(args.record))
    man = read_manifest()
    pick = man["mllm"]["pick"]
    key_scale = 1 / man["models"]["key"]["trained"]["scale"]   # the key's own scale: the no-data choice
    res = {"record": os.path.relpath(os.path.abspath(args.record), ROOT), "n_dev": dev["config"].get("dev"),
           "recorded_temperature": used, "default": key_scale, "grid": [str(t) for t in GRID],
           "tasks": choose(records, used, key_scale)}
    for task, r in res["tasks"].items():
        print(f"{task:9s} n={r['n']:4d}  T={r['temperature']}  right {r['right'] / r['n']:.3f}  "
              f"(at {key_scale:g}: {r['curve'][str(key_scale)]:.3f}, log-likelihood alone: {r['curve']['None']:.3f})",
              file=sys.stderr if args.arg else sys.stdout)
    if args.arg:
        print(",".join(f"{t}={r['temperature'] or 'none'}" for t, r in res["tasks"].items()))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    json.dump(res, open(args.out, "w"), indent=1)
    if args.write:
        from training.caption_rerank import task_temperature
        chosen = set(args.tasks.split(",")) if args.tasks else set(pick["tasks"])
        temps = {t: res["tasks"][t]["temperature"] if t in chosen else task_temperature(pick.get("temperature"), t)
                 for t in pick["tasks"] if t in res["tasks"] or t not in chosen}
        missing = [t for t in pick["tasks"] if t not in temps]
        if missing:
            raise SystemExit(f"the dev record has no picks of {missing}: no temperature chosen for them")
        from training.gallery import PER_TASK
        rule = pick["rule"] if pick["rule"].endswith(PER_TASK) else pick["rule"] + PER_TASK
        update_manifest({}, extra={"mllm": dict(man["mllm"], pick=dict(pick, temperature=temps, rule=rule))})
        print(f"manifest mllm.pick.temperature = {temps}")


if __name__ == "__main__":
    main()

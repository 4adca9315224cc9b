"""training/pick_temperature.py: the pick's temperature per page task, chosen on eval_mllm --dev's record; and
eval_mllm.dev_sources, the dev drawings no model or evaluation reads."""
import random

import pytest

from training import pick_temperature as PT


def rec(task, want, names, loglik, cos, used=1.0):
    return {"task": task, "want": want, "names": names, "loglik": loglik, "prior": [c / used for c in cos]}


def test_choose_counts_right_picks_per_page_task():
    # captions: the MLLM is right and retrieval misleads it a little (a high T wins); sketches: the MLLM is wrong by a
    # margin the key's cosine overturns only at a low T
    caps = [rec("caption", "a", ["b", "a"], [-3.0, -1.0], [0.9, 0.82])] * 3
    sk = [rec("sketch", "a", ["a", "b"], [-2.0, -1.0], [0.9, 0.8]),
          rec("sketch_lines", "a", ["a", "b"], [-2.0, -1.0], [0.9, 0.8])]
    got = PT.choose(caps + sk, 1.0, 0.05, grid=(0.01, 0.05, 0.2, None))
    assert set(got) == {"caption", "sketch"}   # sketch_lines pools with sketch (one page task)
    # captions: 0.08 / T against a 2-nat gap: right for T > 0.04 and without a prior; the tie goes to the default
    assert got["caption"]["curve"] == {"0.01": 0.0, "0.05": 1.0, "0.2": 1.0, "None": 1.0}
    assert got["caption"]["temperature"] == 0.05 and got["caption"]["right"] == 3
    # sketches: right only when 0.1 / T > 1, i.e. T < 0.1
    assert got["sketch"]["curve"] == {"0.01": 1.0, "0.05": 1.0, "0.2": 0.0, "None": 0.0}
    assert got["sketch"]["temperature"] == 0.05 and got["sketch"]["by_kind"]["sketch_lines"]["n"] == 1
    # a default away from the best: the best T is chosen, not the default
    assert PT.choose(sk, 1.0, 0.2, grid=(0.01, 0.05, 0.2, None))["sketch"]["temperature"] == 0.05
    # the cosines are the priors times the temperature they were recorded with
    assert PT.choose([rec("edit_tone", "a", ["a", "b"], [-2.0, -1.0], [0.9, 0.8], used=0.5)], 0.5, 0.05,
                     grid=(0.05, None))["edit"]["curve"] == {"0.05": 1.0, "None": 0.0}
    with pytest.raises(ValueError):   # a record without cosines cannot be re-scored
        PT.choose([dict(caps[0], prior=None)], None, 0.05)


def test_dev_sources_are_read_by_no_evaluation():
    from training.eval_mllm import EVAL_OPENMOJI, dev_sources, openmoji_sample
    meta = []
    for c in range(700):   # concept c: one train drawing; every 10th held out of one vendor; one OpenMoji drawing each
        meta.append({"i": len(meta), "concept": f"c{c}", "split": "train"})
        if c % 10 == 0:
            meta.append({"i": len(meta), "concept": f"c{c}", "split": "heldout_vendor"})
        meta.append({"i": len(meta), "concept": f"c{c}", "split": "openmoji"})
    meta.append({"i": len(meta), "concept": "new", "split": "openmoji"})   # not a training concept
    trained = {m["concept"] for m in meta if m["split"] == "train"}
    dev = dev_sources(meta, 10_000, trained, random.Random(1))
    om = [m["i"] for m in meta if m["split"] == "openmoji"]
    # the captions' OpenMoji sample as eval_mllm's main draws it (its first draw from random.Random(0))
    evaluated = {meta[i]["concept"] for k in EVAL_OPENMOJI for i in openmoji_sample(meta, k, random.Random(0))}
    got = {meta[i]["concept"] for i in dev}
    assert dev and all(meta[i]["split"] == "openmoji" for i in dev)
    assert not got & evaluated and "new" not in got and not any(int(c[1:]) % 10 == 0 for c in got)
    assert len(dev) == len([i for i in om if meta[i]["concept"] in trained - evaluated and int(meta[i]["concept"][1:]) % 10])
    assert len(dev_sources(meta, 5, trained, random.Random(1))) == 5

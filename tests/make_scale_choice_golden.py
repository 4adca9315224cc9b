"""Writes tests/fixtures/scale_choice_golden.json: random drawn and generated pyramids (image order, f4 first) and
their scale-choice scores computed by training/eval_mllm.py (level_cosines, choice_score), so
workers/mllm/scale_choice.ts scoreAtLevels is checked against Python.
Run: /usr/bin/python3 tests/make_scale_choice_golden.py (from the repository root)."""
import json, os, sys
sys.path.insert(0, os.getcwd())
import torch
from training.eval_mllm import choice_score, level_cosines
from training import mllm_tasks as T

g = torch.Generator().manual_seed(0)
B, C = 3, 4
n = sum(sl.stop - sl.start for sl in T.scale_slices().values())
gen = torch.randn(B, n, C, generator=g)
dec = gen + torch.randn(B, n, C, generator=g) * torch.tensor([0.3, 1.0, 3.0])[:, None, None]   # three agreements
gen, dec = (torch.round(t * 1000) / 1000 for t in (gen, dec))   # 3 decimals: a small file, the scores from these
LEVELS = [["f4"], ["f0", "f1", "f2", "f3", "f4"], ["f1", "f0"]]
lc = level_cosines(dec, gen)
out = {"C": C, "order": list(T.scale_slices()), "tokens": {k: sl.stop - sl.start for k, sl in T.scale_slices().items()},
       "generated": gen.flatten().tolist(), "decoded": dec.flatten().tolist(),
       "scores": [{"levels": lv, "score": choice_score(lc, lv).tolist()} for lv in LEVELS]}
os.makedirs("tests/fixtures", exist_ok=True)
json.dump(out, open("tests/fixtures/scale_choice_golden.json", "w"))
print("wrote tests/fixtures/scale_choice_golden.json")

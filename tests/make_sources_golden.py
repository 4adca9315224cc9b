"""Writes tests/fixtures/sources_golden.json: a small image and its grayscale, masked and Sobel
sources computed by training/transforms.py, so workers/lib/sources.ts is checked against Python.
Run: /usr/bin/python3 tests/make_sources_golden.py (from the repository root)."""
import json, os, sys
sys.path.insert(0, os.getcwd())
import torch
from training import transforms as T

g = torch.Generator().manual_seed(0)
x = torch.rand(1, 3, 16, 16, generator=g) * 2 - 1
x[:, :, 4:10, 5:12] = torch.tensor([0.8, -0.6, 0.1]).view(1, 3, 1, 1)
mask = torch.zeros(1, 1, 16, 16)
mask[:, :, 2:7, 3:9] = 1
out = {
    "size": 16,
    "x": x.flatten().tolist(),
    "mask": mask.flatten().tolist(),
    "gray": T.grayscale(x).flatten().tolist(),
    "masked": T.apply_mask(x, mask).flatten().tolist(),
    "edges": T.sobel_edges(x).flatten().tolist(),
}
os.makedirs("tests/fixtures", exist_ok=True)
json.dump(out, open("tests/fixtures/sources_golden.json", "w"))
print("wrote tests/fixtures/sources_golden.json")

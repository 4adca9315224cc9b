"""Fewer DDIM steps, measured (issue 19 item 4): Table 1 for the shipped decoders at each of several step
counts of the manifest's allowed ones, on the same images and seeds, so the page's default can drop to the
fewest steps that keep Table 1 (PSNR_r within 0.5 dB of the default's, judge top-1 per scale unchanged).

    /usr/bin/python3 -m training.steps_ab --steps 4,6,10 --limit 64      # -> training/eval/steps_ab.json

(that run measured the guidance-distilled decoders, which allowed 4-20 steps; the step-distilled ones that ship
now allow only their own count, so the default --steps is the manifest's allowed_steps.)

A step is one decoder pass (the shipped decoders are guidance-distilled), so the decoder's share of every
task's time scales with the step count.
"""
import argparse
import json
import os
import time

import torch

from training.common import ROOT
from training.eval_visual import evaluate


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", help="comma-separated step counts (each in the manifest's allowed_steps; default all of those)")
    ap.add_argument("--limit", type=int, default=64, help="images per set (held-out concepts, OpenMoji)")
    ap.add_argument("--max-openmoji", type=int, default=600)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--out", default=os.path.join(ROOT, "training", "eval", "steps_ab.json"))
    a = ap.parse_args(argv)
    allowed = json.load(open(os.path.join(ROOT, "public", "models", "manifest.json")))["sampler"]["allowed_steps"]
    report = {"limit": a.limit, "device": a.device, "runs": {}}
    for n in (int(s) for s in a.steps.split(",")) if a.steps else allowed:
        if n not in allowed:
            raise SystemExit(f"{n} steps: not one of the manifest's allowed_steps {allowed}")
        t0 = time.time()
        with torch.no_grad():
            rep = evaluate(a.device, a.max_openmoji, steps=n, limit=a.limit)[0]
        rep["seconds"] = round(time.time() - t0, 1)
        report["runs"][str(n)] = rep
        print(f"[steps_ab] {n} steps: " + ", ".join(
            f"{name} {s} {r[s]['psnr_r']:.2f} dB / {r[s]['judge_top1']:.3f}" for name, r in rep["sets"].items()
            for s in ("f0", "f1", "f2")), flush=True)
    json.dump(report, open(a.out, "w"), indent=1)
    return report


if __name__ == "__main__":
    main()

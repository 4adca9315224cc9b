"""The judge on the edits' own target drawings: the most an edit can score as eval_mllm scores it.

eval_mllm's edit jobs (edit_jobs: a held-out-vendor source, the instruction, the target drawing) are judged here on
their TARGET drawings instead of on what the MLLM draws: a tone or style edit succeeds when the judge names the
source's concept and the asked tone or style (eval_mllm.edit_success, the same rule), a sketch when it names the
concept of the drawing the sketch was made from. If the judge missed its own targets, an edit's shortfall would be
the judge's, not the model's; together with `eval_mllm --edit-right-plan` (the drawing given the right plan) this
says which half an edit's failure lies in. No MLLM, no decoder: the judge alone, a minute on the CPU.
    /usr/bin/python3 -m training.judge_ceiling training/eval/pick/judge_ceiling.json
"""
import argparse
import json
import random
from types import SimpleNamespace

import torch

from training.common import JUDGE
from training.eval_mllm import Ctx, edit_jobs, edit_success
from training.transforms import to_tensor

KINDS = ("edit_tone", "edit_style", "sketch")


def ceiling(images, meta, judge, device="cpu", seeds=(0, 1, 2, 3, 4)):
    """{kind: {"n", "success"}}: the judge on the targets of eval_mllm's edit jobs, averaged over `seeds` of the
    random tone each tone edit asks for (eval_mllm draws one per source)."""
    # eval_mllm's own context, with what edit_jobs and edit_success read: the data, the judge, and a sampler whose
    # rows are the image indices themselves (no MLLM reads them here)
    ctx = Ctx(model=None, tok=None, encoder=None, judge=judge, decode=None, device=device, meta=meta, images=images,
              seeds=len(seeds), sampler=SimpleNamespace(row=lambda i, view=None: i))
    hv = [m["i"] for m in meta if m["split"] == "heldout_vendor"]
    cidx = ctx.vocab("concept")
    out = {}
    for kind in KINDS:
        rates = []
        for seed in seeds if kind == "edit_tone" else seeds[:1]:   # only a tone edit's target is drawn at random
            jobs = edit_jobs(ctx, hv, random.Random(seed), (kind,))
            p = ctx.judge_probs(to_tensor(images[[j[5] for j in jobs]], device=device))
            if kind == "sketch":   # the judge names the concept of the drawing the sketch was made from
                ok = p["concept"].argmax(1).cpu() == torch.tensor([cidx.get(j[3], -1) for j in jobs])
            else:
                ok, _, _ = edit_success(ctx, p, jobs)
            rates.append(float(ok.float().mean()))
        out[kind] = {"n": len(jobs), "success": sum(rates) / len(rates), "per_seed": rates}
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--judge", default=JUDGE)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)
    from training.data import load
    from training.judge import load_judge
    images, meta = load()
    res = ceiling(images, meta, load_judge(args.judge, args.device), args.device)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res))
    return res


if __name__ == "__main__":
    main()

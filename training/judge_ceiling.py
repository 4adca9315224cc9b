"""The judge on the edits' own target drawings: the most an edit can score as eval_mllm scores it.

eval_mllm's edit jobs (edit_jobs: a held-out-vendor source, the instruction, the target drawing) are judged here on
their TARGET drawings instead of on what the MLLM draws: a tone or style edit succeeds when the judge names the
source's concept and the asked tone or style (eval_mllm.edit_success, the same rule), a sketch when it names the
concept of the drawing the sketch was made from. If the judge missed its own targets, an edit's shortfall would be
the judge's, not the model's; together with `eval_mllm --edit-right-plan` (the drawing given the right plan) this
says which half an edit's failure lies in. No MLLM, no decoder: the judge alone, a minute on the CPU.
    /usr/bin/python3 -m training.judge_ceiling training/eval/pick/judge_ceiling.json
--decoded adds the decoders' ceiling: each target drawing encoded by the shipped encoder and decoded back, scale by
scale, by the shipped decoders (eval_mllm's own decode): an MLLM that drew exactly the target's features would score
this. What falls between it and the targets' own score is the decoders'; what falls below it, the MLLM's.
"""
import argparse
import json
import random
from types import SimpleNamespace

from training.common import JUDGE
from training.eval_mllm import Ctx, edit_jobs, edit_success, edit_report, encode_pyramid, recognised, split_scales
from training.transforms import to_tensor

KINDS = ("edit_tone", "edit_style", "sketch")


def judge_ctx(images, meta, judge, device="cpu", encoder=None, decode=None):
    """eval_mllm's own context with what edit_jobs and the judging read: the data, the judge (and, to decode, the
    encoder and decode), and a sampler whose rows are the image indices themselves (no MLLM reads them here);
    and the held-out-vendor drawings the edits start from."""
    ctx = Ctx(model=None, tok=None, encoder=encoder, judge=judge, decode=decode, device=device, meta=meta, images=images,
              seeds=1, sampler=SimpleNamespace(row=lambda i, view=None: i))
    return ctx, [m["i"] for m in meta if m["split"] == "heldout_vendor"]


def ceiling(images, meta, judge, device="cpu", seeds=(0, 1, 2, 3, 4)):
    """{kind: {"n", "success"}}: the judge on the targets of eval_mllm's edit jobs, averaged over `seeds` of the
    random tone each tone edit asks for (eval_mllm draws one per source)."""
    ctx, hv = judge_ctx(images, meta, judge, device)
    out = {}
    for kind in KINDS:
        rates = []
        for seed in seeds if kind == "edit_tone" else seeds[:1]:   # only a tone edit's target is drawn at random
            jobs = edit_jobs(ctx, hv, random.Random(seed), (kind,))
            p = ctx.judge_probs(to_tensor(images[[j[5] for j in jobs]], device=device))
            if kind == "sketch":   # the judge names the concept of the drawing the sketch was made from
                rates.append(recognised(ctx, p, jobs)["recognised_top1"])
            else:
                rates.append(float(edit_success(ctx, p, jobs)[0].float().mean()))
        out[kind] = {"n": len(jobs), "success": sum(rates) / len(rates), "per_seed": rates}
    return out


def decoded_ceiling(images, meta, judge, encoder, decode, device="cpu", scales=("f0", "f1", "f2"), seed=0):
    """{kind: {"n", "per_scale": {scale: {...}}}}: the same jobs (one seed's tones), each target drawing encoded and
    decoded back at each scale (`decode`: eval_mllm.make_decode's), judged as eval_mllm judges what the MLLM draws:
    success and its halves (and, for tone edits, where a missed tone lands); for sketches the concept recognised."""
    ctx, hv = judge_ctx(images, meta, judge, device, encoder, decode)
    out = {}
    for kind in KINDS:
        jobs = edit_jobs(ctx, hv, random.Random(seed), (kind,))
        toks = split_scales(encode_pyramid(encoder, to_tensor(images[[j[5] for j in jobs]], device=device)))
        per = {}
        for s in scales:
            p = ctx.judge_probs(decode(s, toks[s], seed))
            if kind == "sketch":   # as eval_mllm records a sketch's recognition; "success" its top 1
                rec = recognised(ctx, p, jobs)
                per[s] = {"success": rec["recognised_top1"]} | rec
            else:
                per[s] = edit_report(ctx, p, jobs)[0]
        out[kind] = {"n": len(jobs), "per_scale": per}
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--judge", default=JUDGE)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--decoded", action="store_true", help="also the decoders' ceiling (the targets encoded and decoded "
                    "back by the shipped encoder and decoders; minutes on the CPU)")
    args = ap.parse_args(argv)
    from training.data import load
    from training.judge import load_judge
    images, meta = load()
    judge = load_judge(args.judge, args.device)
    res = ceiling(images, meta, judge, args.device)
    if args.decoded:
        from training import shipped
        from training.eval_mllm import make_decode
        encoder = shipped.load_encoder(args.device)[0]
        res["decoded"] = decoded_ceiling(images, meta, judge, encoder, make_decode(encoder, args.device), args.device)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res))
    return res


if __name__ == "__main__":
    main()

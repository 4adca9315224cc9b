"""Guidance distillation of the teacher decoders (issue 19 item 4; training/teachers: the decoders shipped
before the students replaced them): per scale, a student initialised from the teacher learns in one pass what the teacher's classifier-free-guided pair gives, so
the page runs a batch of one per DDIM step instead of the (cond, uncond) pair, halving the
decoders' work (on 2-core WASM they were ~85% of text-to-image).

    python3 -m training.distill_decoders --minutes 6 --out-dir training/runs/distill     # GPU
    python3 -m training.distill_decoders --scales f4 --max-steps 2 --batch 2 --limit 4 --out-dir /tmp/d   # CPU smoke
    python3 -m training.distill_decoders --compare-guidance 1,3 --limit 16 --out-dir training/runs/distill   # other guidances

Target (Meng et al. 2023, "On distillation of guided diffusion models", stage one at a fixed
guidance): v_g = v_u + w (v_c - v_u) of the teacher at the manifest's guidance w, at x_t = noised
training images, half at the sampler's own timesteps (the ones the page visits), half uniform. The
student sees only the conditional features. Then Table 1 for the same images (held-out concepts,
OpenMoji), the teacher with its pair at w against the student alone (guidance 1): reconstruction
PSNR/SSIM, diversity and the judge's top-1 per scale (`training/eval_visual.evaluate`), written to
<out-dir>/table1_ab.json; the students to <out-dir>/decoder_<s>.pt (EMA weights, fp16: what comes back
from the GPU machine); `python3 -m training.export --distilled DIR` ships them.
"""
import argparse
import copy
import json
import os
import time

import torch
import torch.nn.functional as F

from training import shipped
from training.common import ROOT, atomic_save
from training.data import load
from training.decoder import cosine_alphas_cumprod, ddim_timesteps
from training.encoder import SCALES, blank_features, pyramid
from training.export import TEACHERS_DIR
from training.transforms import to_tensor


def guided_target(teacher, xt, t, cond, uncond, w):
    """The teacher's classifier-free-guided v for a batch: one pass over (cond, uncond)."""
    b = xt.shape[0]
    v2 = teacher(torch.cat([xt, xt]), torch.cat([t, t]), torch.cat([cond, uncond.expand_as(cond)]))
    vc, vu = v2[:b].float(), v2[b:].float()
    return vu + w * (vc - vu)


def distill_step(student, teacher, opt, x0, cond, uncond, t, eps, abar, w):
    """One optimizer step of the student towards the teacher's guided v at x_t; returns the loss."""
    ab = abar[t].view(-1, 1, 1, 1)
    xt = ab.sqrt() * x0 + (1 - ab).sqrt() * eps
    with torch.no_grad():
        target = guided_target(teacher, xt, t.float(), cond, uncond, w)
    loss = F.mse_loss(student(xt, t.float(), cond).float(), target)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
    opt.step()
    return loss.item()


def sample_t(n, visited, T, gen):
    """Half the batch at the sampler's visited timesteps, half uniform over [0, T)."""
    uni = torch.randint(0, T, (n,), generator=gen)
    vis = visited[torch.randint(0, len(visited), (n,), generator=gen)]
    return torch.where(torch.rand(n, generator=gen) < 0.5, vis, uni)


def with_blank(cond, blank, frac, gen):
    """cond [B,N,C] with a `frac` share of its rows replaced by the blank image's features: there the teacher's
    guided target is v_u itself, so the student's blank pass stays the unguided branch that any guidance other
    than the distilled one needs (lib/sampler.ts decoderGuidance)."""
    if frac <= 0:
        return cond
    keep = (torch.rand(cond.shape[0], generator=gen) >= frac).to(cond.device).view(-1, 1, 1)
    return torch.where(keep, cond, blank.expand_as(cond))


def distill(scales, minutes, batch, lr, device, limit=None, max_steps=10 ** 9, log=print, seed=0, blank_frac=0.0, init_dir=None):
    """Trains a student per scale for `minutes` of wall clock (shared); returns {scale: (student EMA, steps)}.
    init_dir: start the students from the decoders there (e.g. public/models: the shipped students) instead of
    the teachers."""
    images, meta = load()
    enc, cfg = shipped.load_encoder(device)
    teachers = shipped.load_decoders(device, models_dir=TEACHERS_DIR)   # the undistilled decoders, kept for this
    idx = [m["i"] for m in meta if m["split"] == "train"][:limit]
    imgs = torch.as_tensor(images[idx]).to(device)
    with torch.no_grad():   # frozen encoder: features once
        feats = torch.cat([enc(to_tensor(imgs[i:i + 512])) for i in range(0, len(imgs), 512)])
    blank = blank_features(enc, device)
    T = cfg.train_timesteps
    abar = cosine_alphas_cumprod(T).to(device)
    visited = torch.as_tensor(ddim_timesteps(T, cfg.sample_steps), dtype=torch.long)
    gen = torch.Generator().manual_seed(seed)
    out = {}
    per_scale = minutes * 60 / len(scales)
    for s in scales:
        k = SCALES.index(s)
        teacher = teachers[s].eval().requires_grad_(False)
        student = (shipped.load_decoder(s, device, init_dir) if init_dir else copy.deepcopy(teacher)).train().requires_grad_(True)
        student.distilled_guidance = None   # trained as the raw network; the mapping is the exporter's
        ema = copy.deepcopy(student).requires_grad_(False)
        opt = torch.optim.AdamW(student.parameters(), lr=lr, weight_decay=0.0)
        stop, step, loss_sum = time.time() + per_scale, 0, 0.0
        while time.time() < stop and step < max_steps:
            i = torch.randint(0, len(imgs), (batch,), generator=gen).to(device)
            x0 = to_tensor(imgs[i])
            cond = with_blank(pyramid(feats[i], cfg.grid)[k], blank[k], blank_frac, gen)
            t = sample_t(batch, visited, T, gen).to(device)
            eps = torch.randn(x0.shape, generator=gen).to(device)
            loss = distill_step(student, teacher, opt, x0, cond, blank[k], t, eps, abar, cfg.guidance)
            with torch.no_grad():
                d = min(0.999, (1 + step) / (10 + step))
                for pe, p in zip(ema.parameters(), student.parameters()):
                    pe.mul_(d).add_(p.detach(), alpha=1 - d)
            step += 1
            loss_sum += loss
            if step % 200 == 0:
                log(f"[distill] {s} step {step} loss {loss_sum / 200:.5f}")
                loss_sum = 0.0
        log(f"[distill] {s}: {step} steps")
        out[s] = (ema.eval().requires_grad_(False), step)
    return out


def other_guidances(student_dir, gs, device, limit):
    """Table 1 of the teacher's pair at each guidance g against the students' own pair at g / w (how the page
    runs a guidance other than the distilled one): {"teacher_g<g>": report, "student_pair_g<g>": report}."""
    from training.eval_visual import evaluate
    w = shipped.visual_config(TEACHERS_DIR).guidance
    teachers = shipped.load_decoders(device, models_dir=TEACHERS_DIR)
    students = {s: shipped.load_student(s, student_dir, TEACHERS_DIR, device)[0] for s in SCALES}
    out = {}
    for g in gs:
        out[f"teacher_g{g}"] = evaluate(device, limit, limit=limit, decs=teachers, guidance=g)[0]
        out[f"student_pair_g{g}"] = evaluate(device, limit, limit=limit, decs=students, guidance=g / w)[0]
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", default=",".join(SCALES))
    ap.add_argument("--minutes", type=float, default=6.0, help="training wall clock, shared by the scales")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--limit", type=int, default=None, help="training images (smoke) and evaluation images per set")
    ap.add_argument("--max-steps", type=int, default=10 ** 9)
    ap.add_argument("--blank-frac", type=float, default=0.0, help="share of samples on the blank features (target v_u; the shipped students: 0)")
    ap.add_argument("--init", default=None, help="students start from the decoders in this folder (default: the teachers)")
    ap.add_argument("--max-openmoji", type=int, default=600)
    ap.add_argument("--out-dir", default=os.path.join(ROOT, "training", "runs", "distill"))
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--compare-guidance", default=None, metavar="G,G",
                    help="no training: the students in --out-dir at these guidances against the teachers "
                         "(--limit images per set) -> <out-dir>/other_guidance.json")
    a = ap.parse_args(argv)
    if a.compare_guidance:
        report = other_guidances(a.out_dir, [float(g) for g in a.compare_guidance.split(",")], a.device, a.limit or 16)
        json.dump(report, open(os.path.join(a.out_dir, "other_guidance.json"), "w"), indent=1)
        return 0
    scales = [s for s in a.scales.split(",") if s]
    os.makedirs(a.out_dir, exist_ok=True)
    t0 = time.time()
    students = distill(scales, a.minutes, a.batch, a.lr, a.device, a.limit, a.max_steps, blank_frac=a.blank_frac, init_dir=a.init)
    train_s = time.time() - t0
    # a student started from earlier students (--init) carries their distillation steps, so the manifest's
    # distilled_steps counts the whole distillation, not this run's share
    init_steps = {s: shipped.manifest(a.init)["models"][f"decoder_{s}"].get("distilled_steps", 0) for s in students} if a.init else {}
    for s, (m, steps) in students.items():
        atomic_save({"ema": {k: (v.half() if v.is_floating_point() and v.dim() >= 2 else v) for k, v in m.state_dict().items()},
                     "step": steps, "init_steps": init_steps.get(s, 0), "blank_frac": a.blank_frac, "scale": s,
                     "guidance_distilled": True}, os.path.join(a.out_dir, f"decoder_{s}.pt"))
    from training.eval_visual import evaluate
    teachers = shipped.load_decoders(a.device, models_dir=TEACHERS_DIR)
    teacher, *_ = evaluate(a.device, a.max_openmoji, limit=a.limit, decs=teachers)
    decs = {s: (students[s][0] if s in students else teachers[s]) for s in SCALES}
    student, *_ = evaluate(a.device, a.max_openmoji, limit=a.limit, decs=decs, guidance=1.0)
    report = {"teacher_guided_pair": teacher, "student_one_pass": student, "scales_distilled": scales,
              "steps": {s: st for s, (_, st) in students.items()}, "train_seconds": round(train_s, 1),
              "batch": a.batch, "lr": a.lr, "blank_frac": a.blank_frac, "init": a.init or "teachers", "device": torch.cuda.get_device_name() if a.device.startswith("cuda") else "cpu"}
    json.dump(report, open(os.path.join(a.out_dir, "table1_ab.json"), "w"), indent=1)
    for name in teacher["sets"]:
        for s in scales:
            tt, ss = teacher["sets"][name][s], student["sets"][name][s]
            print(f"{name} {s}: PSNR_r {tt['psnr_r']:.2f} -> {ss['psnr_r']:.2f} dB, judge top-1 "
                  f"{tt['judge_top1']:.3f} -> {ss['judge_top1']:.3f}, PSNR_d {tt['psnr_d']:.2f} -> {ss['psnr_d']:.2f}", flush=True)


if __name__ == "__main__":
    main()

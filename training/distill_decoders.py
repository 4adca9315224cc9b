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

--progressive 10:5: step distillation (Salimans & Ho 2022, "Progressive distillation for fast sampling of
diffusion models", Algorithm 2) of the shipped decoders (--teachers, default public/models: already
guidance-distilled, so at the default guidance their conditional pass alone is the teacher). Per scale, a student
initialised from its teacher learns to do in one DDIM step what the teacher does in two: at z_t (a training image
noised to t, the student's i-th timestep of the 5-step schedule, which is every other one of the 10-step
schedule), the target is the x~ that lands one student step on the teacher's z_t'' (progressive_target). Blank
rows (--blank-frac) take the teacher's blank pass, so the students' blank pass stays a 5-step unguided branch.
Then Table 1 for the teacher at 10 steps (what ships), the student at 5, and the teacher at 5 undistilled (the
baseline) -> <out-dir>/table1_ab.json; the students as above, marked step-distilled, and the exporter then
writes a sampler of 5 steps only.

    python3 -m training.distill_decoders --progressive 10:5 --minutes 6 --blank-frac 0.1 --out-dir training/runs/progressive   # GPU
"""
import argparse
import copy
import json
import os
import time

import torch
import torch.nn.functional as F

from training import shipped
from training.common import MODELS_DIR, ROOT, atomic_save
from training.data import OUT_DIR as DATA_DIR, load
from training.decoder import cosine_alphas_cumprod, ddim_timesteps, model_guidance, sampler_schedule
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
    return optimize(student, opt, F.mse_loss(student(xt, t.float(), cond).float(), target))


def optimize(student, opt, loss):
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
    opt.step()
    return loss.item()


def progressive_schedule(T, n_from, n_to):
    """(the teacher's n_from-step sampler schedule, k = n_from / n_to teacher steps per student step). Each
    student step must span exactly k teacher steps, so the student's n_to-step schedule has to be every k-th
    timestep of the teacher's (10:5 at T = 1000: 999 799 599 400 200 of 999 899 ... 100); checked, not assumed."""
    k = n_from // n_to if n_to > 0 else 0
    if k < 2 or k * n_to != n_from:
        raise ValueError(f"--progressive {n_from}:{n_to}: the teacher's step count must be a multiple (>= 2x) of the student's")
    teach, stud = sampler_schedule(T, n_from), sampler_schedule(T, n_to)
    if teach["timesteps"][::k] != stud["timesteps"]:
        raise ValueError(f"the {n_to}-step schedule {stud['timesteps']} is not every {k}th timestep of the "
                         f"{n_from}-step one {teach['timesteps']}")
    return teach, k


def ddim_step(x, v, abar, abar_next):
    """One step of training.decoder.ddim_sample (eta 0, v-prediction, x0 clamped to [-1, 1]) with per-row
    abar, abar_next ([B], float64: the coefficients round once to x's dtype, as the sampler's Python floats do)."""
    c = lambda u: u.to(x.dtype).view(-1, 1, 1, 1)
    a, s, an, sn = c(abar.sqrt()), c((1 - abar).sqrt()), c(abar_next.sqrt()), c((1 - abar_next).sqrt())
    x0 = (a * x - s * v).clamp(-1, 1)
    eps = (x - a * x0) / s
    return an * x0 + sn * eps


def teacher_v(teacher, x, t, cond, uncond, g):
    """The teacher's v as ddim_sample takes it at effective guidance g (model_guidance): the conditional pass
    alone at 1 (a guidance-distilled teacher at its own w), else its (cond, uncond) pair. Rows whose cond is the
    blank features get v_u either way."""
    v = teacher(x, t, cond) if g == 1.0 else guided_target(teacher, x, t, cond, uncond, g)
    return v.to(x.dtype)


@torch.no_grad()
def progressive_target(teacher, z, i, cond, uncond, sched, k, g):
    """The student's v target at z = z_t, t the student's i-th timestep (i [B] long): the teacher runs k DDIM steps
    t -> ... -> t'' of `sched` (its schedule; after its last timestep t'' is the end, abar = 1), and one student
    step from z_t must land on the same z_t'' (Salimans & Ho 2022, Algorithm 2):
        x~ = (z_t'' - (sigma_t''/sigma_t) z_t) / (alpha_t'' - (sigma_t''/sigma_t) alpha_t),  v = (alpha_t z_t - x~) / sigma_t
    (the sampler's x0 = alpha x - sigma v gives x~ back; at the end sigma_t'' = 0 and x~ is the teacher's last x0).
    x~ is a convex combination of the teacher's clamped x0s (their weights are sigma_t'' times the gains in
    alpha/sigma, >= 0), so it lies in [-1, 1] and the student's own clamp keeps it: the clamp here trims rounding."""
    ts = torch.tensor(sched["timesteps"], dtype=torch.float32, device=z.device)
    ab = torch.tensor(list(sched["alphas_cumprod"]) + [1.0], dtype=torch.float64, device=z.device)
    j = k * i
    x = z
    for m in range(k):
        x = ddim_step(x, teacher_v(teacher, x, ts[j + m], cond, uncond, g), ab[j + m], ab[j + m + 1])
    a, s, a2, s2 = ab[j].sqrt(), (1 - ab[j]).sqrt(), ab[j + k].sqrt(), (1 - ab[j + k]).sqrt()
    r = s2 / s
    c = lambda u: u.to(z.dtype).view(-1, 1, 1, 1)
    x_tilde = ((x - c(r) * z) / c(a2 - r * a)).clamp(-1, 1)
    return (c(a) * z - x_tilde) / c(s)


def progressive_step(student, teacher, opt, x0, cond, uncond, i, eps, sched, k, g):
    """One optimizer step of the student towards the teacher's k-step target at z_t, t its i-th timestep; returns
    the loss. Plain MSE on v: for v-prediction that is the paper's "SNR+1" weighting of the error in x, which unlike
    SNR weighting does not vanish at t = T-1, where the student's first step starts from (almost) pure noise."""
    ab = torch.tensor(sched["alphas_cumprod"], dtype=torch.float64, device=x0.device)[k * i].to(x0.dtype).view(-1, 1, 1, 1)
    z = ab.sqrt() * x0 + (1 - ab).sqrt() * eps
    t = torch.tensor(sched["timesteps"], dtype=torch.float32, device=x0.device)[k * i]
    target = progressive_target(teacher, z, i, cond, uncond, sched, k, g)
    return optimize(student, opt, F.mse_loss(student(z, t, cond).float(), target.float()))


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


def distill(scales, minutes, batch, lr, device, limit=None, max_steps=10 ** 9, log=print, seed=0, blank_frac=0.0, init_dir=None,
            progressive=None, teacher_dir=None, data_dir=DATA_DIR):
    """Trains a student per scale for `minutes` of wall clock (shared); returns {scale: (student EMA, steps)}.
    init_dir: start the students from the decoders there (e.g. public/models: the shipped students) instead of
    the teachers. progressive=(n_from, n_to): step distillation (progressive_target) of the decoders in
    teacher_dir (default public/models) instead of guidance distillation of those in training/teachers."""
    images, meta = load(data_dir)
    enc, cfg = shipped.load_encoder(device)
    teachers = shipped.load_decoders(device, models_dir=teacher_dir or (MODELS_DIR if progressive else TEACHERS_DIR))
    idx = [m["i"] for m in meta if m["split"] == "train"][:limit]
    imgs = torch.as_tensor(images[idx]).to(device)
    with torch.no_grad():   # frozen encoder: features once
        feats = torch.cat([enc(to_tensor(imgs[i:i + 512])) for i in range(0, len(imgs), 512)])
    blank = blank_features(enc, device)
    T = cfg.train_timesteps
    abar = cosine_alphas_cumprod(T).to(device)
    visited = torch.as_tensor(ddim_timesteps(T, cfg.sample_steps), dtype=torch.long)
    if progressive:
        sched, ratio = progressive_schedule(T, *progressive)
    gen = torch.Generator().manual_seed(seed)
    out = {}
    per_scale = minutes * 60 / len(scales)
    for s in scales:
        k = SCALES.index(s)
        teacher = teachers[s].eval().requires_grad_(False)
        student = (shipped.load_decoder(s, device, init_dir) if init_dir else copy.deepcopy(teacher)).train().requires_grad_(True)
        if progressive:   # the teacher as ddim_sample runs it at the default guidance (one pass if guidance-distilled)
            g = model_guidance(teacher, cfg.guidance)
        else:
            student.distilled_guidance = None   # trained as the raw network; the mapping is the exporter's
        ema = copy.deepcopy(student).requires_grad_(False)
        opt = torch.optim.AdamW(student.parameters(), lr=lr, weight_decay=0.0)
        stop, step, loss_sum = time.time() + per_scale, 0, 0.0
        while time.time() < stop and step < max_steps:
            i = torch.randint(0, len(imgs), (batch,), generator=gen).to(device)
            x0 = to_tensor(imgs[i])
            cond = with_blank(pyramid(feats[i], cfg.grid)[k], blank[k], blank_frac, gen)
            if progressive:   # the student's step, uniform over its schedule: the only timesteps it will run at
                si = torch.randint(0, progressive[1], (batch,), generator=gen).to(device)
                eps = torch.randn(x0.shape, generator=gen).to(device)
                loss = progressive_step(student, teacher, opt, x0, cond, blank[k], si, eps, sched, ratio, g)
            else:
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


def parse_progressive(spec, T, teacher_dir):
    """'10:5' -> (10, 5), refused unless the student's schedule is every k-th of the teacher's and the teacher is
    offered at its step count (the manifest's allowed_steps: a step-distilled teacher is valid at its own only)."""
    try:
        n_from, n_to = (int(x) for x in spec.split(":"))
    except ValueError:
        raise SystemExit(f"--progressive {spec}: expected FROM:TO, e.g. 10:5")
    try:
        progressive_schedule(T, n_from, n_to)
    except ValueError as err:
        raise SystemExit(str(err))
    smp = shipped.manifest(teacher_dir)["sampler"]
    if n_from not in (smp.get("allowed_steps") or [smp["steps"]]):
        raise SystemExit(f"the teachers in {teacher_dir} are not offered at {n_from} steps (allowed_steps {smp.get('allowed_steps')})")
    return n_from, n_to


def table1_line(name, s, runs):
    """One set/scale row of Table 1 for several runs: PSNR_r, judge top-1, PSNR_d, each run's value in turn."""
    col = lambda key, fmt: " -> ".join(format(r["sets"][name][s][key], fmt) for r in runs)
    return f"{name} {s}: PSNR_r {col('psnr_r', '.2f')} dB, judge top-1 {col('judge_top1', '.3f')}, PSNR_d {col('psnr_d', '.2f')}"


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
    ap.add_argument("--progressive", default=None, metavar="FROM:TO",
                    help="step distillation: students whose one DDIM step does the teachers' FROM/TO steps (e.g. 10:5)")
    ap.add_argument("--teachers", default=None,
                    help="the teachers' folder (default: training/teachers; with --progressive public/models, what ships)")
    ap.add_argument("--data", default=DATA_DIR, help="the training images' folder (training/data)")
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
    teacher_dir = a.teachers or (MODELS_DIR if a.progressive else TEACHERS_DIR)
    cfg = shipped.visual_config(teacher_dir)
    progressive = parse_progressive(a.progressive, cfg.train_timesteps, teacher_dir) if a.progressive else None
    scales = [s for s in a.scales.split(",") if s]
    os.makedirs(a.out_dir, exist_ok=True)
    t0 = time.time()
    students = distill(scales, a.minutes, a.batch, a.lr, a.device, a.limit, a.max_steps, blank_frac=a.blank_frac, init_dir=a.init,
                       progressive=progressive, teacher_dir=teacher_dir, data_dir=a.data)
    train_s = time.time() - t0
    # a student started from earlier students (--init, or the step-distilled teachers themselves) carries their
    # distillation steps, so the manifest's distilled_steps counts the whole distillation, not this run's share
    init_from = a.init or (teacher_dir if progressive else None)
    init_steps = {s: shipped.manifest(init_from)["models"][f"decoder_{s}"].get("distilled_steps", 0) for s in students} if init_from else {}
    for s, (m, steps) in students.items():
        ck = {"ema": {k: (v.half() if v.is_floating_point() and v.dim() >= 2 else v) for k, v in m.state_dict().items()},
              "step": steps, "init_steps": init_steps.get(s, 0), "blank_frac": a.blank_frac, "scale": s,
              "guidance_distilled": True}
        if progressive:   # still guidance-distilled only if its teacher was (load_student refuses it otherwise)
            ck.update(guidance_distilled=bool(m.distilled_guidance),
                      step_distilled={"from": progressive[0], "to": progressive[1], "guidance": cfg.guidance, "train_steps": steps})
        atomic_save(ck, os.path.join(a.out_dir, f"decoder_{s}.pt"))
    from training.eval_visual import evaluate
    teachers = shipped.load_decoders(a.device, models_dir=teacher_dir)
    decs = {s: (students[s][0] if s in students else teachers[s]) for s in SCALES}
    common = {"scales_distilled": scales, "steps": {s: st for s, (_, st) in students.items()}, "train_seconds": round(train_s, 1),
              "batch": a.batch, "lr": a.lr, "blank_frac": a.blank_frac, "init": a.init or "teachers",
              "teachers": os.path.relpath(teacher_dir, ROOT),
              "device": torch.cuda.get_device_name() if a.device.startswith("cuda") else "cpu"}
    if progressive:   # same images and seeds; the students keep their teacher's guidance mapping (default: one pass)
        n_from, n_to = progressive
        runs = {f"teacher_{n_from}_steps": evaluate(a.device, a.max_openmoji, limit=a.limit, decs=teachers, steps=n_from)[0],
                f"student_{n_to}_steps": evaluate(a.device, a.max_openmoji, limit=a.limit, decs=decs, steps=n_to)[0],
                f"teacher_{n_to}_steps_undistilled": evaluate(a.device, a.max_openmoji, limit=a.limit, decs=teachers, steps=n_to)[0]}
        report = {**runs, "progressive": {"from": n_from, "to": n_to}, "guidance": cfg.guidance, **common}
        print(f"Table 1: {' -> '.join(runs)}", flush=True)
    else:
        runs = {"teacher_guided_pair": evaluate(a.device, a.max_openmoji, limit=a.limit, decs=teachers)[0],
                "student_one_pass": evaluate(a.device, a.max_openmoji, limit=a.limit, decs=decs, guidance=1.0)[0]}
        report = {**runs, **common}
    json.dump(report, open(os.path.join(a.out_dir, "table1_ab.json"), "w"), indent=1)
    first = next(iter(runs.values()))
    for name in first["sets"]:
        for s in scales:
            print(table1_line(name, s, list(runs.values())), flush=True)


if __name__ == "__main__":
    main()

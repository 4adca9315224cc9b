"""Train the PUMA-Emoji-64 MLLM: every task jointly, one checkpoint, either generation order.

    torchrun --standalone --nproc_per_node=4 -m training.train_mllm --out-dir training/runs/mllm \
        --config s6 --set order=scale --minutes 9 --budget-minutes 16

One command = one stage of at most --minutes wall (it saves and exits ~25 s before); run the
same command again to continue (resume is the default; --no-resume starts over). The LR schedule
runs on a training clock of budget_minutes summed over stages; a stage started after it is spent
exits at once with "done". DDP over the visible GPUs (per-GPU batch unchanged), bf16 autocast,
EMA weights (what mllm.pt holds, what eval and export read). Configs: --config PRESET (mllm.PRESETS:
full/s6, s12, s18, s25, tiny) and --set key=value for any MLLMConfig field (order=scale,
residual_edit=True, budget_minutes=12, ...).

Outputs in --out-dir (default training/runs/mllm): state.pt (resumable: model, EMA, optimizer,
clocks, per-stage GPU-minutes), mllm.pt (EMA weights, matrices fp16: what comes back from the GPU
machine), stages.jsonl (one line per stage: steps, seconds, GPU-minutes, last losses).
--init FILE starts from a model-only mllm.pt (fresh optimizer and LR clock). --continue FILE carries a stage on to a
new machine without its state.pt: a brought-back mllm.pt on its own LR clock (fresh optimizer, re-warmed).
CPU smoke: /usr/bin/python3 -m training.train_mllm --config tiny --limit 60 --random-encoder --minutes 1
"""
import argparse
import copy
import json
import os
import sys
import time
from dataclasses import replace

import numpy as np
import torch

from training.common import Dist, RUNS, CKPT, TOKENIZER, ROOT, IMAGE_ORDER, lr_cosine, atomic_save, logger, torch_load, \
    apply_overrides
from training.mllm import MLLM, get as get_config, config_dict, from_config_dict, widen_head, deepen
from training.mllm_tasks import TaskSampler, task_weights, build_bank, feature_stats, to_device, VARIANTS
from training.tokenizer import Tokenizer

T0 = time.time()
log = logger("mllm", T0)


def random_encoder(feature_dim, seed=0):
    """CPU tests only: a frozen random stand-in with the encoder's interface."""
    from training.config import TINY
    from training.encoder import Encoder
    torch.manual_seed(seed)
    return Encoder(replace(TINY, feature_dim=feature_dim)).eval().requires_grad_(False)


class LossModule(torch.nn.Module):
    """DDP wraps forward(); this makes forward() the loss. teacher: the frozen init (MLLMConfig.anchor_weight,
    anchor_hidden), held here so that it is neither saved, averaged (EMA) nor optimised with the model."""
    def __init__(self, model, teacher=None, tone_probe=None):
        super().__init__()
        self.model = model
        self.teacher = teacher
        self.tone_probe = tone_probe   # MLLMConfig.tone_probe's frozen probe: like the teacher, never saved

    def forward(self, batch):
        return self.model.compute_loss(batch, self.teacher, self.tone_probe)


def read_init(path):
    """A model-only checkpoint (mllm.pt brought back from a GPU call), its int8-packed weights (training.quantize
    pack_int8, to travel) unpacked; load_state_dict casts its fp16 matrices to fp32."""
    init = torch_load(path)
    if init.get("packed"):
        from training.quantize import unpack_int8
        init["model"] = unpack_int8(init["model"])
    return init


def load_init(model, sd):
    """An init's weights into `model`, its regression head widened to the model's (mllm.widen_head) and its trunk
    deepened to the model's n_layer (mllm.deepen: e.g. --set n_layer=14 on a 10-block init). An init without a
    reader leaves the reader's projector at its zero-output start (the model reads as the init did) and its
    normalisation as it is; an init without residual_input's projector (res_proj) leaves it at its zero-output start
    likewise. -> whether the reader is new."""
    fresh_reader = model.cfg.reader and not any(k.startswith("reader_") for k in sd)
    fresh_res = model.cfg.residual_input and not any(k.startswith("res_proj.") for k in sd)
    new = tuple(p for p, fresh in (("reader_", fresh_reader), ("res_proj.", fresh_res)) if fresh)
    missing, unexpected = model.load_state_dict(deepen(widen_head(sd, model), model), strict=not new)
    if new:
        assert not unexpected and all(k.startswith(new) for k in missing), (missing, unexpected)
    for fresh, proj in ((fresh_reader, "reader_proj"), (fresh_res, "res_proj")):
        if fresh:
            torch.nn.init.zeros_(getattr(model, proj)[2].weight)
            torch.nn.init.zeros_(getattr(model, proj)[2].bias)
    return fresh_reader


def anchor_teacher(model, init):
    """The frozen model the anchor terms hold the student to (MLLMConfig.anchor_weight, anchor_hidden): the init
    exactly, its own weights and normalisation, whether the run is fresh or resumed (a copy of `model` for its shape,
    never `model` itself: no random number is drawn, so an anchored arm samples as its control does)."""
    teacher = copy.deepcopy(model)
    load_init(teacher, init["model"])
    return teacher.eval().requires_grad_(False)


def lr_at(cfg, step, progress):
    return lr_cosine(cfg.lr, step, progress, cfg.warmup, cfg.min_lr_frac)


class EMA:
    """fp32 exponential moving average of every floating tensor of the model's state dict
    (decay warms up as (1+step)/(10+step) so early weights do not linger)."""

    def __init__(self, model, decay, state=None):
        self.decay = decay
        self.live = {k: v for k, v in model.state_dict().items() if v.is_floating_point()}
        src = state if state is not None else self.live
        self.shadow = {k: src[k].detach().to(v.device, torch.float32).clone() for k, v in self.live.items()}
        self._keys = list(self.live)

    @torch.no_grad()
    def update(self, step):
        d = min(self.decay, (1 + step) / (10 + step))
        sh = [self.shadow[k] for k in self._keys]
        lv = [self.live[k].float() for k in self._keys]
        if hasattr(torch, "_foreach_lerp_"):
            torch._foreach_lerp_(sh, lv, 1 - d)
        else:
            for a, b in zip(sh, lv):
                a.lerp_(b, 1 - d)

    def state_dict(self, model):
        """The model's state dict with the EMA values in place of the live ones."""
        sd = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        sd.update({k: v.detach().cpu() for k, v in self.shadow.items()})
        return sd


class BatchStream(torch.utils.data.IterableDataset):
    """Endless (short, long) numpy batches built in DataLoader worker processes: a batch is
    Python/numpy work (prompt text, tokenizing, flattening), which one thread beside the training
    loop cannot build as fast as an H200 consumes it. Each worker draws with its own seed."""

    def __init__(self, meta, tok, cfg, seed):
        self.meta, self.tok, self.cfg, self.seed = meta, tok, cfg, seed

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        wid = info.id if info else 0
        cfg = self.cfg
        sampler = TaskSampler(self.meta, self.tok, seed=self.seed + 7919 * wid, order=cfg.order, plan=cfg.plan,
                              prompt_drop=cfg.prompt_drop, sources=cfg.source_vendors, source_p=cfg.source_vendor_p,
                              sketch_source_p=cfg.sketch_source_p, sketch_lines_p=cfg.sketch_lines_p,
                              tone_vendors=cfg.tone_vendors, draw_vendors=cfg.draw_vendors,
                              draw_p=cfg.draw_vendor_p, draw_plan=cfg.draw_plan,
                              draw_tasks=cfg.draw_tasks)
        short, long_ = task_weights(cfg.task_mix)
        while True:
            yield (sampler.batch(short, cfg.short_batch, cfg.ctx, cfg.pad_multiple),
                   sampler.batch(long_, cfg.long_batch, cfg.ctx, cfg.pad_multiple))


def batches(meta, tok, cfg, seed, workers):
    """Iterator of (short, long) batches of torch tensors (pinned when on CUDA)."""
    ds = BatchStream(meta, tok, cfg, seed)
    if workers <= 0:
        return iter(ds)
    dl = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=workers, pin_memory=torch.cuda.is_available(),
                                     prefetch_factor=4, persistent_workers=True)
    return iter(dl)


def flops_per_token(cfg, n_params, seq):
    """Training FLOPs per token: 6 x parameters (matmuls) + attention scores and values
    (12 x layers x d_model x seq, as in the PaLM appendix)."""
    return 6 * n_params + 12 * cfg.n_layer * cfg.d_model * seq


def save(out_dir, model, ema, opt, step, train_s, cfg, done, extra):
    """state.pt (resumable) and mllm.pt (EMA weights, matrices fp16), each written atomically."""
    live = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    shipped = ema.state_dict(model) if ema else live
    meta = dict(config=config_dict(cfg), step=step, train_seconds=train_s, done=done, **extra)
    atomic_save(dict(meta, model=live, ema=shipped if ema else None, opt=opt.state_dict()), os.path.join(out_dir, "state.pt"))
    half = {k: (v.half() if v.is_floating_point() and v.dim() >= 2 else v) for k, v in shipped.items()}
    atomic_save(dict(meta, model=half, weights="ema" if ema else "live"), os.path.join(out_dir, "mllm.pt"))


def main(argv=None):
    t_main = time.time()   # this call's clock (--minutes, the stage's wall time), not the import's: tests call main often
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="full", help="preset: " + ", ".join(__import__("training.mllm", fromlist=["PRESETS"]).PRESETS))
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="override MLLMConfig fields")
    ap.add_argument("--out-dir", default=os.path.join(RUNS, "mllm"), help="state.pt, mllm.pt, stages.jsonl")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--tokenizer", default=TOKENIZER)
    ap.add_argument("--encoder", default=os.path.join(CKPT, "encoder.pt"))
    ap.add_argument("--random-encoder", action="store_true", help="tests only: random frozen encoder")
    ap.add_argument("--reader", default=None, help="reader=True: the given images' encoder checkpoint (encoder.pt "
                    "of train_visual, e.g. one trained with cross_vendor_weight), or 'shipped': public/models/reader.onnx "
                    "as the page runs it (its int8-stored weights, as the encoder without --encoder); with "
                    "--random-encoder a random one")
    ap.add_argument("--minutes", type=float, default=9.0, help="wall-clock limit of this command")
    ap.add_argument("--budget-minutes", type=float, default=None, help="= --set budget_minutes=M (total training clock)")
    ap.add_argument("--max-steps", type=int, default=None, help="= --set max_steps=N")
    ap.add_argument("--stop-step", type=int, default=None, help="leave at step N (not done: resumable) without changing "
                    "the LR schedule, which still runs to max_steps: an arm matched to a run that was cut at step N")
    ap.add_argument("--resume", dest="resume", action="store_true", default=True, help="(default) continue from out-dir/state.pt")
    ap.add_argument("--no-resume", dest="resume", action="store_false")
    ap.add_argument("--init", default=None, help="start from a model-only checkpoint (mllm.pt brought back "
                    "from an earlier GPU call): its weights, a fresh optimizer and a fresh LR clock")
    ap.add_argument("--continue", dest="cont", default=None, help="no state.pt here (a new machine): continue a model-only "
                    "checkpoint brought back from an earlier stage (mllm.pt, int8-packed or not) on ITS clock: its config, "
                    "step, training seconds and stages; its (EMA) weights as model and EMA; a fresh optimizer whose LR "
                    "is re-warmed over the config's warmup steps (the moments it lacks are re-estimated)")
    ap.add_argument("--refit-feature-stats", action="store_true", help="with --init: the feature normalisation "
                    "re-measured on this run's encoder (an init trained on another encoder's features)")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N images (smoke tests)")
    ap.add_argument("--residual-edit", action="store_true", help="= --set residual_edit=True")
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--workers", type=int, default=min(8, max(0, (os.cpu_count() or 2) // max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1"))) - 2)),
                    help="DataLoader processes building batches (0: in the training process)")
    ap.add_argument("--snapshots", default="", help="comma-separated training-clock minutes at which to keep "
                    "mllm_<min>m.pt (EMA weights) for a learning curve")
    ap.add_argument("--peak-tflops", type=float, default=989.0, help="per-GPU dense bf16 peak for MFU (H100/H200 SXM)")
    ap.add_argument("--device", default=None)
    args = ap.parse_args(argv)
    sets = list(args.set)
    if args.budget_minutes is not None:
        sets.append(f"budget_minutes={args.budget_minutes}")
    if args.max_steps is not None:
        sets.append(f"max_steps={args.max_steps}")
    if args.residual_edit:
        sets.append("residual_edit=True")

    dd = Dist(args.device)
    device, cuda, world, rank = dd.device, dd.cuda, dd.world, dd.rank
    state_path = os.path.join(args.out_dir, "state.pt")
    ck = torch_load(state_path) if (args.resume and os.path.exists(state_path)) else None
    # a stage continued on a new machine (--continue) starts from the brought-back checkpoint as a resume would
    cont = read_init(args.cont) if (args.cont and not ck) else None
    if ck or cont:   # the checkpoint's config wins over the preset; --set still applies (e.g. a longer budget)
        last = ck or cont
        cfg = apply_overrides(from_config_dict(last["config"]), sets)
        if last["train_seconds"] >= cfg.budget_minutes * 60 or last["step"] >= cfg.max_steps:
            log(f"done: {state_path if ck else args.cont} already finished ({last['step']} steps, {last['train_seconds']:.0f}s)")
            dd.close()
            return 0
    elif args.init:   # the brought-back model's architecture and order; --set still applies
        init_cfg = from_config_dict(torch_load(args.init)["config"])
        cfg = apply_overrides(init_cfg, sets)
    else:
        if args.resume:
            log(f"no {state_path}: starting fresh")
        cfg = get_config(args.config, sets)

    try:
        task_weights(cfg.task_mix)   # a bad mix fails here, not later inside a DataLoader worker
    except ValueError as e:
        sys.exit(str(e))
    from training.data import load
    images, meta = load(args.data_dir) if args.data_dir else load()
    if args.limit:
        images, meta = images[:args.limit], meta[:args.limit]
    tok = Tokenizer.load(args.tokenizer)
    if tok.vocab_size > cfg.vocab_size:
        sys.exit(f"tokenizer has {tok.vocab_size} ids > config vocab {cfg.vocab_size}")

    if args.random_encoder:
        encoder = random_encoder(cfg.feature_dim).to(device)
    elif os.path.exists(args.encoder):
        from training.encoder import load_encoder
        encoder, vcfg = load_encoder(args.encoder, device)
    else:  # the committed encoder.onnx: what the page runs, no checkpoint needed
        from training import shipped
        encoder, vcfg = shipped.load_encoder(device)
    if not args.random_encoder and vcfg.feature_dim != cfg.feature_dim:
        sys.exit(f"encoder feature_dim {vcfg.feature_dim} != mllm feature_dim {cfg.feature_dim}")
    t = time.time()
    # pair_aug's re-drawn sets move a concept's drawings together: every vendor and tone of it one geometry a copy
    concept_of = {m["i"]: m["concept"] for m in meta}
    codes = {c: k for k, c in enumerate(sorted(set(concept_of.values())))}
    pairs = dict(n_pair=cfg.pair_aug, pair_keys=[codes[concept_of[i]] for i in range(len(images))] if cfg.pair_aug else None)
    bank = build_bank(encoder, images, device, log=log if len(images) > 2000 else None, n_aug=cfg.source_aug, **pairs)
    del encoder
    reader_bank = None
    if cfg.reader:
        if args.random_encoder:
            reader = random_encoder(cfg.feature_dim, seed=1).to(device)
        elif args.reader:   # "shipped": 1.1 MB in the tree where encoder.pt is 3.9, room in a device call
            from training import shipped
            reader, rcfg = shipped.reader_from(args.reader, device)
            if rcfg.feature_dim != cfg.feature_dim:
                sys.exit(f"reader feature_dim {rcfg.feature_dim} != mllm feature_dim {cfg.feature_dim}")
        else:
            sys.exit("reader=True needs --reader ENCODER.pt (the given images' encoder)")
        reader_bank = build_bank(reader, images, device, log=None, n_aug=cfg.source_aug, **pairs)
        del reader
    if cuda:
        torch.cuda.empty_cache()
    log(f"feature bank {tuple(bank.shape)} ({len(VARIANTS)} variants + {cfg.source_aug} augmented copies + {cfg.pair_aug} "
        f"re-drawn sets) in {time.time() - t:.1f}s")
    bank_flat = bank.view(-1, bank.shape[-1])
    reader_flat = reader_bank.view(-1, reader_bank.shape[-1]) if reader_bank is not None else None

    torch.manual_seed(cfg.seed)
    model = MLLM(cfg).to(device)
    init = read_init(args.init) if (args.init and not ck and not cont) else None
    seed = cfg.seed + 1000 * rank + (last["step"] if (ck or cont) else 0) + (init["step"] if init else 0)
    sampler = TaskSampler(meta, tok, seed=seed, order=cfg.order, plan=cfg.plan)
    fresh_reader = False
    if ck:
        model.load_state_dict(ck["model"])
    elif cont:
        model.load_state_dict(cont["model"])
        log(f"continuing {args.cont} at step {cont['step']} ({cont['train_seconds']:.0f}s trained): a fresh optimizer")
    elif init:
        fresh_reader = load_init(model, init["model"])
        log(f"initialised from {args.init} (step {init['step']})" + (", a new reader (adds zero at first)" if fresh_reader else ""))
    if not ck and not cont and (init is None or args.refit_feature_stats):   # a fresh model, or an init from other features
        mean, std = feature_stats(bank, torch.tensor(sampler.idx, device=device))
        model.feat_mean.copy_(mean)
        model.feat_std.copy_(std)
    if cfg.reader and not ck and not cont and (init is None or args.refit_feature_stats or fresh_reader):
        mean, std = feature_stats(reader_bank, torch.tensor(sampler.idx, device=device))
        model.reader_mean.copy_(mean)
        model.reader_std.copy_(std)
    ema = EMA(model, cfg.ema, ck.get("ema") if ck else None) if cfg.ema > 0 else None
    teacher = None
    if cfg.anchor_weight > 0 or cfg.anchor_hidden > 0:
        if not args.init:
            sys.exit("anchor_weight/anchor_hidden need --init (the model the run is anchored to)")
        teacher = anchor_teacher(model, init or read_init(args.init))
        log(f"anchored to {args.init}: KL x {cfg.anchor_weight} on text, hidden MSE x {cfg.anchor_hidden} where nothing is drawn")
    probe, tone_rows = None, None
    if cfg.tone_probe > 0:   # fitted on the model's normalisation (an init's, or the stats just set)
        from training import tone_probe as TP
        probe = TP.fit(bank, meta, sampler.idx, model.normalize, log=log)
        tone_rows = TP.row_tones(meta, len(images), bank.shape[0], probe.tones).to(device)
    lm = LossModule(model, teacher, probe)
    if world > 1:
        lm = torch.nn.parallel.DistributedDataParallel(lm, device_ids=[dd.local] if cuda else None)
    if cfg.compile:   # after DDP wrapping (DDP's optimizer splits the graph at its buckets)
        if not hasattr(torch, "compile"):
            sys.exit(f"compile=True needs PyTorch >= 2 (this is {torch.__version__})")
        lm = torch.compile(lm)
    if cfg.train_only:   # before the optimizer: AdamW then holds (and decays) only what learns
        from training.mllm import trainable
        n_on = sum(p.numel() for p in trainable(model, cfg.train_only))
        log(f"train_only={cfg.train_only}: {n_on / 1e6:.3f}M of {model.num_params() / 1e6:.2f}M parameters learn")
    opt = model.configure_optimizer(cfg.lr, cfg.weight_decay)
    # AdamW skips a parameter without a gradient (no step, no weight decay): the frozen ones keep their values
    frozen = [p for n, p in model.named_parameters() if not n.startswith("reader_")] if cfg.reader_warmup else []
    if cfg.reader_warmup and not cfg.reader:
        sys.exit("reader_warmup needs reader=True")
    step, train_s, stages = 0, 0.0, []
    if ck:
        opt.load_state_dict(ck["opt"])
    if ck or cont:
        step, train_s, stages = last["step"], last["train_seconds"], last.get("stages", [])
    rewarm = step if cont else None   # a continued stage's fresh optimizer: its LR re-warmed from here
    log(f"model {model.num_params() / 1e6:.2f}M params, order {cfg.order}, step {step}, trained {train_s:.0f}s of "
        f"{cfg.budget_minutes * 60:.0f}s, world {world}, device {device}")

    stream = batches(meta, tok, cfg, seed, args.workers)
    aug = (len(images), cfg.source_aug, cfg.source_aug_p, torch.Generator().manual_seed(seed)) if cfg.source_aug else None
    # its own generator: an arm with pair_aug samples the same batches (and source_aug draws) as its control
    pair = (len(images), cfg.source_aug, cfg.pair_aug, cfg.pair_aug_p, torch.Generator().manual_seed(seed + 7)) if cfg.pair_aug else None
    snaps = sorted(float(x) for x in args.snapshots.split(",") if x.strip())
    n_params = model.num_params()
    samples = 0
    deadline = t_main + args.minutes * 60 - 25      # leave time to save and exit
    budget = cfg.budget_minutes * 60
    acc, n_acc, tokens, t_log, last, thr = {}, 0, 0, time.time(), {}, []
    step0, train_s0, t_stage = step, train_s, time.time()
    done = False
    model.train()
    while True:
        # every rank must leave the loop at the same step: each measures its own train_s, and a rank
        # that stopped alone left the other waiting in DDP's all-reduce until the call was killed
        # (v3 stage 3, 2026-11-30). So both tests are collective, every 10 steps (a collective syncs).
        if step >= cfg.max_steps or (step % 10 == 0 and dd.any(train_s >= budget)):
            done = True
            break
        if step % 10 == 0 and dd.any(time.time() > deadline):
            break
        if args.stop_step is not None and step >= args.stop_step:
            break
        t_step = time.time()
        lr = lr_at(cfg, step, max(train_s / budget, step / cfg.max_steps))   # whichever clock ends training
        if rewarm is not None:
            lr *= min(1.0, (step - rewarm + 1) / max(1, cfg.warmup))
        for g in opt.param_groups:
            g["lr"] = lr
        item = next(stream)
        opt.zero_grad(set_to_none=True)
        for j, nb in enumerate(item):
            b = to_device(nb, bank_flat, device, aug, reader_flat, pair, tone_rows)
            tokens += b["ids"].numel()
            samples += b["ids"].shape[0]
            ctx = lm.no_sync() if (world > 1 and j == 0) else _null()
            with ctx, torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=cuda):
                loss, stats = lm(b)
                loss.backward()
            for k, v in stats.items():   # tensors: summed on the GPU, read only when logging
                key = ("s_" if j == 0 else "l_") + k
                acc[key] = acc.get(key, 0.0) + v.float()
        if step < cfg.reader_warmup:   # only the reader's projector learns (MLLMConfig.reader_warmup)
            for p in frozen:
                p.grad = None
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if ema:
            ema.update(step)
        step += 1
        n_acc += 1
        if cuda and step % 10 == 0:
            torch.cuda.synchronize()
        train_s += time.time() - t_step
        if step % args.log_every == 0 or step == 1:
            if cuda:
                torch.cuda.synchronize()
            dt = time.time() - t_log
            last = {k: round(float(v) / n_acc, 5) for k, v in sorted(acc.items())}
            msg = " ".join(f"{k}={v:.4f}" for k, v in last.items())
            seq = tokens / max(samples, 1)
            tps = tokens * world / dt
            mfu = tps * flops_per_token(cfg, n_params, seq) / (args.peak_tflops * 1e12 * world) if cuda else 0.0
            log(f"step {step} lr {lr:.2e} train {train_s:.0f}/{budget:.0f}s {samples * world / dt:.0f} samples/s "
                f"{tps / 1e3:.0f}k tok/s mfu {mfu:.3f} | {msg}")
            if step > 1:
                thr.append((samples * world / dt, tps, mfu))
            acc, n_acc, tokens, samples, t_log = {}, 0, 0, 0, time.time()
        if snaps and train_s >= snaps[0] * 60 and rank == 0:
            m = snaps.pop(0)
            half = {k: (v.half() if v.is_floating_point() and v.dim() >= 2 else v) for k, v in (ema.state_dict(model) if ema else model.state_dict()).items()}
            atomic_save(dict(config=config_dict(cfg), step=step, train_seconds=train_s, model=half),
                        os.path.join(args.out_dir, f"mllm_{m:g}m.pt"))
            log(f"snapshot mllm_{m:g}m.pt at step {step}")
    wall = time.time() - t_main
    stage = dict(stage=len(stages) + 1, world=world, steps=step - step0, step=step, train_seconds=round(train_s - train_s0, 1),
                 wall_seconds=round(wall, 1), gpu_minutes=round(wall * world / 60, 2) if cuda else 0.0,
                 order=cfg.order, params=model.num_params(), done=done, last_losses=last,
                 samples_per_s=round(float(np.median([t[0] for t in thr])), 1) if thr else None,
                 tokens_per_s=round(float(np.median([t[1] for t in thr]))) if thr else None,
                 mfu=round(float(np.median([t[2] for t in thr])), 4) if thr else None,
                 gpu=torch.cuda.get_device_name(device) if cuda else "cpu")
    stages.append(stage)
    if rank == 0:
        save(args.out_dir, model, ema, opt, step, train_s, cfg, done,
             dict(tokenizer=os.path.relpath(os.path.abspath(args.tokenizer), ROOT), image_order=list(IMAGE_ORDER),
                  stages=stages))
        with open(os.path.join(args.out_dir, "stages.jsonl"), "a") as f:
            f.write(json.dumps(stage) + "\n")
    log(f"stage {json.dumps(stage)}")
    log(f"saved step {step} ({train_s:.0f}s trained): {'done' if done else 'not done: run the same command again'}")
    dd.close()
    return 0


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


if __name__ == "__main__":
    sys.exit(main())

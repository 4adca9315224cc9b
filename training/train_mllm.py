"""Train the PUMA-Emoji-64 MLLM (issue 3): every task jointly, one checkpoint.

GPU (torch 2.x, one H100). Call A, train (~7 GPU-minutes: ~40 s startup + feature bank, then a
6-minute training clock; saves and exits cleanly before --minutes; carry training/data and
training/ckpt/encoder.pt):
  export PYTHONUNBUFFERED=1; python3 -m training.train_mllm --minutes 9 --resume 2>&1 | tee $OUT/mllm_train.log; cp training/runs/mllm/mllm.pt $OUT/
If it printed "not done", the same command again continues from training/runs/mllm/state.pt.
Call B, evaluate (~2 GPU-minutes, same warm machine; carry training/ckpt = encoder, judge, decoders;
training/runs/mllm stays there from call A):
  export PYTHONUNBUFFERED=1; python3 -m training.eval_mllm --out $OUT/eval_mllm.json 2>&1 | tee $OUT/mllm_eval.log
Here (CPU, torch 1.13), with the fetched mllm.pt in training/ckpt/: /usr/bin/python3 -m training.export_mllm
Several GPUs: torchrun --standalone --nproc_per_node=N -m training.train_mllm ... (DDP; per-GPU
batch unchanged). The LR schedule runs on a training clock of --budget-minutes (default 6)
summed over stages; a stage started after it is spent exits at once with "done".
CPU smoke: /usr/bin/python3 -m training.train_mllm --config tiny --limit 60 --random-encoder --minutes 1

Outputs: training/runs/mllm/state.pt (resumable: model, optimizer, clocks) and
training/runs/mllm/mllm.pt (model only, matrices fp16, ~11 MB: what export and eval read).
"""
import argparse
import os
import queue
import sys
import threading
import time

import numpy as np
import torch
import torch.distributed as dist

from training.mllm import MLLM, torch_load, get as get_config, config_dict, from_config_dict, IMAGE_ORDER
from training.mllm_tasks import (TaskSampler, SHORT_TASKS, LONG_TASKS, build_bank, feature_stats,
                                 to_device, VARIANTS)
from training.tokenizer import Tokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CKPT = os.environ.get("PUMA_CKPT", os.path.join(ROOT, "training", "ckpt"))
RUNS = os.path.join(ROOT, "training", "runs", "mllm")   # not training/ckpt: a carried ckpt folder replaces it
T0 = time.time()


def log(*a):
    if int(os.environ.get("RANK", "0")) == 0:
        print(f"[mllm {time.time() - T0:7.1f}s]", *a, flush=True)


def random_encoder(feature_dim, seed=0):
    """CPU tests only: a frozen random stand-in with the encoder's interface."""
    from training.config import TINY
    from dataclasses import replace
    from training.encoder import Encoder
    torch.manual_seed(seed)
    return Encoder(replace(TINY, feature_dim=feature_dim)).eval().requires_grad_(False)


class LossModule(torch.nn.Module):
    """DDP wraps forward(); this makes forward() the loss."""
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, batch):
        return self.model.compute_loss(batch)


def lr_at(cfg, step, progress):
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    p = min(max(progress, 0.0), 1.0)
    return cfg.lr * (cfg.min_lr_frac + (1 - cfg.min_lr_frac) * 0.5 * (1 + np.cos(np.pi * p)))


def prefetch(sampler, cfg, n_ahead=6):
    q = queue.Queue(maxsize=n_ahead)

    def work():
        try:
            while True:
                q.put((sampler.batch(SHORT_TASKS, cfg.short_batch, cfg.ctx), sampler.batch(LONG_TASKS, cfg.long_batch, cfg.ctx)))
        except BaseException as e:   # hand the error to the training loop instead of hanging it
            q.put(e)

    threading.Thread(target=work, daemon=True).start()
    return q


def save(path_state, path_model, model, opt, step, train_s, cfg, done, extra):
    os.makedirs(os.path.dirname(path_state) or ".", exist_ok=True)
    os.makedirs(os.path.dirname(path_model) or ".", exist_ok=True)
    sd = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    meta = dict(config=config_dict(cfg), step=step, train_seconds=train_s, done=done, **extra)
    tmp = path_state + ".tmp"
    torch.save(dict(meta, model=sd, opt=opt.state_dict()), tmp)
    os.replace(tmp, path_state)
    # model only, matrices in fp16 (11 MB: fits what a GPU call can bring back; export rounds to int8)
    half = {k: (v.half() if v.is_floating_point() and v.dim() >= 2 else v) for k, v in sd.items()}
    torch.save(dict(meta, model=half), path_model + ".tmp")
    os.replace(path_model + ".tmp", path_model)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="full")
    ap.add_argument("--encoder", default=os.path.join(CKPT, "encoder.pt"))
    ap.add_argument("--random-encoder", action="store_true", help="tests only: random frozen encoder")
    ap.add_argument("--state", default=os.path.join(RUNS, "state.pt"))
    ap.add_argument("--out", default=os.path.join(RUNS, "mllm.pt"))
    ap.add_argument("--tokenizer", default=os.path.join(ROOT, "training", "tokenizer.json"))
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--minutes", type=float, default=9.0, help="wall-clock limit of this command")
    ap.add_argument("--budget-minutes", type=float, default=None, help="total training clock (all stages)")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init", default=None, help="start from a model-only checkpoint (mllm.pt brought back "
                    "from an earlier GPU call): its weights, a fresh optimizer and a fresh LR clock")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N images (smoke tests)")
    ap.add_argument("--max-steps", type=int, default=None)
    ap.add_argument("--text-weight", type=float, default=None)
    ap.add_argument("--residual-edit", action="store_true", help="editing/conditional outputs = source token + change")
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--device", default=None)
    args = ap.parse_args(argv)

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if world > 1:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    if args.device:
        device = torch.device(args.device)
    elif torch.cuda.is_available():
        device = torch.device("cuda", local)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    cuda = device.type == "cuda"
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

    cfg = get_config(args.config)
    ck = None
    if args.resume and os.path.exists(args.state):
        ck = torch_load(args.state)
        cfg = from_config_dict(ck["config"])
        if ck.get("done") and args.budget_minutes is None and args.max_steps is None:
            log(f"done: {args.state} already finished ({ck['step']} steps, {ck['train_seconds']:.0f}s)")
            return 0
    elif args.resume:
        log(f"no {args.state}: starting fresh")
    overrides = {}
    if args.budget_minutes is not None:
        overrides["budget_minutes"] = args.budget_minutes
    if args.max_steps is not None:
        overrides["max_steps"] = args.max_steps
    if args.text_weight is not None:
        overrides["text_weight"] = args.text_weight
    if args.residual_edit:
        overrides["residual_edit"] = True
    if overrides:
        from dataclasses import replace
        cfg = replace(cfg, **overrides)

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
    if not args.random_encoder:
        if vcfg.feature_dim != cfg.feature_dim:
            sys.exit(f"encoder feature_dim {vcfg.feature_dim} != mllm feature_dim {cfg.feature_dim}")
    t = time.time()
    bank = build_bank(encoder, images, device, log=log if len(images) > 2000 else None)
    del encoder
    if cuda:
        torch.cuda.empty_cache()
    log(f"feature bank {tuple(bank.shape)} ({len(VARIANTS)} variants) in {time.time() - t:.1f}s")
    bank_flat = bank.view(-1, bank.shape[-1])

    torch.manual_seed(cfg.seed)
    model = MLLM(cfg).to(device)
    init = torch_load(args.init) if (args.init and not ck) else None
    sampler = TaskSampler(meta, tok, seed=cfg.seed + 1000 * rank + (ck["step"] if ck else 0) + (init["step"] if init else 0))
    if ck:
        model.load_state_dict(ck["model"])
    elif init:  # fp16 matrices in the brought-back file: load_state_dict casts them to fp32
        model.load_state_dict(init["model"])
        log(f"initialised from {args.init} (step {init['step']})")
    else:
        mean, std = feature_stats(bank, torch.tensor(sampler.idx, device=device))
        model.feat_mean.copy_(mean)
        model.feat_std.copy_(std)
    lm = LossModule(model)
    if world > 1:
        lm = torch.nn.parallel.DistributedDataParallel(lm, device_ids=[local] if cuda else None)
    opt = model.configure_optimizer(cfg.lr, cfg.weight_decay)
    step, train_s = 0, 0.0
    if ck:
        opt.load_state_dict(ck["opt"])
        step, train_s = ck["step"], ck["train_seconds"]
    log(f"model {model.num_params() / 1e6:.2f}M params, step {step}, trained {train_s:.0f}s of "
        f"{cfg.budget_minutes * 60:.0f}s, world {world}, device {device}")

    q = prefetch(sampler, cfg)
    deadline = T0 + args.minutes * 60 - 25          # leave time to save and exit
    budget = cfg.budget_minutes * 60
    acc, n_acc, tokens, t_log = {}, 0, 0, time.time()
    done = False
    model.train()
    while True:
        if train_s >= budget or step >= cfg.max_steps:
            done = True
            break
        stop = torch.tensor([time.time() > deadline], device=device, dtype=torch.int32)
        if world > 1:
            dist.all_reduce(stop)
        if stop.item():
            break
        t_step = time.time()
        lr = lr_at(cfg, step, train_s / budget)
        for g in opt.param_groups:
            g["lr"] = lr
        item = q.get()
        if isinstance(item, BaseException):
            raise RuntimeError("batch builder failed") from item
        short_np, long_np = item
        opt.zero_grad(set_to_none=True)
        for j, nb in enumerate((short_np, long_np)):
            b = to_device(nb, bank_flat, device)
            tokens += b["ids"].numel()
            ctx = lm.no_sync() if (world > 1 and j == 0) else _null()
            with ctx, torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=cuda):
                loss, stats = lm(b)
                loss.backward()
            for k, v in stats.items():
                key = ("s_" if j == 0 else "l_") + k
                acc[key] = acc.get(key, 0.0) + float(v)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        n_acc += 1
        if cuda and step % 10 == 0:
            torch.cuda.synchronize()
        train_s += time.time() - t_step
        if step % args.log_every == 0 or step == 1:
            if cuda:
                torch.cuda.synchronize()
            dt = time.time() - t_log
            msg = " ".join(f"{k}={v / n_acc:.4f}" for k, v in sorted(acc.items()))
            log(f"step {step} lr {lr:.2e} train {train_s:.0f}/{budget:.0f}s {tokens * world / dt / 1e3:.0f}k tok/s | {msg}")
            acc, n_acc, tokens, t_log = {}, 0, 0, time.time()
    if rank == 0:
        save(args.state, args.out, model, opt, step, train_s, cfg, done,
             dict(tokenizer=os.path.relpath(args.tokenizer, ROOT), image_order=list(IMAGE_ORDER)))
    log(f"saved step {step} ({train_s:.0f}s trained): {'done' if done else 'not done: run again with --resume'}")
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return 0


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


if __name__ == "__main__":
    sys.exit(main())

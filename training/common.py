"""What every trainer, evaluator and exporter shares: paths, the image-token layout (scales and
their token counts), device/DDP setup, the LR schedule, atomic checkpoint saves, PSNR, and the
one way to override a config (`--set key=value`)."""
import ast
import math
import os
import time
from dataclasses import fields, replace

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CKPT = os.environ.get("PUMA_CKPT", os.path.join(ROOT, "training", "ckpt"))
RUNS = os.path.join(ROOT, "training", "runs")          # not training/ckpt: a carried ckpt folder replaces it
# PUMA_MODELS: another models folder in the shipped layout (an A/B arm whose encoder and decoders are not
# the shipped ones is trained and evaluated against its own folder)
MODELS_DIR = os.environ.get("PUMA_MODELS") or os.path.join(ROOT, "public", "models")
TOKENIZER = os.path.join(ROOT, "training", "tokenizer.json")
JUDGE = os.path.join(ROOT, "training", "eval", "judge.pt")   # committed: evaluation-only, small

# ---- the image-token layout (PUMA: f_i = AvgPool2(f_{i-1}); f0 is the 16x16 grid) ---------------
IMAGE_ORDER = ("f4", "f3", "f2", "f1", "f0")   # coarse to fine, the order tokens are generated
SCALES_FINE_FIRST = IMAGE_ORDER[::-1]
SCALE_GRIDS = (1, 2, 4, 8, 16)                  # grid side per scale in IMAGE_ORDER
SCALE_TOKENS = tuple(g * g for g in SCALE_GRIDS)
N_IMG = sum(SCALE_TOKENS)                       # 341
SCALE_OFFSETS = tuple(sum(SCALE_TOKENS[:i]) for i in range(len(SCALE_TOKENS)))


def parent_index():
    """[N_IMG] for each image token (image order), the index of the token one scale coarser that
    covers it (nearest 2x upsampling of the coarser grid); -1 for f4. Next-scale prediction feeds
    the coarser scale's tokens, upsampled this way, as the input at the finer scale's positions."""
    out = [-1]
    for k in range(1, len(SCALE_GRIDS)):
        g, gp = SCALE_GRIDS[k], SCALE_GRIDS[k - 1]
        out += [SCALE_OFFSETS[k - 1] + (r // 2) * gp + (c // 2) for r in range(g) for c in range(g)]
    return out


# ---- devices and DDP ---------------------------------------------------------------------------
class Dist:
    """Rank/world/device of this process; initialises the process group under torchrun."""

    def __init__(self, device=None):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local = int(os.environ.get("LOCAL_RANK", "0"))
        # the device is bound BEFORE the process group starts: NCCL otherwise guesses GPU 0 for
        # every rank's collectives, and the first barrier/all-reduce can hang
        if device:
            self.device = torch.device(device)
        elif torch.cuda.is_available():
            self.device = torch.device("cuda", self.local)
            torch.cuda.set_device(self.device)
        else:
            self.device = torch.device("cpu")
        if self.world > 1 and not torch.distributed.is_initialized():
            if self.device.type == "cuda":
                try:
                    torch.distributed.init_process_group("nccl", device_id=self.device)
                except TypeError:  # torch < 2.3 has no device_id
                    torch.distributed.init_process_group("nccl")
            else:
                torch.distributed.init_process_group("gloo")
        self.cuda = self.device.type == "cuda"
        if self.cuda:
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True

    @property
    def main(self):
        return self.rank == 0

    def any(self, flag):
        """True on every rank when it is true on any (every rank stops together)."""
        if self.world == 1:
            return bool(flag)
        t = torch.tensor([int(bool(flag))], device=self.device)
        torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
        return bool(t.item())

    def close(self):
        if self.world > 1 and torch.distributed.is_initialized():
            torch.distributed.barrier()
            torch.distributed.destroy_process_group()


def logger(tag, t0=None):
    t0 = time.time() if t0 is None else t0

    def log(*a):
        if int(os.environ.get("RANK", "0")) == 0:
            print(f"[{tag} {time.time() - t0:7.1f}s]", *a, flush=True)
    return log


# ---- schedule, checkpoints ---------------------------------------------------------------------
def lr_cosine(base, step, progress, warmup, min_frac):
    """Linear warmup over `warmup` steps, then cosine from base to base*min_frac as `progress`
    (the training clock's fraction spent, summed over stages) goes 0 -> 1."""
    if step < warmup:
        return base * (step + 1) / warmup
    p = min(max(progress, 0.0), 1.0)
    return base * (min_frac + (1 - min_frac) * 0.5 * (1 + math.cos(math.pi * p)))


def atomic_save(obj, path):
    """torch.save to path.tmp then rename: a stage killed mid-save never leaves a torn checkpoint."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def torch_load(path, device="cpu"):
    """torch.load of our own checkpoints (plain dicts) on torch 1.13 and >= 2.6 alike."""
    try:
        return torch.load(path, map_location=device, weights_only=False)
    except TypeError:
        return torch.load(path, map_location=device)


# ---- metrics -----------------------------------------------------------------------------------
def psnr(a, b):
    """Per-image PSNR in dB of images in [-1, 1] ([B,...]); a is clamped (a decoder's output)."""
    mse = ((a.clamp(-1, 1) - b) / 2).pow(2).flatten(1).mean(1).clamp(min=1e-10)
    return -10 * torch.log10(mse)


# ---- config overrides --------------------------------------------------------------------------
def apply_overrides(cfg, pairs):
    """cfg (a dataclass) with `key=value` strings applied; values parse as Python literals
    (numbers, tuples, True/False, quoted or bare strings). Unknown keys are an error."""
    names = {f.name: f for f in fields(cfg)}
    upd = {}
    for p in pairs or []:
        if "=" not in p:
            raise SystemExit(f"--set expects key=value, got {p!r}")
        k, v = p.split("=", 1)
        k = k.strip().replace("-", "_")
        if k not in names:
            raise SystemExit(f"--set: unknown key {k!r} (known: {', '.join(sorted(names))})")
        try:
            val = ast.literal_eval(v)
        except (ValueError, SyntaxError):
            val = v
        cur = getattr(cfg, k)
        if isinstance(cur, float) and isinstance(val, int) and not isinstance(val, bool):
            val = float(val)
        if isinstance(cur, tuple) and isinstance(val, list):
            val = tuple(val)
        if cur is not None and type(val) is not type(cur):
            raise SystemExit(f"--set {k}: expected {type(cur).__name__}, got {v!r}")
        upd[k] = val
    return replace(cfg, **upd) if upd else cfg

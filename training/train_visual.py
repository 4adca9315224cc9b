"""Train the visual half: encoder, judge, decoders. Each stage resumes from its checkpoint and
stops cleanly inside a time budget, so every command fits a 10-minute GPU slot.

    python3 -m training.train_visual --stage encoder  --minutes 4      # then:
    python3 -m training.train_visual --stage judge    --minutes 4      # (independent of the encoder)
    python3 -m training.train_visual --stage decoders --minutes 9      # needs the encoder
    python3 -m training.train_visual --stage slim --out DIR            # weights-only copies
    # several GPUs: torchrun --nproc_per_node=N -m training.train_visual --stage ...

Checkpoints: training/ckpt/{encoder,judge,decoder_f0..f4}.pt (PUMA_CKPT overrides the folder). Add --config tiny for a CPU smoke run.
"""
import argparse
import copy
import math
import os
import random
import re
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

from training import config as C
from training.common import CKPT, Dist, apply_overrides, lr_cosine, SCALES_FINE_FIRST, SCALE_TOKENS
from training.data import load
from training.decoder import Decoder, cosine_alphas_cumprod, v_target
from training.encoder import load_ckpt, AuxDecoder, Encoder, TextTower, blank_features, load_encoder, pyramid, SCALES
from training.judge import Judge, label_vocab, labels_of
from training.transforms import apply_mask, grayscale, random_box_mask, sobel_edges, to_tensor



# ---------------------------------------------------------------- runtime (single GPU, DDP, CPU)
class Runtime:
    """training.common.Dist with what these loops use: a device string, autocast, DDP wrapping."""

    def __init__(self):
        self.dist = Dist()
        self.ddp = self.dist.world > 1
        self.rank, self.world = self.dist.rank, self.dist.world
        self.device = str(self.dist.device)
        self.cuda = self.dist.cuda

    def autocast(self):
        return torch.autocast("cuda", dtype=torch.bfloat16) if self.cuda else torch.autocast("cpu", enabled=False)

    def wrap(self, model):
        if self.ddp:
            return torch.nn.parallel.DistributedDataParallel(model, device_ids=[self.device] if self.cuda else None)
        return model

    def log(self, *a):
        if self.rank == 0:
            print(*a, flush=True)

    def all_stop(self, flag):
        """Every rank stops together when any rank's clock runs out."""
        return self.dist.any(flag)


def lr_at(step, total, base, warmup=200):
    return lr_cosine(base, step, (step - warmup) / max(1, total - warmup), warmup, 0.0)


def set_lr(opt, lr):
    for g in opt.param_groups:
        g["lr"] = lr


def save(path, obj, rt):
    if rt.rank == 0:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        torch.save(obj, path + ".tmp")
        os.replace(path + ".tmp", path)  # a stage killed mid-save keeps the previous checkpoint


def resume_point(name, resume, rt, opt, **modules):
    """A stage's checkpoint path (CKPT/<name>.pt) and the step it starts at: the checkpoint's, with
    its modules (by key) and optimizer loaded, when resuming from one that exists; else 0."""
    path = os.path.join(CKPT, f"{name}.pt")
    if not (resume and os.path.exists(path)):
        return path, 0
    ck = load_ckpt(path, rt.device)
    for key, m in modules.items():
        m.load_state_dict(ck[key])
    opt.load_state_dict(ck["opt"])
    rt.log(f"resumed {name} at step {ck['step']}")
    return path, ck["step"]


def stage_loop(cfg, rt, step, total, minutes, salt, one_step):
    """The loop every stage runs: `one_step(step, gen)` from `step` up to `total`, or until the
    `minutes` budget is spent (every rank stops together when any rank's clock runs out). `gen` is
    the stage's random stream, its own per stage (`salt`), rank and resume point. one_step returns
    a function of the new step that says how it went: logged every 100 steps and at the end.
    Returns the step reached."""
    gen = torch.Generator().manual_seed(cfg.seed * 1000 + salt + rt.rank + step)
    t0 = time.time()
    while step < total:
        report = one_step(step, gen)
        step += 1
        if step % 100 == 0 or step == total:
            rt.log(f"{report(step)} {time.time() - t0:.0f}s")
        if rt.all_stop((time.time() - t0) > minutes * 60):
            break
    return step


def optimize(opt, loss):
    """One optimizer step on `loss`."""
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


def unwrap(m):
    return m.module if hasattr(m, "module") else m


# ---------------------------------------------------------------- data
def words_of(m):
    text = " ".join([m["name"], " ".join(m["short_names"]), " ".join(m["keywords"]), m["category"],
                     m["subcategory"], m["vendor"], m["skin_tone"]])
    return re.findall(r"[a-z0-9]+", text.lower())


def text_bags(meta, train_idx, max_len=32):
    vocab = {"<pad>": 0}
    for i in train_idx:  # only training records name words: held-out names stay unseen
        for w in words_of(meta[i]):
            vocab.setdefault(w, len(vocab))
    bags = np.zeros((len(meta), max_len), np.int64)
    for i in train_idx:
        ids = list(dict.fromkeys(vocab[w] for w in words_of(meta[i])))[:max_len]
        bags[i, :len(ids)] = ids
    return vocab, torch.from_numpy(bags)


def augment_for_encoder(x, gen):
    """Inputs the encoder must also describe: grayscale, masked, edge maps (the conditional tasks)."""
    b = x.shape[0]
    r = torch.rand(b, generator=gen).to(x.device)
    out = x.clone()
    g = r < 0.15
    if g.any():
        out[g] = grayscale(x[g])
    m = (r >= 0.15) & (r < 0.3)
    if m.any():
        out[m] = apply_mask(x[m], random_box_mask(int(m.sum()), generator=gen).to(x.device))
    e = (r >= 0.3) & (r < 0.4)
    if e.any():
        out[e] = sobel_edges(x[e])
    return out


def random_shift(x, gen, pad=4):
    b = x.shape[0]
    xp = F.pad(x, (pad, pad, pad, pad), mode="replicate")
    dx, dy = torch.randint(0, 2 * pad + 1, (2,), generator=gen).tolist()
    return xp[:, :, dy:dy + x.shape[2], dx:dx + x.shape[3]]


def cross_vendor_pairs(meta, train_idx):
    """The variant's sampler tables over positions in train_idx: anchors (drawings whose concept is also drawn
    by another vendor), partners [anchors, width] (those other vendors' drawings of it, any skin tone; rows
    padded with their first entry) and counts (real entries per row)."""
    by = {}
    for p, i in enumerate(train_idx):
        by.setdefault(meta[i]["concept"], {}).setdefault(meta[i]["vendor"], []).append(p)
    rows = [(p, [q for v, qs in by[meta[i]["concept"]].items() if v != meta[i]["vendor"] for q in qs])
            for p, i in enumerate(train_idx)]
    rows = [(p, o) for p, o in rows if o]
    if not rows:
        raise ValueError("cross_vendor_weight > 0 needs concepts drawn by two vendors in the training split")
    width = max(len(o) for _, o in rows)
    return (torch.tensor([p for p, _ in rows]), torch.tensor([o + o[:1] * (width - len(o)) for _, o in rows]),
            torch.tensor([len(o) for _, o in rows]))


def cross_vendor_loss(f4, concept, tau=0.1):
    """Supervised InfoNCE on the pooled image embedding f4 [B,C]: every other image of the same concept in the
    batch (the other vendor's drawing, other skin tones, other augmentations) is a positive, so the concept,
    not the style, must make two drawings close. Rows without a positive are left out. tau is fixed: the CLIP
    loss keeps its own learned scale."""
    z = F.normalize(f4.float(), dim=-1)
    eye = torch.eye(len(z), dtype=torch.bool, device=z.device)
    logits = (z @ z.t()).float().div(tau).masked_fill(eye, -1e4)
    pos = (concept[:, None] == concept[None, :]) & ~eye
    has = pos.any(1)
    if not has.any():
        return logits.sum() * 0
    tgt = pos.float() / pos.sum(1, keepdim=True).clamp(min=1)
    return -(tgt * F.log_softmax(logits, 1)).sum(1)[has].mean()


# ---------------------------------------------------------------- stages
class EncoderObjective(torch.nn.Module):
    """Everything the encoder stage trains, in one module so DDP sees one forward."""
    def __init__(self, cfg, vocab_size):
        super().__init__()
        self.enc, self.aux = Encoder(cfg), AuxDecoder(cfg)
        self.txt, self.proj = TextTower(vocab_size, cfg), torch.nn.Linear(cfg.feature_dim, cfg.text_dim)
        self.logit_scale = torch.nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        self.grid = cfg.grid
        # the variant's projection head (SimCLR's practice): the invariance is asked of head(f4), so f4 itself may
        # keep the style that reconstruction needs (full invariance on f4 cost Table 1 1.8 dB at f0, stop 28).
        # Only built when asked: the shipped recipe's state dict stays as it was.
        if cfg.cross_vendor_head > 0:
            C, H = cfg.feature_dim, cfg.cross_vendor_head
            self.xv_head = torch.nn.Sequential(torch.nn.Linear(C, H), torch.nn.GELU(), torch.nn.Linear(H, C))

    def forward(self, x, bags, concept=None):
        f0 = self.enc(x)
        rec = self.aux(f0).float()
        l_rec = F.l1_loss(rec, x) + F.mse_loss(rec, x)
        f4 = pyramid(f0, self.grid)[4][:, 0]
        zi = F.normalize(self.proj(f4).float(), dim=-1)
        zt = F.normalize(self.txt(bags).float(), dim=-1)
        logits = self.logit_scale.exp().clamp(max=100) * zi @ zt.t()
        same = (bags[:, None, :] == bags[None, :, :]).all(-1).float()  # identical captions are positives
        tgt = same / same.sum(1, keepdim=True)
        l_clip = 0.5 * (torch.sum(-tgt * F.log_softmax(logits, 1), 1).mean()
                        + torch.sum(-tgt.t() * F.log_softmax(logits.t(), 1), 1).mean())
        # the variant's loss only when asked (concept ids given): off, the recipe computes exactly what it did
        if concept is None:
            return l_rec, l_clip, rec, logits, None
        return l_rec, l_clip, rec, logits, cross_vendor_loss(self.xv_head(f4) if hasattr(self, "xv_head") else f4, concept)


def encoder_split_idx(meta, enc_splits):
    """The records the encoder stage trains on: cfg.enc_splits, "+"-joined split names; held-out splits refused."""
    splits = set(enc_splits.split("+"))
    bad = sorted(s for s in splits if s not in ("train", "sources"))
    if bad:
        raise ValueError(f"enc_splits: {bad} are not training splits (train, sources)")
    return [m["i"] for m in meta if m["split"] in splits]


def train_encoder(cfg, rt, images, meta, minutes, resume):
    train_idx = encoder_split_idx(meta, cfg.enc_splits)
    vocab, bags = text_bags(meta, train_idx)
    obj = EncoderObjective(cfg, len(vocab)).to(rt.device)
    opt = torch.optim.AdamW(obj.parameters(), lr=cfg.enc_lr, weight_decay=0.01)
    path, step = resume_point("encoder", resume, rt, opt, objective=obj)
    model = rt.wrap(obj)
    imgs = torch.as_tensor(images[train_idx]).to(rt.device)
    tb = bags[train_idx].to(rt.device)
    xv = cfg.cross_vendor_weight > 0
    if xv:   # the variant: concept ids and the cross-vendor pair tables
        cid = {}
        concept = torch.tensor([cid.setdefault(meta[i]["concept"], len(cid)) for i in train_idx], device=rt.device)
        anchors, partners, counts = cross_vendor_pairs(meta, train_idx)

    def one_step(step, gen):
        idx = torch.randint(0, len(train_idx), (cfg.enc_batch,), generator=gen).to(rt.device)
        if xv:   # half the batch as pairs: a drawing and another vendor's drawing of its concept; the rest uniform
            k = cfg.enc_batch // 4
            a = torch.randint(0, len(anchors), (k,), generator=gen)
            b = partners[a, (torch.rand(k, generator=gen) * counts[a]).long()]
            idx[:2 * k] = torch.cat([anchors[a], b]).to(rt.device)
        x = augment_for_encoder(to_tensor(imgs[idx]), gen)
        set_lr(opt, lr_at(step, cfg.enc_steps, cfg.enc_lr))
        with rt.autocast():
            l_rec, l_clip, rec, logits, l_xv = model(x, tb[idx], concept[idx] if xv else None)
            loss = l_rec + cfg.clip_weight * l_clip
            if xv:
                loss = loss + cfg.cross_vendor_weight * l_xv
        optimize(opt, loss)

        def report(step):
            psnr = 10 * math.log10(4 / max(F.mse_loss(rec.clamp(-1, 1), x).item(), 1e-10))
            acc = (logits.argmax(1) == torch.arange(len(idx), device=rt.device)).float().mean().item()
            return (f"encoder step {step} loss {loss.item():.4f} rec_psnr {psnr:.2f} clip {l_clip.item():.3f} i2t_acc {acc:.2f}"
                    + (f" xv {l_xv.item():.3f}" if xv else ""))
        return report

    step = stage_loop(cfg, rt, step, cfg.enc_steps, minutes, 0, one_step)
    save(path, dict(objective=obj.state_dict(), opt=opt.state_dict(), step=step, config=C.as_dict(cfg),
                    encoder=obj.enc.state_dict(), text_vocab=vocab), rt)
    rt.log(f"encoder saved at step {step}/{cfg.enc_steps}")
    return step >= cfg.enc_steps


def train_judge(cfg, rt, images, meta, minutes, resume):
    vocab = label_vocab(meta)
    labels = {h: v.to(rt.device) for h, v in labels_of(meta, vocab).items()}
    judge = Judge(vocab, cfg.judge_width).to(rt.device)
    if rt.ddp:
        judge = torch.nn.SyncBatchNorm.convert_sync_batchnorm(judge)
    opt = torch.optim.AdamW(judge.parameters(), lr=cfg.judge_lr, weight_decay=0.05)
    path, step = resume_point("judge", resume, rt, opt, judge=judge)
    model = rt.wrap(judge)
    imgs = torch.as_tensor(images).to(rt.device)

    def one_step(step, gen):
        idx = torch.randint(0, len(imgs), (cfg.judge_batch,), generator=gen).to(rt.device)
        x = random_shift(to_tensor(imgs[idx]), gen)
        # decoded images are softer and noisier than the art: the judge must still read them
        r = torch.rand(x.shape[0], 1, 1, 1, generator=gen).to(rt.device)
        x = torch.where(r < 0.3, F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, 1), x)
        x = x + 0.1 * torch.rand(x.shape[0], 1, 1, 1, generator=gen).to(rt.device) * torch.randn_like(x)
        set_lr(opt, lr_at(step, cfg.judge_steps, cfg.judge_lr))
        with rt.autocast():
            out = model(x)
            losses = {h: F.cross_entropy(out[h].float(), labels[h][idx]) for h in out}
            loss = sum(losses.values())
        optimize(opt, loss)

        def report(step):
            acc = (out["concept"].argmax(1) == labels["concept"][idx]).float().mean().item()
            return f"judge step {step} loss {loss.item():.3f} concept_acc {acc:.2f}"
        return report

    step = stage_loop(cfg, rt, step, cfg.judge_steps, minutes, 7, one_step)
    j = unwrap(model)
    save(path, dict(judge=j.state_dict(), opt=opt.state_dict(), step=step, vocab=vocab, width=cfg.judge_width), rt)
    rt.log(f"judge saved at step {step}/{cfg.judge_steps}")
    return step >= cfg.judge_steps


def dec_path(s):
    return os.path.join(CKPT, f"decoder_{s}.pt")


def train_decoders(cfg, rt, images, meta, minutes, resume, scales=SCALES):
    enc, ecfg = load_encoder(os.path.join(CKPT, "encoder.pt"), rt.device)
    assert ecfg.feature_dim == cfg.feature_dim, "decoder config must match the trained encoder"
    train_idx = [m["i"] for m in meta if m["split"] == "train"]
    imgs = torch.as_tensor(images[train_idx]).to(rt.device)
    with torch.no_grad():  # the encoder is frozen: its features are computed once
        feats = torch.cat([enc(to_tensor(imgs[i:i + 512])) for i in range(0, len(imgs), 512)]).half()
    blank = [b.float() for b in blank_features(enc, rt.device)]
    tokens = dict(zip(SCALES_FINE_FIRST, SCALE_TOKENS[::-1]))
    decs = {s: Decoder(cfg, tokens[s]).to(rt.device) for s in scales}
    emas = {s: copy.deepcopy(d).requires_grad_(False) for s, d in decs.items()}
    opts = {s: torch.optim.AdamW(d.parameters(), lr=cfg.dec_lr, weight_decay=0.0) for s, d in decs.items()}
    step = 0
    if resume and all(os.path.exists(dec_path(s)) for s in scales):
        for s in scales:
            ck = load_ckpt(dec_path(s), rt.device)
            decs[s].load_state_dict(ck.get("model", ck["ema"])); emas[s].load_state_dict(ck["ema"])
            if "opt" in ck:  # slim checkpoints (brought back from the GPU machine) carry no optimizer
                opts[s].load_state_dict(ck["opt"])
            step = ck["step"]
        rt.log(f"resumed decoders at step {step}")
    models = {s: rt.wrap(d) for s, d in decs.items()}
    abar = cosine_alphas_cumprod(cfg.train_timesteps).to(rt.device)
    ema_decay = 0.999

    def one_step(step, gen):
        idx = torch.randint(0, len(imgs), (cfg.dec_batch,), generator=gen).to(rt.device)
        x0 = to_tensor(imgs[idx])
        pyr = pyramid(feats[idx].float(), cfg.grid)
        lr = lr_at(step, cfg.dec_steps, cfg.dec_lr)
        logs = []
        for s in scales:
            k = SCALES.index(s)
            t = torch.randint(0, cfg.train_timesteps, (cfg.dec_batch,), generator=gen).to(rt.device)
            eps = torch.randn(x0.shape, generator=gen).to(rt.device)
            ab = abar[t].view(-1, 1, 1, 1)
            xt = ab.sqrt() * x0 + (1 - ab).sqrt() * eps
            drop = (torch.rand(cfg.dec_batch, generator=gen) < cfg.cond_drop).to(rt.device).view(-1, 1, 1)
            cond = torch.where(drop, blank[k].expand_as(pyr[k]), pyr[k])
            set_lr(opts[s], lr)
            with rt.autocast():
                v = models[s](xt, t.float(), cond)
                loss = F.mse_loss(v.float(), v_target(x0, eps, ab))
            opts[s].zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(decs[s].parameters(), 1.0)
            opts[s].step()
            with torch.no_grad():
                d = min(ema_decay, (1 + step) / (10 + step))
                for pe, p in zip(emas[s].parameters(), decs[s].parameters()):
                    pe.mul_(d).add_(p.detach(), alpha=1 - d)
            logs.append(f"{s} {loss.item():.4f}")
        return lambda step: f"decoders step {step} " + " ".join(logs)

    step = stage_loop(cfg, rt, step, cfg.dec_steps, minutes, 13, one_step)
    for s in scales:
        save(dec_path(s), dict(model=decs[s].state_dict(), ema=emas[s].state_dict(), opt=opts[s].state_dict(),
                               step=step, scale=s, config=C.as_dict(cfg)), rt)
    rt.log(f"decoders {','.join(scales)} saved at step {step}/{cfg.dec_steps}")
    return step >= cfg.dec_steps


def slim(out_dir):
    """Weights-only copies of every checkpoint (what comes back from the GPU machine, <16 MB each)."""
    os.makedirs(out_dir, exist_ok=True)
    drop = {"opt", "objective", "model"}  # decoders keep their EMA weights, which are what ships
    for name in ["encoder.pt", "judge.pt"] + [f"decoder_{s}.pt" for s in SCALES]:
        src = os.path.join(CKPT, name)
        if os.path.exists(src):
            ck = load_ckpt(src)
            torch.save({k: v for k, v in ck.items() if k not in drop}, os.path.join(out_dir, name))
            print(f"slim {name}: {os.path.getsize(os.path.join(out_dir, name)) / 1e6:.1f} MB", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--stage", choices=["encoder", "judge", "decoders", "slim"], required=True)
    ap.add_argument("--scales", default=",".join(SCALES), help="decoders stage: which scales")
    ap.add_argument("--out-dir", "--out", dest="out", default=None, help="slim stage: destination folder")
    ap.add_argument("--config", default="full", choices=["full", "tiny"])
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="override VisualConfig fields")
    ap.add_argument("--minutes", type=float, default=9.0)
    ap.add_argument("--no-resume", action="store_true", help="start over (resuming from the checkpoint is the default)")
    ap.add_argument("--resume", dest="no_resume", action="store_false", help="(default)")
    ap.add_argument("--data-dir", "--data", dest="data", default=None, help="dataset dir (default training/data)")
    ap.add_argument("--limit", type=int, default=None, help="use the first N images (tests)")
    a = ap.parse_args(argv)
    if a.stage == "slim":
        return slim(a.out)
    cfg = apply_overrides(C.get(a.config), a.set)
    rt = Runtime()
    torch.manual_seed(cfg.seed + rt.rank)
    random.seed(cfg.seed)
    images, meta = load(a.data) if a.data else load()
    if a.limit:
        images, meta = images[:a.limit], meta[:a.limit]
    if a.stage == "decoders":
        done = train_decoders(cfg, rt, images, meta, a.minutes, not a.no_resume, tuple(a.scales.split(",")))
    else:
        fn = dict(encoder=train_encoder, judge=train_judge)[a.stage]
        done = fn(cfg, rt, images, meta, a.minutes, not a.no_resume)
    if rt.ddp:
        dist.destroy_process_group()
    return done


if __name__ == "__main__":
    main()

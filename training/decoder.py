"""Per-scale diffusion decoders D0..D4 and their few-step sampler.

Each decoder is a small UNet at 64x64 that predicts v (Salimans & Ho) from a noisy image x_t,
the timestep t, and one scale's feature tokens `cond` [B,N,C]. The tokens enter two ways:
cross-attention at 16x16 (keys carry a learned per-token position embedding, as PUMA's D0
does), and the token grid upsampled onto the 16x16 feature map (a spatial prior that makes the
fine scales faithful; for f4 it is one global vector). Classifier-free guidance: during
training the tokens are replaced by the blank image's tokens with probability cond_drop.

The sampler is DDIM (eta=0 by default) over a cosine schedule; its coefficients go to the
manifest so the TypeScript loop runs the same arithmetic.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def cosine_alphas_cumprod(T, s=0.008):
    t = torch.arange(T + 1, dtype=torch.float64) / T
    f = torch.cos((t + s) / (1 + s) * math.pi / 2) ** 2
    abar = (f / f[0])[1:]
    return abar.clamp(min=1e-5, max=0.9999).float()


def ddim_timesteps(T, steps):
    """Evenly spaced, descending, starting at T-1."""
    return [int(round(T - 1 - i * (T - 1) / steps)) for i in range(steps)]


def sampler_schedule(T, steps):
    abar = cosine_alphas_cumprod(T)
    ts = ddim_timesteps(T, steps)
    return {"timesteps": [float(t) for t in ts], "alphas_cumprod": [float(abar[t]) for t in ts]}


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    a = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=1)


def gn(c):
    return nn.GroupNorm(8 if c % 8 == 0 else 1, c)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, tdim):
        super().__init__()
        self.n1, self.c1 = gn(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.t = nn.Linear(tdim, 2 * cout)
        self.n2, self.c2 = gn(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb):
        h = self.c1(F.silu(self.n1(x)))
        scale, shift = self.t(temb)[:, :, None, None].chunk(2, dim=1)
        h = self.n2(h) * (1 + scale) + shift
        return self.skip(x) + self.c2(F.silu(h))


class CrossAttention(nn.Module):
    def __init__(self, dim, cond_dim, attn_dim, heads=4):
        super().__init__()
        self.heads, self.hd = heads, attn_dim // heads
        self.norm = gn(dim)
        self.q = nn.Linear(dim, attn_dim)
        self.kv = nn.Linear(cond_dim, 2 * attn_dim)
        self.out = nn.Linear(attn_dim, dim)

    def forward(self, x, cond):
        b, c, h, w = x.shape
        q = self.q(self.norm(x).flatten(2).transpose(1, 2))                      # [B,HW,A]
        k, v = self.kv(cond).chunk(2, dim=-1)                                    # [B,N,A]
        q, k, v = (z.reshape(b, -1, self.heads, self.hd).transpose(1, 2) for z in (q, k, v))
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.hd), dim=-1) @ v
        a = self.out(a.transpose(1, 2).reshape(b, h * w, -1))
        return x + a.transpose(1, 2).reshape(b, c, h, w)


class Decoder(nn.Module):
    def __init__(self, cfg, tokens):
        super().__init__()
        c0, c1, c2 = cfg.dec_channels
        C = cfg.feature_dim
        self.grid = int(round(math.sqrt(tokens)))
        self.tdim = 4 * c0
        self.temb = nn.Sequential(nn.Linear(c0, self.tdim), nn.SiLU(), nn.Linear(self.tdim, self.tdim))
        self.pos = nn.Parameter(torch.zeros(1, tokens, C))
        self.cond_in = nn.Sequential(nn.Linear(C, cfg.dec_attn_dim), nn.SiLU(), nn.Linear(cfg.dec_attn_dim, cfg.dec_attn_dim))
        self.spatial = nn.Conv2d(cfg.dec_attn_dim, c2, 1)
        self.inp = nn.Conv2d(3, c0, 3, padding=1)
        self.d0 = ResBlock(c0, c0, self.tdim)
        self.down0 = nn.Conv2d(c0, c1, 3, stride=2, padding=1)
        self.d1 = ResBlock(c1, c1, self.tdim)
        self.down1 = nn.Conv2d(c1, c2, 3, stride=2, padding=1)
        self.d2 = ResBlock(c2, c2, self.tdim)
        self.a2 = CrossAttention(c2, cfg.dec_attn_dim, cfg.dec_attn_dim)
        self.mid = ResBlock(c2, c2, self.tdim)
        self.am = CrossAttention(c2, cfg.dec_attn_dim, cfg.dec_attn_dim)
        self.u2 = ResBlock(2 * c2, c2, self.tdim)
        self.up1 = nn.Conv2d(c2, c1, 3, padding=1)
        self.u1 = ResBlock(2 * c1, c1, self.tdim)
        self.up0 = nn.Conv2d(c1, c0, 3, padding=1)
        self.u0 = ResBlock(2 * c0, c0, self.tdim)
        self.out = nn.Sequential(gn(c0), nn.SiLU(), nn.Conv2d(c0, 3, 3, padding=1))
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)

    def forward(self, x, t, cond):
        temb = self.temb(timestep_embedding(t, self.inp.out_channels))
        c = self.cond_in(cond + self.pos)                                        # [B,N,A]
        b, n, a = c.shape
        grid = c.transpose(1, 2).reshape(b, a, self.grid, self.grid)
        h0 = self.d0(self.inp(x), temb)                                          # 64
        h1 = self.d1(self.down0(h0), temb)                                       # 32
        h2 = self.down1(h1)                                                      # 16
        h2 = h2 + self.spatial(F.interpolate(grid, size=h2.shape[-2:], mode="nearest"))
        h2 = self.a2(self.d2(h2, temb), c)
        m = self.am(self.mid(h2, temb), c)
        u = self.u2(torch.cat([m, h2], 1), temb)
        u = self.up1(F.interpolate(u, scale_factor=2.0, mode="nearest"))
        u = self.u1(torch.cat([u, h1], 1), temb)
        u = self.up0(F.interpolate(u, scale_factor=2.0, mode="nearest"))
        u = self.u0(torch.cat([u, h0], 1), temb)
        return self.out(u)


def v_target(x0, eps, abar):
    a, s = abar.sqrt(), (1 - abar).sqrt()
    return a * eps - s * x0


def model_guidance(model, guidance):
    """The guidance to apply to `model`'s own (cond, uncond) pair for an asked guidance: a
    guidance-distilled student (`distilled_guidance` = w, set by training.shipped from the manifest)
    already gives v_u + w (v_c - v_u) in its conditional pass, so g asks for g / w of it (its blank
    pass stands in for v_u); the default g = w is then 1: the conditional pass alone."""
    w = getattr(model, "distilled_guidance", None)
    return guidance / w if w else guidance


@torch.no_grad()
def ddim_sample(model, cond, uncond, schedule, guidance, generator=None, x=None, eta=0.0):
    """cond, uncond [B,N,C]. Mirrors workers/lib/sampler.ts step for step.
    x0 = a*x - s*v; eps = s*x + a*v; x_next = sqrt(abar_next)*x0 + sqrt(1-abar_next)*eps.
    `guidance` is what a user asks for (model_guidance maps it for a distilled decoder); at an
    effective guidance of 1 the unconditional pass is skipped (v_u + 1 (v_c - v_u) = v_c)."""
    b = cond.shape[0]
    dev = cond.device
    if x is None:
        x = torch.randn(b, 3, 64, 64, generator=generator, device="cpu").to(dev)
    g = model_guidance(model, guidance)
    ts, ab = schedule["timesteps"], schedule["alphas_cumprod"]
    for i, (t, abar) in enumerate(zip(ts, ab)):
        if g == 1.0:
            v = model(x, torch.full((b,), float(t), device=dev), cond).float()
        else:
            tt = torch.full((2 * b,), float(t), device=dev)
            v2 = model(torch.cat([x, x]), tt, torch.cat([cond, uncond.expand(b, -1, -1)]))
            vc, vu = v2[:b].float(), v2[b:].float()
            v = vu + g * (vc - vu)
        a, s = math.sqrt(abar), math.sqrt(1 - abar)
        x0 = (a * x - s * v).clamp(-1, 1)
        eps = (x - a * x0) / s
        abar_next = ab[i + 1] if i + 1 < len(ab) else 1.0
        x = math.sqrt(abar_next) * x0 + math.sqrt(1 - abar_next) * eps
    return x.clamp(-1, 1)

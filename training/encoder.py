"""The semantic image encoder and PUMA's feature pyramid.

image [B,3,64,64] in [-1,1] -> f0 [B,256,C]: a 16x16 grid of C-dim tokens, row-major.
pyramid(f0) -> [f0, f1, f2, f3, f4]: 2x2 average pooling chain, 256/64/16/4/1 tokens.

Trained (train_visual.py --stage encoder) with two losses: CLIP-style contrast between the
pooled f4 token and a bag-of-words text tower (semantics), and reconstruction of the image
from f0 through a small auxiliary decoder (detail). Only the encoder is exported.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from training.common import SCALES_FINE_FIRST as SCALES, torch_load  # SCALES: "f0".."f4"


def load_ckpt(path, device="cpu"):
    """Checkpoints hold configs and vocabularies beside tensors (torch >= 2.6 defaults to weights_only)."""
    return torch_load(path, device)


def pyramid(f0, grid=16):
    """f0 [B, grid*grid, C] -> list of 5 tensors [B, N_i, C], finest first."""
    b, n, c = f0.shape
    x = f0.transpose(1, 2).reshape(b, c, grid, grid)
    out = [f0]
    for _ in range(4):
        x = F.avg_pool2d(x, 2, 2)
        out.append(x.flatten(2).transpose(1, 2))
    return out


class ResBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.n1, self.c1 = nn.GroupNorm(8 if cin % 8 == 0 else 1, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.n2, self.c2 = nn.GroupNorm(8 if cout % 8 == 0 else 1, cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):
        h = self.c1(F.silu(self.n1(x)))
        return self.skip(x) + self.c2(F.silu(self.n2(h)))


class Block(nn.Module):
    """Pre-norm transformer block over the token grid."""
    def __init__(self, dim, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        w = cfg.enc_width
        self.grid = cfg.grid
        self.stem = nn.Sequential(
            nn.Conv2d(3, w // 2, 3, padding=1), ResBlock(w // 2, w // 2),
            nn.Conv2d(w // 2, w, 4, stride=2, padding=1), ResBlock(w, w),        # 32x32
            nn.Conv2d(w, w, 4, stride=2, padding=1), ResBlock(w, w))            # 16x16
        self.pos = nn.Parameter(torch.zeros(1, cfg.grid * cfg.grid, w))
        self.blocks = nn.Sequential(*[Block(w, cfg.enc_heads) for _ in range(cfg.enc_depth)])
        self.ln = nn.LayerNorm(w)
        self.proj = nn.Linear(w, cfg.feature_dim)

    def forward(self, image):
        x = self.stem(image).flatten(2).transpose(1, 2) + self.pos
        # unit-scale tokens (a LayerNorm without affine, written out: torch 1.13 exports the
        # affine-free op with an empty input that onnx rejects)
        f = self.proj(self.ln(self.blocks(x)))
        f = f - f.mean(-1, keepdim=True)
        return f / torch.sqrt(f.pow(2).mean(-1, keepdim=True) + 1e-5)


class AuxDecoder(nn.Module):
    """f0 grid -> image; trains the encoder to keep detail. Discarded after training."""
    def __init__(self, cfg):
        super().__init__()
        w, c = cfg.enc_width, cfg.feature_dim
        self.grid = cfg.grid
        self.net = nn.Sequential(
            nn.Conv2d(c, w, 3, padding=1), ResBlock(w, w),
            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(w, w, 3, padding=1), ResBlock(w, w),
            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(w, w // 2, 3, padding=1), ResBlock(w // 2, w // 2),
            nn.GroupNorm(8 if (w // 2) % 8 == 0 else 1, w // 2), nn.SiLU(), nn.Conv2d(w // 2, 3, 3, padding=1))

    def forward(self, f0):
        b, n, c = f0.shape
        return self.net(f0.transpose(1, 2).reshape(b, c, self.grid, self.grid))


class TextTower(nn.Module):
    """Bag of words (ids [B,L], 0 = padding) -> embedding; the CLIP-style partner of f4."""
    def __init__(self, vocab_size, cfg):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, cfg.text_dim, padding_idx=0)
        self.mlp = nn.Sequential(nn.Linear(cfg.text_dim, cfg.text_dim), nn.GELU(), nn.Linear(cfg.text_dim, cfg.text_dim))

    def forward(self, ids):
        m = (ids > 0).float().unsqueeze(-1)
        return self.mlp((self.emb(ids) * m).sum(1) / m.sum(1).clamp(min=1))


def load_encoder(path, device="cpu"):
    from training.config import VisualConfig
    ck = load_ckpt(path, device)
    cfg = VisualConfig(**ck["config"])
    enc = Encoder(cfg).to(device)
    enc.load_state_dict(ck["encoder"])
    enc.eval().requires_grad_(False)
    return enc, cfg


@torch.no_grad()
def blank_features(encoder, device="cpu"):
    """The unconditional branch of classifier-free guidance: an all-black image's pyramid."""
    p = next(encoder.parameters())
    return pyramid(encoder(-torch.ones(1, 3, 64, 64, device=device, dtype=p.dtype)))

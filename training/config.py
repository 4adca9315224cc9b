"""One config object for the visual half (encoder, decoders, judge). `tiny` runs on a CPU in
seconds for tests; `full` is the recipe run on the GPU machine."""
from dataclasses import dataclass, asdict, replace


@dataclass
class VisualConfig:
    # shared
    feature_dim: int = 64          # C of each feature token (f0 is 16x16xC)
    grid: int = 16
    # encoder
    enc_width: int = 96
    enc_depth: int = 3             # transformer blocks over the 16x16 grid
    enc_heads: int = 4
    text_dim: int = 128            # bag-of-words text tower for the CLIP-style loss
    enc_steps: int = 3000
    enc_batch: int = 256
    enc_lr: float = 1e-3
    clip_weight: float = 0.5
    cross_vendor_weight: float = 0.0   # variant (0 = off, the shipped recipe): InfoNCE on f4, same-concept drawings as positives
    cross_vendor_head: int = 0         # > 0: that InfoNCE on a 2-layer MLP of f4 (this hidden width), not on f4 itself
    # the splits the encoder stage trains on, "+"-joined: "train" is the recipe; "train+sources" adds the third
    # vendor's drawings of the training concepts (Fluent, training.data's "sources"), for a reader: more vendors
    # per concept to pair in the cross-vendor loss. Never the held-out splits.
    enc_splits: str = "train"
    # decoders (one per scale)
    dec_channels: tuple = (24, 48, 96)    # UNet widths at 64, 32, 16 px
    dec_attn_dim: int = 64
    dec_steps: int = 3000
    dec_batch: int = 256
    dec_lr: float = 1e-3
    cond_drop: float = 0.1         # classifier-free guidance: p(replace cond with blank features)
    train_timesteps: int = 1000
    sample_steps: int = 10
    guidance: float = 2.0
    # judge (evaluation only)
    judge_width: int = 64
    judge_steps: int = 3000
    judge_batch: int = 256
    judge_lr: float = 2e-3
    seed: int = 0


FULL = VisualConfig()
TINY = replace(FULL, enc_width=16, enc_depth=1, enc_heads=2, text_dim=16, feature_dim=8,
               enc_steps=2, enc_batch=4, dec_channels=(8, 8, 16), dec_attn_dim=16, dec_steps=2,
               dec_batch=4, judge_width=8, judge_steps=2, judge_batch=4)


def get(name):
    return {"full": FULL, "tiny": TINY}[name]


def as_dict(cfg):
    return asdict(cfg)

"""PUMA-Emoji-64 MLLM: one small decoder-only transformer that reads and writes text and the
five-scale image features (nanoGPT-style; the whole model is this file).

Sequences (DESIGN.md):
    text-to-image:   <s> prompt [IMG] f4 f3 f2 f1 f0 [/IMG] </s>
    editing / cond.: <s> [IMG] source(f4..f0) [/IMG] instruction [IMG] target(f4..f0) [/IMG] </s>
    understanding:   <s> [IMG] source(f4..f0) [/IMG] question <ans> answer </s>
An image is 341 continuous tokens, coarse to fine (f4: 1, f3: 4, f2: 16, f1: 64, f0: 256, each
row-major over its grid). Every position carries three inputs:
    ids   [B,T] int64   text token id (ignored at image positions)
    slot  [B,T] int64   0 at text positions, k+1 at the k-th image token (k = 0..340)
    feats [B,T,C] f32   the raw encoder feature at image positions (ignored elsewhere)
An image token is embedded as proj(normalize(feature)) + slot_emb[slot] (the slot embedding is
the per-scale embedding, refined per position inside the scale); a text token as tok_emb[id].
Outputs at every position: logits over the vocabulary (LM head, tied to tok_emb) and a feature
(regression head) = the prediction of the NEXT token: the output at [IMG] predicts f4, the
output at image token k predicts token k+1.
Loss: text_weight * CE(text targets) + MSE over feature targets with per-token scale weights
f4:f3:f2:f1:f0 = 1024:512:64:8:1 (normalized by the sum of weights in the batch).

Two generation orders (config `order`), same model, same sequence lengths (equal compute):
  "token"  PUMA's: one image token per call, fully causal attention (above).
  "scale"  next-scale prediction (VAR): a GENERATED image is 341 query positions, slot
           N_IMG+1+k for image token k; the input at a query of scale s is the scale s-1 token
           that covers it (nearest 2x upsampling; f4's query has a zero feature) and its output
           is token k itself (not the next one). Attention is block-causal: every position
           carries a block id (`block`, increasing along the sequence); a key is visible iff its
           block <= the query's. Text positions are one block each (causal); each scale of an
           image (read or generated) is one block (full attention inside). One call per scale.
"""
import math
from dataclasses import dataclass, asdict, replace

import torch
import torch.nn as nn
import torch.nn.functional as F

from training.common import IMAGE_ORDER, SCALE_TOKENS, N_IMG, apply_overrides, torch_load  # noqa: F401
from training.quantize import on_grid4   # at the top: an import inside a compiled forward would break its graph
from training.tone_probe import loss as tone_probe_loss

ORDERS = ("token", "scale")


def n_slots(order):
    """Slot values: 0 text, 1..N_IMG image tokens read, and in scale order N_IMG+1..2*N_IMG the
    query positions that generate token k (their input is the coarser scale, not the token)."""
    return 1 + N_IMG * (2 if order == "scale" else 1)


def scale_of_slot_table(order="token"):
    """[n_slots] scale index (0=f4 .. 4=f0) per slot value; slot 0 (text) -> -1."""
    t = []
    for s, n in enumerate(SCALE_TOKENS):
        t += [s] * n
    return torch.tensor([-1] + t * (2 if order == "scale" else 1))


@dataclass
class MLLMConfig:
    vocab_size: int = 2048
    n_layer: int = 6
    n_head: int = 8
    d_model: int = 256
    mlp_ratio: int = 4
    ctx: int = 768                 # editing: 1+1+341+1+instr+1+341+2 ~ 700 tokens
    feature_dim: int = 64
    text_weight: float = 0.02
    scale_weights: tuple = (1024.0, 512.0, 64.0, 8.0, 1.0)   # f4, f3, f2, f1, f0 per token
    # editing/conditional tasks predict a change to the source image's token at the same place
    # (output = source token + head * std) instead of the token itself: the copy is free
    residual_edit: bool = False
    # training
    lr: float = 1e-3
    min_lr_frac: float = 0.05
    warmup: int = 300
    weight_decay: float = 0.05
    short_batch: int = 96          # single-image tasks (t2i, captioning, VQA) per step
    long_batch: int = 32           # two-image tasks (editing, colorization, inpainting, sketch)
    budget_minutes: float = 6.0    # total training time across all stages (the LR schedule's clock)
    max_steps: int = 100000
    ema: float = 0.999             # EMA decay of the exported/evaluated weights (0: no EMA)
    order: str = "token"           # "token" (PUMA) or "scale" (next-scale prediction, VAR)
    # plan, then draw: before [IMG] the LM head writes "<ans> concept | style | tone" of the target,
    # supervised from the target's labels (a deviation from PUMA, A/B'd: training/gpu/v3_ab.sh)
    plan: bool = False
    plan_weight: float = 0.1       # CE weight of the plan's tokens (captions/VQA keep text_weight)
    # classifier-free guidance on the MLLM's feature outputs: text-to-image prompts (and plans) are
    # dropped with this probability in training; at inference feature = u + guidance * (c - u)
    prompt_drop: float = 0.0
    feature_guidance: float = 1.0  # 1.0 = no guidance (the conditional output alone)
    # teacher-forced coarser-scale inputs get N(0, coarse_noise^2) noise in normalized units: at
    # inference those inputs are the model's own predictions, not the truth
    coarse_noise: float = 0.0
    # the same for the inputs of *given* images (a caption's or VQA's image, an edit's source): the
    # training images are seen hundreds of times, so without it the understanding half memorises their
    # exact features and fails on an unseen vendor's drawing (captions fell 38 -> 27% from v3 to v4).
    # The residual base of an edit stays clean: at inference it is the clean source.
    source_noise: float = 0.0
    # given images also read through a second encoder (the "reader", e.g. one trained with cross_vendor_weight:
    # its features name a drawing's concept across vendors, the reconstruction encoder's keep its vendor). At a
    # given image's positions (scale order: slots 1..341 are exactly the given images) the reader's features,
    # through their own projector and normalisation, are ADDED to the encoder's embedding; the projector's last
    # layer starts at zero, so a model gains a reader exactly as it was. What it draws (targets, coarser-scale
    # inputs, an edit's residual base) stays the encoder's: Table 1 and the decoders are untouched. Reading
    # through the reader alone was A/B'd and lost (2026-12-01, model card): an edit then no longer sees the
    # encoder's features it draws its change on. Scale order only.
    reader: bool = False
    # the first reader_warmup steps train the reader's projector alone, everything else frozen (LLaVA's stage 1)
    reader_warmup: int = 0
    # modality dropout for the reader: with this probability a caption's or question's given image is seen through
    # the reader alone (the encoder's features there replaced by their mean, 0 once normalised). Trained on the
    # vendors it memorised, the trunk captions from the encoder's features and the reader gets no signal (stop 30's
    # runs 4-6: captions fell); dropped, the answer must come from the reader, whose features name a drawing's
    # concept across vendors. Edits keep the encoder's features: they draw their change on them.
    given_drop: float = 0.0
    # the same again in pixel space: source_aug re-drawn copies of every image (transforms.augment: scale,
    # shift, rotation, outline weight, colour) are encoded into the feature bank, and a given image is read
    # from one of them with probability source_aug_p (mllm_tasks.augment_sources); the residual base stays clean
    source_aug: int = 0
    source_aug_p: float = 0.5
    # an example with a given image (an edit above all) read and drawn, with probability pair_aug_p, from one of
    # pair_aug re-drawn sets of every image (geometry alone, colours kept; mllm_tasks.pair_augment), the source,
    # the target and the residual base in the same geometry: source_aug re-drew the source alone (v7's A/B lost
    # tone and style edits: the edit had to undo the re-drawing), this one asks the edit to keep it
    pair_aug: int = 0
    pair_aug_p: float = 0.5
    # more distinct drawings for the understanding half: images of these vendors (training.data's "sources"
    # split, e.g. "fluent") are given images only: a caption's or question's image, a sketch's or style edit's
    # source (the target stays a trained style), each with probability source_vendor_p; they are never drawn
    source_vendors: str = ""
    source_vendor_p: float = 0.3
    # a sketch's edge map read from the source vendors' drawings with this probability instead (< 0: source_vendor_p):
    # sketches are judged on edge maps of drawings unseen, and edges lose the colours the other tasks lean on
    sketch_source_p: float = -1.0
    # a sketch's edge map taken from its image's line drawing (transforms.line_drawing: strokes along its edges) with this
    # probability instead of from the colour drawing: a user's sketch is line art, whose edge map outlines each stroke
    # twice, and v14 names the concept of 3% of such sketches (eval_mllm's sketch_lines) against 22% of colour ones
    sketch_lines_p: float = 0.0
    # the tasks' shares within a step, "task=weight,..." over mllm_tasks.SHORT_TASKS / LONG_TASKS (empty:
    # their defaults); the short/long split itself is short_batch/long_batch. For share A/Bs at equal steps.
    task_mix: str = ""
    # training speed only: torch.compile the loss (PyTorch >= 2; with DDP, compiled after wrapping) and
    # pad batch lengths up to a multiple of pad_multiple so it compiles a few shapes, not one per batch
    compile: bool = False
    pad_multiple: int = 0
    seed: int = 0
    # the regression head's hidden width (0: d_model). A wider head from an init keeps the init's function
    # (widen_head) and, with train_only="head.", learns on the image outputs alone
    head_hidden: int = 0
    # only the parameters whose names start with one of these comma-separated prefixes learn (empty: all). "head.":
    # the regression head alone, so the LM head and the trunk, and with them every text output (plans, captions,
    # answers), stay bit-identical to the init's
    train_only: str = ""
    # learning without forgetting (Li & Hoiem, 2016): a run from an init (train_mllm --init) keeps a frozen copy of it,
    # the teacher, which reads the same batch (the same noise and dropout); the student pays anchor_weight x
    # KL(teacher || student) over the text positions (captions, answers, plans: what the retrieval pick scores) and
    # anchor_hidden x the mean squared distance of the final hidden states where nothing is drawn (given images, text).
    # Runs 12-13: with every weight learning, drawing gained and reading unseen drawings fell (the trunk trade); the
    # anchor lets the trunk move for drawing and charges it for what moves elsewhere. 0: off.
    anchor_weight: float = 0.0
    anchor_hidden: float = 0.0
    # quantization-aware training: 4 = the trunk's linear weights (training.quantize.TRUNK4) seen on the 4-bit grid
    # they would ship on (quantize_blocks4) in every forward, the full-precision weights learning behind it
    # (straight-through). Run 22: put on that grid after training, an 18-block trunk lost its drawing (canonical
    # top-1 at f1 90.9% -> 59.3%); the grid is what lets a deeper trunk fit the 40 MB budget. 0: off. eval_mllm
    # evaluates such a model on that grid by default.
    qat_bits: int = 0
    # a skin-tone probe's cross-entropy on every drawn image's predicted f1 and f0 features, times this weight
    # (training.tone_probe: a frozen linear probe fitted on the training drawings' features before training; a
    # training-only loss, never saved or exported). Stop 62: tone edits miss mostly to a neighbouring tone or none,
    # which the feature MSE charges little for. Run 33: satisfied within 200 steps, tone edits did not gain. 0: off.
    tone_probe: float = 0.0
    # tone edits also within these vendors' toned drawings (comma-separated, among mllm_tasks.PLAN_VENDOR: noto_v1,
    # planned as Noto), source and target both that vendor's: stop 62 found every edit drawn right on designs the model
    # trained on and missed on unseen ones, and the tone-edit pairs were 603 designs of two vendors. Run 33 (noto_v1):
    # tone edits did not gain (the asked tone fell). "": off.
    tone_vendors: str = ""
    # drawn designs from more vendors: with probability draw_vendor_p, a tone edit, a sketch, a colorization or an
    # inpainting is one of these vendors' own drawings (comma-separated, training.data's source splits, concepts that
    # train), given and drawn, its plan naming that vendor's own style word (plan_fields: "fluent"). These tasks' target
    # is the given drawing's own design, and stop 62 found them drawn right on designs the model trained on (tone edits
    # 91.8%, sketches 91.3%) and missed on unseen ones (69.2%, 22.4%): the trained designs were Google's and Twitter's
    # alone. Unlike tone_vendors (planned as Noto), no plan word is shared with another design. Run 34 (x0.3, x0.6 at two
    # seeds): sketches, colorize and inpaint gain, tone edits unresolved, text-to-image -2.4 points at x0.6; the page's
    # pick would keep such a model's plans to its own styles (eval_mllm --pick-styles page). "": off.
    draw_vendors: str = ""
    draw_vendor_p: float = 0.3
    # whether draw_vendors' examples carry their plan (the concept's name and the vendor's style word). Run 34's
    # text-to-image loss fell on the concepts the drawn vendors also drew (-3.3 points against -0.7 on the others,
    # training/paired_groups.py): a name tied to two designs is drawn as their average. False: those examples go
    # without a plan, the copy learnt from the given image alone. Run 35 (nd6, seed 61): about half that loss goes,
    # and the sketches' gain with it (the plan carried it). The page's pick then keeps no styles of its own.
    draw_plan: bool = True
    # which of the tasks draw_vendors draws (comma-separated among mllm_tasks.DRAW_TASKS; "": all four). Run 35: without
    # their plan (draw_plan=False) the drawn examples cost about half as much text-to-image on the concepts they drew
    # and lost the sketches' gain, which the plan carried; "sketch" keeps the plan and draws a fifth as many designs.
    # Run 36 (ds6, seed 61): "sketch" alone gives no sketch gain (21.9%, the control's) and costs the drawn concepts
    # about what draw_plan=False did (-1.9 points paired at f1): not a lever. Run 37 (dt6, seeds 61-63): "edit_tone"
    # alone gives tone edits no gain (+0.4 +- 2.0 points paired at f0, three seeds against two): not a lever either.
    draw_tasks: str = ""
    # residual_edit's base read as an input too: at a generated token of an edit (any target after a given image: tone and
    # style edits, sketches, colorize, inpaint), the source's token at the same place, through its own projector, is
    # ADDED to the query's embedding. residual_edit adds the base to the output only, so the hidden state that computes
    # the change sees the token it changes only through attention, found among 341 source positions by learned slot
    # embeddings; stop 62 found every edit drawn right on trained designs and missed on unseen ones (tone 91.8 vs 69.2%),
    # which a change computed from memory rather than from the token in front of it would give. The projector's last
    # layer starts at zero: a model gains it exactly as it was (train_mllm.load_init). Scale order with residual_edit
    # only; the page's graphs do not feed it yet (mllm_graphs refuses such a model). Run 38 (ri6, seeds 61 and 62 on
    # c14's clock): tone edits paired at f0 -0.2 +- 0.8 points, canonical -0.2 +- 0.1: not a lever.
    residual_input: bool = False


FULL = MLLMConfig()
TINY = replace(FULL, vocab_size=2048, n_layer=1, n_head=2, d_model=16, feature_dim=8,
               short_batch=3, long_batch=2, warmup=1, budget_minutes=0.2, max_steps=2)
# size sweep (params with the 2048-token vocabulary): s6 ~5.7M (= full), s12 ~12M, s18 ~18M, s25 ~25M.
# The batch stays the same so the arms differ in width/depth only.
PRESETS = {"full": FULL, "tiny": TINY,
           "s6": FULL,
           "s12": replace(FULL, d_model=320, n_layer=9, n_head=8),
           "s18": replace(FULL, d_model=384, n_layer=10, n_head=8),
           "s25": replace(FULL, d_model=448, n_layer=10, n_head=8)}
# v3: s18 in next-scale order with residual edits (the v2 sweep's pick), at 4x the sweep's batch per
# GPU (an H200 is idle at 96+32) and a shorter warmup for the fewer, larger steps
PRESETS["v3"] = replace(PRESETS["s18"], order="scale", residual_edit=True, short_batch=384, long_batch=128,
                        lr=1.5e-3, warmup=100)


def get(name, overrides=()):
    """A preset (see PRESETS) with `key=value` overrides applied (training.common.apply_overrides)."""
    if name not in PRESETS:
        raise SystemExit(f"unknown MLLM config {name!r}: one of {', '.join(PRESETS)}")
    cfg = apply_overrides(PRESETS[name], overrides)
    if cfg.order not in ORDERS:
        raise SystemExit(f"order must be one of {ORDERS}, got {cfg.order!r}")
    return cfg


class TrunkLinear(nn.Linear):
    """The trunk's linear layers (attention's qkv and proj, the MLP's two): nn.Linear, the same parameters and state
    dict, whose forward with qat_bits=4 sees its weight on the 4-bit grid (MLLMConfig.qat_bits, quantize.on_grid4)."""
    def __init__(self, d_in, d_out, qat_bits=0):
        super().__init__(d_in, d_out)
        assert qat_bits in (0, 4), qat_bits
        self.qat = qat_bits == 4

    def forward(self, x):
        if not self.qat:
            return super().forward(x)
        return F.linear(x, on_grid4(self.weight), self.bias)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.h, self.d = cfg.n_head, cfg.d_model
        self.qkv = TrunkLinear(cfg.d_model, 3 * cfg.d_model, cfg.qat_bits)
        self.proj = TrunkLinear(cfg.d_model, cfg.d_model, cfg.qat_bits)
        self.fused = True   # set False for ONNX export (torch 1.13 has no SDPA symbolic)

    def forward(self, x, past_k=None, past_v=None, allowed=None):
        """allowed [B,T,P+T] bool (True = may attend) or None for plain causal attention."""
        b, t, _ = x.shape
        q, k, v = self.qkv(x).split(self.d, dim=2)
        q = q.view(b, t, self.h, -1).transpose(1, 2)
        k = k.view(b, t, self.h, -1).transpose(1, 2)
        v = v.view(b, t, self.h, -1).transpose(1, 2)
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        sdpa = self.fused and hasattr(F, "scaled_dot_product_attention")
        if sdpa and allowed is not None:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed.unsqueeze(1))
        elif sdpa and past_k is None:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            s = k.shape[2]
            att = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(q.shape[-1]))
            if allowed is None:
                qpos = torch.arange(t, device=x.device) + (s - t)
                kpos = torch.arange(s, device=x.device)
                allowed = (kpos.unsqueeze(0) <= qpos.unsqueeze(1)).unsqueeze(0)    # [1, t, s]
            att = att.masked_fill(~allowed.unsqueeze(1), -1e9).softmax(dim=-1)
            y = torch.matmul(att, v)
        y = y.transpose(1, 2).reshape(b, t, self.d)
        return self.proj(y), k, v


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(cfg.d_model), nn.LayerNorm(cfg.d_model)
        self.attn = Attention(cfg)
        self.mlp = nn.Sequential(TrunkLinear(cfg.d_model, cfg.mlp_ratio * cfg.d_model, cfg.qat_bits), nn.GELU(),
                                 TrunkLinear(cfg.mlp_ratio * cfg.d_model, cfg.d_model, cfg.qat_bits))

    def forward(self, x, past_k=None, past_v=None, allowed=None):
        a, k, v = self.attn(self.ln1(x), past_k, past_v, allowed)
        x = x + a
        return x + self.mlp(self.ln2(x)), k, v



def source_inputs(batch):
    """[B,T] bool: positions whose input is a given image's token (an understanding task's image, an
    edit's source), not text and not a generated image's teacher-forced token or scale-order query."""
    slot = batch["slot"]
    return (slot > 0) & (slot <= N_IMG) & (batch["gen_input"] == 0)


def given_mask(slot, dtype):
    """1.0 at a given image's positions (scale order: slots 1..N_IMG), else 0.0, for integer slots >= 0. In float
    arithmetic, no comparison: onnxruntime-web 1.30's JSEP WebGPU got the comparison form ((slot > 0) & (slot <= N_IMG))
    wrong, so a text-to-image call (no given image) got the reader's term (image features off by 2.31 on SwiftShader;
    0.58 with the And as a product of two casts; tests/mllm-webgpu.test.ts)."""
    sf = slot.to(dtype)
    return sf.clamp(0, 1) * (N_IMG + 1 - sf).clamp(0, 1)


class MLLM(nn.Module):
    def __init__(self, cfg: MLLMConfig):
        super().__init__()
        self.cfg = cfg
        d, c = cfg.d_model, cfg.feature_dim
        self.tok_emb = nn.Embedding(cfg.vocab_size, d)
        self.pos_emb = nn.Embedding(cfg.ctx, d)
        self.slot_emb = nn.Embedding(n_slots(cfg.order), d)
        self.proj = nn.Sequential(nn.Linear(c, d), nn.GELU(), nn.Linear(d, d))   # projector in
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(d)
        hh = cfg.head_hidden or d
        self.head = nn.Sequential(nn.Linear(d, hh), nn.GELU(), nn.Linear(hh, c))   # regression out
        # raw encoder features <-> the model's unit scale (set from data before training)
        self.register_buffer("feat_mean", torch.zeros(c))
        self.register_buffer("feat_std", torch.ones(c))
        self.register_buffer("slot_scale", scale_of_slot_table(cfg.order), persistent=False)
        if cfg.reader:
            if cfg.order != "scale":
                raise ValueError("reader=True needs order='scale' (token order feeds generated tokens through slots 1..341 too)")
            self.reader_proj = nn.Sequential(nn.Linear(c, d), nn.GELU(), nn.Linear(d, d))
            self.register_buffer("reader_mean", torch.zeros(c))
            self.register_buffer("reader_std", torch.ones(c))
        if cfg.residual_input:
            if cfg.order != "scale" or not cfg.residual_edit:
                raise ValueError("residual_input=True needs order='scale' and residual_edit=True")
            self.res_proj = nn.Sequential(nn.Linear(c, d), nn.GELU(), nn.Linear(d, d))
        self.apply(self._init)
        if cfg.residual_input:   # zero output at the start, as the reader's
            nn.init.zeros_(self.res_proj[2].weight)
            nn.init.zeros_(self.res_proj[2].bias)
        if cfg.reader:   # zero output at the start: a model gains a reader unchanged
            nn.init.zeros_(self.reader_proj[2].weight)
            nn.init.zeros_(self.reader_proj[2].bias)
        for n, p in self.named_parameters():
            if n.endswith("attn.proj.weight") or n.endswith("mlp.2.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def normalize(self, f):
        return (f - self.feat_mean) / self.feat_std

    def denormalize(self, f):
        return f * self.feat_std + self.feat_mean

    def embed(self, ids, slot, feats, past_len=0, reader=None, pos=None, res=None, res_m=None):
        """reader [B,T,C] (cfg.reader): the reader's raw features at given images' positions (zeros elsewhere).
        pos [B,T]: each new position's index (None: past_len, past_len + 1, ...; the single graph is fed
        them, so a cache padded to a fixed length still counts only what it holds).
        res [B,T,C], res_m [B,T] (cfg.residual_input): an edit's residual base (raw) and 1.0 where there is one."""
        t = ids.shape[1]
        tok = self.tok_emb(ids)
        img = self.proj(self.normalize(feats)) + self.slot_emb(slot)
        if self.cfg.residual_input and res is not None:
            img = img + res_m.to(img.dtype).unsqueeze(-1) * self.res_proj(self.normalize(res))
        if self.cfg.reader and reader is not None:   # every position computed, the given ones kept: no data-dependent shapes
            given = given_mask(slot, img.dtype).unsqueeze(-1)
            img = img + given * self.reader_proj((reader - self.reader_mean) / self.reader_std)
        # 1.0 at image positions (slot > 0; slots are integers >= 0) in float arithmetic: traced as a
        # comparison, the exporter casts the int32 slot to int64 and onnxruntime-web's WebGPU runs int64
        # comparisons and bool Unsqueeze on the CPU, and a graph with a CPU node cannot be captured
        m = slot.to(tok.dtype).clamp(0, 1).unsqueeze(-1)
        if pos is None:
            pos = torch.arange(t, device=ids.device) + past_len
        return tok * (1 - m) + img * m + self.pos_emb(pos)

    @staticmethod
    def allowed_from_blocks(block, t):
        """block [B,P+T] block ids of cached + new positions -> [B,T,P+T] visibility of the last t.
        Compared as floats (ids far below 2^24, exact): onnxruntime-web's native WebGPU EP slices no int32
        tensor, and a graph with a node on the CPU cannot be captured."""
        b = block.float()
        return b.unsqueeze(1) <= b[:, b.shape[1] - t:].unsqueeze(2)

    def forward(self, ids, slot, feats, past=None, block=None, reader=None, pos=None, res=None, res_m=None):
        """-> (hidden after ln_f [B,T,d], presents [(k, v)] per layer, each [B,H,S,Dh]).
        block [B,P+T]: block ids (block-causal attention); None: causal. pos [B,T]: position indices (embed).
        res, res_m: residual_input's base and mask (embed)."""
        past_len = past[0][0].shape[2] if past is not None else 0
        x = self.embed(ids, slot, feats, past_len, reader, pos, res, res_m)
        allowed = self.allowed_from_blocks(block, ids.shape[1]) if block is not None else None
        presents = []
        for i, blk in enumerate(self.blocks):
            pk, pv = past[i] if past is not None else (None, None)
            x, k, v = blk(x, pk, pv, allowed)
            presents.append((k, v))
        return self.ln_f(x), presents

    def logits(self, h):
        return F.linear(h, self.tok_emb.weight)

    def features(self, h, base=None):
        """Raw-space predicted next feature; with base (the source token, residual_edit), base + delta."""
        if base is None:
            return self.denormalize(self.head(h))
        return base + self.delta(h)

    def delta(self, h):
        """The head in raw units without the mean: what residual_edit adds to the source token."""
        return self.head(h) * self.feat_std

    def num_params(self):
        return sum(p.numel() for p in self.parameters())

    def compute_loss(self, batch, teacher=None, tone_probe=None):
        """batch: ids, slot, feats [B,T,C] raw, text_tgt [B,T] (-100 = none),
        feat_tgt [B,T,C] raw, feat_tgt_slot [B,T] (0 = none). Returns (loss, stats dict).
        teacher: the frozen init the anchor terms (anchor_weight, anchor_hidden) hold the student to."""
        cfg = self.cfg
        feats = batch["feats"]
        if cfg.coarse_noise > 0 and self.training:
            # only the inputs of generated images (teacher-forced: truth in training, the model's
            # own output at inference): scale-order query slots, token-order target tokens
            gen = batch["gen_input"].unsqueeze(-1).to(feats.dtype)
            feats = feats + gen * torch.randn_like(feats) * cfg.coarse_noise * self.feat_std
        if cfg.source_noise > 0 and self.training:
            src = source_inputs(batch).unsqueeze(-1).to(feats.dtype)
            feats = feats + src * torch.randn_like(feats) * cfg.source_noise * self.feat_std
            if batch.get("reader") is not None:
                batch = dict(batch, reader=batch["reader"] + src * torch.randn_like(feats) * cfg.source_noise * self.reader_std)
        if cfg.given_drop > 0 and self.training and batch.get("reader") is not None:
            understand = ~(batch["feat_tgt_slot"] > 0).any(1, keepdim=True)   # captions and questions: nothing drawn
            drop = understand & (torch.rand(understand.shape, device=feats.device) < cfg.given_drop)
            feats = torch.where((source_inputs(batch) & drop).unsqueeze(-1), self.feat_mean.to(feats.dtype), feats)
        res = (batch.get("feat_res"), batch.get("has_res")) if cfg.residual_input else (None, None)
        h, _ = self(batch["ids"], batch["slot"], feats, block=batch.get("block"), reader=batch.get("reader"),
                    res=res[0], res_m=res[1])
        # every position is computed and masked (no boolean indexing): no data-dependent shapes,
        # so no host sync inside the step and the GPU can run ahead of Python
        tt = batch["text_tgt"]
        logits = self.logits(h).float()
        ce_tok = F.cross_entropy(logits.view(-1, logits.shape[-1]), tt.view(-1), ignore_index=-100, reduction="none").view(tt.shape)
        is_plan = batch["plan_tgt"] > 0 if "plan_tgt" in batch else torch.zeros_like(tt, dtype=torch.bool)
        is_text = (tt >= 0) & ~is_plan
        ce = (ce_tok * is_text).sum() / is_text.sum().clamp(min=1)
        ce_plan = (ce_tok * is_plan).sum() / is_plan.sum().clamp(min=1)
        loss = cfg.text_weight * ce + cfg.plan_weight * ce_plan
        slot_t = batch["feat_tgt_slot"]
        pred = self.head(h).float()
        if cfg.residual_edit and "feat_res" in batch:
            pred = pred + batch["has_res"].unsqueeze(-1) * self.normalize(batch["feat_res"].float())
        mse = (pred - self.normalize(batch["feat_tgt"].float())).pow(2).mean(-1)          # [B,T]
        sc = self.slot_scale[slot_t]                                                      # -1 where no target
        w = torch.tensor(cfg.scale_weights, device=h.device)[sc.clamp(min=0)] * (slot_t > 0)
        loss = loss + (w * mse).sum() / w.sum().clamp(min=1e-6)
        stats = {"ce": ce.detach(), "loss": loss.detach()}
        if cfg.plan:
            stats["ce_plan"] = ce_plan.detach()
        if teacher is not None and (cfg.anchor_weight > 0 or cfg.anchor_hidden > 0):
            loss = loss + self.anchor_loss(teacher, batch, feats, h, logits, stats)
        if tone_probe is not None and cfg.tone_probe > 0:
            tce, right = tone_probe_loss(tone_probe, pred, sc, slot_t > 0, batch["tone_tgt"])
            loss = loss + cfg.tone_probe * tce
            stats["tone_ce"], stats["tone_right"] = tce.detach(), right.detach()
        for i, name in enumerate(IMAGE_ORDER):
            sel = (sc == i) & (slot_t > 0)
            stats["mse_" + name] = ((mse * sel).sum() / sel.sum().clamp(min=1)).detach()
        return loss, stats

    def anchor_loss(self, teacher, batch, feats, h, logits, stats):
        """The anchor terms (MLLMConfig.anchor_weight, anchor_hidden): the teacher reads exactly the student's inputs
        (feats and batch["reader"] after the noise and dropout) and the student is charged for where it departs."""
        cfg = self.cfg
        with torch.no_grad():   # all of the teacher's side, its LM head too: nothing of it learns
            th, _ = teacher(batch["ids"], batch["slot"], feats, block=batch.get("block"), reader=batch.get("reader"))
            t_lp = F.log_softmax(teacher.logits(th).float(), -1) if cfg.anchor_weight > 0 else None
        out = h.new_zeros((), dtype=torch.float32)
        if cfg.anchor_weight > 0:
            said = (batch["text_tgt"] >= 0).float()                                      # text and plan targets
            kl_tok = (t_lp.exp() * (t_lp - F.log_softmax(logits, -1))).sum(-1)
            kl = (kl_tok * said).sum() / said.sum().clamp(min=1)
            out = out + cfg.anchor_weight * kl
            stats["kl"] = kl.detach()
        if cfg.anchor_hidden > 0:
            from training.mllm_tasks import PAD_BLOCK   # here: mllm_tasks imports this module
            real = batch["block"] < PAD_BLOCK if batch.get("block") is not None else torch.ones_like(batch["slot"], dtype=torch.bool)
            keep = (real & (batch["feat_tgt_slot"] == 0)).float()                        # nothing drawn there
            hd = (h.float() - th.float()).pow(2).mean(-1)
            hid = (hd * keep).sum() / keep.sum().clamp(min=1)
            out = out + cfg.anchor_hidden * hid
            stats["hid"] = hid.detach()
        return out

    def configure_optimizer(self, lr, weight_decay):
        decay = [p for n, p in self.named_parameters() if p.dim() >= 2 and "emb" not in n]
        rest = [p for n, p in self.named_parameters() if not (p.dim() >= 2 and "emb" not in n)]
        groups = [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]
        try:
            return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95), fused=torch.cuda.is_available())
        except TypeError:
            return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95))

    # ---- inference helpers (eval and the export's reference) ----
    @torch.no_grad()
    def step(self, ids, slot, feats, past=None, base=None, block=None, reader=None):
        """One call as the ONNX graphs do it: -> (logits [B,V], feature [B,C], presents) of the last position.
        base [B,C]: the source token the residual_edit output adds to (None: plain feature)."""
        h, presents = self(ids, slot, feats, past, block, reader)
        last = h[:, -1]
        return self.logits(last), self.features(last, base), presents

    @torch.no_grad()
    def step_all(self, ids, slot, feats, past=None, base=None, block=None, reader=None, res=None, res_m=None):
        """As step, but the features of EVERY new position ([B,T,C]; base [B,T,C] or None): one
        scale's tokens in scale order. res, res_m: residual_input's base and mask (embed)."""
        h, presents = self(ids, slot, feats, past, block, reader, res=res, res_m=res_m)
        return self.logits(h[:, -1]), self.features(h, base), presents


def config_dict(cfg):
    return asdict(cfg)


def from_config_dict(d):
    """Checkpoints written before a field existed get its default (order "token", no EMA)."""
    d = dict(d)
    d["scale_weights"] = tuple(d.get("scale_weights", FULL.scale_weights))
    return MLLMConfig(**{k: v for k, v in d.items() if k in MLLMConfig.__dataclass_fields__})


def widen_head(state, model):
    """An init's state dict -> the same with its regression head widened to `model`'s hidden width: the new hidden
    units get the model's fresh input weights and zero output weights, so the head's output, and the model's, are
    exactly the init's at first. A head already as wide is returned as it is."""
    w0 = state["head.0.weight"]
    hh = model.head[0].weight.shape[0]
    if w0.shape[0] == hh:
        return state
    assert w0.shape[0] < hh, f"the head narrows from {w0.shape[0]} to {hh}"
    n = w0.shape[0]
    out = dict(state)
    own = {k: v.detach().clone().to(w0.dtype) for k, v in model.head.state_dict().items()}
    own["0.weight"][:n], own["0.bias"][:n] = w0, state["head.0.bias"]
    own["2.weight"].zero_()
    own["2.weight"][:, :n], own["2.bias"] = state["head.2.weight"], state["head.2.bias"]
    out.update({"head." + k: v for k, v in own.items()})
    return out


def deepen(state, model):
    """An init's state dict -> the same grown to `model`'s depth (LLaMA Pro's block expansion): each new block is a copy
    of the block before it with its two output projections (attention's proj, the MLP's last linear) zeroed, so it adds
    nothing to the residual stream and the model's outputs are exactly the init's at first; the copied inner weights
    give those projections a useful gradient from the first step. The new blocks are spread evenly: with L old and N
    new, new block j follows old block ceil((j + 1) * L / (N + 1)) - 1 (10 + 4: after blocks 1, 3, 5, 7). An init as
    deep is returned as it is."""
    old = 1 + max(int(k.split(".")[1]) for k in state if k.startswith("blocks."))
    new = model.cfg.n_layer
    if old == new:
        return state
    assert old < new, f"the trunk shrinks from {old} to {new} blocks"
    n = new - old
    after = sorted(max(0, math.ceil((j + 1) * old / (n + 1)) - 1) for j in range(n))
    src = []                       # for each block of the grown trunk: (old block it copies, whether it is new)
    for i in range(old):
        src.append((i, False))
        src += [(i, True)] * after.count(i)
    out = {k: v for k, v in state.items() if not k.startswith("blocks.")}
    for b, (i, fresh) in enumerate(src):
        for k, v in state.items():
            if k.startswith(f"blocks.{i}."):
                rest = k[len(f"blocks.{i}."):]
                v = v.clone()
                if fresh and rest in ("attn.proj.weight", "attn.proj.bias", "mlp.2.weight", "mlp.2.bias"):
                    v.zero_()
                out[f"blocks.{b}.{rest}"] = v
    return out


def trainable(model, train_only):
    """-> the parameters that learn under MLLMConfig.train_only (all when empty); the others stop requiring grad"""
    prefixes = tuple(x.strip() for x in train_only.split(",") if x.strip())
    if not prefixes:
        return [p for p in model.parameters()]
    for n, p in model.named_parameters():
        p.requires_grad_(n.startswith(prefixes))
    on = [p for p in model.parameters() if p.requires_grad]
    assert on, f"train_only={train_only!r} names no parameter"
    return on


def load_mllm(path, device="cpu"):
    ck = torch_load(path, device)
    cfg = from_config_dict(ck["config"])
    model = MLLM(cfg).to(device)
    model.load_state_dict(ck["model"])
    model.eval()
    return model, ck

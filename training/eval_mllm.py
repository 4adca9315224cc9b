"""Evaluate the MLLM per scale, with the judge, and the automatic scale choice.

    python -m training.eval_mllm --device cuda --out $OUT/eval_mllm.json        # GPU machine
    /usr/bin/python3 -m training.eval_mllm --tiny ...                             # tests only

Reads training/ckpt/{mllm,encoder,judge,decoder_f0..f4}.pt (PUMA_CKPT overrides the folder).
The MLLM runs with its weights on the grid it ships on (int8; a trunk trained on the 4-bit grid on that, --bits). Generation is greedy/deterministic
(regression), so text-to-image diversity comes from the decoders' seeds.

Metrics:
  t2i        trained concepts, prompt phrasings never used in training (T2I_HELDOUT):
             judge top-1/top-5 for the prompted concept per scale (over 4 seeds), diversity =
             mean pairwise judge-feature distance (1 - cos) between the 4 seeds' images.
  caption    exact match of the greedy answer with the name: held-out-vendor images (known
             concept, unseen image) and OpenMoji (unseen style).
  vqa        accuracy per question type (category, skin tone, style, yes/no).
  edit       skin-tone and style edits of held-out-vendor images: success = the judge sees the
             target skin tone (style) and the same concept; per scale.
  colorize / inpaint / sketch   PSNR (dB) against the original, held-out-vendor images, per scale; sketches
             also recognised (the judge names the concept, top-1 / top-5).
  sketch_lines   the sketch of a held-out-vendor drawing's concept given as the line-drawn vendor's drawing
             (LINE_VENDOR, Fluent's black line art, which the model never read): closer to a user's canvas
             than an edge map of a colour drawing; recognised per scale.
  sketch_lines_drawn   the same line drawings given as drawn, no edge map taken: whether a canvas of line art
             reads better as itself than as its edge map (the page takes the edge map of any sketch's image).
  scale choice   score per decoded scale computable in the browser from the encoder alone: the mean token
             cosine between the decoded image's pyramid (encoded again) and the generated pyramid, averaged
             over the task's pyramid levels (the manifest's scale_choice levels; without them text-to-image
             uses f4, the agreement with the prompt's semantics, the others all five, faithfulness). The pick
             is the best-scoring of the page's candidate scales for the task (scale_choice candidates),
             both fitted offline by training.scale_choice_fit on --choice-items. Reported: how often the recommended scale is the judge-preferred one (t2i: highest
             judge probability of the prompted concept; edit: highest success probability;
             colorize/inpaint/sketch: highest PSNR) and the metric lost when it is not.
"""
import argparse
import functools
import json
import math
import os
import random
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from training import mllm_tasks as T
from training.common import (ROOT, CKPT, TOKENIZER, JUDGE, N_IMG, IMAGE_ORDER, SCALE_TOKENS, SCALE_OFFSETS, SCALES_FINE_FIRST,
                             parent_index, psnr, logger)
from training.mllm import load_mllm

T0 = time.time()
log = logger("eval", T0)
NATURAL_PROMPTS = os.path.join(ROOT, "training", "eval", "natural_prompts.json")


# ---- batched generation with the KV cache (torch) ----------------------------------------------
def _buckets(prefixes, batch, other=None):
    """Index batches of equal-length prefixes (and, with `other`, equal-length other[i] too: a second branch)."""
    by_len = {}
    for i, p in enumerate(prefixes):
        by_len.setdefault((len(p[0]), len(other[i][0]) if other else 0), []).append(i)
    for _, idx in sorted(by_len.items()):
        for s in range(0, len(idx), batch):
            yield idx[s:s + batch]


def _banks(bank_flat):
    """bank_flat is the encoder's bank, or (it, the reader's bank) for a model with a reader (MLLMConfig.reader)."""
    return bank_flat if isinstance(bank_flat, tuple) else (bank_flat, None)


def _prefix_tensors(prefixes, idx, bank_flat, device):
    """-> ids, slot, feats, block, reader (the reader's features at given images for a model with one, else None)."""
    ids = torch.tensor([prefixes[i][0] for i in idx], device=device)
    slot = torch.tensor([prefixes[i][1] for i in idx], device=device)
    src = torch.tensor([prefixes[i][2] for i in idx], device=device)
    block = torch.tensor([prefixes[i][3] for i in idx], device=device)
    main, reader = _banks(bank_flat)
    feats = main[src.clamp(min=0)].float() * (src >= 0).unsqueeze(-1)
    return ids, slot, feats, block, (T.reader_inputs(reader, src, slot) if reader is not None else None)


def reader_only(model, bank_flat):
    """(encoder bank, reader bank) -> the same with every encoder feature the normalisation's mean (0 once normalised):
    given images read through the reader alone, as MLLMConfig.given_drop trains captions and questions to half the time."""
    main, reader = _banks(bank_flat)
    if reader is None:
        raise ValueError("reading through the reader alone needs a model with a reader")
    return model.feat_mean.to(main.dtype).expand_as(main), reader


def prefix_of(segments, order="token"):
    """segments -> (ids, slot, src, block) lists; block ids are what scale order's attention reads."""
    f = T.flatten(segments, order)
    return f["ids"].tolist(), f["slot"].tolist(), f["src"].tolist(), f["block"].tolist()


_PARENT = torch.tensor(parent_index())


@torch.no_grad()
def generate_images(model, prefixes, bank_flat, device, n_tokens=N_IMG, batch=128, contrast=None, guidance=1.0,
                    contrast_reads_no_source=False):
    """prefixes: (ids, slot, src, block) lists ending with [IMG] -> [n, n_tokens, C] raw features.
    Token order: one token per call. Scale order: one scale per call (n_tokens rounds up to whole
    scales), block-causal: each scale's queries are one new block.
    contrast (scale order): one prefix per item for guidance's second branch (classifier-free guidance's
    unconditional <s> [IMG] for every item, or the same edit planned without a tone: --tone-guidance); each scale
    is then u + guidance * (c - u), fed back to both branches. guidance: one weight, or one per scale in image
    order (f4 .. f0; --plan-mix: 1 takes the scale from the item's own prefix, 0 from the contrast's).
    contrast_reads_no_source: the contrast prefix has no given image (--plan-mix's text-to-image prefix), so with
    residual_edit its features are the drawing itself, while the item's are its source's plus a change: each branch
    is made absolute before the blend."""
    C = model.cfg.feature_dim
    scale = model.cfg.order == "scale"
    weights = list(guidance) if isinstance(guidance, (list, tuple)) else [guidance] * len(SCALE_TOKENS)
    guided = contrast is not None and any(w != 1.0 for w in weights)
    if guided and not scale:
        raise ValueError("feature guidance is implemented for scale order only")
    out = torch.zeros(len(prefixes), n_tokens, C)
    for idx in _buckets(prefixes, batch, contrast if guided else None):
        ids, slot, feats, block, rd = _prefix_tensors(prefixes, idx, bank_flat, device)
        b = len(idx)
        # residual_edit: each generated token is the source image's token at that place plus the
        # head's change (the source is the prefix's one image; t2i prefixes have none)
        src_img = feats[(slot > 0) & (slot <= N_IMG)].view(b, N_IMG, C) if (model.cfg.residual_edit and bool((slot > 0).any())) else None
        if scale:
            toks = torch.zeros(b, N_IMG, C, device=device)
            branches = [[ids, slot, feats, block, None, rd]]
            if guided:   # a given image in a contrast prefix is read as in the item's (no given image: no reader term)
                u_ids, u_slot, u_feats, u_block, u_rd = _prefix_tensors(contrast, idx, bank_flat, device)
                branches.append([u_ids, u_slot, u_feats, u_block, None, u_rd])
            for k, (o, n) in enumerate(zip(SCALE_OFFSETS, SCALE_TOKENS)):
                if o >= n_tokens:
                    break
                ks = torch.arange(o, o + n, device=device)
                par = _PARENT[o:o + n].to(device)
                q_feats = toks[:, par.clamp(min=0)] * (par >= 0).view(1, -1, 1)
                q_slot = (ks + 1 + N_IMG).expand(b, n)
                q_ids = torch.zeros(b, n, dtype=torch.long, device=device)
                outs = []
                for bi, br in enumerate(branches):
                    p_ids, p_slot, p_feats, blk, past, p_rd = br
                    new_block = blk.max(1, keepdim=True).values + 1
                    blk = torch.cat([blk, new_block.expand(b, n)], 1)
                    # residual_input: the queries read the source's tokens at their places (a branch without a source
                    # reads none); the prompt's positions none
                    res = src_img[:, o:o + n] if (model.cfg.residual_input and src_img is not None
                                                  and not (bi and contrast_reads_no_source)) else None
                    res_m = torch.ones(b, n, device=device) if res is not None else None
                    if past is None:   # prefill: prompt and the first scale in one call
                        if res is not None:
                            res = torch.cat([torch.zeros_like(p_feats), res], 1)
                            res_m = torch.cat([torch.zeros(p_ids.shape, device=device), res_m], 1)
                        _, f, past = model.step_all(torch.cat([p_ids, q_ids], 1), torch.cat([p_slot, q_slot], 1),
                                                    torch.cat([p_feats, q_feats], 1), None, None, blk,
                                                    torch.cat([p_rd, torch.zeros_like(q_feats)], 1) if p_rd is not None else None,
                                                    res, res_m)
                        f = f[:, -n:]
                    else:
                        _, f, past = model.step_all(q_ids, q_slot, q_feats, past, None, blk, res=res, res_m=res_m)
                    br[3], br[4] = blk, past
                    outs.append(f)
                base = src_img[:, o:o + n] if src_img is not None else None
                if contrast_reads_no_source and len(outs) == 2:
                    c = outs[0] if base is None else outs[0] - model.feat_mean + base
                    f = outs[1] + weights[k] * (c - outs[1])
                else:
                    f = outs[0] if len(outs) == 1 else outs[1] + weights[k] * (outs[0] - outs[1])
                    if base is not None:   # residual: source token + delta (features() without base gave mean + delta)
                        f = f - model.feat_mean + base
                toks[:, o:o + n] = f
            out[idx] = toks[:, :n_tokens].float().cpu()
            continue
        base = (lambda k: src_img[:, k]) if src_img is not None else (lambda k: None)
        _, f, past = model.step(ids, slot, feats, base=base(0), reader=rd)
        toks = [f]
        z = torch.zeros(b, 1, dtype=torch.long, device=device)
        for k in range(1, n_tokens):
            _, f, past = model.step(z, torch.full((b, 1), k, device=device), f.view(b, 1, C), past, base=base(k))
            toks.append(f)
        out[idx] = torch.stack(toks, 1).float().cpu()
    return out


@torch.no_grad()
def generate_text(model, tok, prefixes, bank_flat, device, max_tokens=24, batch=128, stop=None, ids_out=False):
    """Greedy answers for prefixes ending with <ans> (scale order: each new text token is its own
    block), up to `stop` (default </s>; a plan stops at [IMG]). ids_out: token ids, not text."""
    C = model.cfg.feature_dim
    scale = model.cfg.order == "scale"
    stop = tok.eos if stop is None else stop
    answers = [None] * len(prefixes)
    for idx in _buckets(prefixes, batch):
        ids, slot, feats, block, rd = _prefix_tensors(prefixes, idx, bank_flat, device)
        b = len(idx)
        blk = block if scale else None
        logits, _, past = model.step(ids, slot, feats, block=blk, reader=rd)
        outs = [[] for _ in idx]
        done = torch.zeros(b, dtype=torch.bool, device=device)
        for _ in range(max_tokens):
            nxt = logits[:, :tok.vocab_size].argmax(-1)   # the head's spare rows beyond the tokenizer are never text
            done |= nxt == stop
            for j in range(b):
                if not done[j]:
                    outs[j].append(int(nxt[j]))
            if bool(done.all()):
                break
            if scale:
                blk = torch.cat([blk, blk.max(1, keepdim=True).values + 1], 1)
            logits, _, past = model.step(nxt.view(b, 1), torch.zeros(b, 1, dtype=torch.long, device=device),
                                         torch.zeros(b, 1, C, device=device), past, block=blk)
        for j, i in enumerate(idx):
            answers[i] = outs[j] if ids_out else tok.decode(outs[j]).strip()
    return answers


@torch.no_grad()
def next_token_topk(model, tok, prefixes, bank_flat, device, k, batch=128):
    """[n, k] the k most likely next text tokens after each prefix."""
    out = torch.zeros(len(prefixes), k, dtype=torch.long)
    for idx in _buckets(prefixes, batch):
        ids, slot, feats, block, rd = _prefix_tensors(prefixes, idx, bank_flat, device)
        logits, _, _ = model.step(ids, slot, feats, block=block if model.cfg.order == "scale" else None, reader=rd)
        out[idx] = logits[:, :tok.vocab_size].topk(k, dim=-1).indices.cpu()
    return out


def extend_prefix(prefix, token_ids):
    """(ids, slot, src, block) + text tokens (each its own block)."""
    ids, slot, src, block = prefix
    nb = max(block) + 1
    n = len(token_ids)
    return (ids + list(token_ids), slot + [0] * n, src + [-1] * n, block + list(range(nb, nb + n)))


@torch.no_grad()
def generate_plans(model, tok, prefixes, bank_flat, device, k=1):
    """prefixes end with <ans> -> per prefix k candidate plans as token-id lists (greedy first;
    the others branch at the first plan token, the page's candidate chips) each completed
    greedily up to the [IMG] that ends a plan."""
    first = next_token_topk(model, tok, prefixes, bank_flat, device, k)
    cands = [[None] * k for _ in prefixes]
    for j in range(k):
        ext = [extend_prefix(p, [int(first[i, j])]) for i, p in enumerate(prefixes)]
        rest = generate_text(model, tok, ext, bank_flat, device, stop=tok.img, ids_out=True)
        for i in range(len(prefixes)):
            cands[i][j] = [int(first[i, j])] + rest[i]
    return cands


def split_scales(tokens):
    """[n, 341, C] image order -> {scale: [n, N_s, C]}."""
    return {name: tokens[:, sl] for name, sl in T.scale_slices().items()}


# ---- decoding (the lead's decoders) --------------------------------------------------------------
def make_decode(encoder, device, ckpt_dir=CKPT, steps=None, guidance=None, tiny=False):
    """-> decode(scale, tokens [B,N,C], seed) -> images [B,3,64,64] in [-1,1]."""
    from training.config import VisualConfig, TINY
    from training.decoder import Decoder, ddim_sample, sampler_schedule
    from training.encoder import blank_features, load_ckpt
    decs, cfg = {}, None
    for k, s in enumerate(SCALES_FINE_FIRST):
        n = SCALE_TOKENS[IMAGE_ORDER.index(s)]
        if tiny:
            cfg = TINY
            torch.manual_seed(k)
            d = Decoder(cfg, n)
        else:  # the committed ONNX decoders' weights: exactly what the page runs
            from training import shipped
            cfg = shipped.visual_config()
            d = shipped.load_decoder(s)
        decs[s] = d.to(device).eval().requires_grad_(False)
    blank = blank_features(encoder, device)
    schedule = sampler_schedule(cfg.train_timesteps, steps or cfg.sample_steps)
    g = guidance if guidance is not None else cfg.guidance

    def decode(scale, tokens, seed):
        k = SCALES_FINE_FIRST.index(scale)
        gen = torch.Generator().manual_seed(int(seed))
        outs = []
        for s in range(0, len(tokens), 256):
            outs.append(ddim_sample(decs[scale], tokens[s:s + 256].to(device), blank[k].float(), schedule, g, generator=gen).float())   # fp32 as the browser
        return torch.cat(outs)
    return decode


@torch.no_grad()
def encode_pyramid(encoder, x):
    """images [-1,1] -> [B,341,C] image order."""
    return torch.cat([T.image_tokens(encoder(x[s:s + 256]).float()) for s in range(0, len(x), 256)])


def psnr_where(a, b, m):
    """PSNR over the pixels where m [B,1,H,W] is 1 (images in [-1,1])."""
    se = (((a.clamp(-1, 1) - b) / 2).pow(2) * m).flatten(1).sum(1)
    mse = (se / (m.flatten(1).sum(1) * a.shape[1]).clamp(min=1)).clamp(min=1e-10)
    return -10 * torch.log10(mse)


def level_cosines(dec_tokens, gen_tokens):
    """{level: [B]}: per pyramid level, the mean token cosine between the decoded image's pyramid and the generated
    one (f4 is one token: its cosine is the flattened vectors'). A drawing's score is their mean over the rule's levels
    (choice_score); all five are recorded per item (--choice-items), so a score from other levels can be A/B'd offline."""
    return {lv: F.cosine_similarity(dec_tokens[:, sl], gen_tokens[:, sl], dim=-1).mean(1)
            for lv, sl in T.scale_slices().items()}


ITEMS = "_items"   # choice_report's per-item record, taken out of the JSON by take_choice_items


def default_levels(task):
    """The score's levels where the manifest names none: text-to-image f4 (agreement with the prompt's semantics), the
    others all five (faithfulness). The page's tasks pass the same defaults (workers/engine/tasks)."""
    return ["f4"] if task == "text-to-image" else list(SCALES_FINE_FIRST)


@functools.lru_cache(maxsize=None)
def _page_rules():
    from training.manifest import read_manifest
    return read_manifest().get("scale_choice", {})


def choice_rule(task):
    """(candidates, levels) of the page's automatic choice for a task ('text-to-image', 'edit', 'colorize', 'inpaint',
    'sketch'), from the shipped manifest's scale_choice (fitted by training.scale_choice_fit, read once): the scales it
    may pick (None: all) and the pyramid levels whose mean token cosine scores a drawing (default_levels when absent)."""
    rule = _page_rules().get(task) or {}
    return rule.get("candidates"), rule.get("levels") or default_levels(task)


def choice_score(lvs, levels):
    """A drawing's score from its level_cosines: their mean over the rule's levels."""
    return sum(lvs[lv] for lv in levels) / len(levels)


def candidate_indices(names, candidates=None):
    """The indices into names of the scales the choice may pick: the candidates among names; none of them (or no
    candidates): all of names, as the page does (workers/engine/steps.ts recommendScale)."""
    return [i for i, s in enumerate(names) if candidates and s in candidates] or list(range(len(names)))


def pick_scale(S, names, candidates=None):
    """S [n, len(names)] scores -> the index (into names) of the highest-scoring candidate per item."""
    cand = candidate_indices(names, candidates)
    return torch.tensor(cand)[S[:, cand].argmax(1)]


def choice_report(scores, prefs, candidates=None, levels=None, level_items=None, successes=None):
    """scores, prefs: {scale: [n]} (higher better); the pick among candidates (None: all) -> agreement and regret.
    levels: the pyramid levels the scores were computed over (reported, and kept with the items); level_items:
    {scale: {level: [n]}} (level_cosines of each scale's drawing), kept with the items only. successes: {scale: [n]
    booleans} (a tone or style edit's success per item) -> "success_at_pick", the success rate at the scale the page
    recommends; metric_at_pick is the mean of `prefs` there (for edits the judge's probability of success, not a rate)."""
    names = list(scores)
    S = torch.stack([scores[s].cpu().float() for s in names], 1)
    P = torch.stack([prefs[s].cpu().float() for s in names], 1)
    pick = pick_scale(S, names, candidates)
    best = P.argmax(1)
    picked = P.gather(1, pick[:, None])[:, 0]
    hist = {names[i]: int((pick == i).sum()) for i in range(len(names))}
    items = {"scores": {s: S[:, i].tolist() for i, s in enumerate(names)}, "prefs": {s: P[:, i].tolist() for i, s in enumerate(names)}}
    if levels:
        items["score_levels"] = list(levels)
    if level_items:
        items["levels"] = {s: {lv: v.cpu().float().tolist() for lv, v in level_items[s].items()} for s in names}
    rate = {}
    if successes is not None:
        ok = torch.stack([successes[s].cpu().float() for s in names], 1)
        rate = {"success_at_pick": float(ok.gather(1, pick[:, None])[:, 0].mean())}
    return {"agree": float((pick == best).float().mean()), "metric_at_pick": float(picked.mean()), **rate,
            "metric_at_best": float(P.max(1).values.mean()),
            "metric_fixed": {names[i]: float(P[:, i].mean()) for i in range(len(names))}, "picked": hist,
            "candidates": [names[i] for i in candidate_indices(names, candidates)],
            **({"levels": list(levels)} if levels else {}),
            # per item, for choice rules A/B'd offline (--choice-items); taken out of the evaluation's JSON
            ITEMS: items}


def take_choice_items(res, path=()):
    """Every scale_choice's per-item scores and judge preferences, removed from `res`: {"t2i_natural": ..., "edit.edit_tone": ...}."""
    out = {}
    for k, v in list(res.items()) if isinstance(res, dict) else []:
        if k == "scale_choice" and isinstance(v, dict) and ITEMS in v:
            out[".".join(path)] = v.pop(ITEMS)
        elif isinstance(v, dict):
            out.update(take_choice_items(v, path + (k,)))
    return out


# ---- the evaluation: one function per task family over one context ---------------------------
@dataclass
class Ctx:
    """What every task family reads: the models, the data, and the bank of source features."""
    model: object
    tok: object
    encoder: object
    judge: object
    decode: object
    device: object
    meta: list
    images: object
    seeds: int
    sampler: object
    bank_flat: object = None     # the encoder's bank; (it, the reader's) for a model with a reader
    understand_bank: object = None  # what captions and questions read (--understand-reader-only: reader_only's); None: bank_flat
    uncond: tuple = None         # classifier-free guidance's unconditional prefix (<s> [IMG])
    guidance: float = 1.0
    real_cache: dict = field(default_factory=dict)
    plan_fix: object = None      # --pick: edits' plans with their concept picked among retrieved names
    caption_pick: object = None  # --pick: captions picked among retrieved names (the page's, manifest mllm.pick)
    pick_tasks: tuple = ()       # --pick: the page's tasks that pick (manifest mllm.pick.tasks)
    pick_record: list = None     # --pick-record: every pick's candidates, their scores and the answer
    edit_right_plan: bool = False  # --edit-right-plan: edits drawn from their target's plan
    tone_guidance: float = 1.0     # --tone-guidance: tone edits drawn as u + w (c - u), u planned without a tone
    saved: dict = None             # --save-drawings: {kind: {scale: drawings, "plans", "jobs"}} as drawn
    plans_only: bool = False       # --plans-only: the edits' plans alone, nothing drawn
    plan_mix: dict = None          # --plan-mix: {name: per-scale weights} of the drawing against the plan alone
    plan_mix_kinds: tuple = ()     # --plan-mix-kinds
    restyle: dict = None           # the page's restyle (manifest mllm.restyle: words, weights); None: off
    tone_editor: tuple = None      # --tone-editor: (the local editor, with_src, its file): tone edits drawn again by it
    tone_edit: dict = None         # the page's tone editor (manifest mllm.tone_edit: {"spec", "net"}); None: off
    sketch_edit: dict = None       # the page's sketch editor (manifest mllm.sketch_edit: {"spec", "net"}); None: off

    @property
    def plan(self):
        return bool(self.model.cfg.plan)

    @property
    def order(self):
        return self.model.cfg.order

    def vocab(self, head):
        return {c: i for i, c in enumerate(self.judge.vocab[head])}

    @torch.no_grad()
    def judge_probs(self, x):
        outs = [self.judge(x[s:s + 512]) for s in range(0, len(x), 512)]
        return {h: torch.cat([o[h] for o in outs]).float().softmax(-1) for h in outs[0]}

    @torch.no_grad()
    def judge_features(self, x):
        return torch.cat([self.judge.features(x[k:k + 512]) for k in range(0, len(x), 512)]).float().cpu()

    def real_features(self, concepts):
        """Judge features of every trained image of the asked concepts (all vendors and tones)."""
        from training.transforms import to_tensor
        key = tuple(sorted(set(concepts)))
        if key not in self.real_cache:
            idx = [m["i"] for m in self.meta if m["concept"] in set(key) and m["split"] == "train"]
            self.real_cache[key] = self.judge_features(to_tensor(self.images[idx], device=self.device))
        return self.real_cache[key]

    def prefix(self, segments):
        return prefix_of(segments, self.order)


def concept_names(meta):
    """concept -> its name (the default-tone record's): what a caption answers and a plan names."""
    names = {}
    for m in sorted(meta, key=lambda m: m["skin_tone"] != "none"):
        names.setdefault(m["concept"], m["name"])
    return names


def write_plans(ctx, prefixes, fix=None):
    """Prefixes ending at <ans> -> each one's plan (token ids): greedy, then `fix`'s (--pick: the concept chosen among
    retrieved names, caption_rerank.plan_fix)."""
    plans = [c[0] for c in generate_plans(ctx.model, ctx.tok, prefixes, ctx.bank_flat, ctx.device, k=1)]
    return fix(prefixes, plans) if fix is not None else plans


def draw(ctx, prefixes, guided=False, fix=None, contrast=None):
    """Prefixes ending where the model either writes its plan (<ans>) or draws ([IMG]) -> (features
    [n, 341, C] on the device, plan token ids per prefix or None). guided: text-to-image's feature
    guidance against the unconditional <s> [IMG] (edits are never guided: they were never trained
    without their instruction). contrast: (plans, weight), plans(plans) -> each item's contrast plan (token ids)
    or None: the item is drawn as u + weight * (c - u), u drawn from the same prefix with the contrast plan."""
    plans = None
    if ctx.plan:
        plans = write_plans(ctx, prefixes, fix)
        planned = [extend_prefix(p, pl + [ctx.tok.img]) for p, pl in zip(prefixes, plans)]
        if contrast is not None:   # an item without a contrast plan is its own contrast: u = c
            other, weight = contrast
            cps = [extend_prefix(p, cp + [ctx.tok.img]) if cp is not None else c
                   for p, cp, c in zip(prefixes, other(plans), planned)]
            gen = generate_images(ctx.model, planned, ctx.bank_flat, ctx.device, contrast=cps, guidance=weight)
            return gen.to(ctx.device), plans
        prefixes = planned
    gen = generate_images(ctx.model, prefixes, ctx.bank_flat, ctx.device, guidance=ctx.guidance,
                          contrast=[ctx.uncond] * len(prefixes) if guided and ctx.uncond else None)
    return gen.to(ctx.device), plans


def score_t2i_images(ctx, gen, concepts, name, scales=SCALES_FINE_FIRST):
    """Per scale and at the recommended scale: judge top-1/top-5 of the asked concept (mean over
    seeds), Fréchet distance in judge-feature space to real images of the asked concepts,
    diversity across seeds (mean pairwise 1 - cos of judge features)."""
    cidx = ctx.vocab("concept")
    target = torch.tensor([cidx[c] for c in concepts])
    per, scores, prefs, hits1, hits5, lvs = {}, {}, {}, {}, {}, {}
    cand, levels = choice_rule("text-to-image")
    for s in scales:
        toks = split_scales(gen)[s]
        h1 = h5 = pc = 0
        feats = []
        for seed in range(ctx.seeds):
            x = ctx.decode(s, toks, seed)
            p = ctx.judge_probs(x)["concept"].cpu()
            top5_idx = p.topk(min(5, p.shape[1]), dim=1).indices
            h1 = h1 + (top5_idx[:, 0] == target).float() / ctx.seeds
            h5 = h5 + (top5_idx == target[:, None]).any(1).float() / ctx.seeds
            pc = pc + p[torch.arange(len(target)), target] / ctx.seeds
            feats.append(ctx.judge_features(x))
            lc = level_cosines(encode_pyramid(ctx.encoder, x), gen)
            lvs[s] = {lv: lvs.get(s, {}).get(lv, 0) + v.cpu() / ctx.seeds for lv, v in lc.items()}
        div = [(1 - (feats[a] * feats[b]).sum(-1)).mean().item() for a in range(len(feats)) for b in range(a + 1, len(feats))]
        per[s] = {"judge_top1": float(h1.mean()), "judge_top5": float(h5.mean()),
                  "frechet": frechet(torch.cat(feats), ctx.real_features(concepts)),
                  "diversity": float(np.mean(div)) if div else 0.0}
        scores[s], prefs[s], hits1[s], hits5[s] = choice_score(lvs[s], levels), pc, h1, h5
        log(f"{name} {s}: {per[s]}")
    if scales != SCALES_FINE_FIRST:
        return {"per_scale": per, "n_prompts": len(concepts)}
    pick = pick_scale(torch.stack([scores[s].cpu().float() for s in SCALES_FINE_FIRST], 1), list(SCALES_FINE_FIRST), cand)
    H1 = torch.stack([hits1[s] for s in SCALES_FINE_FIRST], 1)
    H5 = torch.stack([hits5[s] for s in SCALES_FINE_FIRST], 1)
    rec = {"judge_top1": float(H1.gather(1, pick[:, None]).mean()), "judge_top5": float(H5.gather(1, pick[:, None]).mean())}
    best = {"judge_top1": float(H1.max(1).values.mean()), "judge_top5": float(H5.max(1).values.mean())}
    log(f"{name} recommended: {rec} best-of-5: {best}")
    return {"per_scale": per, "recommended": rec, "best_scale": best, "n_prompts": len(concepts),
            "scale_choice": choice_report(scores, prefs, cand, levels, lvs)}


def t2i_prefixes(ctx, prompts):
    t, sp = ctx.tok, ctx.sampler.sp
    end = sp(t.ans) if ctx.plan else sp(t.img)
    return [ctx.prefix([sp(t.bos), ctx.sampler.text(T.normalize_text(p)), end]) for p in prompts]


def eval_t2i(ctx, prompts, concepts, name, true_plans=None, scales=SCALES_FINE_FIRST):
    """Text-to-image end to end (the model's own plan where it has one), scored by the judge. With
    true_plans (texts) and a plan model, also: plan accuracy top-1/top-5 (the greedy plan, and the
    candidates branching at its first token, as the page's chips), and drawing given the right plan
    (teacher-forced): the diagnosis that says which half failed."""
    pre = t2i_prefixes(ctx, prompts)
    log(f"{name}: generating {len(pre)} images")
    gen, plans = draw(ctx, pre, guided=True)
    res = dict(score_t2i_images(ctx, gen, concepts, name, scales), example_prompts=list(prompts[:5]))
    if scales != SCALES_FINE_FIRST:
        return res
    if plans is not None:
        names = concept_names(ctx.meta)
        cands = generate_plans(ctx.model, ctx.tok, pre, ctx.bank_flat, ctx.device, k=5)
        got = [[T.parse_plan(ctx.tok.decode(c).strip())["concept"] for c in cs] for cs in cands]
        want = [names[c] for c in concepts]
        res["plan"] = {"top1": float(np.mean([g[0] == w for g, w in zip(got, want)])),
                       "top5": float(np.mean([w in g for g, w in zip(got, want)])),
                       "examples": [[p, ctx.tok.decode(pl).strip()] for p, pl in list(zip(prompts, plans))[:10]]}
        log(f"{name} plan: top1 {res['plan']['top1']:.3f} top5 {res['plan']['top5']:.3f}")
        if true_plans is not None:
            forced = [extend_prefix(p, ctx.tok.encode(" " + tp) + [ctx.tok.img]) for p, tp in zip(pre, true_plans)]
            g2 = generate_images(ctx.model, forced, ctx.bank_flat, ctx.device, guidance=ctx.guidance,
                                contrast=[ctx.uncond] * len(forced) if ctx.uncond else None)
            res["given_right_plan"] = score_t2i_images(ctx, g2.to(ctx.device), concepts, name + " (right plan)")
    return res


def true_plan(names, concept, style=None, tone=None):
    """The plan a request for `concept` should get (style/tone as asked, else Noto / default)."""
    return T.plan_text({"name": names[concept], "vendor": style or "google", "skin_tone": tone or "none"})


def canonical_set(ctx, rng, n):
    """Trained concepts in their exact training phrasing with a style ("red apple emoji in noto
    style"): (prompts, concepts, true plans). The first milestone: draw what was trained."""
    by = {}
    for m in ctx.meta:
        if m["split"] == "train" and m["skin_tone"] == "none" and m["vendor"] in T.STYLE:
            by.setdefault(m["concept"], []).append(m)
    cidx = ctx.vocab("concept")
    concepts = [c for c in rng.sample(sorted(by), min(n, len(by))) if c in cidx]
    ms = [rng.choice(by[c]) for c in concepts]
    prompts = [T.canonical_prompt(dict(T.plan_fields(m), tone="none")) for m in ms]
    return prompts, concepts, [T.plan_text(m) for m in ms]


def eval_understanding(ctx, hv, om):
    """Captions (exact match with the name) and VQA per question type."""
    meta, tok = ctx.meta, ctx.tok

    def understand(idx_list, qa, caption=False):
        pre = [ctx.prefix(ctx.sampler.understanding(i, q, "x")[:6]) for i, (q, _) in zip(idx_list, qa)]
        if caption and ctx.caption_pick is not None and pre:   # --pick: the page's caption
            ans = picked_captions(ctx, pre, [g for _, g in qa])
        else:
            ans = generate_text(ctx.model, tok, pre, ctx.understand_bank or ctx.bank_flat, ctx.device)
        return [a == T.normalize_text(g) for a, (_, g) in zip(ans, qa)], ans

    cap, vqa = {}, {}
    for name, idx in (("heldout_vendor", hv), ("openmoji", om)):
        ok, ans = understand(idx, [(T.CAPTION_Q[0], meta[i]["name"]) for i in idx], caption=True)
        cap[name] = {"exact_match": float(np.mean(ok)) if ok else 0.0, "n": len(ok),
                     "examples": [[meta[i]["name"], a] for i, a in list(zip(idx, ans))[:8]]}
        log(f"caption {name}: {cap[name]['exact_match']:.3f}")
        qs = {"category": lambda m: (T.VQA_CATEGORY[0], T.category_word(m)),
              "skin_tone": lambda m: (T.VQA_TONE[0], T.tone_phrase(m["skin_tone"])),
              "yes_no": lambda m: _yn(m, ctx.sampler)}
        if name != "openmoji":
            qs["style"] = lambda m: (T.VQA_STYLE[0], T.STYLE[m["vendor"]])
        vqa[name] = {qn: float(np.mean(understand(idx, [f(meta[i]) for i in idx])[0])) if idx else 0.0 for qn, f in qs.items()}
        log(f"vqa {name}: {vqa[name]}")
    return cap, vqa


def picked_captions(ctx, prefixes, names):
    """--pick: the page's caption after each prefix (ctx.caption_pick), each pick recorded (--pick-record) with its
    right name from `names`, to score the pick's rows."""
    n0 = len(ctx.pick_record) if ctx.pick_record is not None else 0
    ans = ctx.caption_pick(prefixes)
    if ctx.pick_record is not None:
        for r, g in zip(ctx.pick_record[n0:], names):
            r["want"] = T.normalize_text(g)
    return ans


def dev_captions(ctx, dev):
    """--dev: the page's caption (its pick, recorded with its right name) of each dev drawing -> exact match and n."""
    pre = [ctx.prefix(ctx.sampler.understanding(i, T.CAPTION_Q[0], "x")[:6]) for i in dev]
    ans = picked_captions(ctx, pre, [ctx.meta[i]["name"] for i in dev])
    em = float(np.mean([a == T.normalize_text(ctx.meta[i]["name"]) for a, i in zip(ans, dev)])) if dev else 0.0
    log(f"dev captions: {em:.3f} of {len(dev)}")
    return {"exact_match": em, "n": len(dev)}


# training.data's line-drawn vendor (EXTRA_SOURCE_VENDORS: Fluent's high-contrast design, black line art on white):
# the sketch_lines job's canvas. A user's sketch on the page is line art before its edge map is taken, while the
# sketch job gives the edge map of a colour drawing.
LINE_VENDOR = "fluent_hc"
ALL_EDIT_KINDS = ("edit_tone", "edit_style", "colorize", "inpaint", "sketch", "sketch_lines", "sketch_lines_drawn")
LINE_KINDS = ("sketch_lines", "sketch_lines_drawn")   # the jobs on the line-drawn vendor's drawings (line_sources)


def line_sources(meta, hv, read_vendors):
    """{held-out-vendor image: the line-drawn vendor's drawing of its concept} (its skin tone where drawn, else the
    untoned one), for sketch_lines; {} when the model read that vendor's drawings in training (read_vendors:
    MLLMConfig.source_vendors and draw_vendors), since then they are not unseen."""
    if LINE_VENDOR in read_vendors.split(","):
        return {}
    by = {(m["concept"], m["skin_tone"]): m["i"] for m in meta if m["vendor"] == LINE_VENDOR and m["split"] in T.SOURCE_SPLITS}
    got = {i: by.get((meta[i]["concept"], meta[i]["skin_tone"]), by.get((meta[i]["concept"], "none"))) for i in hv}
    return {i: j for i, j in got.items() if j is not None}


# the --n-openmoji samples the evaluations read: final_eval.sh's 200 and the default 400 (random.sample draws them
# differently), kept out of the dev set's concepts
EVAL_OPENMOJI = (200, 400)


def openmoji_sample(meta, n, rng):
    """The OpenMoji drawings the captions evaluate: n of them drawn by rng (main's random.Random(0), its first draw
    unless --n-heldout samples first), sorted."""
    om = [m["i"] for m in meta if m["split"] == "openmoji"]
    return sorted(rng.sample(om, min(n, len(om))))


def dev_sources(meta, n, trained, rng):
    """--dev: n drawings on which the pick's per-task temperatures are chosen (training/pick_temperature.py), read by
    no model in training and by no evaluation: OpenMoji's (an evaluation-only vendor) of `trained` concepts (the
    gallery's) outside the held-out-vendor concepts and outside every concept of the OpenMoji drawings eval_mllm
    samples for its captions (EVAL_OPENMOJI). -> sorted image indices."""
    held = {m["concept"] for m in meta if m["split"] in ("heldout_vendor", "heldout_concept")}
    for k in EVAL_OPENMOJI:
        held |= {meta[i]["concept"] for i in openmoji_sample(meta, k, random.Random(0))}
    pool = [m["i"] for m in meta if m["split"] == "openmoji" and m["concept"] in trained and m["concept"] not in held]
    return sorted(rng.sample(pool, min(n, len(pool))))


def edit_jobs(ctx, hv, rng, kinds, lines=None):
    """(kind, src_row, instruction, concept, target label, target image, source image) on held-out-vendor images: the
    target image is the drawing the edit asks for (its plan is the job's right plan, --edit-right-plan). sketch_lines:
    the sketch of a held-out-vendor image's concept given as the line-drawn vendor's drawing (`lines`: line_sources),
    its edge map taken as the page takes a canvas's; recognised and compared against the held-out image."""
    meta, tidx, sidx = ctx.meta, ctx.vocab("skin_tone"), ctx.vocab("style")
    by_cv, by_ct = {}, {}
    for m in meta:
        if m["vendor"] in T.STYLE:
            by_cv.setdefault((m["concept"], m["vendor"]), {})[m["skin_tone"]] = m["i"]
            by_ct.setdefault((m["concept"], m["skin_tone"]), {})[m["vendor"]] = m["i"]
    jobs = []
    for i in hv:
        m = meta[i]
        # a source in a style the model does not draw (--dev's OpenMoji) is toned toward the first trained style's drawings
        cv = (m["concept"], m["vendor"] if m["vendor"] in T.STYLE else
              next((v for v in T.STYLE if (m["concept"], v) in by_cv), None))
        tones = sorted(t for t in by_cv.get(cv, {}) if t != m["skin_tone"] and t in tidx)
        if tones:
            t = rng.choice(tones)
            jobs.append(("edit_tone", ctx.sampler.row(i), T.tone_instruction(t, rng), m["concept"], t, by_cv[cv][t], i))
        other = [v for v in by_ct.get((m["concept"], m["skin_tone"]), {}) if v != m["vendor"] and v in sidx]
        if other:
            jobs.append(("edit_style", ctx.sampler.row(i), T.EDIT_STYLE[0].format(style=T.STYLE[other[0]]), m["concept"], other[0],
                         by_ct[(m["concept"], m["skin_tone"])][other[0]], i))
        jobs.append(("colorize", ctx.sampler.row(i, "gray"), T.COLORIZE[0], m["concept"], i, i, i))
        jobs.append(("inpaint", ctx.sampler.row(i, "mask_a"), T.INPAINT[0], m["concept"], i, i, i))
        jobs.append(("sketch", ctx.sampler.row(i, "edges"), T.SKETCH[0], m["concept"], i, i, i))
    # after every other job, which they leave as they were (no draw from rng)
    jobs += [("sketch_lines", ctx.sampler.row(j, "edges"), T.SKETCH[0], meta[i]["concept"], i, i, j)
             for i, j in (lines or {}).items()]
    jobs += [("sketch_lines_drawn", ctx.sampler.row(j, "orig"), T.SKETCH[0], meta[i]["concept"], i, i, j)
             for i, j in (lines or {}).items()]
    return [j for j in jobs if j[0] in kinds]


def eval_edits(ctx, jobs, hole_pos):
    """Editing and conditional generation: edit success by the judge, PSNR for colorize/inpaint/
    sketch (inside/outside the hole; sketch recognition), the scale choice per kind."""
    from training.transforms import to_tensor
    tok, sp = ctx.tok, ctx.sampler.sp
    end = sp(tok.ans) if ctx.plan else sp(tok.img)
    pre = [ctx.prefix([sp(tok.bos), sp(tok.img), ("img", r, False), sp(tok.img_end),
                       ctx.sampler.text(T.normalize_text(ins)), end]) for _, r, ins, *_ in jobs]
    log(f"editing/conditional: generating {len(pre)} images")
    fix = None
    if ctx.plan_fix is not None:   # --pick: the plans of the jobs whose page task picks
        picks = [k for k, j in enumerate(jobs) if page_task(j[0]) in ctx.pick_tasks]

        def fix(prefixes, plans):
            rec = [] if ctx.pick_record is not None else None
            got = ctx.plan_fix([prefixes[k] for k in picks], [plans[k] for k in picks], record=rec,
                               tasks=[page_task(jobs[k][0]) for k in picks]) if picks else []
            if rec is not None:
                names = concept_names(ctx.meta)
                ctx.pick_record.extend(dict(r, task=jobs[k][0], want=T.normalize_text(names[jobs[k][3]])) for k, r in zip(picks, rec))
            plans = list(plans)
            for k, pl in zip(picks, got):
                plans[k] = pl
            return plans
    if ctx.edit_right_plan:   # the diagnosis: every job drawn from its target's own plan (teacher-forced)
        def fix(prefixes, plans):
            return [tok.encode(" " + T.plan_text(ctx.meta[j[5]])) for j in jobs]
    if ctx.plans_only:   # --plans-only: the plan diagnosis alone, nothing drawn
        assert ctx.plan, "--plans-only: this model writes no plan"
        plans = write_plans(ctx, pre, fix)
        return {kind: plan_report(ctx, kind, jobs, plans) for kind in sorted({j[0] for j in jobs})}
    contrast = None
    if ctx.tone_guidance != 1.0:   # --tone-guidance: tone edits pushed away from the same plan without a tone
        contrast = (lambda plans: untoned_plans(tok, jobs, plans), ctx.tone_guidance)
    gen, plans = draw(ctx, pre, fix=fix, contrast=contrast)
    if ctx.restyle and plans is not None:   # the page's restyle (manifest mllm.restyle): edits that name a style
        from training.restyle import names_style
        rows = [k for k, j in enumerate(jobs) if page_task(j[0]) == "edit" and names_style(j[2], ctx.restyle["words"])]
        if rows:
            log(f"restyle {ctx.restyle['weights']}: {len(rows)} edits name a style")
            gen[rows] = mixed_with_plan(ctx, pre, plans, rows, ctx.restyle["weights"]).to(gen.device)
    edited = None   # the rows the page's tone editor drew (manifest mllm.tone_edit); None: no tone edit
    if ctx.tone_edit and plans is not None:
        spec = ctx.tone_edit["spec"]
        gen, edited = tone_edited(ctx, jobs, gen, plans, ctx.tone_edit["net"], spec["route"], spec["words"])
        log(f"tone edit (manifest, route {spec['route']}): {len(edited)} edits drawn by the tone editor")
    sketched = None   # the rows the page's sketch editor redrew (manifest mllm.sketch_edit); None: no sketch edit
    if ctx.sketch_edit:
        gen, sketched = sketch_edited(ctx, jobs, gen, ctx.sketch_edit["net"], ctx.sketch_edit["spec"])
        log(f"sketch edit (manifest): {len(sketched)} sketches redrawn by the sketch editor")
    out = {kind: score_edits(ctx, kind, jobs, gen, plans, hole_pos) for kind in sorted({j[0] for j in jobs})}
    for kind in out if edited is not None else ():
        out[kind]["drawn_by_tone_editor"] = sum(jobs[k][0] == kind for k in edited)
    for kind in out if sketched is not None else ():
        out[kind]["drawn_by_sketch_editor"] = sum(jobs[k][0] == kind for k in sketched)
    if ctx.tone_editor is not None and plans is not None:
        out |= tone_editor_variants(ctx, jobs, gen, plans, hole_pos)
    for name, weights in (ctx.plan_mix or {}).items():   # --plan-mix: the same plans, some scales drawn from them alone
        sel = [k for k, j in enumerate(jobs) if j[0] in ctx.plan_mix_kinds]
        if plans is None or not sel:
            continue
        log(f"plan mix {name} {weights}: {len(sel)} images")
        g = torch.zeros_like(gen)
        g[sel] = mixed_with_plan(ctx, pre, plans, sel, weights).to(gen.device)
        for kind in sorted({jobs[k][0] for k in sel}):
            out[f"{kind}~{name}"] = score_edits(ctx, kind, jobs, g, plans, hole_pos, save=False) | {"plan_mix": weights}
    return out


def tone_edited(ctx, jobs, gen, plans, net, route, words=None, with_src=False):
    """The edits whose instruction asks for a tone (and names no style, where the model restyles: restyle's) and whose
    plan names a tone the route draws, drawn by the local tone editor `net` (training/tone_editor.py) from the given
    image's f0 and the plan's tone, the coarser scales its pooling; the rest as the MLLM drew them -> (the drawings,
    the rows the editor drew). What the page does with manifest mllm.tone_edit (workers/mllm/tone-edit.ts)."""
    from training import tone_editor as TE
    from training.transforms import to_tensor
    edits = [k for k, j in enumerate(jobs) if page_task(j[0]) == "edit"]
    if ctx.restyle:   # an edit that names a style is restyle's (drawn partly from its plan), as on the page
        from training.restyle import names_style
        edits = [k for k in edits if not names_style(jobs[k][2], ctx.restyle["words"])]
    picked = [(edits[r], t) for r, t in TE.routed([jobs[k][2] for k in edits], [ctx.tok.decode(plans[k]) for k in edits],
                                                  route, words)]
    if not picked:
        return gen, []
    rows = [k for k, _ in picked]
    with torch.no_grad():
        src = split_scales(encode_pyramid(ctx.encoder, to_tensor(ctx.images[[jobs[k][6] for k in rows]],
                                                                 device=ctx.device)))["f0"]
        # the source's own tone is the data's (an evaluation's given image has one): only an editor trained with --src
        # reads it, never the page's
        cond = torch.stack([TE.condition(ctx.meta[jobs[k][6]]["skin_tone"], t, with_src) for k, t in picked])
        g = gen.clone()
        g[rows] = T.image_tokens(net(src.float(), cond.to(ctx.device))).to(g.dtype)
    return g, rows


def sketch_edited(ctx, jobs, gen, net, rule):
    """The sketches whose given image has colour (sketch_editor.has_colour under the manifest's `rule`) and, where the
    rule has `near`, whose edge map is near a design the editor trained on (its graph's near output at least the
    threshold), redrawn by the local sketch editor `net` (training/sketch_editor.py) from their edge map's f0 (the
    encoder's) and the MLLM's own f0 drawing, the coarser scales its pooling; the rest as the MLLM drew them -> (the drawings, the rows the editor
    drew). What the page does with manifest mllm.sketch_edit (workers/engine/tasks/conditional.ts)."""
    from training.sketch_editor import COLOUR_RULE, has_colour
    from training.transforms import to_tensor
    sk = [k for k, j in enumerate(jobs) if page_task(j[0]) == "sketch"]
    if not sk:
        return gen, []
    colour = has_colour(ctx.images[[jobs[k][6] for k in sk]], {q: rule[q] for q in COLOUR_RULE})
    rows = [k for k, c in zip(sk, colour.tolist()) if c]
    if not rows:
        return gen, []
    with torch.no_grad():
        x = to_tensor(ctx.images[[jobs[k][6] for k in rows]], device=ctx.device)
        edges = T.image_variant(x, torch.tensor([jobs[k][6] for k in rows]), "edges")
        sketch = split_scales(encode_pyramid(ctx.encoder, edges))["f0"]
        drawn = split_scales(gen[rows].to(ctx.device))["f0"]
        out = net(sketch.float(), drawn.float())
        edited, near = out if isinstance(out, tuple) else (out, None)
        # with the rule's near (stop 73): only the sketches near a design the editor trained on
        keep = torch.ones(len(rows), dtype=torch.bool) if rule.get("near") is None else \
            (near >= rule["near"]["threshold"]).cpu()
        g = gen.clone()
        rows = [k for k, q in zip(rows, keep.tolist()) if q]
        if rows:
            g[rows] = T.image_tokens(edited[keep.to(edited.device)]).to(g.dtype).to(g.device)
    return g, rows


def tone_editor_variants(ctx, jobs, gen, plans, hole_pos):
    """--tone-editor: the edits tone_edited draws, drawn again by this editor over the drawings as the page makes
    them; each route reported per edit kind as KIND~tone_editor_ROUTE: 'all' (every such edit), 'one' (one person's
    plans; two people's left to the MLLM)."""
    net, with_src, path = ctx.tone_editor
    out = {}
    for route in ("all", "one"):
        g, rows = tone_edited(ctx, jobs, gen, plans, net, route, with_src=with_src)
        if not rows:
            continue
        log(f"tone editor ({route}): {len(rows)} edits drawn by it")
        for kind in sorted({jobs[k][0] for k in range(len(jobs)) if page_task(jobs[k][0]) == "edit"}):
            n = sum(jobs[k][0] == kind for k in rows)
            out[f"{kind}~tone_editor_{route}"] = score_edits(ctx, kind, jobs, g, plans, hole_pos, save=False) | {
                "tone_editor": {"file": path, "route": route, "drawn_by_editor": n}}
    return out


def mixed_with_plan(ctx, pre, plans, rows, weights):
    """The jobs `rows` (their prefixes ending at <ans>, their plans) drawn per scale as u + w (c - u): c from the job's
    own prefix and plan, u from the plan alone (plan_alone_prefixes), w the scale's weight (f4 .. f0)."""
    planned = [extend_prefix(pre[k], plans[k] + [ctx.tok.img]) for k in rows]
    alone = plan_alone_prefixes(ctx, [plans[k] for k in rows])
    return generate_images(ctx.model, planned, ctx.bank_flat, ctx.device, contrast=alone, guidance=weights,
                           contrast_reads_no_source=True)


def plan_alone_prefixes(ctx, plans):
    """--plan-mix's second branch: each plan (token ids) drawn as text-to-image from the training's canonical
    phrasing of its own fields (T.canonical_prompt), the plan itself after <ans>: what the plan alone draws, with no
    given image."""
    t, sp = ctx.tok, ctx.sampler.sp
    out = []
    for pl in plans:
        prompt = T.canonical_prompt(T.parse_plan(t.decode(pl).strip()))
        out.append(ctx.prefix([sp(t.bos), ctx.sampler.text(T.normalize_text(prompt)), sp(t.ans)]))
    return [extend_prefix(p, pl + [t.img]) for p, pl in zip(out, plans)]


def plan_mix_arg(text):
    """--plan-mix: NAME=w4,w3,w2,w1,w0 pairs, semicolon-separated -> {name: [5 weights]} (image order, f4 .. f0)."""
    out = {}
    for part in (x for x in text.split(";") if x):
        name, ws = part.split("=", 1)
        w = [float(v) for v in ws.split(",")]
        if len(w) != len(IMAGE_ORDER):
            raise argparse.ArgumentTypeError(f"--plan-mix {name}: {len(IMAGE_ORDER)} weights, f4 .. f0")
        out[name.strip()] = w
    return out


def sketch_edges(ctx, x, jobs):
    """Sketches: how closely drawings `x` follow the sketches they were given: the Pearson correlation of the Sobel
    magnitudes of each drawing and of its given image (whose edge map the sketch is), averaged over the items.
    score_edits also scores the target drawings this way (edge_corr_target: 1 where the sketch is the target's own
    edge map)."""
    from training.transforms import to_tensor, sobel_magnitude, unit_rows
    given = sobel_magnitude(to_tensor(ctx.images[[j[6] for j in jobs]], device=x.device))
    return float((unit_rows(sobel_magnitude(x.float())) * unit_rows(given)).sum(1).mean())


def score_edits(ctx, kind, jobs, gen, plans, hole_pos, save=True):
    """One job kind's drawings (rows of `gen` for its jobs) decoded at every scale and scored: per scale, the scale
    choice, and the plans' report. save: --save-drawings keeps these drawings (not --plan-mix's variants)."""
    from training.transforms import to_tensor
    tok = ctx.tok
    sel = [k for k, j in enumerate(jobs) if j[0] == kind]
    toks_all = split_scales(gen[sel])
    per, scores, prefs, lvs, oks = {}, {}, {}, {}, {}
    task = page_task(kind)
    cand, levels = choice_rule(task)
    # which half a sketch or a tone or style edit misses in: its plan's concept, or drawing the concept in the target's
    # style (plan_groups)
    groups = plan_groups(ctx, [jobs[k] for k in sel], [tok.decode(plans[k]) for k in sel]) \
        if plans is not None and kind in ("sketch", *LINE_KINDS, "edit_tone", "edit_style") else None
    for s in SCALES_FINE_FIRST:
        x = ctx.decode(s, toks_all[s], 0)
        if save and ctx.saved is not None and s in ("f0", "f1"):   # --save-drawings: the recommended scale and the next
            from training.transforms import to_uint8
            ctx.saved.setdefault(kind, {})[s] = torch.from_numpy(to_uint8(x))   # [N,64,64,3], as the page shows it
        lvs[s] = {lv: v.cpu() for lv, v in level_cosines(encode_pyramid(ctx.encoder, x), gen[sel]).items()}
        scores[s] = choice_score(lvs[s], levels)
        if kind in ("edit_tone", "edit_style"):
            per[s], prefs[s], oks[s] = edit_report(ctx, ctx.judge_probs(x), [jobs[k] for k in sel], groups)
        else:
            ref = to_tensor(ctx.images[[jobs[k][4] for k in sel]], device=ctx.device)
            ps = psnr(x, ref).cpu()
            per[s] = {"psnr": float(ps.mean())}
            prefs[s] = ps
            if kind in ("sketch", *LINE_KINDS):    # recognition: the judge names the sketched concept
                probs = ctx.judge_probs(x)
                per[s] |= recognised(ctx, probs, [jobs[k] for k in sel])
                if groups is not None:
                    per[s]["recognised_by_plan"] = recognised_by_group(ctx, probs, [jobs[k] for k in sel], groups)
                per[s]["edge_corr"] = sketch_edges(ctx, x, [jobs[k] for k in sel])
            if kind == "inpaint":   # inside the hole (what the page shows) and outside it
                hole = T.hole_masks([hole_pos[jobs[k][4]] for k in sel], "mask_a").to(x.device)
                per[s]["psnr_hole"] = float(psnr_where(x, ref, hole).mean())
                per[s]["psnr_outside"] = float(psnr_where(x, ref, 1 - hole).mean())
    out = {"per_scale": per, "n": len(sel), "scale_choice": choice_report(scores, prefs, cand, levels, lvs, oks or None)}
    if kind in ("sketch", *LINE_KINDS):   # the target drawing's own edges against the sketch's: the reference
        ref = to_tensor(ctx.images[[jobs[k][4] for k in sel]], device=ctx.device)
        out["edge_corr_target"] = sketch_edges(ctx, ref, [jobs[k] for k in sel])
    if save and ctx.saved is not None:
        ctx.saved[kind] |= {"jobs": [jobs[k][2:5] + (ctx.meta[jobs[k][6]]["skin_tone"], ctx.meta[jobs[k][5]]["vendor"]) for k in sel],
                            # the drawn f0 tokens themselves (float16): what a later editor reads (sketch_editor --memory)
                            "f0_tokens": toks_all["f0"].detach().to("cpu", torch.float16),
                            "plans": [tok.decode(plans[k]).strip() for k in sel] if plans is not None else None}
    if plans is not None:
        out |= plan_report(ctx, kind, jobs, plans)
    log(f"{kind}: {per}")
    return out


def plan_report(ctx, kind, jobs, plans):
    """One job kind's plans: how many, the first five, and how often they name the source's concept and asked field."""
    sel = [k for k, j in enumerate(jobs) if j[0] == kind]
    dec = [ctx.tok.decode(plans[k]) for k in sel]
    rep = {"n": len(sel), "plan_examples": [[jobs[k][2], d.strip()] for k, d in zip(sel[:5], dec)],
           "plan": edit_plan_accuracy(ctx, kind, [jobs[k] for k in sel], dec)}
    log(f"{kind} plan: {rep['plan']}")
    return rep


def edit_success(ctx, p, jobs):
    """A tone or style edit's success as the judge sees it (probabilities `p` of the drawings for `jobs`, one kind):
    (success per item: the judge names the source's concept and the asked tone or style; the judge's probability of
    both, the per-item preference the scale choice is scored on; {"judge_concept", "judge_field"}: each half alone, and
    "judge_source_field": the judge names the SOURCE's tone or style, the edit left undone)."""
    kind = jobs[0][0]
    head, lab = ("skin_tone", ctx.vocab("skin_tone")) if kind == "edit_tone" else ("style", ctx.vocab("style"))
    cidx, dev = ctx.vocab("concept"), p["concept"].device
    conc = torch.tensor([cidx.get(j[3], 0) for j in jobs], device=dev)
    tgt = torch.tensor([lab[j[4]] for j in jobs], device=dev)
    src = torch.tensor([lab.get(ctx.meta[j[6]]["skin_tone" if kind == "edit_tone" else "vendor"], -1) for j in jobs], device=dev)
    field, concept = p[head].argmax(1) == tgt, p["concept"].argmax(1) == conc
    return (field & concept, (p[head].gather(1, tgt[:, None])[:, 0] * p["concept"].gather(1, conc[:, None])[:, 0]).cpu(),
            {"judge_concept": concept, "judge_field": field, "judge_source_field": p[head].argmax(1) == src})


def untoned_plans(tok, jobs, plans):
    """--tone-guidance's contrast plans: for a tone edit whose plan (token ids) names a tone, the same plan with the tone
    "none"; None for every other job (its own contrast: not guided)."""
    out = []
    for j, pl in zip(jobs, plans):
        f = T.parse_plan(tok.decode(pl).strip())
        none = T.tone_phrase("none")
        out.append(tok.encode(" " + T.normalize_text(T.PLAN_SEP.join(dict(f, tone=none)[k] for k in T.PLAN_FIELDS)))
                   if j[0] == "edit_tone" and f["tone"] != none else None)
    return out


def edit_report(ctx, p, jobs, groups=None):
    """A tone or style edit's drawings at one scale as every evaluation reports them: ({"success", its halves (which
    half a miss is: the judge names the source's concept / the asked tone or style), with `groups` (plan_groups) the
    same within each plan group ("success_by_plan"), and, for tone edits, where a missed tone lands}, the per-item
    preference the scale choice is scored on, the per-item success)."""
    ok, prefs, parts = edit_success(ctx, p, jobs)
    rep = {"success": float(ok.float().mean())} | {k: float(v.float().mean()) for k, v in parts.items()}
    if groups is not None:
        rep["success_by_plan"] = rates_by_group({"success": ok} | parts, groups)
    if jobs[0][0] == "edit_tone":
        rep |= tone_misses(ctx.judge.vocab["skin_tone"], p["skin_tone"].argmax(1).tolist(), [j[4] for j in jobs])
    return rep, prefs, ok


def sketched_concepts(ctx, p, jobs):
    """The jobs' concepts as the judge's concept indices (-1: one it does not know), on `p`'s device."""
    cidx = ctx.vocab("concept")
    return torch.tensor([cidx.get(j[3], -1) for j in jobs], device=p["concept"].device)


def recognised(ctx, p, jobs):
    """Sketches: how often the judge names the sketched concept first / among its top 5 (probabilities `p`)."""
    conc = sketched_concepts(ctx, p, jobs)
    top5 = p["concept"].topk(min(5, p["concept"].shape[1]), dim=1).indices
    return {"recognised_top1": float((top5[:, 0] == conc).float().mean()),
            "recognised_top5": float((top5 == conc[:, None]).any(1).float().mean())}


def plan_groups(ctx, jobs, plans):
    """Which half a job misses in: each item's plan (decoded text) as "right, target style" (the concept right, in the
    style of the job's target drawing, jobs[k][5]), "right, other style" (the concept right, in another style) or
    "wrong concept". -> one group name per job. A sketch's or tone edit's target is the held-out vendor's drawing, so
    for them "target style" is a (concept, style) pair no run trained the MLLM to draw and "other style" one it drew in
    training; a style edit's target is the asked vendor's trained drawing, which its plan names whenever it names the
    asked style."""
    names = concept_names(ctx.meta)
    out = []
    for j, p in zip(jobs, plans):
        g = T.parse_plan(p.strip())
        if g["concept"] != names.get(j[3]):
            out.append("wrong concept")
        else:
            tv = ctx.meta[j[5]]["vendor"]
            out.append("right, target style" if g["style"] == T.STYLE.get(tv, tv) else "right, other style")
    return out


PLAN_GROUPS = ("right, target style", "right, other style", "wrong concept")


def rates_by_group(hits, groups):
    """{name: per-item booleans} -> within each plan group (plan_groups): {group: {"n", name: its rate (None when the
    group is empty)}}."""
    out = {}
    for g in PLAN_GROUPS:
        idx = [k for k, x in enumerate(groups) if x == g]
        out[g] = {"n": len(idx)} | {k: float(v.float().cpu()[idx].mean()) if idx else None for k, v in hits.items()}
    return out


def recognised_by_group(ctx, p, jobs, groups):
    """recognised()'s top-1 within each plan group (plan_groups): {group: {"n", "recognised_top1"}}."""
    return rates_by_group({"recognised_top1": p["concept"].argmax(1) == sketched_concepts(ctx, p, jobs)}, groups)


def tone_steps(a, b):
    """How many steps of the skin-tone scale (light .. dark) two judge tone labels lie apart: the larger of each
    person's ("medium,dark": two people); None when either has no tone or they count different people."""
    xs, ys = a.split(","), b.split(",")
    if "none" in (a, b) or len(xs) != len(ys):
        return None
    return max(abs(T.TONES.index(x) - T.TONES.index(y)) for x, y in zip(xs, ys))


def tone_misses(labels, seen, asked):
    """Tone edits, where the drawn tone misses: what the judge sees instead (`seen`: its skin-tone argmax per item, an
    index into `labels`; `asked`: the asked tone labels). Shares of all items: a neighbour (one step off on the scale:
    the skin colour drawn imprecisely), further off, no tone at all (the default yellow), other (another number of
    people); and the commonest (asked -> seen) misses with their counts."""
    kinds, pairs = {"neighbour": 0, "far": 0, "untoned": 0, "other": 0}, {}
    for i, want in zip(seen, asked):
        got = labels[i]
        if got == want:
            continue
        d = tone_steps(want, got)
        kinds["neighbour" if d == 1 else "far" if d else "untoned" if got == "none" else "other"] += 1
        pairs[f"{want} -> {got}"] = pairs.get(f"{want} -> {got}", 0) + 1
    n = max(1, len(asked))
    return {"tone_miss": {k: v / n for k, v in kinds.items()},
            "tone_confusion": dict(sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[:12])}


def pick_temperature_arg(text):
    """--pick-temperature: a number (0: none, the log-likelihood alone) or task=T pairs, comma-separated (T 0 or none:
    that task's log-likelihood alone) -> a number, None or {task: number or None}, as manifest mllm.pick.temperature"""
    one = lambda t: None if t.lower() in ("none", "null") or float(t) == 0 else float(t)
    if "=" not in text:
        return one(text)
    return {k.strip(): one(v) for k, v in (kv.split("=", 1) for kv in text.split(",") if kv)}


def page_task(kind):
    """An evaluation job kind -> the page's task that runs it (edit_tone, edit_style -> edit; LINE_KINDS -> sketch)."""
    return "edit" if kind in ("edit_tone", "edit_style") else "sketch" if kind in LINE_KINDS else kind


def edit_plan_accuracy(ctx, kind, jobs, plans):
    """The diagnosis for edits: how often the plan written before the target names the source's
    concept and the field the instruction asks for (tone edits: the tone; style edits: the style;
    colorize/inpaint/sketch: the whole plan of the original image), so an edit failure names its half."""
    names = concept_names(ctx.meta)
    got = [T.parse_plan(p.strip()) for p in plans]
    concept = [g["concept"] == names.get(j[3]) for g, j in zip(got, jobs)]
    if kind == "edit_tone":
        field = [g["tone"] == T.tone_phrase(j[4]) for g, j in zip(got, jobs)]
    elif kind == "edit_style":
        field = [g["style"] == T.STYLE.get(j[4], j[4]) for g, j in zip(got, jobs)]
    else:   # the original image's own plan
        field = [g == T.plan_fields(ctx.meta[j[4]]) for g, j in zip(got, jobs)]
    n = max(1, len(jobs))
    return {"concept": sum(concept) / n, "asked_field" if kind.startswith("edit_") else "whole_plan": sum(field) / n,
            "both": sum(a and b for a, b in zip(concept, field)) / n}


def load_models(args, meta, device):
    """(model, encoder, judge): the checkpoint's MLLM and the shipped encoder; --tiny: random ones."""
    if args.tiny:
        from training.train_mllm import random_encoder
        from training.mllm import MLLM, get as get_config
        from training.judge import Judge, label_vocab
        cfg = get_config("tiny", args.set)
        torch.manual_seed(0)
        return MLLM(cfg), random_encoder(cfg.feature_dim).to(device), Judge(label_vocab(meta), 8).to(device).eval()
    from training.judge import load_judge
    from training import shipped
    model, _ = load_mllm(args.mllm, device)
    return model, shipped.load_encoder(device)[0], load_judge(args.judge, device)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--mllm", default=os.path.join(ROOT, "training", "runs", "mllm", "mllm.pt"))
    ap.add_argument("--judge", default=JUDGE)
    ap.add_argument("--understand-reader-only", action="store_true", help="captions and questions read each given image "
                    "through the reader alone (the encoder's features replaced by their mean, as given_drop trains them half "
                    "the time): a probe of which reading names an unseen drawing better")
    ap.add_argument("--choice-items", default=None, help="also write each task's per-item scale-choice scores and judge "
                    "preferences (per scale) to this JSON: other choice rules A/B'd offline without the GPU")
    ap.add_argument("--out", default=os.path.join(ROOT, "training", "runs", "eval_mllm.json"))
    ap.add_argument("--n-t2i", type=int, default=256)
    ap.add_argument("--n-canonical", type=int, default=400)
    ap.add_argument("--prompts", default=NATURAL_PROMPTS if os.path.exists(NATURAL_PROMPTS) else None,
                    help="natural-language t2i prompts (JSON list, or {'prompts': list}, of {prompt, concept})")
    ap.add_argument("--n-natural", type=int, default=None, help="limit the natural prompts (tests)")
    ap.add_argument("--n-openmoji", type=int, default=400)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--n-heldout", type=int, default=None, help="limit held-out-vendor images (tests)")
    ap.add_argument("--quick", action="store_true", help="A/B and learning-curve points: canonical + natural "
                    "text-to-image with the diagnosis, skin-tone and style edits; no captions/VQA/conditional")
    ap.add_argument("--understanding-only", action="store_true", help="captions and questions alone (with --pick, the "
                    "page's caption): nothing drawn, so no decoder or judge runs and the CPU can do it")
    ap.add_argument("--canonical-only", action="store_true", help="learning-curve points: canonical prompts at f1 only")
    ap.add_argument("--edit-kinds", default=None, help="the edit jobs to run, comma-separated among edit_tone, edit_style, "
                    "colorize, inpaint, sketch, sketch_lines, sketch_lines_drawn (default: --quick's two, else all seven; "
                    "empty: none)")
    ap.add_argument("--guidance", type=float, default=None, help="feature guidance (default: the model's config)")
    ap.add_argument("--no-quant", action="store_true", help="evaluate the fp32 weights, not the shipped int8 grid")
    ap.add_argument("--bits", type=int, default=None, choices=(4, 8), help="4: the trunk's linear weights on the 4-bit "
                    "block grid (training.quantize.quantize_blocks4), the rest int8 (default: 4 for a model trained on "
                    "that grid, MLLMConfig.qat_bits, else 8)")
    ap.add_argument("--tiny", action="store_true", help="tests: random encoder/decoders/judge, tiny model")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="with --tiny: MLLMConfig overrides (order=scale)")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--tokenizer", default=TOKENIZER)
    ap.add_argument("--pick", type=int, default=0, metavar="K", help="as the page (manifest mllm.pick): captions, and the "
                    "plans of the --pick-tasks, are the MLLM's pick among the K names the gallery retrieves for the given "
                    "image (training/gallery.py, caption_rerank.py); 0: greedy")
    ap.add_argument("--pick-tasks", default=None, help="with --pick: the page's tasks whose plans pick, comma-separated "
                    "(edit, colorize, inpaint, sketch; default: the manifest's mllm.pick.tasks)")
    ap.add_argument("--pick-temperature", type=pick_temperature_arg, default=None, help="with --pick: each name's score "
                    "adds its retrieval cosine over this temperature (default: the manifest's mllm.pick.temperature; 0: the "
                    "log-likelihood alone), or one per page task: caption=T,edit=T,... (training/pick_temperature.py)")
    ap.add_argument("--pick-frame", choices=("manifest", "none", "data"), default="manifest", help="with --pick: how the "
                    "retrieval frames each given image (training/framing.py): as the manifest's mllm.pick.frame says, not "
                    "at all, or as training.gallery would write it from the data (gallery.frame_spec)")
    ap.add_argument("--pick-views", default="manifest", help="with --pick: the choice's log-likelihood averaged over the "
                    "given image and re-drawings of it (training/redraw.py): the manifest's mllm.pick.views, or the first N "
                    "of redraw.thetas (0: as given alone)")
    ap.add_argument("--pick-views-tasks", default="manifest", choices=("manifest", "caption", "all"), help="with "
                    "--pick-views: the captions' choice alone reads the views, or every picking task's (the manifest's "
                    "mllm.pick.views.tasks: ['caption'] or every pick task)")
    ap.add_argument("--pick-styles", default="model", choices=("model", "page", "any"), help="with --pick: an "
                    "edit's plan keeps any style it writes, or only the page's (plan.styles): one naming a design only "
                    "trained on has its concept and style picked among names x page styles. Default: as the page would "
                    "run this model (mllm_tasks.pick_page_styles, what export_mllm writes as manifest mllm.pick.page_styles: "
                    "the page's styles for a model trained with MLLMConfig.draw_vendors)")
    ap.add_argument("--pick-record", default=None, metavar="OUT.json", help="with --pick: every pick's candidates, "
                    "their log-likelihoods and priors, the pick and the right name")
    ap.add_argument("--plans-only", action="store_true", help="the edit jobs' plans alone, nothing drawn or judged: "
                    "the plan diagnosis per kind (what the edit reads from its given image), no decoder or judge run (on 2 CPU cores "
                    "shared with CI, 520 greedy plans took over 37 minutes: a GPU's minute is still the cheaper way)")
    ap.add_argument("--sources", choices=("heldout_vendor", "heldout_concept", "train"), default="heldout_vendor",
                    help="the edits' given images: the held-out vendor's drawings (the evaluation), or the held-out "
                    "concepts' drawings by the trained vendors (concepts no run trained the MLLM on: what an edit does "
                    "to an emoji the model never learned, whose concept no pick can name), or a sample (--n-heldout, "
                    "default 196) of the training drawings themselves: a diagnosis only, every source and target one the "
                    "model trained on, so that what an edit misses there is not the unseen drawing's")
    ap.add_argument("--dev", type=int, default=0, metavar="N", help="with --pick and --pick-record: the pick's dev set "
                    "instead of the evaluation (dev_sources: N OpenMoji drawings no model or evaluation reads): their "
                    "captions and every edit job's plan picked and recorded, nothing drawn (training/pick_temperature.py "
                    "chooses the temperatures on the record)")
    ap.add_argument("--dev-draw", action="store_true", help="with --dev: the dev set's edit jobs (--edit-kinds) drawn "
                    "and judged as the evaluation's are, not their plans alone: a drawing rule (--plan-mix) chosen on "
                    "drawings no evaluation reads (a style edit's target is a trained style's drawing, as in the "
                    "evaluation; a tone edit's is too, unlike the evaluation's)")
    ap.add_argument("--save-drawings", default=None, metavar="OUT.pt", help="the edits' drawings at f0 and f1 as judged "
                    "(uint8), their f0 tokens (float16), their plans and jobs (instruction, concept, asked field, the source's tone, the target's "
                    "vendor), for analysis offline")
    ap.add_argument("--edit-right-plan", action="store_true", help="the diagnosis: every edit, colorize, inpaint and "
                    "sketch drawn from its target drawing's own plan (teacher-forced) instead of the model's or the pick's: "
                    "how well it draws given the right plan")
    ap.add_argument("--tone-guidance", type=float, default=1.0, metavar="W", help="an experiment (the page does not "
                    "run it): every tone edit drawn as u + W (c - u), c from its plan, u from the same plan with no tone "
                    "(the default yellow), pushing the drawn skin colour away from where a missed tone lands; 1: off")
    ap.add_argument("--plan-mix", type=plan_mix_arg, default=None, metavar="NAME=w4,w3,w2,w1,w0;...", help="an "
                    "experiment (the page runs one variant, for edits that name a style: --restyle): the --plan-mix-kinds jobs drawn again, with the same plans, "
                    "each scale u + w (c - u), c from the job's own prefix (the given image, its instruction, the plan) "
                    "and u from the plan alone (plan_alone_prefixes): w 1 keeps the scale as drawn, 0 draws it from the "
                    "plan alone; each variant is reported as KIND~NAME")
    ap.add_argument("--restyle", choices=("manifest", "none"), default="manifest", help="as the page: edits whose "
                    "instruction names a style drawn partly from their plan alone (manifest mllm.restyle, "
                    "training/restyle.py); none: every edit drawn from its own sequence alone")
    ap.add_argument("--tone-editor", default=None, metavar="EDITOR.pt", help="an experiment (the page does not run "
                    "it): the edits whose instruction asks for a skin tone drawn again by this local tone editor "
                    "(training/tone_editor.py --save) from the given image and the plan's tone, reported as "
                    "KIND~tone_editor_all and KIND~tone_editor_one (two people's plans left to the MLLM)")
    ap.add_argument("--tone-edit", choices=("manifest", "none"), default="manifest", help="as the page: edits whose "
                    "instruction asks for a skin tone drawn by the shipped tone editor where their plan names a tone it "
                    "draws (manifest mllm.tone_edit, training/tone_editor.py); none: every edit drawn by the MLLM")
    ap.add_argument("--sketch-edit", choices=("manifest", "none"), default="manifest", help="as the page: sketches "
                    "whose given image has colour redrawn by the shipped sketch editor from their edge map and the "
                    "MLLM's drawing (manifest mllm.sketch_edit, training/sketch_editor.py); none: every sketch drawn by "
                    "the MLLM")
    ap.add_argument("--plan-mix-kinds", default="sketch,sketch_lines", help="with --plan-mix: the job kinds it draws")
    ap.add_argument("--reader", default=None, help="a model with reader=True: the given images' encoder checkpoint, "
                    "or 'shipped': public/models/reader.onnx as the page runs it (its int8-stored weights)")
    args = ap.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    else:   # Debian's torch starts with one OpenMP thread whatever the machine has; a CPU evaluation takes them all
        torch.set_num_threads(os.cpu_count() or 1)
    from training.data import load
    from training.tokenizer import Tokenizer
    from training.bm25 import floor
    images, meta = load(args.data_dir) if args.data_dir else load()
    tok = Tokenizer.load(args.tokenizer)
    rng = random.Random(0)
    model, encoder, judge = load_models(args, meta, device)
    if not args.no_quant:
        from training.quantize import fake_quantize, grid_bits
        args.bits = grid_bits(model.cfg, args.bits)
        model = fake_quantize(model, args.bits)
    model = model.to(device).eval()
    for blk in model.blocks:
        blk.attn.fused = True   # prefill via SDPA where torch has it; steps use the cache path

    # which images need features: held-out vendor and an OpenMoji sample
    hv = [m["i"] for m in meta if m["split"] == "heldout_vendor"]
    if args.sources == "heldout_concept":
        hv = [m["i"] for m in meta if m["split"] == "heldout_concept" and m["vendor"] in T.STYLE]
    if args.sources == "train":
        hv = [m["i"] for m in meta if m["split"] == "train" and m["vendor"] in T.STYLE]
        args.n_heldout = args.n_heldout or 196
    if args.n_heldout:
        hv = sorted(rng.sample(hv, min(args.n_heldout, len(hv))))
    om = openmoji_sample(meta, 0 if args.quick or args.plans_only else args.n_openmoji, rng)
    if args.canonical_only:
        hv = hv[:1]
    if args.dev:   # the pick's dev set in place of the held-out vendor; no OpenMoji captions but the dev's own
        if not (args.pick and args.pick_record):
            sys.exit("--dev: the record of the pick's choices is its output (--pick K --pick-record OUT.json)")
        hv, om = dev_sources(meta, args.dev, {m["concept"] for m in meta if m["split"] == "train"}, random.Random(1)), []
        if args.dev_draw:   # the edit jobs drawn and judged as the evaluation's are (--edit-kinds: which)
            args.plans_only = False
        else:
            args.plans_only, args.edit_kinds = True, ",".join(k for k in ALL_EDIT_KINDS if k != "sketch_lines_drawn")
    kinds = () if args.canonical_only or args.understanding_only else ("edit_tone", "edit_style") if args.quick else ALL_EDIT_KINDS
    if args.edit_kinds is not None and not args.understanding_only:
        kinds = tuple(k for k in args.edit_kinds.split(",") if k)
    line_kinds = bool(set(LINE_KINDS) & set(kinds))
    lines = line_sources(meta, hv, f"{model.cfg.source_vendors},{model.cfg.draw_vendors}") if line_kinds else {}
    if line_kinds and not lines:
        log(f"sketch_lines: no {LINE_VENDOR} drawing of a held-out-vendor concept that this model has not read")
    need = sorted(set(hv + om + list(lines.values())))
    pos = {i: k for k, i in enumerate(need)}
    log(f"bank for {len(need)} images")
    reader = None
    if model.cfg.reader:   # given images through the reader (MLLMConfig.reader), drawing in the encoder's space
        if args.tiny:
            from training.train_mllm import random_encoder
            reader = random_encoder(model.cfg.feature_dim, seed=1).to(device)
        elif args.reader:
            from training import shipped
            reader = shipped.reader_from(args.reader, device)[0]
        else:
            sys.exit("this MLLM reads given images through a reader: --reader ENCODER.pt")

    def bank_of(view=None, variants=T.VARIANTS):
        """the needed images' encoder bank (each variant read through `view`), and the reader's beside it if it reads"""
        banks = [T.build_bank(m, images[need], device, log=None, view=view, variants=variants)
                 for m in (encoder, reader) if m is not None]
        flat = [b.view(-1, b.shape[-1]) for b in banks]
        return flat[0] if reader is None else tuple(flat)
    bank_flat = bank_of()
    sampler = T.TaskSampler(meta, tok, seed=0)   # train pairs (for names/cats); rows remapped below
    sampler.row = lambda i, variant="orig": T.VARIANTS.index(variant) * len(need) + pos[i]
    guidance = model.cfg.feature_guidance if args.guidance is None else args.guidance
    ctx = Ctx(model=model, tok=tok, encoder=encoder, judge=judge, decode=make_decode(encoder, device, tiny=args.tiny),
              device=device, meta=meta, images=images, seeds=args.seeds, sampler=sampler,
              bank_flat=bank_flat, guidance=guidance,
              uncond=prefix_of([sampler.sp(tok.bos), sampler.sp(tok.img)], model.cfg.order) if guidance != 1.0 else None)
    if args.understand_reader_only:   # captions and questions read each given image through the reader alone
        ctx.understand_bank = reader_only(model, bank_flat)
    ctx.edit_right_plan = args.edit_right_plan
    ctx.tone_guidance = args.tone_guidance
    ctx.plans_only = args.plans_only
    ctx.plan_mix, ctx.plan_mix_kinds = args.plan_mix, tuple(args.plan_mix_kinds.split(","))
    if args.restyle == "manifest" and ctx.plan:
        from training.manifest import read_manifest
        ctx.restyle = read_manifest()["mllm"].get("restyle")
    ctx.saved = {} if args.save_drawings else None
    if args.tone_edit == "manifest" and ctx.plan:
        from training.manifest import read_manifest
        from training import tone_editor
        spec = read_manifest()["mllm"].get("tone_edit")
        net = tone_editor.load_shipped(device) if spec else None
        if net is not None and net.out.weight.shape[0] == model.cfg.feature_dim:
            ctx.tone_edit = {"spec": spec, "net": net}
        elif net is not None:   # a model in another feature space (--tiny's) than the shipped editor's
            log(f"tone edit: the shipped editor draws {net.out.weight.shape[0]} channels, this model "
                f"{model.cfg.feature_dim}: every edit drawn by the MLLM")
    if args.sketch_edit == "manifest":
        from training import sketch_editor
        net, spec = sketch_editor.load_shipped(device)
        if net is not None and net.net.out.weight.shape[0] == model.cfg.feature_dim:
            ctx.sketch_edit = {"spec": spec, "net": net}
    if args.tone_editor:
        from training.tone_editor import load_editor
        ctx.tone_editor = (*load_editor(args.tone_editor, device), os.path.relpath(os.path.abspath(args.tone_editor), ROOT))
    if args.pick:
        from training.caption_rerank import caption_pick, plan_fix
        from training.gallery import Gallery
        from training.manifest import read_manifest
        gallery = Gallery.build(images, meta, reader, device) if args.tiny else Gallery.load()
        spec = read_manifest()["mllm"].get("pick", {})
        tasks = args.pick_tasks.split(",") if args.pick_tasks is not None else spec["tasks"]
        ctx.pick_tasks = tuple(t for t in tasks if t)
        temp = spec.get("temperature") if args.pick_temperature is None else args.pick_temperature
        ctx.pick_record = [] if args.pick_record else None
        if args.pick_frame == "data":
            from training.gallery import frame_spec
            frame = frame_spec(images, meta)
        else:
            frame = spec.get("frame") if args.pick_frame == "manifest" else None
        keys_flat = None
        if gallery.space == "key":   # the gallery is in the key model's space (training/pick_key.py): it reads them
            from training.pick_key import ImageKeys, load_shipped
            keys_flat = ImageKeys(load_shipped(device), images[need], device, frame)
        elif frame:   # the retrieval reads each given image framed as the gallery's drawings are (training/framing.py)
            from training import framing
            kb = T.build_bank(reader, images[need], device, log=None, view=lambda v: framing.frame_as(v, frame))
            keys_flat = kb.view(-1, kb.shape[-1])
        from training import redraw
        vspec = spec.get("views", {"thetas": [], "tasks": []})
        thetas = vspec["thetas"] if args.pick_views == "manifest" else redraw.thetas(int(args.pick_views))
        vtasks = vspec["tasks"] if args.pick_views_tasks == "manifest" else (["caption"] if args.pick_views_tasks == "caption" else list(ctx.pick_tasks))
        # the given images re-drawn; captions alone read them as drawn (the "orig" rows), the edits' sources also others
        views = [bank_of(lambda v, th=th: redraw.redraw(v, th), ("orig",) if set(vtasks) <= {"caption"} else T.VARIANTS)
                 for th in thetas]
        # the plans of the edit tasks read the views together (every edit task in vtasks) or not at all
        page_styles = T.pick_page_styles(model.cfg) if args.pick_styles == "model" else args.pick_styles == "page"
        ctx.plan_fix = plan_fix(model, tok, gallery, bank_flat, device, args.pick, temperature=temp, keys_flat=keys_flat,
                                views=views if set(vtasks) - {"caption"} else (),
                                styles=list(T.STYLE.values()) if page_styles else None)   # plan.styles order (ties: the first)
        if "caption" in ctx.pick_tasks:
            ro = (lambda b: reader_only(model, b)) if args.understand_reader_only else (lambda b: b)
            ctx.caption_pick = caption_pick(model, tok, gallery, ro(bank_flat), device, args.pick, temperature=temp,
                                            record=ctx.pick_record, keys_flat=keys_flat,
                                            views=[ro(v) for v in views] if "caption" in vtasks else ())
    res = {"config": {"pick": args.pick, "pick_tasks": list(ctx.pick_tasks), "pick_frame": frame if args.pick else None,
                      "pick_views": {"thetas": thetas, "tasks": vtasks} if args.pick else None,
                      "pick_page_styles": page_styles if args.pick else None,
                      "pick_temperature": temp if args.pick else None, "order": ctx.order, "mllm": model.cfg.__dict__ | {"scale_weights": list(model.cfg.scale_weights)},
                      "seeds": args.seeds, "int8": not args.no_quant, "bits": None if args.no_quant else args.bits, "guidance": guidance, "quick": args.quick,
                      "n_heldout_vendor": len(hv), "sources": args.sources, "n_openmoji": len(om), "edit_right_plan": args.edit_right_plan,
                      "tone_guidance": args.tone_guidance, "plan_mix": args.plan_mix, "restyle": ctx.restyle,
                      "tone_editor": ctx.tone_editor[2] if ctx.tone_editor else None,
                      "sketch_edit": bool(ctx.sketch_edit),
                      "tone_edit": ctx.tone_edit["spec"] if ctx.tone_edit else None, "understand_reader_only": args.understand_reader_only,
                      "understanding_only": args.understanding_only, "plans_only": args.plans_only, "dev": args.dev, "dev_draw": args.dev_draw,
                      "sketch_lines": {"vendor": LINE_VENDOR, "n": len(lines)} if line_kinds else None}}
    names = concept_names(meta)
    cidx = ctx.vocab("concept")

    if args.understanding_only:   # captions and questions alone: nothing drawn, so no decoder or judge run
        args.prompts, args.quick, args.edit_kinds = None, False, ""
    elif args.dev:   # the dev set's captions (the page's pick); its edit plans below
        args.prompts, args.quick = None, True
        # (--dev-draw chooses a drawing rule: the captions' picks are the plan-only record's)
        res["dev"] = {"caption": None if args.dev_draw else dev_captions(ctx, hv), "n": len(hv), "n_lines": len(lines)}
    elif args.plans_only:   # the edits' plans alone: no text-to-image, captions or questions
        args.prompts, args.quick = None, True
    else:
        # -- the diagnosis: trained concepts in canonical phrasing (draw what was trained) ---------------
        prompts, concepts, plans = canonical_set(ctx, random.Random(1), args.n_canonical)
        res["t2i_canonical"] = eval_t2i(ctx, prompts, concepts, "t2i_canonical", true_plans=plans,
                                        scales=("f1",) if args.canonical_only else SCALES_FINE_FIRST)
    if args.canonical_only:
        args.prompts, args.quick = None, True
    # -- text-to-image: natural-language prompts written by people (training/eval/natural_prompts.json)
    if args.prompts:
        nat = [e for e in load_natural_prompts(args.prompts) if e["concept"] in cidx][:args.n_natural]
        res["t2i_natural"] = dict(eval_t2i(ctx, [e["prompt"] for e in nat], [e["concept"] for e in nat], "t2i_natural",
                                           true_plans=[true_plan(names, e["concept"], e.get("style"), e.get("skin_tone"))
                                                       for e in nat]),
                                  file=os.path.relpath(os.path.abspath(args.prompts), ROOT),
                                  bm25_floor=floor(meta, [e["prompt"] for e in nat], [e["concept"] for e in nat]))
    if not args.quick and not args.understanding_only:
        # trained concepts, held-out template phrasings, default tone
        train_concepts = {}
        for m in meta:
            if m["split"] == "train" and m["skin_tone"] == "none":
                train_concepts.setdefault(m["concept"], m)
        cs = [c for c in rng.sample(sorted(train_concepts), min(args.n_t2i, len(train_concepts))) if c in cidx]
        res["t2i"] = eval_t2i(ctx, [T.t2i_prompt(dict(train_concepts[c], vendor="none"), rng, heldout=True) for c in cs],
                              cs, "t2i")
    if not args.quick:
        res["caption"], res["vqa"] = eval_understanding(ctx, hv, om)
    if kinds:
        res["edit"] = eval_edits(ctx, edit_jobs(ctx, hv, rng, kinds, lines), pos)
        if ctx.saved is not None:
            torch.save(ctx.saved, args.save_drawings)
    res["seconds"] = time.time() - T0
    items = take_choice_items(res)
    if args.choice_items:   # what the automatic scale choice saw and what the judge preferred, item by item
        with open(args.choice_items, "w") as f:
            json.dump(items, f)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    log(f"wrote {args.out}")
    if ctx.pick_record is not None:
        with open(args.pick_record, "w") as f:
            json.dump(ctx.pick_record, f)
    return res


def load_natural_prompts(path):
    """The natural prompt set: a list of {"prompt", "concept", ...} or {"prompts": that list}."""
    d = json.load(open(path))
    items = d["prompts"] if isinstance(d, dict) else d
    bad = [e for e in items if not isinstance(e, dict) or not e.get("prompt") or not e.get("concept")]
    if bad:
        raise ValueError(f"{path}: {len(bad)} entries without prompt/concept, e.g. {bad[0]!r}")
    return items


def frechet(a, b):
    """Fréchet distance between Gaussian fits of two feature sets [n, d] (as FID does); None when a
    set has fewer than 2 rows (no covariance to fit)."""
    if len(a) < 2 or len(b) < 2:
        return None
    a, b = a.double(), b.double()
    mu = (a.mean(0) - b.mean(0)).pow(2).sum()
    ca, cb = torch.cov(a.T), torch.cov(b.T)
    # tr sqrt(ca cb) = sum sqrt(eig(sqrt(ca) cb sqrt(ca))), all symmetric PSD
    ea, va = torch.linalg.eigh(ca)
    sa = (va * ea.clamp(min=0).sqrt()) @ va.T
    m = sa @ cb @ sa
    tr = torch.linalg.eigvalsh((m + m.T) / 2).clamp(min=0).sqrt().sum()
    return float(mu + ca.trace() + cb.trace() - 2 * tr)


def _yn(m, sampler):
    """A deterministic yes/no question about the image's name (half true)."""
    r = random.Random(m["i"])
    yes = r.random() < 0.5
    n = m["name"] if yes else r.choice(sampler.names)
    return T.VQA_YN_NAME[0].format(name=n), "yes" if n == m["name"] else "no"


if __name__ == "__main__":
    main()
    sys.exit(0)

"""Evaluate the MLLM per scale, with the judge, and the automatic scale choice.

    python -m training.eval_mllm --device cuda --out $OUT/eval_mllm.json        # GPU machine
    /usr/bin/python3 -m training.eval_mllm --tiny ...                             # tests only

Reads training/ckpt/{mllm,encoder,judge,decoder_f0..f4}.pt (PUMA_CKPT overrides the folder).
The MLLM runs with its int8-rounded weights (what ships). Generation is greedy/deterministic
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
  colorize / inpaint / sketch   PSNR (dB) against the original, held-out-vendor images, per scale.
  scale choice   score per decoded scale computable in the browser from the encoder alone:
             t2i: cos(f4 of encoder(decoded), generated f4) (agreement with the prompt's
             semantics); conditional/editing: mean over the five scales of the token cosine
             between the decoded image's pyramid and the generated pyramid (faithfulness).
             Reported: how often the recommended scale is the judge-preferred one (t2i: highest
             judge probability of the prompted concept; edit: highest success probability;
             colorize/inpaint/sketch: highest PSNR) and the metric lost when it is not.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from training import mllm_tasks as T
from training.common import (ROOT, CKPT, N_IMG, IMAGE_ORDER, SCALE_TOKENS, SCALE_OFFSETS, SCALES_FINE_FIRST,
                             parent_index, psnr, logger)
from training.mllm import load_mllm

T0 = time.time()
log = logger("eval", T0)
NATURAL_PROMPTS = os.path.join(ROOT, "training", "eval", "natural_prompts.json")


# ---- batched generation with the KV cache (torch) ----------------------------------------------
def _buckets(prefixes, batch):
    by_len = {}
    for i, p in enumerate(prefixes):
        by_len.setdefault(len(p[0]), []).append(i)
    for _, idx in sorted(by_len.items()):
        for s in range(0, len(idx), batch):
            yield idx[s:s + batch]


def _prefix_tensors(prefixes, idx, bank_flat, device):
    ids = torch.tensor([prefixes[i][0] for i in idx], device=device)
    slot = torch.tensor([prefixes[i][1] for i in idx], device=device)
    src = torch.tensor([prefixes[i][2] for i in idx], device=device)
    block = torch.tensor([prefixes[i][3] for i in idx], device=device)
    feats = bank_flat[src.clamp(min=0)].float() * (src >= 0).unsqueeze(-1)
    return ids, slot, feats, block


def prefix_of(segments, order="token"):
    """segments -> (ids, slot, src, block) lists; block ids are what scale order's attention reads."""
    f = T.flatten(segments, order)
    return f["ids"].tolist(), f["slot"].tolist(), f["src"].tolist(), f["block"].tolist()


_PARENT = torch.tensor(parent_index())


@torch.no_grad()
def generate_images(model, prefixes, bank_flat, device, n_tokens=N_IMG, batch=128):
    """prefixes: (ids, slot, src, block) lists ending with [IMG] -> [n, n_tokens, C] raw features.
    Token order: one token per call. Scale order: one scale per call (n_tokens rounds up to whole
    scales), block-causal: each scale's queries are one new block."""
    C = model.cfg.feature_dim
    scale = model.cfg.order == "scale"
    out = torch.zeros(len(prefixes), n_tokens, C)
    for idx in _buckets(prefixes, batch):
        ids, slot, feats, block = _prefix_tensors(prefixes, idx, bank_flat, device)
        b = len(idx)
        # residual_edit: each generated token is the source image's token at that place plus the
        # head's change (the source is the prefix's one image; t2i prefixes have none)
        src_img = feats[(slot > 0) & (slot <= N_IMG)].view(b, N_IMG, C) if (model.cfg.residual_edit and bool((slot > 0).any())) else None
        if scale:
            toks = torch.zeros(b, N_IMG, C, device=device)
            h_past, past, blk = None, None, block
            for k, (o, n) in enumerate(zip(SCALE_OFFSETS, SCALE_TOKENS)):
                if o >= n_tokens:
                    break
                ks = torch.arange(o, o + n, device=device)
                par = _PARENT[o:o + n].to(device)
                q_feats = toks[:, par.clamp(min=0)] * (par >= 0).view(1, -1, 1)
                q_slot = (ks + 1 + N_IMG).expand(b, n)
                q_ids = torch.zeros(b, n, dtype=torch.long, device=device)
                new_block = blk.max(1, keepdim=True).values + 1
                blk = torch.cat([blk, new_block.expand(b, n)], 1)
                base = src_img[:, o:o + n] if src_img is not None else None
                if past is None:   # prefill: prompt and the first scale in one call
                    _, f, past = model.step_all(torch.cat([ids, q_ids], 1), torch.cat([slot, q_slot], 1),
                                                torch.cat([feats, q_feats], 1), None, None, blk)
                    f = f[:, -n:]
                else:
                    _, f, past = model.step_all(q_ids, q_slot, q_feats, past, None, blk)
                if base is not None:   # residual: source token + delta (features() without base gave mean + delta)
                    f = f - model.feat_mean + base
                toks[:, o:o + n] = f
            out[idx] = toks[:, :n_tokens].float().cpu()
            continue
        base = (lambda k: src_img[:, k]) if src_img is not None else (lambda k: None)
        _, f, past = model.step(ids, slot, feats, base=base(0))
        toks = [f]
        z = torch.zeros(b, 1, dtype=torch.long, device=device)
        for k in range(1, n_tokens):
            _, f, past = model.step(z, torch.full((b, 1), k, device=device), f.view(b, 1, C), past, base=base(k))
            toks.append(f)
        out[idx] = torch.stack(toks, 1).float().cpu()
    return out


@torch.no_grad()
def generate_text(model, tok, prefixes, bank_flat, device, max_tokens=24, batch=128):
    """Greedy answers for prefixes ending with <ans> (scale order: each new text token is its own block)."""
    C = model.cfg.feature_dim
    scale = model.cfg.order == "scale"
    answers = [None] * len(prefixes)
    for idx in _buckets(prefixes, batch):
        ids, slot, feats, block = _prefix_tensors(prefixes, idx, bank_flat, device)
        b = len(idx)
        blk = block if scale else None
        logits, _, past = model.step(ids, slot, feats, block=blk)
        outs = [[] for _ in idx]
        done = torch.zeros(b, dtype=torch.bool, device=device)
        for _ in range(max_tokens):
            nxt = logits[:, :tok.vocab_size].argmax(-1)   # the head's spare rows beyond the tokenizer are never text
            done |= nxt == tok.eos
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
            answers[i] = tok.decode(outs[j]).strip()
    return answers


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
            d = shipped.load_state(Decoder(cfg, n), os.path.join(shipped.MODELS_DIR, f"decoder_{s}.onnx"))
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


def score_t2i(dec_tokens, gen_tokens):
    """cos between the decoded image's f4 and the generated f4 ([B,341,C] each) -> [B]."""
    sl = T.scale_slices()["f4"]
    return F.cosine_similarity(dec_tokens[:, sl].flatten(1), gen_tokens[:, sl].flatten(1), dim=1)


def score_cond(dec_tokens, gen_tokens):
    """mean over scales of the mean token cosine -> [B]."""
    out = 0
    for sl in T.scale_slices().values():
        out = out + F.cosine_similarity(dec_tokens[:, sl], gen_tokens[:, sl], dim=-1).mean(1)
    return out / 5


def choice_report(scores, prefs):
    """scores, prefs: {scale: [n]} (higher better). -> agreement and regret of the pick."""
    names = list(scores)
    S = torch.stack([scores[s].cpu().float() for s in names], 1)
    P = torch.stack([prefs[s].cpu().float() for s in names], 1)
    pick = S.argmax(1)
    best = P.argmax(1)
    picked = P.gather(1, pick[:, None])[:, 0]
    hist = {names[i]: int((pick == i).sum()) for i in range(len(names))}
    return {"agree": float((pick == best).float().mean()), "metric_at_pick": float(picked.mean()),
            "metric_at_best": float(P.max(1).values.mean()),
            "metric_fixed": {names[i]: float(P[:, i].mean()) for i in range(len(names))}, "picked": hist}


# ---- the evaluation ------------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--mllm", default=os.path.join(ROOT, "training", "runs", "mllm", "mllm.pt"))
    ap.add_argument("--out", default=os.path.join(ROOT, "training", "runs", "eval_mllm.json"))
    ap.add_argument("--n-t2i", type=int, default=256)
    ap.add_argument("--prompts", default=NATURAL_PROMPTS if os.path.exists(NATURAL_PROMPTS) else None,
                    help="natural-language t2i prompts (JSON list, or {'prompts': list}, of {prompt, concept})")
    ap.add_argument("--n-natural", type=int, default=None, help="limit the natural prompts (tests)")
    ap.add_argument("--n-openmoji", type=int, default=400)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--n-heldout", type=int, default=None, help="limit held-out-vendor images (tests)")
    ap.add_argument("--no-quant", action="store_true", help="evaluate the fp32 weights, not the shipped int8 grid")
    ap.add_argument("--tiny", action="store_true", help="tests: random encoder/decoders/judge, tiny model")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="with --tiny: MLLMConfig overrides (order=scale)")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--tokenizer", default=os.path.join(ROOT, "training", "tokenizer.json"))
    args = ap.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    from training.data import load
    from training.tokenizer import Tokenizer
    from training.transforms import to_tensor
    images, meta = load(args.data_dir) if args.data_dir else load()
    tok = Tokenizer.load(args.tokenizer)
    rng = random.Random(0)

    if args.tiny:
        from training.train_mllm import random_encoder
        from training.mllm import MLLM, get as get_config
        from training.judge import Judge, label_vocab
        cfg = get_config("tiny", args.set)
        torch.manual_seed(0)
        model = MLLM(cfg)
        encoder = random_encoder(cfg.feature_dim).to(device)
        judge = Judge(label_vocab(meta), 8).to(device).eval()
    else:
        from training.encoder import load_encoder
        from training.judge import load_judge
        model, _ = load_mllm(args.mllm, device)
        from training import shipped
        encoder, _ = shipped.load_encoder(device)
        judge = load_judge(os.path.join(CKPT, "judge.pt"), device)
    if not args.no_quant:
        from training.export_mllm import fake_quantize
        model = fake_quantize(model)
    model = model.to(device).eval()
    order = model.cfg.order
    for blk in model.blocks:
        blk.attn.fused = True   # prefill via SDPA where torch has it; steps use the cache path
    decode = make_decode(encoder, device, tiny=args.tiny)
    vocab = judge.vocab
    cidx = {c: i for i, c in enumerate(vocab["concept"])}
    tidx = {c: i for i, c in enumerate(vocab["skin_tone"])}
    sidx = {c: i for i, c in enumerate(vocab["style"])}

    # which images need features: held-out vendor, an OpenMoji sample, t2i reference not needed
    hv = [m["i"] for m in meta if m["split"] == "heldout_vendor"]
    if args.n_heldout:
        hv = sorted(rng.sample(hv, min(args.n_heldout, len(hv))))
    om = [m["i"] for m in meta if m["split"] == "openmoji"]
    om = sorted(rng.sample(om, min(args.n_openmoji, len(om))))
    need = sorted(set(hv + om))
    pos = {i: k for k, i in enumerate(need)}
    log(f"bank for {len(need)} images")
    bank = T.build_bank(encoder, images[need], device, log=None)
    n_need = len(need)
    bank_flat = bank.view(-1, bank.shape[-1])

    def row(i, variant="orig"):
        return T.VARIANTS.index(variant) * n_need + pos[i]

    sampler = T.TaskSampler(meta, tok, seed=0)   # train pairs (for names/cats); rows remapped below
    sampler.row = row
    res = {"config": {"order": order, "mllm": model.cfg.__dict__ | {"scale_weights": list(model.cfg.scale_weights)}, "seeds": args.seeds, "int8": not args.no_quant, "n_heldout_vendor": len(hv), "n_openmoji": len(om)}}

    @torch.no_grad()
    def judge_probs(x):
        outs = [judge(x[s:s + 512]) for s in range(0, len(x), 512)]
        return {h: torch.cat([o[h] for o in outs]).float().softmax(-1) for h in outs[0]}

    @torch.no_grad()
    def judge_features(x):
        return torch.cat([judge.features(x[k:k + 512]) for k in range(0, len(x), 512)]).float().cpu()

    def eval_t2i(prompts, concepts, name):
        """Per scale and at the recommended scale: judge top-1/top-5 of the asked concept (mean
        over seeds), Fréchet distance in judge-feature space to real images of the asked concepts,
        diversity across seeds (mean pairwise 1 - cos of judge features)."""
        pre = [prefix_of([sampler.sp(tok.bos), sampler.text(T.normalize_text(p)), sampler.sp(tok.img)], order) for p in prompts]
        log(f"{name}: generating {len(pre)} images")
        gen_dev = generate_images(model, pre, bank_flat, device).to(device)
        target = torch.tensor([cidx[c] for c in concepts])
        per, scores, prefs, hits1, hits5 = {}, {}, {}, {}, {}
        for s in SCALES_FINE_FIRST:
            toks = split_scales(gen_dev)[s]
            h1 = h5 = pc = sc = 0
            feats = []
            for seed in range(args.seeds):
                x = decode(s, toks, seed)
                p = judge_probs(x)["concept"].cpu()
                top5_idx = p.topk(min(5, p.shape[1]), dim=1).indices
                h1 = h1 + (top5_idx[:, 0] == target).float() / args.seeds
                h5 = h5 + (top5_idx == target[:, None]).any(1).float() / args.seeds
                pc = pc + p[torch.arange(len(target)), target] / args.seeds
                feats.append(judge_features(x))
                sc = sc + score_t2i(encode_pyramid(encoder, x), gen_dev).cpu() / args.seeds
            div = [(1 - (feats[a] * feats[b]).sum(-1)).mean().item() for a in range(len(feats)) for b in range(a + 1, len(feats))]
            per[s] = {"judge_top1": float(h1.mean()), "judge_top5": float(h5.mean()),
                      "frechet": frechet(torch.cat(feats), real_features(concepts)),
                      "diversity": float(np.mean(div)) if div else 0.0}
            scores[s], prefs[s], hits1[s], hits5[s] = sc, pc, h1, h5
            log(f"{name} {s}: {per[s]}")
        pick = torch.stack([scores[s] for s in SCALES_FINE_FIRST], 1).argmax(1)
        H1 = torch.stack([hits1[s] for s in SCALES_FINE_FIRST], 1)
        H5 = torch.stack([hits5[s] for s in SCALES_FINE_FIRST], 1)
        rec = {"judge_top1": float(H1.gather(1, pick[:, None]).mean()), "judge_top5": float(H5.gather(1, pick[:, None]).mean())}
        best = {"judge_top1": float(H1.max(1).values.mean()), "judge_top5": float(H5.max(1).values.mean())}
        log(f"{name} recommended: {rec} best-of-5: {best}")
        return {"per_scale": per, "recommended": rec, "best_scale": best, "n_prompts": len(prompts),
                "example_prompts": list(prompts[:5]), "scale_choice": choice_report(scores, prefs)}

    real_cache = {}

    def real_features(concepts):
        """Judge features of every trained image of the asked concepts (all vendors and tones)."""
        key = tuple(sorted(set(concepts)))
        if key not in real_cache:
            want = set(key)
            idx = [m["i"] for m in meta if m["concept"] in want and m["split"] == "train"]
            x = to_tensor(images[idx], device=device)
            real_cache[key] = judge_features(x)
        return real_cache[key]

    # -- text-to-image: trained concepts, held-out template phrasings, default tone ----------------
    train_concepts = {}
    for m in meta:
        if m["split"] == "train" and m["skin_tone"] == "none":
            train_concepts.setdefault(m["concept"], m)
    concepts = sorted(train_concepts)
    concepts = [c for c in rng.sample(concepts, min(args.n_t2i, len(concepts))) if c in cidx]
    prompts = [T.t2i_prompt(dict(train_concepts[c], vendor="none"), rng, heldout=True) for c in concepts]
    res["t2i"] = eval_t2i(prompts, concepts, "t2i")
    # -- text-to-image: natural-language prompts written by people (training/eval/natural_prompts.json)
    if args.prompts:
        nat = load_natural_prompts(args.prompts)
        nat = [e for e in nat if e["concept"] in cidx]
        if args.n_natural:
            nat = nat[:args.n_natural]
        res["t2i_natural"] = dict(eval_t2i([e["prompt"] for e in nat], [e["concept"] for e in nat], "t2i_natural"),
                                  file=os.path.relpath(os.path.abspath(args.prompts), ROOT))

    # -- captioning and VQA --------------------------------------------------------------------------
    def understand(idx_list, qa):
        pre = [prefix_of(sampler.understanding(i, q, "x")[:6], order) for i, (q, _) in zip(idx_list, qa)]
        ans = generate_text(model, tok, pre, bank_flat, device)
        return [a == T.normalize_text(g) for a, (_, g) in zip(ans, qa)], ans

    cap = {}
    for name, idx in (("heldout_vendor", hv), ("openmoji", om)):
        ok, ans = understand(idx, [(T.CAPTION_Q[0], meta[i]["name"]) for i in idx])
        cap[name] = {"exact_match": float(np.mean(ok)) if ok else 0.0, "n": len(ok),
                     "examples": [[meta[i]["name"], a] for i, a in list(zip(idx, ans))[:8]]}
        log(f"caption {name}: {cap[name]['exact_match']:.3f}")
    res["caption"] = cap
    vqa = {}
    for name, idx in (("heldout_vendor", hv), ("openmoji", om)):
        per = {}
        qs = {"category": lambda m: (T.VQA_CATEGORY[0], T.category_word(m)),
              "skin_tone": lambda m: (T.VQA_TONE[0], T.tone_phrase(m["skin_tone"])),
              "yes_no": lambda m: _yn(m, sampler)}
        if name != "openmoji":
            qs["style"] = lambda m: (T.VQA_STYLE[0], T.STYLE[m["vendor"]])
        for qn, f in qs.items():
            ok, _ = understand(idx, [f(meta[i]) for i in idx])
            per[qn] = float(np.mean(ok)) if ok else 0.0
        vqa[name] = per
        log(f"vqa {name}: {per}")
    res["vqa"] = vqa

    # -- editing and conditional generation on held-out-vendor images --------------------------------
    by_cv, by_ct = {}, {}
    for m in meta:
        if m["vendor"] in T.STYLE:
            by_cv.setdefault((m["concept"], m["vendor"]), {})[m["skin_tone"]] = m["i"]
            by_ct.setdefault((m["concept"], m["skin_tone"]), {})[m["vendor"]] = m["i"]
    jobs = []   # (kind, src_row, instruction, concept, target label)
    for i in hv:
        m = meta[i]
        tones = sorted(t for t in by_cv.get((m["concept"], m["vendor"]), {}) if t != m["skin_tone"] and t in tidx)
        if tones:
            t = rng.choice(tones)
            jobs.append(("edit_tone", row(i), T.tone_instruction(t, rng), m["concept"], t))
        other = [v for v in by_ct.get((m["concept"], m["skin_tone"]), {}) if v != m["vendor"] and v in sidx]
        if other:
            jobs.append(("edit_style", row(i), T.EDIT_STYLE[0].format(style=T.STYLE[other[0]]), m["concept"], other[0]))
        jobs.append(("colorize", row(i, "gray"), T.COLORIZE[0], m["concept"], i))
        jobs.append(("inpaint", row(i, "mask_a"), T.INPAINT[0], m["concept"], i))
        jobs.append(("sketch", row(i, "edges"), T.SKETCH[0], m["concept"], i))
    pre = [prefix_of([sampler.sp(tok.bos), sampler.sp(tok.img), ("img", r, False), sampler.sp(tok.img_end),
                      sampler.text(T.normalize_text(ins)), sampler.sp(tok.img)], order) for _, r, ins, _, _ in jobs]
    log(f"editing/conditional: generating {len(pre)} images")
    gen = generate_images(model, pre, bank_flat, device).to(device)
    kinds = sorted({j[0] for j in jobs})
    res["edit"] = {}
    for kind in kinds:
        sel = [k for k, j in enumerate(jobs) if j[0] == kind]
        toks_all = split_scales(gen[sel])
        per, scores, prefs = {}, {}, {}
        for s in SCALES_FINE_FIRST:
            x = decode(s, toks_all[s], 0)
            scores[s] = score_cond(encode_pyramid(encoder, x), gen[sel]).cpu()
            if kind in ("edit_tone", "edit_style"):
                p = judge_probs(x)
                conc = torch.tensor([cidx.get(jobs[k][3], 0) for k in sel], device=x.device)
                head, lab = ("skin_tone", tidx) if kind == "edit_tone" else ("style", sidx)
                tgt = torch.tensor([lab[jobs[k][4]] for k in sel], device=x.device)
                ok = (p[head].argmax(1) == tgt) & (p["concept"].argmax(1) == conc)
                per[s] = {"success": float(ok.float().mean())}
                prefs[s] = (p[head].gather(1, tgt[:, None])[:, 0] * p["concept"].gather(1, conc[:, None])[:, 0]).cpu()
            else:
                ref = to_tensor(images[[jobs[k][4] for k in sel]], device=device)
                ps = psnr(x, ref).cpu()
                per[s] = {"psnr": float(ps.mean())}
                prefs[s] = ps
                if kind == "sketch":    # recognition: the judge names the sketched concept
                    conc = torch.tensor([cidx.get(jobs[k][3], -1) for k in sel], device=x.device)
                    top5 = judge_probs(x)["concept"].topk(min(5, len(cidx)), dim=1).indices
                    per[s]["recognised_top1"] = float((top5[:, 0] == conc).float().mean())
                    per[s]["recognised_top5"] = float((top5 == conc[:, None]).any(1).float().mean())
                if kind == "inpaint":   # inside the hole (what the page shows) and outside it
                    hole = T.hole_masks([pos[jobs[k][4]] for k in sel], "mask_a").to(x.device)
                    per[s]["psnr_hole"] = float(psnr_where(x, ref, hole).mean())
                    per[s]["psnr_outside"] = float(psnr_where(x, ref, 1 - hole).mean())
        res["edit"][kind] = {"per_scale": per, "n": len(sel), "scale_choice": choice_report(scores, prefs)}
        log(f"{kind}: {per}")
    res["seconds"] = time.time() - T0
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    log(f"wrote {args.out}")
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
    """Fréchet distance between Gaussian fits of two feature sets [n, d] (as FID does)."""
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

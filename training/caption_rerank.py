"""Captions from retrieval + the MLLM's own likelihood, no training (issue 15).

The held-out-vendor caption (exact match with the concept's name) is v9's weakest understanding metric
(38.3%, target 45%). Its reader's f4 feature finds the concept of a held-out-vendor drawing among the
training drawings by nearest neighbour about as often (the cross-vendor encoder's probe over all 7,034
training images: top-1 40.8%, top-5 83.2%, `training/eval/xv/probe_xv_full.json`), and its top-5 holds
the answer twice as often. This measures whether the MLLM, asked to score the retrieved candidates'
names (teacher-forced log-likelihood of "<name></s>" after the caption question), picks the right one
more often than it writes it:

    /usr/bin/python3 -m training.shipped mllm /tmp/v9.pt
    /usr/bin/python3 -m training.caption_rerank --mllm /tmp/v9.pt [--k 5] [--device cuda]

The gallery is the page's (`public/models/gallery.bin`, `python3 -m training.gallery`). The page's rule
(manifest mllm.pick) is `caption_pick` and `plan_fix` below, measured as the page runs it by
`eval_mllm --pick K`. 12 s on one H200 (`--device cuda`); on this 2-core CPU the captions take far longer.
Rows: the MLLM's greedy caption (eval_mllm's), retrieval's top-1 name, the MLLM's pick among retrieval's
top-k names, and the same with its greedy caption among the candidates. The weights are the shipped ones
(int8 grid, as eval_mllm) and the reader is the page's (`public/models/reader.onnx`). No parameter is
fitted, so the rows are out of sample for these images.
"""
import argparse
import json
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F

from training import mllm_tasks as T
from training.eval_mllm import _prefix_tensors, generate_text, prefix_of
from training.gallery import Gallery, keys_of

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
T0 = time.time()


def log(msg):
    print(f"[caption_rerank {time.time() - T0:6.1f}s] {msg}", flush=True)


@torch.no_grad()
def tokens_of(encoder, images_uint8, device, batch=256, view=None):
    """[n, 341, C] each image's tokens as build_bank's 'orig' block holds them (fp16 there too). view(x, rows): what
    the encoder reads instead of a batch x (rows: its positions in images_uint8), e.g. a source kind's variant."""
    from training.transforms import to_tensor

    def read(s):
        x = to_tensor(images_uint8[s:s + batch], device=device)
        return encoder(x if view is None else view(x, torch.arange(s, s + len(x))))
    return torch.cat([T.image_tokens(read(s).float()).to(torch.float16) for s in range(0, len(images_uint8), batch)])


@torch.no_grad()
def answer_loglik(model, tok, prefixes, answers, bank_flat, device, batch=32, end=None):
    """-> per prefix, per answer: sum of log P(answer tokens, </s>) after the prefix (ending with <ans>),
    teacher-forced as generate_text would write them (scale order: each text token its own block); `end`:
    the token that ends an answer (a plan's [IMG]; default </s>).
    answers: one list of candidate strings per prefix; the prefix is run once, its cache shared."""
    scale = model.cfg.order == "scale"
    C = model.cfg.feature_dim
    out = [None] * len(prefixes)
    by_len = {}
    for i, p in enumerate(prefixes):
        by_len.setdefault(len(p[0]), []).append(i)
    for _, idx_all in by_len.items():
        for s0 in range(0, len(idx_all), batch):
            idx = idx_all[s0:s0 + batch]
            ids, slot, feats, block, rd = _prefix_tensors(prefixes, idx, bank_flat, device)
            h, past = model(ids, slot, feats, None, block if scale else None, rd)
            first = model.logits(h[:, -1])[..., :tok.vocab_size].float().log_softmax(-1)
            for j, i in enumerate(idx):
                seqs = [tok.encode(" " + a) + [tok.eos if end is None else end] for a in answers[i]]
                m = max(len(q) for q in seqs)
                a_ids = torch.tensor([q + [tok.eos] * (m - len(q)) for q in seqs], device=device)
                n = len(seqs)
                pk = [(k[j:j + 1].expand(n, -1, -1, -1), v[j:j + 1].expand(n, -1, -1, -1)) for k, v in past]
                blk = None
                if scale:
                    b0 = block[j:j + 1]
                    blk = torch.cat([b0, b0.max() + 1 + torch.arange(m, device=device).view(1, m)], 1).expand(n, -1)
                if m == 1:   # every answer a bare </s>
                    out[i] = [float(first[j, q[0]]) for q in seqs]
                    continue
                # the answer's tokens but its last (</s>) go in; each position predicts the next
                hh, _ = model(a_ids[:, :-1], torch.zeros(n, m - 1, dtype=torch.long, device=device),
                              torch.zeros(n, m - 1, C, device=device), pk, blk[:, :-1] if blk is not None else None)
                lp = model.logits(hh)[..., :tok.vocab_size].float().log_softmax(-1)
                out[i] = [float(first[j, q[0]] + sum(lp[r, t, q[t + 1]] for t in range(len(q) - 1))) for r, q in enumerate(seqs)]
    return out


def given_keys(prefixes, keys_flat, scale):
    """[n, tokens(scale) x C] the reader's tokens at `scale` of each prefix's given image, flattened (gallery.keys_of):
    its rows in keys_flat (the reader's bank, bank_flat[1], or its framed twin: framing.py) run from the prefix's
    first image row (f4) in the pyramid's order. A gallery in the key's space gets its keys from keys_flat's `given`
    (training/pick_key.ImageKeys) instead."""
    if hasattr(keys_flat, "given"):
        return keys_flat.given(prefixes)
    from training.common import IMAGE_ORDER, SCALE_OFFSETS, SCALE_TOKENS
    j = IMAGE_ORDER.index(scale)
    first = [next(s for s in p[2] if s >= 0) + SCALE_OFFSETS[j] for p in prefixes]
    return torch.stack([keys_flat[s:s + SCALE_TOKENS[j]].reshape(-1) for s in first]).float().cpu()


def pick(model, tok, prefixes, cands, bank_flat, device, end=None, prior=None, record=None, views=()):
    """The candidate (a string per prefix's list) with the highest score after each prefix: its answer_loglik, plus
    prior[i][j] where given (the retrieval's cosine over the reader's InfoNCE temperature: a product of the two
    experts). views: more banks like bank_flat, each of the same images re-drawn (training/redraw.py): the
    log-likelihood is then the mean over bank_flat and them (the prefixes' given images read in every view).
    record: a list that gets, per prefix, {"loglik", "prior"} of its candidates (eval_mllm --pick-record)."""
    per_view = [answer_loglik(model, tok, prefixes, cands, b, device, end=end) for b in (bank_flat, *views)]
    ll = [np.mean([v[i] for v in per_view], 0) for i in range(len(prefixes))]
    priors = [None] * len(ll) if prior is None else prior
    scores = [np.asarray(l) + (0.0 if p is None else np.asarray(p, dtype=np.float64)) for l, p in zip(ll, priors)]
    if record is not None:
        record.extend({"loglik": [float(x) for x in l], "prior": None if p is None else [float(x) for x in p]}
                      for l, p in zip(ll, priors))
    return [cs[int(np.argmax(sc))] for cs, sc in zip(cands, scores)]


def task_temperature(temperature, task):
    """The pick's temperature for one page task: manifest mllm.pick.temperature is one number for every task or
    {task: number} (training/pick_temperature.py chooses one per task on a dev set); None: the log-likelihood alone."""
    if not isinstance(temperature, dict):
        return temperature
    if task not in temperature:   # as the page's manifest validation: every picking task named, none left to chance
        raise KeyError(f"the pick's temperature names no {task!r} (it has {sorted(temperature)}; null: the log-likelihood alone)")
    return temperature[task]


def retrieved(gallery, prefixes, keys_flat, k, temperature=None):
    """(names [n, k], prior [n, k] or None): the k names the gallery retrieves for each prefix's given image (its rows
    of keys_flat: given_keys) and, with a temperature (manifest mllm.pick.temperature), each one's cosine over it.
    temperature: one number, or one per prefix (None where that prefix's task has none: no prior)."""
    names, scores = gallery.retrieve(given_keys(prefixes, keys_flat, gallery.scale), k)
    if not isinstance(temperature, (list, tuple)):
        temperature = [temperature] * len(names)
    if all(t is None for t in temperature):
        return names, None
    return names, [None if t is None else (s.double() / t).tolist() for s, t in zip(scores, temperature)]


def caption_pick(model, tok, gallery, bank_flat, device, k, temperature=None, record=None, keys_flat=None, views=()):
    """For eval_mllm --pick: (caption prefixes ending in <ans>) -> the MLLM's pick among the k names the
    gallery retrieves for each prefix's given image (the page's caption, manifest mllm.pick). keys_flat: the
    retrieval's reader bank (default bank_flat[1]; eval_mllm's framed one where the pick frames); views: pick's."""
    temperature = task_temperature(temperature, "caption")

    def answer(prefixes):
        names, prior = retrieved(gallery, prefixes, bank_flat[1] if keys_flat is None else keys_flat, k, temperature)
        rec = [] if record is not None else None
        got = pick(model, tok, prefixes, names, bank_flat, device, prior=prior, record=rec, views=views)
        if record is not None:
            record.extend(dict(r, task="caption", names=n, picked=g) for r, n, g in zip(rec, names, got))
        return got
    return answer


def plan_fix(model, tok, gallery, bank_flat, device, k, temperature=None, keys_flat=None, views=(), styles=None):
    """For eval_mllm --pick: a function (prefixes, plans, record=None, tasks=None) -> plans that replaces each plan's
    concept by the MLLM's pick among the top-k names the gallery retrieves for the prefix's given image, keeping the
    plan's style and tone (the page's edits, manifest mllm.pick). keys_flat: as caption_pick's. tasks: each prefix's
    page task (edit, colorize, inpaint, sketch), for a temperature per task (task_temperature). styles: the style words
    a plan may keep (manifest mllm.pick.page_styles: the page's, plan.styles); a plan whose style is another (a design
    only trained on, MLLMConfig.draw_vendors) has its concept and style picked together among names x styles."""
    def fix(prefixes, plans, record=None, tasks=None):
        temps = temperature if tasks is None else [task_temperature(temperature, t) for t in tasks]
        if isinstance(temps, dict):
            raise ValueError("plan_fix: a temperature per task needs each prefix's task")
        names, prior = retrieved(gallery, prefixes, bank_flat[1] if keys_flat is None else keys_flat, k, temps)
        got = [T.parse_plan(tok.decode(pl).strip()) for pl in plans]
        texts = [[T.normalize_text(T.PLAN_SEP.join([n, st, gp["tone"]])) for n in ns
                  for st in (styles if styles and gp["style"] not in styles else [gp["style"]])] for ns, gp in zip(names, got)]
        if prior is not None:   # a name's prior for each of its styles
            prior = [None if ps is None else [p for p in ps for _ in range(len(ts) // len(ps))] for ps, ts in zip(prior, texts)]
        rec = [] if record is not None else None
        best = pick(model, tok, prefixes, texts, bank_flat, device, end=tok.img, prior=prior, record=rec, views=views)
        if record is not None:
            record.extend(dict(r, names=n if len(ts) == len(n) else [T.parse_plan(t)["concept"] for t in ts],
                               picked=T.parse_plan(b)["concept"]) for r, n, ts, b in zip(rec, names, texts, best))
        return [tok.encode(" " + t) for t in best]
    return fix


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--mllm", required=True, help="the MLLM checkpoint (training.shipped mllm OUT.pt: v9 as it ships)")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--n-openmoji", type=int, default=400)
    ap.add_argument("--limit", type=int, default=0, help="only the first N images of each set (a quick check)")
    ap.add_argument("--out", default=os.path.join(ROOT, "training", "eval", "caption_rerank.json"))
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)
    device = torch.device(args.device)
    torch.set_num_threads(os.cpu_count() or 1)
    from training.data import load
    from training.tokenizer import Tokenizer
    from training.mllm import load_mllm
    from training.quantize import fake_quantize
    from training import shipped
    images, meta = load()
    tok = Tokenizer.load(os.path.join(ROOT, "training", "tokenizer.json"))
    model = fake_quantize(load_mllm(args.mllm, device)[0]).to(device).eval()
    encoder = shipped.load_encoder(device)[0]
    reader = shipped.load_reader(device)[0]
    rng = random.Random(0)   # eval_mllm's sampling of the OpenMoji images
    hv = [m["i"] for m in meta if m["split"] == "heldout_vendor"]
    om = [m["i"] for m in meta if m["split"] == "openmoji"]
    om = sorted(rng.sample(om, min(args.n_openmoji, len(om))))
    if args.limit:
        hv, om = hv[:args.limit], om[:args.limit]
    need = sorted(set(hv + om))
    pos = {i: k for k, i in enumerate(need)}
    log(f"banks for {len(need)} given images")
    # the 'orig' rows only (a caption reads the image as given): the bank's first block
    bank = tokens_of(encoder, images[need], device)
    rb = tokens_of(reader, images[need], device)
    bank_flat = (bank.view(-1, bank.shape[-1]), rb.view(-1, rb.shape[-1]))
    sampler = T.TaskSampler(meta, tok, seed=0)
    sampler.row = lambda i, variant="orig": T.VARIANTS.index(variant) * len(need) + pos[i]
    gallery = Gallery.load()   # the page's: public/models/gallery.bin (python3 -m training.gallery)
    res = {"mllm": os.path.basename(args.mllm), "k": args.k, "gallery_images": len(gallery.rows),
           "gallery_concepts": len(gallery.names), "rows": {}}
    for name, idx in (("heldout_vendor", hv), ("openmoji", om)):
        want = [T.normalize_text(meta[i]["name"]) for i in idx]
        pre = [prefix_of(sampler.understanding(i, T.CAPTION_Q[0], "x")[:6], model.cfg.order) for i in idx]
        log(f"{name}: {len(idx)} captions, greedy")
        greedy = generate_text(model, tok, pre, bank_flat, device)
        log(f"{name}: scoring retrieval's top-{args.k} and the greedy caption")
        cand_names, _ = gallery.retrieve(keys_of(rb[[pos[i] for i in idx]], gallery.scale), args.k)
        both = answer_loglik(model, tok, pre, [cs + [gr] for cs, gr in zip(cand_names, greedy)], bank_flat, device)
        ll, ll_greedy = [b[:-1] for b in both], [b[-1] for b in both]
        picked = [cs[int(np.argmax(l))] for cs, l in zip(cand_names, ll)]
        pick_g = [p if max(l) >= lg else gr for p, l, lg, gr in zip(picked, ll, ll_greedy, greedy)]
        em = lambda got: float(np.mean([a == b for a, b in zip(got, want)]))
        rows = {"mllm greedy caption (eval_mllm's)": em(greedy),
                "retrieval top-1 (the reader's f4, nearest training drawing)": em([c[0] for c in cand_names]),
                f"retrieval top-{args.k} holds the answer": float(np.mean([w in c for w, c in zip(want, cand_names)])),
                f"the MLLM's pick among retrieval's top-{args.k} (its log-likelihood)": em(picked),
                f"the MLLM's pick among retrieval's top-{args.k} and its greedy caption": em(pick_g)}
        res["rows"][name] = dict(rows, n=len(idx), examples=[[w, gr, c[:3], p] for w, gr, c, p in list(zip(want, greedy, cand_names, pick_g))[:12]])
        for k2, v in rows.items():
            log(f"{name}: {k2}: {v:.3f}")
    res["seconds"] = time.time() - T0
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    log(f"wrote {args.out}")
    return res


if __name__ == "__main__":
    main()

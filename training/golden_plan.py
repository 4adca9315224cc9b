"""Golden vectors of the plan step, written by the exporter beside golden_unified's calls: what
the page must reproduce when it plans (`<s> prompt <ans> PLAN [IMG] f4..f0`, DESIGN.md's "plan,
then draw"): the greedy plan ids, the top-k first plan tokens each completed to its concept (the
page's candidate chips), the image tokens after the greedy plan and after a plan given by hand
(a user's override), all computed by PyTorch on the int8-rounded weights."""
import numpy as np
import torch

from training import mllm_tasks as tasks
from training.common import parent_index, SCALE_OFFSETS, SCALE_TOKENS, N_IMG
from training.golden_mllm import b64

PROMPT, GIVEN, TOPK, N_SCALES = "red apple", "hot beverage | noto | none", 3, 3
RESTYLE, RESTYLE_WEIGHTS = "draw it in noto style", [1.0, 0.5, 0.0]   # restyle_golden's instruction and f4, f3, f2 weights
# instructions whose verdict (names a style or not) the golden records: whole words, case, phrases with punctuation,
# a style word inside a longer word, tone instructions, an empty one
NAMES_STYLE_CASES = ("draw it in noto style", "Make it TWEMOJI style", "convert to Google", "how would x (twitter) draw this",
                     "restyle it like discord", "noto", "make it medium-dark skin tone", "notorious", "googled it",
                     "colorize this", "", "make it fluent style", "  the Twitter's   look ")


@torch.no_grad()
def plan_golden(q, tok, plan):
    C, scale = q.cfg.feature_dim, q.cfg.order == "scale"
    start, end = tok.special[plan["start"]], tok.special[plan["end"]]
    specials = set(tok.special.values())
    sep = plan["separator"].strip()
    parent = torch.tensor(parent_index())

    def call(past, ids, slot=None, feats=None, block=None):
        t = len(ids)
        ids = torch.tensor([ids])
        slot = torch.zeros_like(ids) if slot is None else torch.tensor([slot])
        feats = torch.zeros(1, t, C) if feats is None else feats.view(1, t, C)
        nb = 0 if past is None else int(past[1][0, -1]) + 1
        blk = torch.tensor([[nb + i for i in range(t)]]) if block is None else torch.tensor([block])
        allb = blk if past is None else torch.cat([past[1], blk], 1)
        h, pres = q(ids, slot, feats, None if past is None else past[0], allb)
        return q.logits(h[:, -1])[0], q.features(h)[0], (pres, allb)

    def image(past, out_feat):
        """image tokens of the first N_SCALES scales after [IMG] was fed (its output = out_feat)"""
        n = sum(SCALE_TOKENS[:N_SCALES])
        toks = torch.zeros(N_IMG, C)
        if not scale:
            nxt = out_feat[-1]
            for k in range(n):
                toks[k] = nxt
                if k + 1 == n:
                    break
                _, f, past = call(past, [0], [k + 1], toks[k])
                nxt = f[-1]
        else:
            for s in range(N_SCALES):
                o, m = SCALE_OFFSETS[s], SCALE_TOKENS[s]
                par = parent[o:o + m]
                qf = toks[par.clamp(min=0)] * (par >= 0).view(-1, 1).float()
                b = int(past[1][0, -1]) + 1
                _, f, past = call(past, [0] * m, list(range(N_IMG + 1 + o, N_IMG + 1 + o + m)), qf, [b] * m)
                toks[o:o + m] = f
        return toks[:n]

    def greedy(ids, lg, past, more):
        """`ids` continued greedily while `more(ids)`, each token fed back as its own block, up to a
        special token; returns (ids, the last logits, the cache)."""
        while more(ids):
            nxt = int(lg.argmax())
            if nxt in specials:
                break
            ids.append(nxt)
            lg, _, past = call(past, [nxt])
        return ids, lg, past

    prefix = [tok.bos] + tok.encode(" " + tasks.normalize_text(PROMPT)) + [start]
    logits0, _, past0 = call(None, prefix)
    # greedy plan: each token fed back as its own block; [IMG] ends it (forced after max_tokens)
    ids, _, past = greedy([], logits0, past0, lambda ids: len(ids) < plan["max_tokens"])
    _, f, past = call(past, [end])
    greedy_tokens = image(past, f)
    # the top-k first tokens (specials skipped), each completed greedily up to the separator
    order = [int(i) for i in torch.argsort(logits0, descending=True) if int(i) not in specials][:TOPK]
    cands = []
    for t in order:
        lg, _, p = call(past0, [t])
        cids, _, _ = greedy([t], lg, p, lambda ids: len(ids) < max(1, plan["max_tokens"] // 2) and sep not in tok.decode(ids))
        cands.append({"id": t, "ids": cids, "concept": tasks.normalize_text(tok.decode(cids).split(sep)[0])})
    # a plan given by hand: fed in one call with [IMG]
    given = tok.encode(" " + tasks.normalize_text(GIVEN))
    _, f, past = call(past0, given + [end])
    given_tokens = image(past, f)
    restyled = restyle_golden(q, tok, plan) if q.cfg.residual_edit and scale and not q.cfg.reader else None
    return {**({"restyle": restyled} if restyled else {}), "prompt": PROMPT, "prefill_ids": prefix, "plan_ids": ids, "plan_text": tasks.normalize_text(tok.decode(ids)),
            "topk": {"ids": order, "logits": [float(logits0[i]) for i in order]}, "candidates": cands,
            "tokens": b64(greedy_tokens, np.float32), "given": {"text": GIVEN, "ids": given, "tokens": b64(given_tokens, np.float32)},
            "scales": N_SCALES, "atol": 2e-4, "rtol": 2e-3}


@torch.no_grad()
def restyle_golden(q, tok, plan):
    """An edit restyled (training/restyle.py, manifest mllm.restyle): a random source, an instruction, the plan GIVEN,
    the first N_SCALES scales drawn per scale as u + w (c - u), c from the edit's own sequence (residual: the source's
    token plus the delta), u from the plan alone (<s>, the plan's fields in the canonical phrasing, <ans>, the plan,
    [IMG]); the weights keep f4, blend f3 half and half and take f2 from the plan alone. Computed by eval_mllm's
    generate_images, the loop every evaluation draws with."""
    from training.eval_mllm import generate_images, prefix_of
    C = q.cfg.feature_dim
    g = torch.Generator().manual_seed(7)
    source = torch.randn(N_IMG, C, generator=g) * 0.5 + q.feat_mean.float().view(1, C)
    text = lambda s: ("text", tok.encode(" " + tasks.normalize_text(s)), False)
    sp = lambda t: ("text", [t], False)
    start, end = tok.special[plan["start"]], tok.special[plan["end"]]
    given = tok.encode(" " + tasks.normalize_text(GIVEN))
    edit = [sp(tok.bos), sp(tok.img), ("img", 0, False), sp(tok.img_end), text(RESTYLE), sp(start), ("text", given, False), sp(end)]
    alone_prompt = tasks.canonical_prompt(tasks.parse_plan(tasks.normalize_text(GIVEN)))
    alone = [sp(tok.bos), text(alone_prompt), sp(start), ("text", given, False), sp(end)]
    weights = RESTYLE_WEIGHTS + [1.0] * (len(SCALE_TOKENS) - len(RESTYLE_WEIGHTS))
    n = sum(SCALE_TOKENS[:N_SCALES])
    got = generate_images(q, [prefix_of(edit, "scale")], source, "cpu", n_tokens=n, contrast=[prefix_of(alone, "scale")],
                          guidance=weights, contrast_reads_no_source=True)[0, :n]
    from training.restyle import names_style, words
    ws = words()
    return {"instruction": RESTYLE, "plan": GIVEN, "alone_prompt": alone_prompt, "weights": RESTYLE_WEIGHTS,
            "source": b64(source, np.float32), "tokens": b64(got, np.float32),
            # which instructions name a style (training/restyle.py words, names_style): the page's namesStyle must agree
            "words": ws, "names_style": {t: names_style(t, ws) for t in NAMES_STYLE_CASES}}

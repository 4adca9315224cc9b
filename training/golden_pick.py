"""golden/pick.json: the pick (manifest mllm.pick) as PyTorch computes it, for the TypeScript parity test
(workers/mllm/pick.test.ts): for a few held-out-vendor drawings, the gallery's retrieved names and scores for
the drawing's key (the key model's embedding in a key-space gallery, else the reader's tokens), each name's log-likelihood as a caption (after the drawing and, where the
pick reads re-drawings (mllm.pick.views), after each re-drawing: their pyramids, float16 as the bank holds them) and as
an edit plan's concept, and the picks (each name's log-likelihood plus its cosine / mllm.pick.temperature where
set: one number, or the caption's and the edit's of a {task: T}); and the re-drawing's and the framing's arithmetic. The
shipped MLLM on its int8 grid (as eval_mllm), the shipped encoder and reader, the shipped gallery:

    /usr/bin/python3 -m training.golden_pick          # after training.data and training.gallery

The pyramids are stored as the evaluation's bank holds them (float16 values), so the test feeds exactly what
PyTorch read. Cases are the first held-out-vendor drawings and the first OpenMoji drawings (N_CASES of each) whose
best two candidates (caption and plan) are at least MARGIN apart in log-likelihood, so float differences between
the runtimes cannot flip a pick. A held-out-vendor drawing is about the gallery's size (its key is the reader's own
pyramid); an OpenMoji drawing is smaller and framed, so its key differs: the page must ask the gallery with it.
"""
import json
import os

import numpy as np
import torch

from training import framing, mllm_tasks as T, redraw
from training.golden_mllm import b64
from training.common import ROOT
from training.manifest import GOLDEN_DIR, read_manifest

N_CASES, MARGIN = 2, 0.05   # N_CASES of each split


def pyramid_json(tokens, dtype=np.float32):
    """[341, C] image order -> {scale: base64 [tokens * C]} (the page's Pyramid; float16 holds the bank's values exactly)."""
    return {name: b64(tokens[sl].float(), dtype) for name, sl in T.scale_slices().items()}


def view_cases(images, meta, thetas):
    """[{name, image, redrawn: [per theta]}] NCHW float32 (base64): a held-out-vendor drawing and an OpenMoji one,
    re-drawn by each of the pick's views (training/redraw.py)."""
    from training.transforms import to_tensor
    first = lambda split: next(m for m in meta if m["split"] == split and m["skin_tone"] == "none")
    hv, om = first("heldout_vendor"), first("openmoji")
    x = to_tensor(images[[hv["i"], om["i"]]])
    return [{"name": m["name"], "image": b64(g, np.float32),
             "redrawn": [b64(redraw.redraw(g[None], th)[0], np.float32) for th in thetas]} for m, g in zip((hv, om), x)]


def frame_cases(images, meta, frame):
    """[{name, image, framed}] NCHW float32 (base64): an OpenMoji drawing (smaller than the gallery's: scaled up), its
    edge map (a sketch's source) and masked copy (an inpainting's), a Fluent drawing, a held-out-vendor drawing (about
    the gallery's size: within keep, unchanged) and a blank image (no ink: unchanged)."""
    from training.transforms import to_tensor
    first = lambda split: next(m for m in meta if m["split"] == split and m["skin_tone"] == "none")
    om, fl, hv = first("openmoji"), first("sources"), first("heldout_vendor")
    x = to_tensor(images[[om["i"], fl["i"], hv["i"]]])
    var = T.image_variants(x[:1], torch.tensor([om["i"]]))
    given = [("openmoji " + om["name"], x[0]), ("openmoji " + om["name"] + " (edges)", var["edges"][0]),
             ("openmoji " + om["name"] + " (masked)", var["mask_a"][0]), ("fluent " + fl["name"], x[1]),
             (hv["name"], x[2]), ("blank", torch.ones_like(x[0]))]
    return [{"name": n, "image": b64(g, np.float32), "framed": b64(framing.frame_as(g[None], frame)[0], np.float32)}
            for n, g in given]


@torch.no_grad()
def main():
    torch.set_num_threads(os.cpu_count() or 1)
    from training import shipped
    from training.caption_rerank import answer_loglik, tokens_of
    from training.data import load
    from training.eval_mllm import generate_plans, prefix_of
    from training.gallery import Gallery, keys_of
    from training.quantize import fake_quantize
    from training.tokenizer import Tokenizer
    from training.transforms import to_tensor
    images, meta = load()
    man = read_manifest()
    k = man["mllm"]["pick"]["k"]
    question = man["mllm"]["prompts"]["caption"]
    tok = Tokenizer.load(os.path.join(ROOT, "training", "tokenizer.json"))
    model = fake_quantize(shipped.load_mllm()).eval()
    encoder, reader = shipped.load_encoder()[0], shipped.load_reader()[0]
    gallery = Gallery.load()
    pool = {split: [m for m in meta if m["split"] == split and m["skin_tone"] == "none"][:40] for split in ("heldout_vendor", "openmoji")}
    hv = pool["heldout_vendor"] + pool["openmoji"]
    idx = [m["i"] for m in hv]
    bank, rb = tokens_of(encoder, images[idx], "cpu"), tokens_of(reader, images[idx], "cpu")
    frame = man["mllm"]["pick"].get("frame")   # the gallery is asked with the drawing framed (training/framing.py)
    framed = lambda x, rows: framing.frame_as(x, frame)
    temp = man["mllm"]["pick"].get("temperature")   # each name's score adds its cosine / temperature where set
    if gallery.space == "key":   # the key model's embedding of the drawing, framed where the pick frames
        from training.pick_key import load_shipped
        x = to_tensor(images[idx])
        keys = load_shipped("cpu")(framing.frame_as(x, frame) if frame else x)
        query = lambda j: keys[j:j + 1]
    else:
        keys = tokens_of(reader, images[idx], "cpu", view=framed) if frame else rb
        key_slice = T.scale_slices()[gallery.scale]
        query = lambda j: keys_of(keys[j:j + 1], gallery.scale)
    from training.caption_rerank import task_temperature   # one temperature, or one per page task

    def prior(scores, task):
        t = task_temperature(temp, task)
        return np.asarray(scores) / t if t else 0.0
    flat = (bank.reshape(-1, bank.shape[-1]), rb.reshape(-1, rb.shape[-1]))
    vspec = man["mllm"]["pick"].get("views") or {"tasks": [], "thetas": []}
    thetas = vspec["thetas"] if "caption" in vspec["tasks"] else []   # a caption's choice reads the re-drawings
    drawn = [lambda x, rows, th=th: redraw.redraw(x, th) for th in thetas]
    vbanks = [(tokens_of(encoder, images[idx], "cpu", view=d), tokens_of(reader, images[idx], "cpu", view=d)) for d in drawn]
    s = T.TaskSampler(meta, tok, seed=0)
    s.row = lambda i, variant="orig": idx.index(i)   # the bank holds these drawings only

    def prefix(i, text):
        """<s> [IMG] image [/IMG] text <ans>: a caption's and an edit's (the plan follows <ans>)"""
        return prefix_of([s.sp(tok.bos), s.sp(tok.img), ("img", s.row(i), False), s.sp(tok.img_end),
                          s.text(T.normalize_text(text)), s.sp(tok.ans)], model.cfg.order)

    cases, taken = [], {split: 0 for split in pool}
    for j, m in enumerate(hv):
        if taken[m["split"]] == N_CASES:
            continue
        names, scores = gallery.retrieve(query(j), k)
        names, scores = names[0], scores[0].tolist()
        cap_pre = prefix(m["i"], question)
        cap_ll = answer_loglik(model, tok, [cap_pre], [names], flat, "cpu")[0]
        views_ll = [answer_loglik(model, tok, [cap_pre], [names], tuple(b.reshape(-1, b.shape[-1]) for b in vb), "cpu")[0]
                    for vb in vbanks]
        cap_mean = np.mean([cap_ll] + views_ll, 0).tolist()   # the caption's choice's log-likelihood (caption_rerank.pick)
        instruction = man["mllm"]["prompts"]["edit_tone"].format(tone="dark")   # the page's wording
        ed_pre = prefix(m["i"], instruction)
        greedy = tok.decode(generate_plans(model, tok, [ed_pre], flat, "cpu", k=1)[0][0]).strip()
        g = T.parse_plan(greedy)
        texts = [T.normalize_text(T.PLAN_SEP.join([n, g["style"], g["tone"]])) for n in names]
        ed_ll = answer_loglik(model, tok, [ed_pre], [texts], flat, "cpu", end=tok.img)[0]
        gap = lambda ll: float(np.diff(sorted(ll)[-2:])[0])
        cap_score, ed_score = np.asarray(cap_mean) + prior(scores, "caption"), np.asarray(ed_ll) + prior(scores, "edit")   # what picks
        if min(gap(cap_ll), gap(cap_score), gap(ed_score)) < MARGIN:
            continue
        taken[m["split"]] += 1
        cases.append({"name": m["name"], "vendor": m["vendor"], "split": m["split"], "source": pyramid_json(bank[j]), "reader": pyramid_json(rb[j]),
                      **({"key": b64(keys[j].float(), np.float32)} if gallery.space == "key" else
                         {"key": {gallery.scale: b64(keys[j][key_slice].float(), np.float32)}} if frame else {}),
                      "retrieved": {"names": names, "scores": scores},
                      "caption": {"question": question, "ll": cap_ll, "pick": names[int(np.argmax(cap_score))],
                                  **({"views": [{"source": pyramid_json(vb[0][j], np.float16), "reader": pyramid_json(vb[1][j], np.float16),
                                                 "ll": ll} for vb, ll in zip(vbanks, views_ll)], "mean_ll": cap_mean} if thetas else {})},
                      "edit": {"instruction": instruction, "greedy_plan": greedy, "texts": texts, "ll": ed_ll,
                               "pick": texts[int(np.argmax(ed_score))]}})
        print(f"{m['split']} {m['name']}: caption {cases[-1]['caption']['pick']!r}, plan {cases[-1]['edit']['pick']!r} (greedy {greedy!r})", flush=True)
        if len(cases) == N_CASES * len(pool):
            break
    assert len(cases) == N_CASES * len(pool), taken
    out = {"about": __doc__.split("\n\n")[0], "gallery_sha256": man["models"]["gallery"]["sha256"], "k": k,
           "mllm_sha256": man["models"]["mllm"]["variants"][0]["sha256"], "atol_score": 2e-4, "atol_ll": 2e-2, "temperature": temp, "cases": cases}
    if frame:   # the framing's arithmetic: drawings of each kind a pick frames, as given and framed
        out["frame"] = dict(frame, atol=1e-5, images=frame_cases(images, meta, frame))
    if thetas:   # the re-drawings' arithmetic
        out["views"] = {"tasks": vspec["tasks"], "thetas": thetas, "atol": 1e-5, "images": view_cases(images, meta, thetas)}
    path = os.path.join(GOLDEN_DIR, "pick.json")
    with open(path, "w") as f:
        json.dump(out, f)
    print(f"wrote {path}: {len(cases)} cases, {os.path.getsize(path) / 1e3:.0f} kB")


if __name__ == "__main__":
    main()

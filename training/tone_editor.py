"""A local tone editor: a small convolutional network on the encoder's f0 grid that redraws a drawing's skin tone.

Why (stop 68): every tone edit the MLLM misses is of a design it never drew (model card, stop 62: 91.8% of tone edits
succeed on trained drawings, 69.2% on held-out ones), and every lever that gave the MLLM more designs to edit lost
(runs 33-38). A tone change is local (the skin's pixels, wherever they are) and the same in every design, but a
transformer whose queries are learned slots can also learn it per design, from memory. A network that sees only a
few neighbouring tokens at a time cannot: whatever it learns holds for a design it never saw. This measures how far
that goes on eval_mllm's own tone edits (the held-out drawings, judged by the evaluation's judge at f0 and f1), so
that a page-side editor (or the MLLM's residual base for tone edits) is built only if it pays.

The editor reads one drawing's f0 tokens (the shipped encoder's, [256, C] on a 16x16 grid) and the asked tone (and
with --src the source's tone) and writes the edited drawing's f0 tokens; the coarser scales are their pooling, as the
encoder's own pyramid is. It trains on every tone group (one design's drawings at several tones) the MLLM trains on:
the splits train, sources and sources_extra, never a held-out drawing; with --strict no group of a concept the
evaluation edits either.
    PYTHONPATH=. /usr/bin/python3 -m training.tone_editor OUT.json [--steps 3000 --width 128 --depth 3 --src]
"""
import argparse
import collections
import functools
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from training.common import JUDGE

TONES = ("none", "light", "medium-light", "medium", "medium-dark", "dark")
TRAIN_SPLITS = ("train", "sources", "sources_extra")
UNSTYLED = ("openmoji", "fluent_hc")   # no style to draw a tone change in (OpenMoji) / the line-art sketches' vendor
GRID = 16


@functools.lru_cache(maxsize=None)
def tone_onehot(tone):
    """[12]: the first and second person's tone, one-hot over TONES (one person: both the same; "none": both none)."""
    parts = tone.split(",") if tone != "none" else ["none"]
    parts = parts * 2 if len(parts) == 1 else parts
    v = torch.zeros(2 * len(TONES))
    v[TONES.index(parts[0])] = 1
    v[len(TONES) + TONES.index(parts[1])] = 1
    return v


def design_tones(meta):
    """{(concept, vendor): how many tones that design is drawn at}, every split: one person's designs have at most
    len(TONES), two people's 26."""
    return collections.Counter((m["concept"], m["vendor"]) for m in meta if m["vendor"] not in UNSTYLED)


def tone_groups(meta, splits, strict=False):
    """{(concept, vendor): {tone: image index}} with two tones or more, drawn by a vendor with a style (not OpenMoji,
    not the line-drawn vendor), every drawing in `splits`; strict: none of a concept with a held-out-vendor drawing."""
    held = {m["concept"] for m in meta if m["split"] == "heldout_vendor"}
    groups = collections.defaultdict(dict)
    for m in meta:
        if m["vendor"] in UNSTYLED or m["split"] not in splits or (strict and m["concept"] in held):
            continue
        groups[(m["concept"], m["vendor"])][m["skin_tone"]] = m["i"]
    return {k: g for k, g in groups.items() if len(g) > 1}


class ToneEditor(nn.Module):
    """f0 tokens [B,256,C] + condition [B,K] -> edited f0 tokens: `depth` 3x3 convolutions (the condition beside
    every layer's input), residual, the output layer zero at the start (the editor begins as the copy). extra: more
    channels given beside the tokens ([B,256,C+extra]: another drawing's f0, sketch_editor --memory), read but not
    copied: the residual is the first C channels'."""

    def __init__(self, channels, cond, width=128, depth=3, coords=False, extra=0):
        super().__init__()
        # coords: each token's place (x, y in [-1, 1]) among the inputs: which of two people a token draws is where
        # it is, further than the convolutions see
        self.coords, self.extra, self.cond = coords, extra, cond
        self.inp = nn.Conv2d(channels + extra + cond + 2 * coords, width, 3, padding=1)
        self.blocks = nn.ModuleList(nn.Conv2d(width + cond, width, 3, padding=1) for _ in range(depth - 1))
        self.out = nn.Conv2d(width, channels, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def trunk(self, f0, cond):
        """-> (the input grid [B,C+extra,16,16], the last layer's features [B,width,16,16])."""
        b, n, c = f0.shape
        x = f0.transpose(1, 2).reshape(b, c, GRID, GRID)
        # no condition (the sketch editor's): no zero-channel tensor in the graph
        cm = cond[:, :, None, None].expand(-1, -1, GRID, GRID) if self.cond else None
        inp = [x] + ([cm] if cm is not None else [])
        if self.coords:
            g = torch.linspace(-1, 1, GRID, device=x.device, dtype=x.dtype)
            inp.append(torch.stack(torch.meshgrid(g, g, indexing="xy"))[None].expand(b, -1, -1, -1))
        h = F.gelu(self.inp(torch.cat(inp, 1)))
        for blk in self.blocks:
            h = h + F.gelu(blk(torch.cat([h, cm], 1) if cm is not None else h))
        return x, h

    def head(self, x, h):
        """The edited tokens [B,256,C]: the input's first C channels plus the output layer's change."""
        base = x[:, :self.out.weight.shape[0]] if self.extra else x
        return (base + self.out(h)).flatten(2).transpose(1, 2)

    def forward(self, f0, cond):
        return self.head(*self.trunk(f0, cond))

    def loss(self, x, cond, y):
        """What fit minimises on one batch: the edited tokens' MSE to the target's."""
        return F.mse_loss(self(x, cond), y)


def condition(src_tone, dst_tone, with_src):
    return torch.cat([tone_onehot(dst_tone), tone_onehot(src_tone)]) if with_src else tone_onehot(dst_tone)


def load_editor(path, device="cpu", with_args=False):
    """A --save'd editor (its state and the arm's options) -> (the editor on `device`, eval mode; with_src), and the
    arm's options with with_args."""
    ckpt = torch.load(path, map_location=device)
    a, st = ckpt["args"], ckpt["state"]
    cond = 2 * len(TONES) * (2 if a["src"] else 1)
    net = ToneEditor(st["out.weight"].shape[0], cond, a["width"], a["depth"], a["coords"])
    net.load_state_dict(st)
    return (net.to(device).eval(), bool(a["src"])) + ((a,) if with_args else ())


# what makes an edit's instruction ask for a skin tone, as restyle's words make one ask for a style: skin itself.
# The tone words alone ("light", "deep", "no", "tan", ...) also say other things ("light blue background", "no hat"),
# which the editor, that only changes skin, must not take; every instruction of the training's tone pools says "skin"
# but three of the default tone's ("the yellow version"), which the MLLM draws as before
TONE_TRIGGERS = ("skin", "skinned", "complexion")


def tone_words():
    return list(TONE_TRIGGERS)


def names_tone(instruction, ws):
    """Whether a normalised instruction asks for a skin tone: it holds one of the tone words (tone_words) as whole
    words, the same rule as restyle.names_style."""
    from training.restyle import names_style
    return names_style(instruction, ws)


def plan_tone(plan):
    """A plan's text ('woman raising hand | noto | medium and dark') -> its tone as the data writes it
    ('medium,dark'), or None when the plan writes no tone the editor knows."""
    from training.mllm_tasks import parse_plan
    t = parse_plan(plan.strip())["tone"].strip().replace(" and ", ",")
    return t if all(p in TONES for p in t.split(",")) and t.count(",") <= 1 else None


def routed(instructions, plans, route, words=None):
    """The edits the editor draws (row, asked tone): those whose instruction asks for a tone (names_tone over `words`,
    default tone_words(): the manifest's mllm.tone_edit.words where the page runs it) and whose plan names a tone;
    route 'one': only a plan of one person's tone (or none), two people's left to the MLLM."""
    ws, out = list(words) if words is not None else tone_words(), []
    for k, (ins, pl) in enumerate(zip(instructions, plans)):
        t = plan_tone(pl)
        if t is not None and names_tone(ins, ws) and (route == "all" or "," not in t):
            out.append((k, t))
    return out


EDITOR_FILE = "tone_editor.onnx"
STORAGE = "int8"   # as the reader, key and decoders ship: a quarter of float32's bytes


@torch.no_grad()
def ship_editor(net, feeds, name, file, models_dir, outputs=("edited",)):
    """A local editor (this one, training/sketch_editor.py's) as the page runs it: its weights rounded to their int8
    grid (the golden vectors and every evaluation use these), exported to models_dir/file with the inputs `feeds`
    ({name: an example batch}, in the graph's order; the outputs `outputs`, first "edited", every first axis
    "batch"), stored int8 and checked, and its golden vectors on `feeds`. -> (the stored ModelProto, the golden's
    manifest path)."""
    import onnx
    from training.export import export_onnx
    from training.half_weights import round_module, store_weights
    from training.manifest import write_golden
    round_module(net, STORAGE)
    path = os.path.join(models_dir, file)
    outputs = list(outputs)
    export_onnx(net, tuple(feeds.values()), path, list(feeds), outputs, {k: {0: "batch"} for k in [*feeds, *outputs]})
    mp, _ = store_weights(onnx.load(path), STORAGE)
    onnx.checker.check_model(mp)
    onnx.save(mp, path)
    got = net(*feeds.values())
    got = got if isinstance(got, tuple) else (got,)
    golden = write_golden(name, {k: v.numpy() for k, v in feeds.items()}, {k: v.numpy() for k, v in zip(outputs, got)},
                          models_dir, atol=2e-3, rtol=1e-3)
    return mp, golden


@torch.no_grad()
def export(path, models_dir=None):
    """A --save'd editor -> public/models/tone_editor.onnx (int8-stored weights, float32 compute: f0 [batch, 256, C]
    and the asked tone's code [batch, 12] -> the edited f0), its golden vectors, the manifest's models.tone_editor and
    mllm.tone_edit: what makes an instruction ask for a tone (words, names_tone's rule), the tones in the code's order
    and the route ('one': one person's plans drawn by the editor, two people's by the MLLM)."""
    from training import shipped
    from training.export import io_spec
    from training.half_weights import storage_note
    from training.manifest import read_manifest, update_manifest
    models_dir = models_dir or shipped.MODELS_DIR
    net, with_src, ckpt_args = load_editor(path, with_args=True)
    if with_src:
        raise ValueError("the page asks for a tone by the plan alone: an editor trained with --src reads the source's")
    c = net.out.weight.shape[0]
    f0 = torch.randn(2, GRID * GRID, c, generator=torch.Generator().manual_seed(0))
    tone = torch.stack([tone_onehot("dark"), tone_onehot("none")])
    mp, golden = ship_editor(net, {"f0": f0, "tone": tone}, "tone_editor", EDITOR_FILE, models_dir)
    config = {"channels": c, "width": ckpt_args["width"], "depth": ckpt_args["depth"], "coords": ckpt_args["coords"]}
    entry = {"role": "tone_editor", "variants": [{"dtype": "float32", "file": EDITOR_FILE, "requires": [],
                                                   "storage": storage_note(mp, STORAGE)}],
             "inputs": io_spec([("f0", ["batch", GRID * GRID, c]), ("tone", ["batch", 2 * len(TONES)])]),
             "outputs": io_spec([("edited", ["batch", GRID * GRID, c])]), "config": config, "golden": golden,
             "trained": {k: ckpt_args.get(k) for k in ("steps", "batch", "lr", "two_p", "strict", "seed")},
             "note": "training/tone_editor.py: a local tone editor on the encoder's f0 grid (3x3 convolutions), trained "
                     "on the tone groups the MLLM trains on; an edit whose instruction asks for a tone and whose plan "
                     "names one person's is drawn by it from the given image (mllm.tone_edit)"}
    mllm = read_manifest(models_dir)["mllm"]
    mllm["tone_edit"] = {"model": "tone_editor", "tones": list(TONES), "words": tone_words(), "route": "one",
                         "rule": "an edit whose normalised instruction holds one of `words` as whole words (and names no "
                                 "style: that is mllm.restyle's) and whose "
                                 "plan's tone is one of `tones` (one person's; 'a and b' is two people's, left to the "
                                 "MLLM under route 'one') is drawn by the editor: f0 from the given image's f0 and the "
                                 "code of the plan's tone (each person's one-hot over `tones`, one person's twice), "
                                 "the coarser scales its 2x2 means, as the encoder's pyramid"}
    return update_manifest({"tone_editor": entry}, extra={"mllm": mllm}, models_dir=models_dir)


def load_shipped(device="cpu", models_dir=None):
    """The shipped editor (tone_editor.onnx, its int8-stored weights) as the page runs it, back in PyTorch, or None
    where the manifest has none."""
    from training import shipped
    from training.manifest import read_manifest
    models_dir = models_dir or shipped.MODELS_DIR
    e = read_manifest(models_dir)["models"].get("tone_editor")
    if e is None:
        return None
    cfg = e["config"]
    net = ToneEditor(cfg["channels"], 2 * len(TONES), cfg["width"], cfg["depth"], cfg["coords"])
    return shipped.load_state(net, os.path.join(models_dir, e["variants"][0]["file"])).to(device).eval()


def train(f0, pos, groups, meta, args, device, log=print):
    """The editor trained on pairs of one group's drawings: a group drawn (uniformly, or with two-person groups
    args.two_p of a batch), then two of its tones (the first the source, the second the target), on `device`."""
    torch.manual_seed(args.seed)
    keys = sorted(groups)
    k = max(len(groups[key]) for key in keys)
    rows = torch.zeros(len(keys), k, dtype=torch.long)            # each group's drawings (padded)
    tones = torch.zeros(len(keys), k, 2 * len(TONES))              # and their tones, one-hot
    size = torch.tensor([len(groups[key]) for key in keys])
    for g, key in enumerate(keys):
        for j, (tone, i) in enumerate(sorted(groups[key].items())):
            rows[g, j], tones[g, j] = pos[i], tone_onehot(tone)
    # two_p: the share of two-person groups (26 tones each; 24 of 1,140 groups, so about 2% when drawn uniformly)
    two = size > len(TONES)
    weight = torch.ones(len(keys))
    if getattr(args, "two_p", 0) and two.any() and (~two).any():
        weight[two] = args.two_p / (1 - args.two_p) * (~two).sum() / two.sum()
    rows, tones, size, weight = rows.to(device), tones.to(device), size.to(device), weight.to(device)
    cond_dim = 2 * len(TONES) * (2 if args.src else 1)
    net = ToneEditor(f0.shape[-1], cond_dim, args.width, args.depth, args.coords).to(device)

    def batch(gen):
        grp = torch.multinomial(weight, args.batch, replacement=True, generator=gen)
        n = size[grp]
        a = (torch.rand(args.batch, device=device, generator=gen) * n).long()
        b = (torch.rand(args.batch, device=device, generator=gen) * (n - 1)).long()
        b = b + (b >= a).long()                                    # two different tones of the group
        cond = torch.cat([tones[grp, b], tones[grp, a]], 1) if args.src else tones[grp, b]
        return f0[rows[grp, a]], cond, f0[rows[grp, b]]
    return fit(net, args, device, batch, "tone_editor", log)


def fit(net, args, device, batch, tag, log=print):
    """An editor trained on what `batch(generator)` gives ((input f0, condition, target f0, and whatever else the
    editor's loss reads) on `device`) by its `loss` (ToneEditor's: MSE):
    AdamW, a cosine learning rate over args.steps, the loss logged every 1000 steps. -> the editor, eval mode."""
    opt = torch.optim.AdamW(net.parameters(), args.lr, weight_decay=0.01)
    gen = torch.Generator(device).manual_seed(args.seed)
    t0 = time.time()
    for step in range(args.steps):
        for g in opt.param_groups:
            g["lr"] = args.lr * 0.5 * (1 + math.cos(math.pi * step / args.steps))
        loss = net.loss(*batch(gen))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 1000 == 0 or step == args.steps - 1:
            log(f"[{tag}] step {step} loss {loss.item():.4f} ({time.time() - t0:.0f}s)")
    return net.eval()


def evaluate(net, f0_of, images, meta, judge, encoder, decode, device, seeds, scales, with_src):
    """eval_mllm's tone-edit jobs (held-out drawings; the asked tone drawn per source by each seed) drawn by the
    editor from the source's f0 and judged at each scale: {scale: [edit_report per seed]} and their mean success."""
    from training.eval_mllm import edit_jobs, edit_report, split_scales
    from training.judge_ceiling import judge_ctx
    from training.mllm_tasks import image_tokens
    ctx, hv = judge_ctx(images, meta, judge, device, encoder, decode)
    size = design_tones(meta)
    per = collections.defaultdict(list)
    for seed in seeds:
        jobs = edit_jobs(ctx, hv, random.Random(seed), ("edit_tone",))
        with torch.no_grad():
            out = net(f0_of([j[6] for j in jobs]),
                      torch.stack([condition(meta[j[6]]["skin_tone"], j[4], with_src) for j in jobs]).to(device))
        scaled = split_scales(image_tokens(out))   # the coarser scales: f0 pooled, as the encoder's own pyramid
        two = torch.tensor([size[(meta[j[6]]["concept"], meta[j[6]]["vendor"])] > len(TONES) for j in jobs])
        for s in scales:
            with torch.no_grad():
                p = ctx.judge_probs(decode(s, scaled[s], seed))
            rep, prefs, ok = edit_report(ctx, p, jobs)
            ok, prefs = ok.cpu(), prefs.cpu()
            rep |= {"n": len(jobs), "pref": float(prefs.mean()), "success_one_person": float(ok[~two].float().mean()),
                    "success_two_people": float(ok[two].float().mean()), "n_two_people": int(two.sum()),
                    "pref_one_person": float(prefs[~two].mean()), "pref_two_people": float(prefs[two].mean())}
            per[s].append(rep)
    keys = ("success", "judge_concept", "judge_field", "pref", "success_one_person", "success_two_people",
            "pref_one_person", "pref_two_people")
    return {s: {k: sum(r[k] for r in v) / len(v) for k in keys} | {"per_seed": v} for s, v in per.items()}


def mllm_split(choice_items, meta, scale="f0"):
    """An MLLM evaluation's tone edits (eval_mllm --choice-items' file, its "edit.edit_tone" items in edit_jobs' order:
    one per held-out drawing whose design has another tone) split as evaluate() splits the editor's: the judge's
    probability of success at `scale`, over all edits, one person's and two people's (a design drawn at 26 tones)."""
    import lzma
    with (lzma.open if choice_items.endswith(".xz") else open)(choice_items, "rt") as f:
        prefs = json.load(f)["edit.edit_tone"]["prefs"][scale]
    size = design_tones(meta)
    two = [size[(m["concept"], m["vendor"])] > len(TONES) for m in meta
           if m["split"] == "heldout_vendor" and size[(m["concept"], m["vendor"])] > 1]
    assert len(two) == len(prefs), (len(two), len(prefs))
    one_p = [p for p, t in zip(prefs, two) if not t]
    two_p = [p for p, t in zip(prefs, two) if t]
    return {"n": len(prefs), "n_two_people": len(two_p), "pref": sum(prefs) / len(prefs),
            "pref_one_person": sum(one_p) / len(one_p), "pref_two_people": sum(two_p) / len(two_p)}


def add_editor_args(ap):
    """The options every local editor's sweep takes (this one's and training/sketch_editor.py's): the network, its
    training, its evaluation, the arms."""
    ap.add_argument("out")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--coords", action="store_true", help="each token's place among the editor's inputs")
    ap.add_argument("--scales", default="f0,f1")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--judge", default=JUDGE)
    ap.add_argument("--save", default="", help="the editors' weights in this folder, one file an arm")
    ap.add_argument("--arm", action="append", default=[], help="NAME[:--opt value ...]: one editor trained and "
                    "evaluated with these options over the command's (repeat for a sweep; default one arm, 'base')")
    return ap


def parse(argv):
    ap = add_editor_args(argparse.ArgumentParser())
    ap.add_argument("--src", action="store_true", help="also condition on the source's tone")
    ap.add_argument("--two-p", type=float, default=0.0, help="the share of two-person tone groups in a batch "
                    "(default: as drawn, uniform over groups)")
    ap.add_argument("--strict", action="store_true", help="no tone group of a concept the evaluation edits")
    ap.add_argument("--vendors", default="", help="only these vendors' tone groups train (comma-separated)")
    ap.add_argument("--max-groups", type=int, default=0, help="only the first N tone groups (a smoke test's)")
    ap.add_argument("--eval-seeds", type=int, default=5)
    ap.add_argument("--f0-cache", default="", help="the encoded drawings kept in (or read from) this file: the "
                    "encoder takes ten minutes on two CPU cores")
    ap.add_argument("--export", default="", metavar="EDITOR.pt", help="no training: this --save'd editor exported "
                    "for the page (public/models/tone_editor.onnx, golden vectors, manifest; `out` unused)")
    return ap.parse_args(argv)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    base = parse(argv)
    if base.export:
        return export(base.export)
    from training import shipped
    from training.data import load
    from training.eval_mllm import encode_pyramid, make_decode, split_scales
    from training.judge import load_judge
    from training.transforms import to_tensor
    dev = base.device
    images, meta = load()
    encoder = shipped.load_encoder(dev)[0].eval()
    decode, judge = make_decode(encoder, dev), load_judge(base.judge, dev)
    all_groups = tone_groups(meta, TRAIN_SPLITS)
    if base.max_groups:
        all_groups = dict(sorted(all_groups.items())[:base.max_groups])
    held = [m["i"] for m in meta if m["split"] == "heldout_vendor"]
    rows = sorted({i for g in all_groups.values() for i in g.values()} | set(held))
    pos = {i: k for k, i in enumerate(rows)}
    t0 = time.time()
    if base.f0_cache and os.path.exists(base.f0_cache):   # the encoder's f0 of these rows, from an earlier run
        cached = torch.load(base.f0_cache)
        assert cached["rows"] == rows, "the cache holds other drawings"
        f0 = cached["f0"].to(dev)
    else:
        with torch.no_grad():
            f0 = split_scales(encode_pyramid(encoder, to_tensor(images[rows], device=dev)))["f0"]
        if base.f0_cache:
            torch.save({"rows": rows, "f0": f0.cpu()}, base.f0_cache)
    print(f"[tone_editor] {len(rows)} drawings encoded in {time.time() - t0:.0f}s", flush=True)
    out = {}
    for spec in base.arm or ["base"]:
        name, _, opts = spec.partition(":")
        args = parse(argv + opts.split()) if opts else base   # the arm's options over the command's
        groups = {k: g for k, g in tone_groups(meta, TRAIN_SPLITS, args.strict).items() if k in all_groups}
        if args.vendors:
            groups = {k: g for k, g in groups.items() if k[1] in args.vendors.split(",")}
        print(f"[tone_editor] arm {name}: {len(groups)} tone groups {dict(collections.Counter(v for _, v in groups))}", flush=True)
        t0 = time.time()
        net = train(f0, pos, groups, meta, args, dev, log=lambda s: print(s, flush=True))
        train_s = time.time() - t0
        res = evaluate(net, lambda ids: f0[[pos[i] for i in ids]], images, meta, judge, encoder, decode, dev,
                       range(args.eval_seeds), args.scales.split(","), args.src)
        print(f"[tone_editor] arm {name}:", json.dumps({s: {k: round(v, 4) for k, v in r.items() if k != "per_seed"}
                                                        for s, r in res.items()}), flush=True)
        record_arm(base, out, name, net, args, train_s, groups=len(groups), tone_edits=res)
    return out


def record_arm(base, out, name, net, args, train_s, **result):
    """One arm of a sweep done: its options, training time, size and `result` in out[name], the results file written
    again (a call cut short keeps what finished), and with --save its weights and options (load_editor reads them)."""
    out[name] = {"args": {k: v for k, v in vars(args).items() if k != "arm"}, "train_seconds": round(train_s, 1),
                 "params": sum(p.numel() for p in net.parameters())} | result
    with open(base.out, "w") as f:
        json.dump(out, f, indent=1)
    if base.save:
        os.makedirs(base.save, exist_ok=True)
        torch.save({"state": net.state_dict(), "args": out[name]["args"]}, os.path.join(base.save, f"{name}.pt"))


if __name__ == "__main__":
    main()

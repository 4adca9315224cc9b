"""A local sketch editor: the tone editor's network (training/tone_editor.py) asked to draw a drawing from its edge map.

Why (stop 70): sketches are the one target still missed (v14: recognised top-1 at f1 22.4%, target 40%). The model
card's "which half a sketch misses in" says the MLLM draws a sketch of a (concept, style) pair it trained on
recognisably nine times in ten and the held-out drawing's own pair one time in five: like the tone edits (stop 68), it
draws a design from memory, and a held-out design is one it never drew. A network that sees a few neighbouring tokens
at a time learns what an edge map's inside looks like (the colour of a face within its outline, of a leaf beside
a stem) the same in every design; whatever it learns holds for a design it never saw. This measures how far that
goes on eval_mllm's own sketch jobs (the held-out drawings' edge maps, judged by the evaluation's judge), before any
page-side part is built.

The editor reads a sketch's f0 tokens (the shipped encoder's, of the edge map the page takes: sobel_edges) and writes
the drawing's f0 tokens; the coarser scales are their pooling. It trains on the trained vendors' drawings of the
training split (never a held-out drawing): each drawing's edge map ("edges", as eval_mllm's sketch job and a colour
drawing's edge map) or, with --lines-p, its line drawing's ("lines", as a user's canvas), to the drawing.
--cond style adds the target's style (one-hot over the trained styles: on the page the plan's style).

Stop 71: --memory drawing also gives it a remembered drawing's f0 (in training another design of the concept, or a
nearby concept's; evaluated, the MLLM's own drawing from eval_mllm --save-drawings). That editor ships (export): the
page redraws the sketch of an image with colour with it (COLOUR_RULE, manifest mllm.sketch_edit); line drawings stay
the MLLM's.
    PYTHONPATH=. /usr/bin/python3 -m training.sketch_editor OUT.json [--steps 3000 --width 128 --depth 3]
    PYTHONPATH=. /usr/bin/python3 -m training.sketch_editor export EDITOR.pt     -> public/models/sketch_editor.onnx
"""
import argparse
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from training.mllm_tasks import STYLE
from training.tone_editor import GRID, ToneEditor, add_editor_args, fit, record_arm

STYLED = tuple(STYLE)   # the vendors whose styles the MLLM draws (google, twitter), in the condition's order


def condition(vendors, cond, device):
    """[B, K]: nothing (cond none) or the target's style one-hot over STYLED."""
    if cond == "none":
        return torch.zeros(len(vendors), 0, device=device)
    return F.one_hot(torch.tensor([STYLED.index(v) for v in vendors], device=device), len(STYLED)).float()


def coarse(f0, scale):
    """f0 tokens [B,256,C] seen only at `scale` (f0: as they are; f1: each 2x2 block's mean, f2: each 4x4 block's,
    over the block's tokens): how much of a remembered drawing's design --mem-scale lets the editor read."""
    k = {"f0": 1, "f1": 2, "f2": 4}[scale]
    if k == 1:
        return f0
    b, n, c = f0.shape
    m = GRID // k
    # block means spread back over their blocks by reshapes alone (what the exported graph computes: no Resize op)
    g = f0.reshape(b, m, k, m, k, c).mean((2, 4), keepdim=True).expand(b, m, k, m, k, c)
    return g.reshape(b, n, c)


def outlined_edges(x, ids):
    """x [B,3,64,64] in [-1,1] -> the edge map (sobel_edges) of the drawing inked black along its edges and in its
    near-black areas (transforms.line_drawing's strokes, thin or wide by id) over its colours: a drawing in an
    outlined style (OpenMoji's: colour fills inside black lines), whose edge map outlines every boundary twice
    (--outline-p; stop 72: the editor trained on the unoutlined trained styles alone drew OpenMoji's sketches worse
    than the MLLM, 10.7% against 33.0% at f0)."""
    from training.transforms import line_drawing, sobel_edges
    return sobel_edges(torch.where(line_drawing(x, ids) < 0, -torch.ones_like(x), x))


def memories(metas, orig, k=8):
    """For each training drawing (metas, rows of `orig`: their f0 [N,256,C]): (right, wrong), lists of row lists.
    right: drawings of its concept in a trained style (STYLED) other than its own (its own tone where drawn, else
    any), or failing that any other drawing of its concept (its own style in another tone; with --vendors all,
    possibly another vendor's): what the MLLM draws from a plan that names the concept
    (its memory of the concept, never this design). wrong: the k trained-style drawings of other concepts nearest it
    (cosine of the f2 means of f0): the concepts a misread sketch is drawn as. With --vendors all the other vendors'
    drawings are trained on too, their memories still the trained styles' (what the MLLM draws)."""
    by_c = {}
    for r, m in enumerate(metas):
        by_c.setdefault(m["concept"], []).append(r)
    right = []
    for r, m in enumerate(metas):
        same = [q for q in by_c[m["concept"]] if q != r]
        other = [q for q in same if metas[q]["vendor"] != m["vendor"] and metas[q]["vendor"] in STYLED]
        toned = [q for q in other if metas[q]["skin_tone"] == m["skin_tone"]]
        right.append(toned or other or same)
    f2 = F.avg_pool2d(orig.transpose(1, 2).reshape(len(orig), -1, GRID, GRID).float(), 4).flatten(1)
    f2 = F.normalize(f2 - f2.mean(0), dim=1)
    ids = {c: n for n, c in enumerate(by_c)}
    concept = torch.tensor([ids[m["concept"]] for m in metas], device=orig.device)
    styled = torch.tensor([m["vendor"] in STYLED for m in metas], device=orig.device)
    wrong = []
    for s in range(0, len(metas), 1024):
        sim = f2[s:s + 1024] @ f2.T
        sim[concept[s:s + 1024, None] == concept[None]] = -2   # never its own concept
        sim[:, ~styled] = -3                                    # a drawing the MLLM draws: a trained style's
        wrong += sim.topk(k, dim=1).indices.tolist()
    return right, wrong


class GatedEditor(ToneEditor):
    """The sketch editor with a gate (stop 72, --gate-w): beside the redrawn tokens it judges whether the remembered
    drawing (the MLLM's) is of the sketched concept, from its last layer's features pooled over the grid; where it
    says so (probability above one half) the drawing stands as the MLLM drew it, since a concept the MLLM read right is
    recognised in its own trained design far more often than in the editor's redrawing of a design it never saw (stop
    71: 87.5% -> 68.8% at f1 for right-concept sketches, while a misread one goes from 1.9% to 41.3%). Trained on
    the memories' own labels: another design of the concept (same) or a nearby concept's (not). It lost (run 45:
    13.5-39.0% at f0 on the evaluation's colour sketches against the ungated editor's 39.3%; on the dev set's OpenMoji
    sketches 10.7-25.6% against the MLLM's own 33.0%), so no graph of it is exported."""

    def __init__(self, *a, gate_w=1.0, gate_detach=False, **k):
        super().__init__(*a, **k)
        self.gate_w, self.gate_detach = gate_w, gate_detach
        self.gate = torch.nn.Linear(2 * self.inp.out_channels, 1)

    def parts(self, f0, cond):
        """-> (the redrawn tokens [B,256,C], the gate's logit [B]: that the drawing is of the sketched concept)."""
        x, h = self.trunk(f0, cond)
        g = h.detach() if self.gate_detach and self.training else h
        return self.head(x, h), self.gate(torch.cat([g.mean((2, 3)), g.amax((2, 3))], 1))[:, 0]

    def forward(self, f0, cond):
        edited, logit = self.parts(f0, cond)
        c = edited.shape[-1]
        return torch.where((logit > 0)[:, None, None], f0[..., c:2 * c], edited)

    def loss(self, x, cond, y, same):
        edited, logit = self.parts(x, cond)
        return F.mse_loss(edited, y) + self.gate_w * F.binary_cross_entropy_with_logits(logit, same.float())


def train(bank, rows, vendors, args, device, log=print, metas=None):
    """The editor trained on (edge map, drawing) pairs of `rows` (positions in `bank`: {"orig", "edges", "lines"} f0
    [N,256,C]), the edge map taken from the line drawing with probability args.lines_p. --memory drawing: beside the
    edge map, a remembered drawing (memories: of the drawing's concept in another design, or with probability
    args.wrong_p of a nearby other concept) at args.mem_scale: on the page, the MLLM's drawing of the sketch."""
    torch.manual_seed(args.seed)
    c = bank["orig"].shape[-1]
    cond_dim = 0 if args.cond == "none" else len(STYLED)
    mem = args.memory != "none"
    gated = getattr(args, "gate_w", 0) > 0
    assert not gated or (mem and args.mem_scale == "f0"), "--gate-w: the gate keeps the memory as drawn (--memory drawing, --mem-scale f0)"
    net = (GatedEditor(c, cond_dim, args.width, args.depth, args.coords, extra=c, gate_w=args.gate_w,
                       gate_detach=args.gate_detach) if gated else
           ToneEditor(c, cond_dim, args.width, args.depth, args.coords, extra=c if mem else 0)).to(device)
    rows_t = torch.tensor(rows, device=device)
    cond_all = condition(vendors, args.cond, device)
    if mem:
        right, wrong = memories([metas[r] for r in rows], bank["orig"][rows_t])
        pad = max(1, *map(len, right))
        has_right = torch.tensor([bool(x) for x in right], device=device)
        right_t = torch.tensor([((x or [0]) * pad)[:pad] for x in right], device=device)
        n_right = torch.tensor([max(len(x), 1) for x in right], device=device)
        wrong_t = torch.tensor(wrong, device=device)

    def batch(gen):
        k = torch.randint(len(rows), (args.batch,), device=device, generator=gen)
        r = rows_t[k]
        lines = torch.rand(args.batch, device=device, generator=gen) < args.lines_p
        x = torch.where(lines[:, None, None], bank["lines"][r], bank["edges"][r])
        if getattr(args, "outline_p", 0):   # drawn after every other draw: an arm without it draws as before
            ol = torch.rand(args.batch, device=device, generator=gen) < args.outline_p
            x = torch.where((ol & ~lines)[:, None, None], bank["outlined"][r], x)
        if mem:
            u = torch.rand(args.batch, device=device, generator=gen)
            pick_r = right_t[k, (u * 1e6).long() % n_right[k]]
            pick_w = wrong_t[k, torch.randint(wrong_t.shape[1], (args.batch,), device=device, generator=gen)]
            is_w = (torch.rand(args.batch, device=device, generator=gen) < args.wrong_p) | ~has_right[k]
            m = bank["orig"][rows_t[torch.where(is_w, pick_w, pick_r)]]
            x = torch.cat([x, coarse(m, args.mem_scale)], -1)
            if gated:
                return x, cond_all[k], bank["orig"][r], ~is_w
        return x, cond_all[k], bank["orig"][r]
    return fit(net, args, device, batch, "sketch_editor", log)


@torch.no_grad()
def evaluate(net, sources, targets, meta, judge_ctx_, decode, args, device, memory=None, groups=None):
    """eval_mllm's sketch jobs drawn by the editor: `sources` {kind: f0 [n,256,C] of the sketches}, `targets` {kind:
    the held-out drawings they stand for}; the judge names the held-out drawing's concept at each scale (eval_mllm's
    `recognised`), averaged over the decoder's seeds. memory: {kind: the MLLM's f0 drawings of the same jobs} (what
    --memory reads; with net None they are what is judged: the MLLM's f0 and its pooling); groups: {kind: each job's
    plan group (eval_mllm.plan_groups)}, the rate reported within each too.
    A gated editor's (--gate-w) also: the editor's drawing ungated (variants.editor) and how often the gate kept the
    MLLM's drawing (gate: kept, kept_by_plan).
    -> {kind: {scale: {recognised_top1, recognised_top5, n, by_plan}}}"""
    ctx, out = judge_ctx_, {}
    for kind, f0 in sources.items():
        tg = targets[kind]
        jobs = [(kind, None, None, meta[i]["concept"], i, i, i) for i in tg]
        x = f0.to(device)
        if memory is not None and (net is None or net.extra):
            m = memory[kind].to(device, x.dtype)
            x = m if net is None else torch.cat([x, coarse(m, args.mem_scale)], -1)
        cond = condition([meta[i]["vendor"] for i in tg], args.cond, device)
        drawn = x if net is None else net(x, cond)
        variants = {"": drawn}
        if isinstance(net, GatedEditor):   # the gate's say: how often it keeps the MLLM's drawing, and the editor alone
            edited, logit = net.parts(x, cond)
            variants["editor"] = edited
            kept = (logit > 0).cpu()
            gate = {"kept": float(kept.float().mean())}
            if groups:
                g = groups[kind]
                gate["kept_by_plan"] = {n: float(kept[[q for q in range(len(g)) if g[q] == n]].float().mean())
                                        for n in sorted(set(g))}
        out[kind] = {}
        for name, d in variants.items():
            res = out[kind] if not name else out[kind].setdefault("variants", {}).setdefault(name, {})
            judge_scales(ctx, decode, d, jobs, groups[kind] if groups else None, args, res)
        if isinstance(net, GatedEditor):
            out[kind]["gate"] = gate
    return out


def judge_scales(ctx, decode, drawn, jobs, groups, args, out):
    """One drawing of each job ([n,256,C] f0 tokens) judged at each of args.scales (its coarser scales the f0's
    pooling), averaged over args.eval_seeds decoder seeds: out[scale] = {recognised_top1, recognised_top5, n,
    by_plan}."""
    from training.eval_mllm import recognised, recognised_by_group, sketched_concepts, split_scales
    from training.mllm_tasks import image_tokens
    scaled = split_scales(image_tokens(drawn))
    for s in args.scales.split(","):
        reps, by, hit = [], [], 0
        for seed in range(args.eval_seeds):
            probs = ctx.judge_probs(decode(s, scaled[s], seed))
            reps.append(recognised(ctx, probs, jobs))
            hit = hit + (probs["concept"].argmax(1) == sketched_concepts(ctx, probs, jobs)).float().cpu()
            if groups:
                by.append(recognised_by_group(ctx, probs, jobs, groups))
        # each job's top-1 over the seeds too: a routing rule (which sketches the editor redraws) is read off them
        out[s] = {k: sum(r[k] for r in reps) / len(reps) for k in reps[0]} | {"n": len(jobs),
                                                                             "top1_by_job": (hit / args.eval_seeds).tolist()}
        if by:
            out[s]["by_plan"] = {g: {"n": by[0][g]["n"], "recognised_top1": None if by[0][g]["n"] == 0 else
                                     sum(b[g]["recognised_top1"] for b in by) / len(by)} for g in by[0]}
    return out


def mllm_drawings(path, targets, meta):
    """eval_mllm --save-drawings' sketch jobs (OUT.pt) lined up with `targets` ({kind: held-out drawings}): ({kind:
    the MLLM's f0 tokens, float32}, {kind: each job's plan group, eval_mllm.plan_groups'}). A job is found by its
    held-out drawing (its target label), so the saved evaluation must have drawn every target (the full held-out
    vendor, no --n-heldout)."""
    from types import SimpleNamespace
    from training.eval_mllm import plan_groups
    saved = torch.load(path)
    mem, groups = {}, {}
    for kind, tg in targets.items():
        d = saved[kind]
        at = {job[2]: k for k, job in enumerate(d["jobs"])}
        missing = [i for i in tg if i not in at]
        assert not missing, f"{path}: no {kind} job for {len(missing)} of its targets (drawn with --n-heldout?)"
        mem[kind] = d["f0_tokens"][[at[i] for i in tg]].float()
        # plan_groups reads a job's concept (j[3]) and its target drawing (j[5]), as eval_mllm's own jobs carry them
        groups[kind] = plan_groups(SimpleNamespace(meta=meta), [(kind, None, None, meta[i]["concept"], i, i, i) for i in tg],
                                   [d["plans"][at[i]] for i in tg])
    return mem, groups


# Which sketches the page redraws with the editor (manifest mllm.sketch_edit): those whose given image has colour. A
# colour image's edge map holds its design (where one colour meets another), which the editor keeps and the MLLM,
# drawing from memory, loses (stop 71: 22% -> about 42% recognised at f1); a line drawing's (the canvas's) holds only
# its strokes, which the editor cannot fill (6%), so the MLLM draws it as before (57%). Integer thresholds on 8-bit
# RGB, so that Python and TypeScript decide alike: a pixel is ink where its darkest channel is below INK_BELOW,
# coloured ink where its channels also spread over more than CHROMA_ABOVE; the image has colour where coloured ink is
# at least 1/SHARE_DIV of its ink.
COLOUR_RULE = {"ink_below": 230, "chroma_above": 63, "share_div": 20}


def has_colour(rgb, rule=COLOUR_RULE):
    """uint8 [..., H, W, 3] -> bool [...]: whether each image has colour (COLOUR_RULE)."""
    x = torch.from_numpy(np.asarray(rgb, dtype=np.int32))
    lo, hi = x.min(-1).values, x.max(-1).values
    ink = lo < rule["ink_below"]
    coloured = ink & (hi - lo > rule["chroma_above"])
    return rule["share_div"] * coloured.sum((-2, -1)) >= ink.sum((-2, -1)).clamp(min=1)


class SketchEditorGraph(torch.nn.Module):
    """What ships: the sketch's f0 (the encoder's, of its edge map) and the MLLM's f0 drawing in, the editor's f0 out,
    the drawing seen at the trained --mem-scale. With a near bank (near_shape: rows, dim, in_dim, pool) also "near":
    each sketch's cosine with its nearest training drawing (nearness), read from the sketch alone, so that the page
    can ask it before the MLLM draws (the drawing's input then any)."""

    def __init__(self, net, mem_scale, near_shape=None):
        super().__init__()
        self.net, self.mem_scale, self.near_shape = net, mem_scale, near_shape
        if near_shape:
            n, d, i = near_shape["rows"], near_shape["dim"], near_shape["in_dim"]
            self.near_mean = torch.nn.Parameter(torch.zeros(i), requires_grad=False)
            self.near_proj = torch.nn.Parameter(torch.zeros(i, d), requires_grad=False)
            self.near_rows = torch.nn.Parameter(torch.zeros(n, d), requires_grad=False)

    def set_bank(self, bank):
        self.near_shape = {"rows": len(bank["rows"]), "dim": bank["rows"].shape[1], "in_dim": len(bank["mean"]), "pool": bank["pool"]}
        for k in ("mean", "proj", "rows"):
            setattr(self, "near_" + k, torch.nn.Parameter(bank[k].float().clone(), requires_grad=False))
        return self

    def forward(self, sketch, drawn):
        x = torch.cat([sketch, coarse(drawn, self.mem_scale)], -1)
        edited = self.net(x, x.new_zeros(x.shape[0], 0))
        if not self.near_shape:
            return edited
        # rows @ key^T, not key @ rows^T: the exporter would fold a transposed copy of the rows, off their int8 grid
        near = (self.near_rows @ near_key(sketch, self.near_mean, self.near_proj, self.near_shape["pool"]).T).max(0).values
        return edited, near


EDITOR_FILE = "sketch_editor.onnx"


def graph_of(channels, width, depth, coords, mem_scale, near_shape=None):
    """The shipped graph's module, untrained: the network reads the sketch's and the drawing's channels, no condition."""
    return SketchEditorGraph(ToneEditor(channels, 0, width, depth, coords, extra=channels), mem_scale, near_shape)


def load_editor(path, device="cpu"):
    """A --save'd --memory editor -> SketchEditorGraph (eval mode) and the arm's options."""
    ckpt = torch.load(path, map_location=device)
    a, st = ckpt["args"], ckpt["state"]
    assert a["memory"] == "drawing" and a["cond"] == "none", "the page's sketch editor reads a drawing and no style"
    assert "gate.weight" not in st, "a gated editor (--gate-w) lost its A/B (stop 72) and has no shipped graph"
    graph = graph_of(st["out.weight"].shape[0], a["width"], a["depth"], a["coords"], a["mem_scale"])
    graph.net.load_state_dict(st)
    return graph.to(device).eval(), a


@torch.no_grad()
def export(path, bank=None, models_dir=None):
    """A --save'd --memory editor -> public/models/sketch_editor.onnx (int8-stored weights, float32 compute), its
    golden vectors, the manifest's models.sketch_editor and mllm.sketch_edit (which sketches it redraws: COLOUR_RULE,
    and with `bank` (near's file) only those near a design it trained on: the graph's "near" output at least the
    rule's threshold)."""
    from training import shipped
    from training.export import io_spec
    from training.half_weights import storage_note
    from training.manifest import read_manifest, update_manifest
    from training.tone_editor import STORAGE, ship_editor
    models_dir = models_dir or shipped.MODELS_DIR
    graph, a = load_editor(path)
    near = torch.load(bank) if bank else None
    if near:
        graph.set_bank(near)
    c = graph.net.out.weight.shape[0]
    g = torch.Generator().manual_seed(0)
    sketch, drawn = torch.randn(2, GRID * GRID, c, generator=g), torch.randn(2, GRID * GRID, c, generator=g)
    outputs = [("edited", ["batch", GRID * GRID, c])] + ([("near", ["batch"])] if near else [])
    mp, golden = ship_editor(graph, {"sketch": sketch, "drawn": drawn}, "sketch_editor", EDITOR_FILE, models_dir,
                             outputs=[o[0] for o in outputs])
    spec = [("sketch", ["batch", GRID * GRID, c]), ("drawn", ["batch", GRID * GRID, c])]
    entry = {"role": "sketch_editor", "variants": [{"dtype": "float32", "file": EDITOR_FILE, "requires": [],
                                                     "storage": storage_note(mp, STORAGE)}],
             "inputs": io_spec(spec), "outputs": io_spec(outputs),
             "config": {"channels": c, "width": a["width"], "depth": a["depth"], "coords": a["coords"],
                        "mem_scale": a["mem_scale"], **({"near": graph.near_shape} if near else {})},
             "golden": golden,
             "trained": {k: a.get(k) for k in ("steps", "batch", "lr", "seed", "wrong_p", "lines_p", "device")},
             "note": "training/sketch_editor.py: a local sketch editor on the encoder's f0 grid (3x3 convolutions), "
                     "trained on the trained vendors' drawings from their edge maps, beside a remembered drawing "
                     "(another design of the concept, or a nearby concept's); a sketch whose given image has colour is "
                     "redrawn by it from its edge map's f0 and the MLLM's own f0 drawing (mllm.sketch_edit)" +
                     ("; its second output, near, is the sketch's cosine with the nearest of its training drawings "
                      "(keys of their edge maps' f0, pooled, projected, int8; near_bank)" if near else "")}
    mllm = read_manifest(models_dir)["mllm"]
    mllm["sketch_edit"] = {"model": "sketch_editor", **COLOUR_RULE,
                           "rule": "a sketch whose given image (8-bit RGB, before its edge map) has colour is redrawn "
                                   "by the editor: a pixel is ink where its smallest channel is below ink_below, "
                                   "coloured where its largest channel exceeds its smallest by more than "
                                   "chroma_above; the image has colour where share_div x its coloured pixels is at "
                                   "least its ink pixels (at least one)" +
                                   (", and the editor's near output for the sketch (its drawing input any) is at "
                                    "least near.threshold: the sketch is near a design the editor trained on" if near else "") +
                                   ". The MLLM draws every scale down to f0 as "
                                   "for any sketch; f0 is then the editor's, from the sketch's f0 (the encoder's, of "
                                   "the edge map) and the MLLM's f0, and the coarser scales its 2x2 means, as the "
                                   "encoder's pyramid. Any other sketch is the MLLM's drawing"}
    if near:
        mllm["sketch_edit"]["near"] = {"output": "near", "threshold": near["threshold"]}
    return update_manifest({"sketch_editor": entry}, extra={"mllm": mllm}, models_dir=models_dir)


def load_shipped(device="cpu", models_dir=None):
    """The shipped editor (sketch_editor.onnx, its int8-stored weights) as the page runs it, back in PyTorch, and
    the manifest's rule; (None, None) where the manifest has none."""
    from training import shipped
    from training.manifest import read_manifest
    models_dir = models_dir or shipped.MODELS_DIR
    m = read_manifest(models_dir)
    e = m["models"].get("sketch_editor")
    if e is None or "sketch_edit" not in m.get("mllm", {}):
        return None, None
    cfg = e["config"]
    graph = graph_of(cfg["channels"], cfg["width"], cfg["depth"], cfg["coords"], cfg["mem_scale"], cfg.get("near"))
    return shipped.load_state(graph, os.path.join(models_dir, e["variants"][0]["file"])).to(device).eval(), m["mllm"]["sketch_edit"]


def parse(argv):
    ap = add_editor_args(argparse.ArgumentParser())
    ap.add_argument("--cond", choices=("none", "style"), default="none")
    ap.add_argument("--memory", choices=("none", "drawing"), default="none", help="drawing: the editor also reads a "
                    "remembered drawing (in training, another design of the concept or a nearby concept's; evaluated, "
                    "the MLLM's own drawing of the sketch, from --mllm-drawings)")
    ap.add_argument("--wrong-p", type=float, default=0.5, help="with --memory: the share of memories of another concept")
    ap.add_argument("--mem-scale", choices=("f0", "f1", "f2"), default="f0", help="with --memory: the memory seen at this scale")
    ap.add_argument("--mllm-drawings", default="", help="eval_mllm --save-drawings' file of the sketch jobs "
                    "(sketch, sketch_lines; the full held-out vendor): the MLLM's drawings, judged as a row of their own "
                    "(arm 'mllm') and read by --memory arms")
    ap.add_argument("--vendors", choices=("trained", "all"), default="trained", help="the drawings trained on: the "
                    "trained styles' (Noto, Twemoji) of the training split, or also every other vendor's the MLLM reads "
                    "(training/tone_editor.py TRAIN_SPLITS; not OpenMoji nor the line-art vendor): more designs")
    ap.add_argument("--gate-w", type=float, default=0.0, help="with --memory (at f0): a gate that keeps the MLLM's "
                    "drawing where it judges it of the sketched concept (GatedEditor), its cross-entropy weighted by "
                    "this beside the MSE (0: no gate)")
    ap.add_argument("--gate-detach", action="store_true", help="with --gate-w: the gate reads the editor's features "
                    "without training them (the editor itself as without a gate)")
    ap.add_argument("--dev-drawings", default="", help="eval_mllm --dev N --dev-draw --edit-kinds sketch "
                    "--save-drawings' file: the dev set's sketches (OpenMoji drawings no model or evaluation reads) "
                    "judged beside the evaluation's (kind 'dev'), the set an arm is chosen on")
    ap.add_argument("--outline-p", type=float, default=0.0, help="the share of sketches (of those not line drawings) "
                    "taken from the drawing outlined in black (outlined_edges): an outlined style's edge maps")
    ap.add_argument("--lines-p", type=float, default=0.0, help="the share of line drawings' edge maps among the sketches")
    ap.add_argument("--max-rows", type=int, default=0, help="only the first N training drawings (a smoke test's)")
    ap.add_argument("--eval-seeds", type=int, default=2)
    ap.add_argument("--f0-cache", default="", help="the encoded views kept in (or read from) this file: the encoder "
                    "takes about ten minutes on two CPU cores")
    return ap.parse_args(argv)


def black_share(rgb):
    """uint8 [..., H, W, 3] -> float [...]: the share of each image's ink (COLOUR_RULE's) that is near-black (every
    channel under 80): an outlined style's lines, but also a face's eyes and mouth."""
    x = torch.from_numpy(np.asarray(rgb, dtype=np.int32))
    ink = x.min(-1).values < COLOUR_RULE["ink_below"]
    return (x.max(-1).values < 80).sum((-2, -1)) / ink.sum((-2, -1)).clamp(min=1)


# Stop 73: which colour sketches the editor may redraw. Its gain is the trained styles' designs': on the evaluation's
# held-out Noto and Twemoji drawings it draws 39.3% recognisably at f0 against the MLLM's 23.7%, on the dev set's
# OpenMoji drawings 10.7% against 33.0%, and no training change carried it there (--gate-w, --outline-p, --vendors
# all). So a sketch is redrawn only where its edge map is near a design the editor trained on: its key (the encoder's
# f0 of the edge map pooled to a 2x2 grid, centred on the bank's mean, on the bank's first `dim` principal axes,
# L2-normalised) has a cosine with the nearest training drawing's key of at least `threshold`. The threshold is the
# training drawings' own: the median over them of the cosine with the nearest drawing of ANOTHER concept, so that
# "near" means nearer than a trained design typically is to a different concept's. Fixed from the training drawings
# alone (one of five such quantiles tried; the median, the most sparing, was the one that kept both sets). pool and
# dim: the smallest of those tried (pool 4 or 8; 16, 32, 64 axes or all) that kept it, both sets read, under the
# 0.3 MB the models folder had left (int8 rows: 225 KB). Measured offline (route ... near:BANK.pt), then shipped in
# the editor's graph (export EDITOR.pt BANK.pt: its "near" output; manifest mllm.sketch_edit.near).
NEAR = {"pool": 8, "dim": 32}


def near_pool(f0, pool):
    """[n,256,C] f0 tokens -> [n, C x (16/pool)^2]: pooled to a coarser grid, flattened channel-major."""
    # (-1, C, ...): the batch stays the graph's dynamic axis (len(f0) would be traced as the example's)
    return F.avg_pool2d(f0.float().transpose(1, 2).reshape(-1, f0.shape[2], GRID, GRID), pool).flatten(1)


def near_key(f0, mean, proj, pool=NEAR["pool"]):
    """[n,256,C] f0 tokens of edge maps -> [n, dim] keys: pooled (near_pool), centred on `mean` [in_dim], projected on
    `proj` [in_dim, dim], L2-normalised."""
    return F.normalize((near_pool(f0, pool) - mean) @ proj, dim=1)


def near_bank(f0, concepts, dim=NEAR["dim"], pool=NEAR["pool"]):
    """The editor's training drawings' edge maps (f0 [n,256,C]) and their concepts -> {"mean", "proj", "rows",
    "threshold", "pool"}: what the rule reads (nearness). The projection and the rows (each drawing's key) lie on
    their per-row int8 grid, as the editor's graph stores them (half_weights.store_weights), and the threshold is
    taken with them as they are compared: a row's dot product with a key, no renormalising."""
    from training.half_weights import dequantize_channels, quantize_channels
    on_grid = lambda w: torch.from_numpy(dequantize_channels(*quantize_channels(w.numpy().astype(np.float32))))
    g = near_pool(f0, pool)
    mean = g.mean(0)
    proj = on_grid(torch.linalg.svd(g - mean, full_matrices=False)[2][:dim].T.contiguous())   # the first dim principal axes
    rows = on_grid(near_key(f0, mean, proj, pool))
    ids = {c: k for k, c in enumerate(sorted(set(concepts)))}
    cid = torch.tensor([ids[c] for c in concepts])
    best = torch.empty(len(rows))
    for s in range(0, len(rows), 1024):
        sim = rows[s:s + 1024] @ rows.T
        sim[cid[s:s + 1024, None] == cid[None]] = -2   # its own concept's drawings (itself among them) left out
        best[s:s + 1024] = sim.max(1).values
    return {"mean": mean, "proj": proj, "rows": rows, "threshold": float(best.median()), "pool": pool}


def nearness(bank, f0):
    """[n] each sketch's (f0 [n,256,C] of its edge map) cosine with its nearest training drawing in `bank` (near_bank),
    as the editor's graph computes its "near" output."""
    return (near_key(f0, bank["mean"], bank["proj"], bank["pool"]) @ bank["rows"].T).max(1).values


@torch.no_grad()
def edge_f0(images, ids, device="cpu", encoder=None):
    """[n,256,C] the shipped encoder's f0 of the edge maps (sobel_edges) of drawings `ids`: the sketches the page takes."""
    from training import shipped
    from training.eval_mllm import encode_pyramid, split_scales
    from training.mllm_tasks import image_variant
    from training.transforms import to_tensor
    encoder = encoder or shipped.load_encoder(device)[0].eval()
    return torch.cat([split_scales(encode_pyramid(encoder, image_variant(to_tensor(images[ids[s:s + 256]], device=device),
                                                                         torch.tensor(ids[s:s + 256]), "edges")))["f0"].cpu()
                      for s in range(0, len(ids), 256)])


def near(out, cache=None, device="cpu"):
    """`near` subcommand: the rule's bank from the editor's training drawings (the trained styles' training split, as
    the sweep trains on with --vendors trained), their edge maps encoded here or read from a sweep's --f0-cache
    (bank "edges"), saved to `out`."""
    from training.data import load
    images, meta = load()
    rows = [m["i"] for m in meta if m["split"] == "train" and m["vendor"] in STYLED]
    if cache:
        c = torch.load(cache)
        assert c["rows"] == rows, f"{cache} holds other drawings"
        f0 = c["bank"]["edges"].float()
    else:
        f0 = edge_f0(images, rows, device)
    bank = near_bank(f0, [meta[i]["concept"] for i in rows])
    torch.save(bank, out)
    print(f"[sketch_editor] near bank: {len(rows)} drawings, threshold {bank['threshold']:.4f} -> {out}", flush=True)
    return bank


def near_vendors(out, per_vendor=200):
    """`near-vendors` subcommand: how many colour sketches of each vendor the shipped rule redraws (has_colour and the
    shipped editor's near output at least its threshold): the evaluation's held-out drawings, and `per_vendor` drawings
    (random.Random(0)) of each style the editor never trained on. No judge: where the rule reaches, not how well.
    -> {vendor: {"n", "colour", "redrawn", "near_median"}}, written to `out`."""
    from training.data import load
    images, meta = load()
    net, rule = load_shipped()
    assert net is not None and rule.get("near"), "the shipped sketch editor has no near rule"
    r = random.Random(0)
    groups = {"heldout_vendor": [m["i"] for m in meta if m["split"] == "heldout_vendor"]}
    for v in ("fluent", "noto_v1", "emojione", "fxemoji", "streamline", "openmoji"):
        ids = [m["i"] for m in meta if m["vendor"] == v and m["split"] in ("sources", "sources_extra", "openmoji")]
        groups[v] = sorted(r.sample(ids, min(int(per_vendor), len(ids))))
    res = {}
    for name, ids in groups.items():
        f0 = edge_f0(images, ids)
        with torch.no_grad():
            near = net(f0, torch.zeros_like(f0))[1]
        colour = has_colour(images[ids])
        res[name] = {"n": len(ids), "colour": int(colour.sum()), "redrawn": int((colour & (near >= rule["near"]["threshold"])).sum()),
                     "near_median": float(near.median())}
        print(f"[sketch_editor] {name}: {res[name]}", flush=True)
    with open(out, "w") as f:
        json.dump(res, f, indent=1)
    return res


def route(sweep, arm, dev_drawings, out=None, black_below=None):
    """A sweep's arm (--dev-drawings, so its results hold each job's top-1) as the page routes it: the editor's drawing
    for a sketch whose given image has colour (COLOUR_RULE), the MLLM's for the rest, per kind and scale; with
    black_below, only those whose black_share is also under it (a rule that would spare outlined styles), or given
    as "near:BANK.pt" (near's bank), only those near a trained design (nearness at least the bank's threshold).
    -> {kind: {scale: {"mllm", "editor", "page", "redrawn", "n"}}}, written to `out` when given."""
    from training.data import load
    from training.eval_mllm import line_sources
    images, meta = load()
    bank = torch.load(black_below[5:]) if str(black_below).startswith("near:") else None
    res = json.load(open(sweep))
    hv = [m["i"] for m in meta if m["split"] == "heldout_vendor"]
    lines = line_sources(meta, hv, "")
    given = {"sketch": hv, "sketch_lines": [lines[i] for i in hv if i in lines],
             "dev": [job[2] for job in torch.load(dev_drawings)["sketch"]["jobs"]]}
    rep = {}
    for kind, ids in given.items():
        if kind not in res[arm]["sketches"]:   # a judge-dev result holds the colour sketches and the dev set alone
            continue
        colour = has_colour(images[ids])
        if bank is not None:
            colour &= nearness(bank, edge_f0(images, ids)) >= bank["threshold"]
        elif black_below is not None:
            colour &= black_share(images[ids]) < float(black_below)
        rep[kind] = {}
        for s, r in res[arm]["sketches"][kind].items():
            if not isinstance(r, dict) or "top1_by_job" not in r:
                continue
            m, e = (torch.tensor(x[kind][s]["top1_by_job"]) for x in (res["mllm"]["sketches"], res[arm]["sketches"]))
            rep[kind][s] = {"mllm": float(m.mean()), "editor": float(e.mean()), "page": float(torch.where(colour, e, m).mean()),
                            "redrawn": int(colour.sum()), "n": len(ids)}
    if out:
        with open(out, "w") as f:
            json.dump({"sweep": sweep, "arm": arm, "black_below": black_below, "route": rep}, f, indent=1)
    return rep


@torch.no_grad()
def judge_dev(out, dev_drawings, *editors, device="cpu", seeds=1):
    """Saved editors (--save'd, ungated; "shipped": the page's, sketch_editor.onnx as load_shipped reads it) on the
    dev set's sketches (--dev-drawings' file) at f0, as the sweep judges them but on any machine (a CPU: about four
    minutes an editor a seed): each job's top-1 over `seeds` decoder seeds. An editor given as EDITOR+SK.pt is
    judged on the evaluation's colour-drawing sketches too (kind "sketch" of eval_mllm --save-drawings' SK.pt, all
    196 held-out drawings), "mllm" being the MLLM's own drawings. -> {editor: {kind: {"recognised_top1",
    "top1_by_job"}}}, written to `out`."""
    from training import shipped
    from training.data import load
    from training.eval_mllm import encode_pyramid, make_decode, split_scales
    from training.judge import load_judge
    from training.judge_ceiling import judge_ctx
    from training.mllm_tasks import image_variant
    from training.tone_editor import JUDGE
    from training.transforms import to_tensor
    images, meta = load()
    encoder = shipped.load_encoder(device)[0].eval()
    decode = make_decode(encoder, device)
    ctx, hv = judge_ctx(images, meta, load_judge(JUDGE, device), device, encoder, decode)

    def sketches(ids, path):   # the sketches' f0 (the edge maps the page takes), the MLLM's f0 drawings, the jobs
        src = torch.cat([split_scales(encode_pyramid(encoder, image_variant(to_tensor(images[ids[s:s + 160]], device=device),
                                                                            torch.tensor(ids[s:s + 160]), "edges")))["f0"]
                         for s in range(0, len(ids), 160)])
        mem = mllm_drawings(path, {"sketch": ids}, meta)[0]["sketch"].to(device)
        return src, mem, [("sketch", None, None, meta[i]["concept"], i, i, i) for i in ids]

    sets = {"dev": sketches([job[2] for job in torch.load(dev_drawings)["sketch"]["jobs"]], dev_drawings)}
    res = {}
    for spec in editors:   # judged as a sweep's arm is (judge_scales), at f0 alone
        path, _, sk = spec.partition("+")
        if sk and "sketch" not in sets:
            sets["sketch"] = sketches(hv, sk)
        net = None if path == "mllm" else load_shipped(device)[0] if path == "shipped" else load_editor(path, device)[0]
        res[spec] = {}
        for kind in ("dev", "sketch") if sk else ("dev",):
            src, mem, jobs = sets[kind]
            r = judge_scales(ctx, decode, mem if net is None else net(src, mem), jobs, None,
                             argparse.Namespace(scales="f0", eval_seeds=int(seeds)), {})["f0"]
            res[spec][kind] = {"recognised_top1": r["recognised_top1"], "top1_by_job": r["top1_by_job"]}
            print(f"[sketch_editor] {path}: {kind} f0 {r['recognised_top1']:.3f}", flush=True)
    with open(out, "w") as f:
        json.dump(res, f)
    return res


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["judge-dev"]:  # python3 -m training.sketch_editor judge-dev OUT.json DEV.pt EDITOR[+SK.pt] ... [--seeds N]
        seeds = argv[argv.index("--seeds") + 1] if "--seeds" in argv else 1
        return judge_dev(*[a for k, a in enumerate(argv[1:], 1) if "--seeds" not in argv[k - 1:k + 1]], seeds=seeds)
    if argv[:1] == ["export"]:   # python3 -m training.sketch_editor export EDITOR.pt [BANK.pt]
        return export(*argv[1:3])
    if argv[:1] == ["route"]:    # python3 -m training.sketch_editor route SWEEP.json ARM DEV_DRAWINGS.pt OUT.json [BLACK|near:BANK.pt]
        return route(*argv[1:6])
    if argv[:1] == ["near"]:     # python3 -m training.sketch_editor near BANK.pt [F0_CACHE.pt]
        return near(*argv[1:3])
    if argv[:1] == ["near-vendors"]:   # python3 -m training.sketch_editor near-vendors OUT.json [PER_VENDOR]
        return near_vendors(*argv[1:3])
    base = parse(argv)
    from training import shipped
    from training.data import load
    from training.eval_mllm import encode_pyramid, line_sources, make_decode, split_scales
    from training.judge import load_judge
    from training.judge_ceiling import judge_ctx
    from training.mllm_tasks import image_variant
    from training.transforms import to_tensor
    dev = base.device
    images, meta = load()
    encoder = shipped.load_encoder(dev)[0].eval()
    decode, judge = make_decode(encoder, dev), load_judge(base.judge, dev)
    ctx, hv = judge_ctx(images, meta, judge, dev, encoder, decode)
    # the trained styles' training drawings, and with --vendors all every other vendor's drawings of trained concepts
    # that the MLLM reads in training (never OpenMoji, an evaluation-only style, nor the line-art sketches' vendor)
    from training.tone_editor import TRAIN_SPLITS, UNSTYLED
    train_rows = [m["i"] for m in meta if m["split"] == "train" and m["vendor"] in STYLED] if base.vendors == "trained" \
        else [m["i"] for m in meta if m["split"] in TRAIN_SPLITS and m["vendor"] not in UNSTYLED]
    if base.max_rows:
        train_rows = random.Random(0).sample(train_rows, base.max_rows)
    lines = line_sources(meta, hv, "")   # the line-drawn vendor's drawing of each held-out drawing's concept

    # not mllm_tasks.build_bank: it encodes every view up to the last asked (six for "lines") and numbers a drawing by
    # its place in the bank, where a line drawing's stroke (image_variant) follows the drawing's global id, as the
    # MLLM's training bank over all drawings has it
    @torch.no_grad()
    def f0_of(ids, variant):
        out = []
        for s in range(0, len(ids), 512):
            x = to_tensor(images[ids[s:s + 512]], device=dev)
            i = torch.tensor(ids[s:s + 512])
            v = outlined_edges(x, i) if variant == "outlined" else image_variant(x, i, variant)
            out.append(split_scales(encode_pyramid(encoder, v))["f0"])
        return torch.cat(out)

    t0 = time.time()
    outline = base.outline_p > 0 or any("--outline-p" in a for a in base.arm)   # the outlined view: only where read
    targets = {"sketch": hv, "sketch_lines": [i for i in hv if i in lines]}
    if base.f0_cache and os.path.exists(base.f0_cache):   # the encoder's f0 of these views, from an earlier run
        cached = torch.load(base.f0_cache)
        assert cached["rows"] == train_rows and cached["targets"] == targets, "the cache holds other drawings"
        bank, sources = ({k: v.to(dev) for k, v in cached[n].items()} for n in ("bank", "sources"))
        if outline and "outlined" not in bank:
            bank["outlined"] = f0_of(train_rows, "outlined")
    else:
        bank = {v: f0_of(train_rows, v) for v in ("orig", "edges", "lines")}
        if outline:
            bank["outlined"] = f0_of(train_rows, "outlined")
        sources = {"sketch": f0_of(hv, "edges"), "sketch_lines": f0_of([lines[i] for i in targets["sketch_lines"]], "edges")}
        if base.f0_cache:
            torch.save({"rows": train_rows, "targets": targets, "bank": {k: v.cpu() for k, v in bank.items()},
                        "sources": {k: v.cpu() for k, v in sources.items()}}, base.f0_cache)
    print(f"[sketch_editor] {len(train_rows)} training drawings x 3 views and {len(hv)} + {len(lines)} sketches encoded "
          f"in {time.time() - t0:.0f}s", flush=True)
    out, memory, groups = {}, None, None
    if base.dev_drawings:   # the dev set's sketches: the colour drawings' edge maps, as the evaluation's
        dev_rows = [job[2] for job in torch.load(base.dev_drawings)["sketch"]["jobs"]]
        targets["dev"], sources["dev"] = dev_rows, f0_of(dev_rows, "edges")
    if base.mllm_drawings:
        memory, groups = mllm_drawings(base.mllm_drawings, {k: v for k, v in targets.items() if k != "dev"}, meta)
        if base.dev_drawings:
            m, g = mllm_drawings(base.dev_drawings, {"sketch": targets["dev"]}, meta)
            memory["dev"], groups["dev"] = m["sketch"], g["sketch"]
        res = evaluate(None, sources, targets, meta, ctx, decode, base, dev, memory, groups)
        print("[sketch_editor] the MLLM's own f0 (coarser scales pooled):", json.dumps(res), flush=True)
        out["mllm"] = {"drawings": base.mllm_drawings, "sketches": res}
    for spec in base.arm or ["base"]:
        name, _, opts = spec.partition(":")
        args = parse(argv + opts.split()) if opts else base
        # what the bank holds is the command's: an arm's own --vendors would be ignored (run 46's "all" arms were)
        assert (args.vendors, args.max_rows) == (base.vendors, base.max_rows), f"arm {name}: --vendors and --max-rows are the command's, not an arm's"
        t0 = time.time()
        assert args.memory == "none" or memory is not None, "--memory: the MLLM's drawings to read (--mllm-drawings)"
        net = train(bank, list(range(len(train_rows))), [meta[i]["vendor"] for i in train_rows], args, dev,
                    log=lambda s: print(s, flush=True), metas=[meta[i] for i in train_rows])
        train_s = time.time() - t0
        res = evaluate(net, sources, targets, meta, ctx, decode, args, dev, memory, groups)
        print(f"[sketch_editor] arm {name}:", json.dumps({k: {s: {q: round(v, 4) if isinstance(v, float) else v for q, v in r.items()}
                                                              for s, r in x.items()} for k, x in res.items()}), flush=True)
        record_arm(base, out, name, net, args, train_s, train_rows=len(train_rows), sketches=res)
    return out


if __name__ == "__main__":
    main()

"""A key trained for the pick's retrieval (issue 15): a small CNN whose embedding names a drawing's concept whatever
the vendor drew it and however a task gives it (as drawn, its edge map, its grayscale, masked, or drawn as line art).

Why: the pick (training/gallery.py) retrieves the 5 concepts nearest a given image by the MLLM's reader tokens, and
the retrieval caps every picking task. With the reader, a held-out-vendor drawing's concept is first 39.8% of the time
and among the 5 83.2%, its edge map (a sketch) 9.7% / 63.8%, a line drawing's edge map 1.9% / 3.7%
(training/eval/pick/gallery_views.json, lines_galleries.json). The reader was trained on two vendors as drawn; this
key is trained on every vendor the MLLM may read (split train, and the source vendors but the line vendor
eval_mllm.LINE_VENDOR, whose drawings the sketch_lines job keeps unseen) in every view a task gives, as a cosine
classifier over their concepts (NormFace, scale S), each drawing re-drawn by transforms.augment.

    python3 -m training.pick_key train OUT.pt [--steps N]      # GPU: a few minutes
    python3 -m training.pick_key probe OUT.pt OUT.json         # the retrieval, as gallery_views measures the reader's
    python3 -m training.pick_key export OUT.pt                 # -> public/models/key.onnx, gallery.bin in its space

The probe's gallery holds the training drawings (split train, as drawn, rows stored float16 as gallery.bin stores
them); its queries are the held-out-vendor drawings in each task's view, framed as the page frames a given image
(manifest mllm.pick.frame), and the line vendor's drawings of their concepts (eval_mllm's sketch_lines jobs).
"""
import argparse
import contextlib
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from training import framing
from training import transforms as TF
from training.mllm_tasks import SOURCE_SPLITS, image_variant

TRAIN_SPLITS = ("train", *SOURCE_SPLITS)   # the training drawings and the source vendors' (training.data's splits)
# each training drawing is given in one view a step, drawn with these odds: as drawn (captions, edits), its edge
# map (sketch), its grayscale (colorize), a box masked white (inpaint), the edge map of its line drawing (a sketch drawn
# on the page's canvas) and the line drawing itself
VIEWS = (("orig", 0.35), ("edges", 0.2), ("gray", 0.1), ("mask", 0.1), ("lines", 0.15), ("drawn", 0.1))


def block(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class KeyNet(nn.Module):
    """[B, 3, 64, 64] in [-1, 1] -> [B, dim] L2-normalised: four stages of two 3x3 convolutions (64 -> 8 px), the
    last stage's map average-pooled and projected."""

    def __init__(self, width=32, dim=128):
        super().__init__()
        w = [width, 2 * width, 4 * width, 8 * width]
        self.stages = nn.Sequential(block(3, w[0], 1), block(w[0], w[1], 2), block(w[1], w[2], 2), block(w[2], w[3], 2))
        self.proj = nn.Linear(w[3], dim)
        self.config = {"width": width, "dim": dim}

    def forward(self, x):
        return F.normalize(self.proj(self.stages(x).mean((2, 3))), dim=1)


class FusedKeyNet(nn.Module):
    """KeyNet as it ships (key.onnx, the page's): each convolution with its batch norm folded in, so the graph is
    convolutions, ReLUs, a mean, a linear map and the L2 norm, and training.shipped.load_state reads it back."""

    def __init__(self, width=32, dim=128):
        super().__init__()
        w = [width, 2 * width, 4 * width, 8 * width]
        io = [(3, w[0], 1), (w[0], w[0], 1), (w[0], w[1], 2), (w[1], w[1], 1), (w[1], w[2], 2), (w[2], w[2], 1),
              (w[2], w[3], 2), (w[3], w[3], 1)]
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3, s, 1) for a, b, s in io)
        self.proj = nn.Linear(w[3], dim)
        self.config = {"width": width, "dim": dim}

    def forward(self, x):
        for c in self.convs:
            x = F.relu(c(x))
        return F.normalize(self.proj(x.mean((2, 3))), dim=1)


@torch.no_grad()
def fuse(net):
    """KeyNet (eval) -> FusedKeyNet computing the same: conv(x) then BN is conv with w * g / s and b = beta - mu * g / s"""
    out = FusedKeyNet(**net.config)
    convs = [m for m in net.stages.modules() if isinstance(m, nn.Conv2d)]
    norms = [m for m in net.stages.modules() if isinstance(m, nn.BatchNorm2d)]
    for f, c, bn in zip(out.convs, convs, norms):
        g = bn.weight / (bn.running_var + bn.eps).sqrt()
        f.weight.copy_(c.weight * g.view(-1, 1, 1, 1))
        f.bias.copy_(bn.bias - bn.running_mean * g)
    out.proj.load_state_dict(net.proj.state_dict())
    return out.eval()


def view_of(x, ids, which):
    """x [B,3,64,64], ids [B] image ids (a tensor) -> the drawings as the task `which` (a VIEWS name) gives them: the
    bank's variants (mllm_tasks.image_variant; "mask" its mask_a), or the line drawing itself ("drawn")"""
    if which == "drawn":
        return TF.line_drawing(x, [int(i) for i in ids])
    return image_variant(x, torch.as_tensor(ids), "mask_a" if which == "mask" else which)


def views_arg(text):
    """--views "orig=0.25,edges=0.35,...": ((name, odds), ...) over VIEWS' names, in VIEWS' order (one left out: 0).
    "+" separates them too (pick_key.sh's ARMS turn commas into spaces)."""
    got = {k.strip(): float(v) for k, v in (kv.split("=", 1) for kv in text.replace("+", ",").split(",") if kv)}
    unknown = set(got) - {n for n, _ in VIEWS}
    if unknown or not any(got.values()) or min(got.values()) < 0:
        raise argparse.ArgumentTypeError(f"--views: non-negative odds over {', '.join(n for n, _ in VIEWS)}, not all 0")
    return tuple((n, got.get(n, 0.0)) for n, _ in VIEWS)


def training_rows(meta):
    """(image ids, concept labels, concept codes) of the drawings the key trains on"""
    from training.eval_mllm import LINE_VENDOR   # the sketch_lines job's drawings stay unseen
    rows = [m for m in meta if m["split"] in TRAIN_SPLITS and m["vendor"] != LINE_VENDOR]
    codes = sorted({m["concept"] for m in rows})
    idx = {c: i for i, c in enumerate(codes)}
    return [m["i"] for m in rows], [idx[m["concept"]] for m in rows], codes


def train(out, steps=3000, batch=512, lr=2e-3, width=32, dim=128, scale=20.0, seed=0, device=None, max_seconds=None,
          log=print, data_dir=None, views=VIEWS):
    """max_seconds: leave the loop then, the LR clock still the one of `steps` (the checkpoint records the step reached).
    views: ((VIEWS name, odds), ...): the share of each task's view of a drawing a step (--views)"""
    from training.data import load
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(seed)
    images, meta = load(data_dir) if data_dir else load()
    ids, labels, codes = training_rows(meta)
    x_all = TF.to_tensor(images[ids], device)   # every training drawing resident on the device
    y_all = torch.tensor(labels, device=device)
    id_all = torch.tensor(ids)
    net = KeyNet(width, dim).to(device)
    head = nn.Parameter(torch.randn(len(codes), dim, device=device) * 0.01)
    opt = torch.optim.AdamW(list(net.parameters()) + [head], lr=lr, weight_decay=5e-4)
    warm = max(1, min(100, steps // 10))   # linear warm-up, then a cosine to zero at `steps`
    sched = lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps))
    names, odds = zip(*views)
    g = torch.Generator().manual_seed(seed)
    t0, seen = time.time(), 0
    log(f"pick_key: {len(ids)} drawings, {len(codes)} concepts, {sum(p.numel() for p in net.parameters())} key "
        f"parameters, {device}")
    step = -1
    for step in range(steps):
        if max_seconds and time.time() - t0 > max_seconds:
            log(f"pick_key: stopped at step {step} of {steps} on its {max_seconds} s budget")
            break
        for p in opt.param_groups:
            p["lr"] = lr * sched(step)
        b = torch.randint(len(ids), (batch,), generator=g)
        x, y, bid = x_all[b.to(device)], y_all[b.to(device)], id_all[b]
        x = TF.augment(x, torch.randint(1 << 30, (batch,), generator=g).tolist())
        which = torch.multinomial(torch.tensor(odds), batch, replacement=True, generator=g)
        parts = torch.empty_like(x)
        for v, name in enumerate(names):
            sel = (which == v).nonzero().flatten()
            if len(sel):
                parts[sel.to(device)] = view_of(x[sel.to(device)], bid[sel], name)
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16) if device == "cuda" else contextlib.nullcontext():
            emb = net(parts)
        logits = scale * emb.float() @ F.normalize(head, dim=1).T
        loss = F.cross_entropy(logits, y, label_smoothing=0.1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        seen += batch
        if step % 100 == 0 or step == steps - 1:
            acc = (logits.argmax(1) == y).float().mean().item()
            log(f"step {step} loss {loss.item():.3f} acc {acc:.3f} lr {lr * sched(step):.2e} "
                f"{seen / (time.time() - t0):.0f} samples/s")
    torch.save({"config": net.config, "state": net.state_dict(), "codes": codes, "head": head.detach().cpu(),
                "steps": steps, "step": step + 1 if step == steps - 1 else step, "batch": batch, "lr": lr, "scale": scale, "seed": seed, "views": dict(views),
                "seconds": round(time.time() - t0, 1), "device": device}, out)
    return net


def load_key(path, device="cpu"):
    ck = torch.load(path, map_location=device)
    net = KeyNet(**ck["config"]).to(device)
    net.load_state_dict(ck["state"])
    return net.eval(), ck


@torch.no_grad()
def embed(net, x, device, batch=512):
    return torch.cat([net(x[i:i + batch].to(device)).float().cpu() for i in range(0, len(x), batch)])


@torch.no_grad()
def probe(path, out, device=None, log=print, data_dir=None, models_dir=None):
    """top-1 / top-5 holding the concept: the reader's columns (gallery_views.json, lines_galleries.json) beside this key's"""
    from training.data import load
    from training.gallery import K, Gallery, hold
    from training.manifest import read_manifest
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    net, ck = load_key(path, device)
    images, meta = load(data_dir) if data_dir else load()
    frame = (read_manifest(models_dir) if models_dir else read_manifest())["mllm"]["pick"]["frame"]
    train = [m for m in meta if m["split"] == "train"]
    codes = sorted({m["concept"] for m in train})
    idx = {c: i for i, c in enumerate(codes)}
    rows = embed(net, TF.to_tensor(images[[m["i"] for m in train]]), device)
    gal = Gallery(torch.zeros(rows.shape[1]), rows.half().float(), [idx[m["concept"]] for m in train], codes)
    hv = [m for m in meta if m["split"] == "heldout_vendor" and m["concept"] in idx]
    from training.eval_mllm import LINE_VENDOR
    by = {(m["concept"], m["skin_tone"]): m["i"] for m in meta if m["vendor"] == LINE_VENDOR and m["split"] in SOURCE_SPLITS}
    lines = [(m, by.get((m["concept"], m["skin_tone"]), by.get((m["concept"], "none")))) for m in hv]
    lines = [(m, j) for m, j in lines if j is not None]
    # the classifier's own weights over the same concepts, as a second reading of the key (no gallery)
    hidx = {c: i for i, c in enumerate(ck["codes"])}
    head = F.normalize(ck["head"].float().cpu()[[hidx[c] for c in codes]], dim=1)

    def ask(ms, src_ids, view):
        x = TF.to_tensor(images[src_ids])
        x = framing.frame_as(view_of(x, torch.tensor(src_ids), view), frame)
        q = embed(net, x, device)
        want = [m["concept"] for m in ms]
        by_gallery = hold(gal.retrieve(q, K)[0], want)
        top = (q @ head.T).topk(K, dim=1).indices.tolist()
        by_head = hold([[codes[j] for j in r] for r in top], want)
        return [round(v, 4) for v in by_gallery], [round(v, 4) for v in by_head]

    sets = {"held-out vendor as drawn": (hv, [m["i"] for m in hv], "orig"),
            "edges (sketch)": (hv, [m["i"] for m in hv], "edges"),
            "gray (colorize)": (hv, [m["i"] for m in hv], "gray"),
            "mask_a (inpaint)": (hv, [m["i"] for m in hv], "mask"),
            "sketch_lines (line vendor's edge map)": ([m for m, _ in lines], [j for _, j in lines], "edges"),
            "sketch_lines_drawn (line vendor as drawn)": ([m for m, _ in lines], [j for _, j in lines], "orig")}
    res = {"key": path, "columns": "[top-1, top-5 holds the concept]", "k": K, "frame": frame,
           "train": {k: ck.get(k) for k in ("steps", "step", "batch", "lr", "scale", "seed", "views", "seconds", "device")},
           "config": ck["config"], "gallery_rows": len(train), "n": {}, "gallery": {}, "head": {}}
    for name, (ms, src, view) in sets.items():
        res["n"][name] = len(ms)
        if not ms:   # no line-vendor drawing of these concepts (a small dataset)
            continue
        res["gallery"][name], res["head"][name] = ask(ms, src, view)
        log(name, res["gallery"][name], res["head"][name])
        # per held-out vendor: Google's drawings have an older Google set (noto_v1) among the key's training vendors,
        # Twitter's have no such relative
        for v in sorted({m["vendor"] for m in ms}) if len(sets[name][0]) == len(hv) else ():
            sel = [k for k, m in enumerate(ms) if m["vendor"] == v]
            res.setdefault("by_vendor", {}).setdefault(name, {})[v] = {
                "n": len(sel), "gallery": (r := ask([ms[k] for k in sel], [src[k] for k in sel], view))[0], "head": r[1]}
    with open(out, "w") as f:
        json.dump(res, f, indent=1)
    return res


KEY_FILE = "key.onnx"
STORAGE = "int8"   # as the reader and decoders ship: a quarter of float32's bytes under the page's 40 MB

def load_shipped(device="cpu", models_dir=None):
    """The shipped key (key.onnx) as the page runs it, back in PyTorch"""
    from training import shipped
    from training.manifest import read_manifest
    models_dir = models_dir or shipped.MODELS_DIR
    e = read_manifest(models_dir)["models"]["key"]
    return shipped.load_state(FusedKeyNet(**e["config"]), os.path.join(models_dir, e["variants"][0]["file"])).to(device)


@torch.no_grad()
def export(path, models_dir=None):
    """A trained key -> public/models/key.onnx (FusedKeyNet, int8-stored weights, float32 compute), its golden vectors, and the pick's gallery
    rewritten in the key's space (gallery.write space="key": one row per training concept, its proxy); the manifest's
    pick keeps its k, tasks, frame and views, and gets temperature 1 / S (the key's cosine scale in training): a
    name's cosine over it is the key's own logit, so the choice adds the key's log-probability to the MLLM's (a
    product of the two experts; A/B'd in training/eval/pick_key)."""
    import onnx
    from training import shipped
    from training.export import export_onnx, io_spec, synthetic_image
    from training.gallery import write
    from training.half_weights import round_module, storage_note, store_weights
    from training.manifest import read_manifest, update_manifest, write_golden
    models_dir = models_dir or shipped.MODELS_DIR
    net, ck = load_key(path)
    f = fuse(net)
    round_module(f, STORAGE)   # the weights on their int8 grid: the golden vectors and every evaluation use these
    onnx_path = os.path.join(models_dir, KEY_FILE)
    x = torch.cat([synthetic_image(1), synthetic_image(2)])
    export_onnx(f, (x,), onnx_path, ["image"], ["key"], {"image": {0: "batch"}, "key": {0: "batch"}})
    mp, _ = store_weights(onnx.load(onnx_path), STORAGE)
    onnx.checker.check_model(mp)
    onnx.save(mp, onnx_path)
    golden = write_golden("key", {"image": x.numpy()}, {"key": f(x).numpy()}, models_dir, atol=2e-3, rtol=1e-3)
    m = read_manifest(models_dir)
    pick, chars = m["mllm"]["pick"], m["models"]["gallery"]["concepts"]
    if isinstance(pick.get("temperature"), dict):   # chosen for the old key's cosines: they do not carry over
        print(f"pick_key export: mllm.pick.temperature per task {pick['temperature']} reset to the new key's 1/S; choose "
              "them again on the dev set (training/gpu/pick_dev.sh, training/pick_temperature.py --write)")
    from training.known_words import concept_char
    idx = {concept_char(c): i for i, c in enumerate(ck["codes"])}
    rows = F.normalize(ck["head"].float()[[idx[ch] for ch in chars]], dim=1)
    codes = [ck["codes"][idx[ch]] for ch in chars]
    write(torch.zeros(rows.shape[1]).numpy(), None, rows.numpy(), list(range(len(chars))), codes, models_dir,
          k=pick["k"], tasks=pick["tasks"], frame=pick.get("frame"), space="key", temperature=1 / ck["scale"])
    entry = {"role": "key", "variants": [{"dtype": "float32", "file": KEY_FILE, "requires": [], "storage": storage_note(mp, STORAGE)}],
             "inputs": io_spec([("image", ["batch", 3, 64, 64])]), "outputs": io_spec([("key", ["batch", f.config["dim"]])]),
             "config": f.config, "golden": golden,
             "trained": {k: ck.get(k) for k in ("steps", "step", "batch", "lr", "scale", "seed", "views", "seconds", "device")},
             "note": "training/pick_key.py: the pick's retrieval key, a CNN trained as a cosine classifier over the "
                     "training concepts on every vendor the MLLM reads, in every view a task gives"}
    return update_manifest({"key": entry}, models_dir=models_dir)


class ImageKeys:
    """eval_mllm's bank of the given images' keys, laid out as its reader bank (mllm_tasks.build_bank: a VARIANTS
    block of every image each, masks by bank position), each read framed where the pick frames: `given` gives a
    prefix's given image's key (caption_rerank.given_keys calls it in place of reader tokens)."""

    @torch.no_grad()
    def __init__(self, net, images_uint8, device, frame=None, batch=512):
        from training.mllm_tasks import VARIANTS, image_variants
        n = len(images_uint8)
        blocks = [[] for _ in VARIANTS]
        for s in range(0, n, batch):
            x = TF.to_tensor(images_uint8[s:s + batch], device=device)
            var = image_variants(x, torch.arange(s, s + len(x)))
            for b, name in zip(blocks, VARIANTS):
                v = var[name] if frame is None else framing.frame_as(var[name], frame)
                b.append(net(v).float().cpu())
        self.keys = torch.cat([torch.cat(b) for b in blocks])   # [len(VARIANTS) * n, dim]

    def given(self, prefixes):
        from training.common import N_IMG
        return self.keys[[next(s for s in p[2] if s >= 0) // N_IMG for p in prefixes]]


HELD_VIEWS = ("held-out vendor as drawn", "edges (sketch)", "gray (colorize)", "mask_a (inpaint)")   # the probe's


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=("train", "probe", "export"))
    ap.add_argument("key", help="the key's checkpoint (train writes it; probe and export read it)")
    ap.add_argument("out", nargs="?", help="probe: the JSON written")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default=None)
    ap.add_argument("--max-seconds", type=float, default=None, help="train: leave the loop after this long")
    ap.add_argument("--views", type=views_arg, default=VIEWS,
                    help="train: each view's odds, name=p comma-separated over " + ", ".join(n for n, _ in VIEWS))
    a = ap.parse_args(argv)
    torch.set_num_threads(os.cpu_count() or 1)
    if a.what == "train":
        train(a.key, a.steps, a.batch, a.lr, a.width, a.dim, seed=a.seed, device=a.device, max_seconds=a.max_seconds,
              views=a.views)
    elif a.what == "export":
        export(a.key)
    else:
        probe(a.key, a.out or os.path.splitext(a.key)[0] + "_probe.json", a.device)


if __name__ == "__main__":
    main()

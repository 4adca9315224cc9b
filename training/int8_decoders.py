"""int8 decoders for onnxruntime-web's WASM backend (issue 19 item 5): each served fp32 decoder graph with
every Conv rewritten as DynamicQuantizeLinear -> ConvInteger -> Cast -> Mul(scale) (+ bias). Weights are int8
per output channel, symmetric around a shared zero point 128 (ConvInteger takes one weight zero point), stored
as uint8; activations are quantized per call over the whole tensor. WASM's quantized GEMM runs a decoder call 2.2-2.7x
faster than the fp32 graph (bench/int8-decoders.mjs), so the page's WASM path prefers them
(workers/engine/puma-engine.ts VISUAL_PREFERENCE); WebGPU keeps fp32 (its EP has no ConvInteger), and so does
native onnxruntime, whose fp32 convolutions are the faster there.

    /usr/bin/python3 -m training.int8_decoders                        # public/models: graphs, goldens, manifest variants
    /usr/bin/python3 -m training.int8_decoders --table1 --limit 64    # Table 1 -> training/eval/int8_decoders.json

`fake_quantize` is the same arithmetic in PyTorch: one Conv matches onnxruntime-web to 1e-6, but through the
24 convolutions of a decoder a float difference of 1e-6 ahead of a quantizer now and then rounds an
activation to the neighbouring level, and those flips compound: a whole decoder call differs from
onnxruntime's by ~3% RMS, as much as either differs from fp32. So Table 1 measured with `fake_quantize` is
the int8 arithmetic's statistics, not onnxruntime's exact output, and the int8 golden vectors hold at that
noise level (`rel_rms` in the golden file), while the fp32 variant keeps its exact parity.
"""
import argparse
import json
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

from training.common import ROOT
from training.encoder import SCALES

MODELS_DIR = os.path.join(ROOT, "public", "models")


def weight_scale(w):
    """Per output channel: max |w| / 127 (numpy or torch, [Co, ...])."""
    flat = w.reshape(w.shape[0], -1)
    m = np.abs(flat).max(1) if isinstance(w, np.ndarray) else flat.abs().amax(1)
    return np.maximum(m / 127.0, 1e-12).astype(np.float32) if isinstance(w, np.ndarray) else torch.clamp(m / 127.0, min=1e-12)


def quantize_graph(model):
    """The fp32 decoder graph -> the int8 one (a new ModelProto)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    from training.half_weights import initializers_fp32   # fp16- or int8-stored weights resolved (Cast, DequantizeLinear)
    weights = initializers_fp32(m)

    def const(name):
        assert name in weights, f"{name}: not a constant"
        return weights[name].astype(np.float32)

    nodes, extra, k = [], [], 0
    for n in g.node:
        if n.op_type != "Conv":
            nodes.append(n)
            continue
        x, w = n.input[0], n.input[1]
        b = n.input[2] if len(n.input) > 2 and n.input[2] else None
        W = const(w)
        co, ws = W.shape[0], weight_scale(W)
        Wq = np.clip(np.round(W / ws[:, None, None, None]) + 128, 0, 255).astype(np.uint8)
        p = f"q{k}_"
        k += 1
        extra += [numpy_helper.from_array(Wq, p + "wq"), numpy_helper.from_array(np.array(128, np.uint8), p + "wz"),
                  numpy_helper.from_array(ws.reshape(1, co, 1, 1), p + "ws")]
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        nodes += [helper.make_node("DynamicQuantizeLinear", [x], [p + "xq", p + "xs", p + "xz"]),
                  helper.make_node("ConvInteger", [p + "xq", p + "wq", p + "xz", p + "wz"], [p + "y32"], **attrs),
                  helper.make_node("Cast", [p + "y32"], [p + "yf"], to=TensorProto.FLOAT),
                  helper.make_node("Mul", [p + "xs", p + "ws"], [p + "s"])]
        if b:
            extra.append(numpy_helper.from_array(const(b).reshape(1, co, 1, 1), p + "b"))
            nodes += [helper.make_node("Mul", [p + "yf", p + "s"], [p + "ys"]), helper.make_node("Add", [p + "ys", p + "b"], [n.output[0]])]
        else:
            nodes.append(helper.make_node("Mul", [p + "yf", p + "s"], [n.output[0]]))
    del g.node[:]
    g.node.extend(nodes)
    g.initializer.extend(extra)
    # the Casts that fed the fp32 weights and the initializers nobody reads any more go
    outs = {o.name for o in g.output}
    while True:
        used = {i for n in g.node for i in n.input} | outs
        dead = [n for n in g.node if not any(o in used for o in n.output)]
        if not dead:
            break
        for n in dead:
            g.node.remove(n)
    used = {i for n in g.node for i in n.input}
    keep = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    onnx.checker.check_model(m)
    return m


def fake_quantize(decoder, per_sample=False):
    """The same arithmetic in PyTorch: every Conv2d of `decoder` quantizes its input as DynamicQuantizeLinear
    does (uint8, the whole tensor's range widened to hold 0) and uses its int8 weights. In place.
    per_sample: each sample's own range, as the page's one-pass decode (batch 1) has it; a batched
    evaluation would otherwise share one range across its images."""
    def act(x):
        dims = tuple(range(1, x.dim())) if per_sample else tuple(range(x.dim()))
        lo = torch.clamp(x.amin(dim=dims, keepdim=True), max=0)
        hi = torch.clamp(x.amax(dim=dims, keepdim=True), min=0)
        s = torch.clamp((hi - lo) / 255, min=1e-12)
        zp = torch.clamp(torch.round(-lo / s), 0, 255)
        return (torch.clamp(torch.round(x / s) + zp, 0, 255) - zp) * s

    for c in decoder.modules():
        if isinstance(c, nn.Conv2d):
            w = c.weight.detach()
            s = weight_scale(w).view(-1, 1, 1, 1)
            wq = torch.clamp(torch.round(w / s), -127, 127) * s
            c.forward = (lambda x, c=c, wq=wq: F.conv2d(act(x), wq, c.bias, c.stride, c.padding, c.dilation, c.groups))
    return decoder


REL_RMS = 0.06   # an int8 call's distance from fake_quantize's: ~3% RMS measured (module docstring), twice that allowed


def export(models_dir=MODELS_DIR):
    """decoder_<s>.int8.onnx beside each served decoder, golden vectors (the fp32 golden's inputs through
    fake_quantize) and an int8 variant in the manifest after the fp32 one."""
    from training import shipped
    from training.manifest import read_manifest, tensor_from_json, update_manifest, write_golden
    man = read_manifest(models_dir)
    models = {}
    for s in SCALES:
        name = f"decoder_{s}"
        entry = man["models"][name]
        fp32 = next(v for v in entry["variants"] if v["dtype"] == "float32")
        file = f"{name}.int8.onnx"
        onnx.save(quantize_graph(onnx.load(os.path.join(models_dir, fp32["file"]))), os.path.join(models_dir, file))
        g = json.load(open(os.path.join(models_dir, entry["golden"])))
        inputs = {k: torch.from_numpy(tensor_from_json(t).copy()) for k, t in g["inputs"].items()}
        d = fake_quantize(shipped.load_decoder(s, models_dir=models_dir).eval())
        with torch.no_grad():
            v = d(inputs["x"], inputs["t"], inputs["cond"])
        golden = write_golden(f"{name}.int8", {k: t.numpy() for k, t in inputs.items()}, {"v": v.numpy()}, models_dir,
                              atol=1.0, rtol=0.0, rel_rms=REL_RMS, variant="int8")
        variants = [v for v in entry["variants"] if v["dtype"] != "int8"]
        variants.append(dict(dtype="int8", file=file, requires=[], golden=golden,
                             storage="int8 Conv weights per output channel, activations quantized per call (ConvInteger)"))
        models[name] = dict(entry, variants=variants)
    return update_manifest(models, None, models_dir)


def table1(limit, out):
    """Table 1 of the int8 arithmetic (fake_quantize, per-sample ranges) against the fp32 decoders, the same
    images and seeds (training/eval_visual.evaluate at the default steps)."""
    from training import shipped
    from training.eval_visual import evaluate
    with torch.no_grad():
        base = evaluate("cpu", limit, limit=limit)[0]
        decs = {s: fake_quantize(d, per_sample=True) for s, d in shipped.load_decoders("cpu").items()}
        q = evaluate("cpu", limit, limit=limit, decs=decs)[0]
    json.dump({"limit": limit, "fp32": base, "int8": q}, open(out, "w"), indent=1)
    for name in base["sets"]:
        print(name, " ".join(f"{s} {q['sets'][name][s]['psnr_r'] - base['sets'][name][s]['psnr_r']:+.2f} dB / "
                             f"{100 * (q['sets'][name][s]['judge_top1'] - base['sets'][name][s]['judge_top1']):+.1f}" for s in SCALES))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--table1", action="store_true", help="measure Table 1 of the int8 arithmetic instead")
    ap.add_argument("--limit", type=int, default=64, help="--table1: images per set")
    ap.add_argument("--out", default=os.path.join(ROOT, "training", "eval", "int8_decoders.json"))
    a = ap.parse_args()
    if a.table1:
        table1(a.limit, a.out)
    else:
        m = export()
        for s in SCALES:
            v = m["models"][f"decoder_{s}"]["variants"][-1]
            print(f"decoder_{s}: {v['file']} {v['bytes'] / 1e6:.2f} MB")

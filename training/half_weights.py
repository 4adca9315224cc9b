"""Store an ONNX graph's large fp32 weights compactly: fp16 behind a Cast, or int8 behind a
DequantizeLinear, each producing the fp32 tensor (under the weight's own name) that the graph reads.

    /usr/bin/python3 -m training.half_weights --table1 --limit 64   # A/B: fp16- vs int8-stored -> training/eval/int8_storage.json

The file is about half (fp16) or a quarter (int8) of the fp32 size; compute stays fp32 (no
shader-f16 needed): onnxruntime folds Cast(initializer), and with QDQ handling off
(`session.disable_quant_qdq`, workers/engine/ort.ts) DequantizeLinear(initializer), into an fp32
constant when the session is created, so the running graph is the fp32 graph with rounded weights
(where a DequantizeLinear is left in, it computes the same q * scale every call). `round_module`
applies the same rounding to a PyTorch module, so golden vectors computed from it match the file
exactly.

Storages (one eligibility rule, `half_eligible`: a float tensor of at least MIN_HALF values):
  "float16"  every eligible weight rounded to the nearest fp16.
  "int8"     every eligible weight with output channels (2+ dims, the first > 1: Conv [Co, Ci, k, k],
             Linear [out, in]) symmetric int8 per output channel (axis 0, zero point 0, scale
             max|w| / 127: training.int8_decoders.weight_scale, the same scales the WASM ConvInteger
             decoders use); the others (positional embeddings [1, N, C]) fp16 as above.
"""
import argparse
import json
import os

import numpy as np
import torch
from onnx import helper, numpy_helper, TensorProto
from training.int8_decoders import weight_scale
from training.onnx_weights import replace_weights

MIN_HALF = 1024       # smaller tensors (norms, biases) stay fp32: they cost nothing and are touchy
SUFFIX = "__fp16"
INT8_SUFFIX, SCALE_SUFFIX, ZP_SUFFIX = "__int8", "__scale", "__zp"
STORAGES = ("float16", "int8")
# the manifest variant's "storage" (informational: the variant's dtype stays its compute dtype, float32)
INT8_NOTE = "int8 weights per output channel, DequantizeLinear to float32 (compute float32)"
STORAGE_NOTE = {"float16": "float16 weights, Cast to float32 (compute float32)",
                "int8": INT8_NOTE + "; positional embeddings float16"}


def storage_note(model_proto, storage):
    """The manifest's note for a graph stored by store_weights: STORAGE_NOTE, but for an int8 graph without
    fp16-stored weights (no positional embeddings: the key, the tone editor) INT8_NOTE alone."""
    if storage == "int8" and not any(i.name.endswith(SUFFIX) for i in model_proto.graph.initializer):
        return INT8_NOTE
    return STORAGE_NOTE[storage]


def half_eligible(name, t):
    return t.is_floating_point() and t.numel() >= MIN_HALF


def int8_eligible(shape):
    """An eligible weight with output channels along axis 0 (per-channel scales mean something)."""
    return len(shape) >= 2 and shape[0] > 1


def quantize_channels(w):
    """Symmetric int8 per output channel (axis 0) of an fp32 numpy array -> (q int8, scale fp32 [Co])."""
    s = weight_scale(w)
    q = np.clip(np.round(w / s.reshape((-1,) + (1,) * (w.ndim - 1))), -127, 127).astype(np.int8)
    return q, s


def dequantize_channels(q, s):
    """What DequantizeLinear(axis=0, zero point 0) computes: q * scale, in fp32."""
    return q.astype(np.float32) * s.reshape((-1,) + (1,) * (q.ndim - 1))


def _on_int8_grid(w):
    """(q, scale) whose dequantization reproduces fp32 array `w` bit for bit, or None."""
    q, s = quantize_channels(w)
    return (q, s) if np.array_equal(dequantize_channels(q, s), w) else None


@torch.no_grad()
def round_module(module, storage="float16"):
    """Round every eligible parameter as `storage` stores it (kept in fp32). int8: quantize-dequantize
    until the weight lies on its own grid (store_weights re-derives the same q and scale from it)."""
    assert storage in STORAGES, storage
    for n, p in module.named_parameters():
        if not half_eligible(n, p):
            continue
        if storage == "int8" and int8_eligible(p.shape):
            w = p.detach().cpu().numpy().astype(np.float32)
            for _ in range(4):   # a scale max|w'|/127 can land an ulp off the first one; then stable
                if _on_int8_grid(w) is not None:
                    break
                w = dequantize_channels(*quantize_channels(w))
            assert _on_int8_grid(w) is not None, f"{n}: no stable int8 grid"
            p.copy_(torch.from_numpy(w))
        else:
            p.copy_(p.half().float())
    return module


def store_weights(model_proto, storage="float16"):
    """fp32 initializers with >= MIN_HALF values -> `storage` (see the module docstring) + the node that
    turns each back into fp32 under its original name. An int8 weight must already lie on its int8 grid
    (round_module(..., "int8") before the export), so the graph computes with exactly the module's
    weights. Returns (model_proto, number converted)."""
    assert storage in STORAGES, storage
    g = model_proto.graph
    keep, nodes = [], []
    for init in g.initializer:
        if init.data_type != TensorProto.FLOAT or int(np.prod(init.dims)) < MIN_HALF:
            keep.append(init)
            continue
        a, name = numpy_helper.to_array(init), init.name
        if storage == "int8" and int8_eligible(a.shape):
            qs = _on_int8_grid(a)
            if qs is None:
                raise ValueError(f"{name}: not on its int8 grid (round_module(module, 'int8') before exporting)")
            q, s = qs
            keep += [numpy_helper.from_array(q, name + INT8_SUFFIX), numpy_helper.from_array(s, name + SCALE_SUFFIX),
                     numpy_helper.from_array(np.zeros(s.shape, np.int8), name + ZP_SUFFIX)]
            nodes.append(helper.make_node("DequantizeLinear", [name + INT8_SUFFIX, name + SCALE_SUFFIX, name + ZP_SUFFIX],
                                          [name], axis=0, name=name + "_dq"))
            continue
        h = a.astype(np.float16)
        if not np.isfinite(h).all():
            raise ValueError(f"{name}: values beyond fp16 range")
        keep.append(numpy_helper.from_array(h, name + SUFFIX))
        nodes.append(helper.make_node("Cast", [name + SUFFIX], [name], to=TensorProto.FLOAT, name=name + "_cast"))
    replace_weights(g, keep, nodes)
    return model_proto, len(nodes)


def store_half(model_proto):
    """fp32 initializers with >= MIN_HALF values -> fp16 initializer + Cast(to fp32) node with the
    original name. Returns (model_proto, number converted)."""
    return store_weights(model_proto, "float16")


def initializers_fp32(model_proto):
    """name -> fp32 numpy array of every weight as the graph computes with it (fp16-stored weights
    resolved through their Cast, int8-stored ones through their DequantizeLinear)."""
    g = model_proto.graph
    raw = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    stored = {k for k in raw if k.endswith((SUFFIX, INT8_SUFFIX, SCALE_SUFFIX, ZP_SUFFIX))}
    out = {k: v for k, v in raw.items() if k not in stored}
    for n in g.node:
        if n.op_type == "Cast" and n.input[0] in raw and n.input[0].endswith(SUFFIX):
            out[n.output[0]] = raw[n.input[0]].astype(np.float32)
        elif n.op_type == "DequantizeLinear" and n.input[0] in raw and n.input[0].endswith(INT8_SUFFIX):
            axis = next((a.i for a in n.attribute if a.name == "axis"), 1)
            q, s, zp = (raw[i] for i in n.input)
            assert axis == 0 and not zp.any(), f"{n.name}: not this module's int8 storage"
            out[n.output[0]] = dequantize_channels(q, s)
    return out


def storage_of(model_proto):
    """"int8" when the graph holds int8-stored weights, "float16" when only fp16-stored ones, else None."""
    names = [i.name for i in model_proto.graph.initializer]
    if any(n.endswith(INT8_SUFFIX) for n in names):
        return "int8"
    return "float16" if any(n.endswith(SUFFIX) for n in names) else None


def visual_bytes(models_dir=None):
    """file -> bytes of the encoder's and decoders' float32 variants (the files this storage applies to), and
    their storage as the manifest records it."""
    from training.common import MODELS_DIR
    from training.manifest import read_manifest
    models_dir = models_dir or MODELS_DIR
    out = {}
    for e in read_manifest(models_dir)["models"].values():
        if e.get("role") in ("encoder", "decoder"):
            for v in e["variants"]:
                if v["dtype"] == "float32":
                    out[v["file"]] = {"bytes": v["bytes"], "storage": v.get("storage")}
    return out


BASE_COMMIT = "2dc5181"   # the last commit whose public/models stored the visual weights fp16


def models_at(commit, files=("manifest.json", "encoder.onnx") + tuple(f"decoder_{s}.onnx" for s in ("f0", "f1", "f2", "f3", "f4"))):
    """The visual models as public/models held them at a commit (git show), in a temporary folder."""
    import subprocess
    import tempfile
    from training.common import ROOT
    d = tempfile.mkdtemp(prefix=f"models-{commit}-")
    for f in files:
        with open(os.path.join(d, f), "wb") as fh:
            fh.write(subprocess.run(["git", "show", f"{commit}:public/models/{f}"], cwd=ROOT, check=True, capture_output=True).stdout)
    return d


def feature_change(enc_a, enc_b, images):
    """RMS of the two encoders' feature difference over RMS of the first's features (what the MLLM reads)."""
    from training import transforms as T
    with torch.no_grad():
        x = T.to_tensor(np.ascontiguousarray(images))
        fa, fb = enc_a(x), enc_b(x)
    return float((fa - fb).pow(2).mean().sqrt() / fa.pow(2).mean().sqrt())


def table1(limit, out, base_commit=BASE_COMMIT):
    """Table 1 of the encoder + decoders as stored fp16 (public/models at base_commit) against the same weights
    int8-stored (round_module(..., "int8") of each: exactly what an int8-stored export computes), the same images
    and seeds (training/eval_visual.evaluate at the default steps); and how far the encoder's features move."""
    from training import shipped
    from training.data import load
    from training.encoder import SCALES
    from training.eval_visual import evaluate
    base_dir = models_at(base_commit)
    with torch.no_grad():
        enc16, decs16 = shipped.load_encoder("cpu", base_dir)[0], shipped.load_decoders("cpu", base_dir)
        base = evaluate("cpu", limit, limit=limit, decs=decs16, enc=enc16)[0]
        enc = round_module(shipped.load_encoder("cpu", base_dir)[0], "int8")
        decs = {s: round_module(d, "int8") for s, d in shipped.load_decoders("cpu", base_dir).items()}
        q = evaluate("cpu", limit, limit=limit, decs=decs, enc=enc)[0]
    images, meta = load()
    hv = [m["i"] for m in meta if m["split"] == "heldout_vendor"][:limit]
    rep = {"what": "Table 1 (training/eval_visual.evaluate, CPU, the default steps and guidance): the encoder and decoders "
                   f"with their weights stored fp16 (float16; public/models at {base_commit}) and the same weights stored int8 "
                   "per output channel (int8), same images and seeds; python3 -m training.half_weights --table1",
           "limit": limit, "float16": base, "int8": q, "delta": {}, "bytes_measured": visual_bytes(base_dir),
           "encoder_feature_rel_rms": {"heldout_vendor": feature_change(enc16, enc, images[hv]), "n": len(hv)}}
    for name in base["sets"]:
        rep["delta"][name] = {s: {"psnr_r": q["sets"][name][s]["psnr_r"] - base["sets"][name][s]["psnr_r"],
                                  "judge_top1_images": round((q["sets"][name][s]["judge_top1"] - base["sets"][name][s]["judge_top1"])
                                                             * base["sets"][name]["n"])} for s in SCALES}
        print(name, " ".join(f"{s} {d['psnr_r']:+.3f} dB / {d['judge_top1_images']:+d} img" for s, d in rep["delta"][name].items()))
    print(f"encoder features: {100 * rep['encoder_feature_rel_rms']['heldout_vendor']:.2f}% RMS")
    json.dump(rep, open(out, "w"), indent=1)
    return rep

if __name__ == "__main__":
    from training.common import ROOT
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--table1", action="store_true", help="measure Table 1: fp16- vs int8-stored weights")
    ap.add_argument("--limit", type=int, default=64, help="images per set")
    ap.add_argument("--base-commit", default=BASE_COMMIT, help="the commit whose public/models stored the weights fp16")
    ap.add_argument("--out", default=os.path.join(ROOT, "training", "eval", "int8_storage.json"))
    a = ap.parse_args()
    assert a.table1, "nothing to do: --table1"
    table1(a.limit, a.out, a.base_commit)

"""Load the shipped visual models (public/models/*.onnx) back into PyTorch.

The exporter writes parameters under their PyTorch names (no constant folding), so the ONNX
files are the single source of truth: evaluation runs exactly the weights the page downloads,
and the GPU machine needs no checkpoints beside the committed tree. A parameter the exporter
deduplicated (identical to another, e.g. a norm that never trained) keeps its initial value,
which is what it was exported with; load_state asserts that this holds.
"""
import json
import os

import numpy as np
import onnx
import torch

from training.config import VisualConfig
from training.decoder import Decoder
from training.encoder import SCALES, Encoder

from training.common import ROOT, MODELS_DIR  # noqa: F401


def manifest(models_dir=MODELS_DIR):
    return json.load(open(os.path.join(models_dir, "manifest.json")))


def load_state(module, onnx_path):
    from training.half_weights import initializers_fp32   # fp16- and int8-stored weights come back as fp32
    inits = {k: torch.from_numpy(v.copy()) for k, v in initializers_fp32(onnx.load(onnx_path)).items()}
    sd = module.state_dict()
    for k, v in sd.items():
        if k in inits:
            sd[k] = inits[k].reshape(v.shape)
        elif "num_batches_tracked" not in k:
            # deduplicated by the exporter: only parameters still at their initial value can be
            # merged with another initializer, so the freshly built module already holds them
            assert torch.all((v == 1) | (v == 0)), f"{k} missing from {onnx_path}"
    module.load_state_dict(sd)
    return module.eval().requires_grad_(False)


def visual_config(models_dir=MODELS_DIR):
    cfg = dict(manifest(models_dir)["training"]["visual_config"])
    cfg["dec_channels"] = tuple(cfg["dec_channels"])
    return VisualConfig(**cfg)


def load_encoder(device="cpu", models_dir=MODELS_DIR):
    cfg = visual_config(models_dir)
    return load_state(Encoder(cfg), os.path.join(models_dir, "encoder.onnx")).to(device), cfg


def load_reader(device="cpu", models_dir=MODELS_DIR):
    """The shipped reader (MLLMConfig.reader: the given images' second encoder), its weights as the page runs them
    (reader.onnx's int8-stored weights dequantized), the encoder's architecture and config."""
    cfg = visual_config(models_dir)
    return load_state(Encoder(cfg), os.path.join(models_dir, "reader.onnx")).to(device), cfg


def reader_from(arg, device="cpu"):
    """A --reader argument's reader and config: 'shipped' (load_reader: reader.onnx as the page runs it) or an encoder
    checkpoint (train_visual's encoder.pt)."""
    if arg == "shipped":
        return load_reader(device)
    from training.encoder import load_encoder
    return load_encoder(arg, device)


def load_decoder(scale, device="cpu", models_dir=MODELS_DIR):
    """One shipped decoder; a guidance-distilled one carries its `distilled_guidance` (the manifest's),
    which training.decoder.ddim_sample reads to map the asked guidance."""
    m = manifest(models_dir)
    tokens = {s["name"]: s["tokens"] for s in m["scales"]}
    d = load_state(Decoder(visual_config(models_dir), tokens[scale]), os.path.join(models_dir, f"decoder_{scale}.onnx"))
    d.distilled_guidance = m["models"][f"decoder_{scale}"].get("distilled_guidance")
    return d.to(device)


def load_student(scale, student_dir, teacher_dir, device="cpu"):
    """A guidance-distilled student (training/distill_decoders.py: <student_dir>/decoder_<scale>.pt, EMA
    weights) in its teacher's architecture; distilled_guidance unset: the raw network."""
    d = load_decoder(scale, device, teacher_dir)
    ck = torch.load(os.path.join(student_dir, f"decoder_{scale}.pt"), map_location="cpu")
    assert ck.get("guidance_distilled"), f"{student_dir}/decoder_{scale}.pt is not a guidance-distilled student"
    d.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ck["ema"].items()})
    d.distilled_guidance = None
    return d.eval(), ck


def load_decoders(device="cpu", models_dir=MODELS_DIR):
    return {s: load_decoder(s, device, models_dir) for s in SCALES}


def mllm_state(path):
    """The PyTorch state dict of an exported MLLM graph (training/mllm_graphs.py), weights as the page
    runs them (int8-dequantized): a DequantizeLinear output named like a parameter is that parameter;
    a Linear's weight is the transposed constant of the MatMul whose node the exporter named after
    the module ("/m/blocks.0/attn/qkv/MatMul" -> blocks.0.attn.qkv.weight), or a 4-bit layer's decoded weight
    (MatMulNBits "/m/blocks.0/attn/qkv/MatMul_nbits", or the codes its --int4-form unpack ops fold). The tied LM head is the
    token embedding. External weight data is read from the graph's folder."""
    from onnx import numpy_helper
    g = onnx.load(path).graph
    vals = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    for nd in g.node:
        if nd.op_type == "DequantizeLinear":
            q, s, zp = (vals[i] for i in nd.input)
            axis = next((a.i for a in nd.attribute if a.name == "axis"), 1)
            shape = [1] * q.ndim
            shape[axis] = -1
            vals[nd.output[0]] = (q.astype(np.float32) - zp.reshape(shape)) * s.reshape(shape)
    from training.quantize import from_packed4
    for name in [k for k in vals if k.endswith("_u4_codes")]:   # a 4-bit layer rebuilt by standard ops (--int4-form
        base = name[:-len("_u4_codes")]                          # unpack): the float weight [K, N] its ops fold into
        vals[base] = from_packed4(vals[name].copy(), vals[base + "_u4_scale"].copy()).numpy().T
    sd = {k[2:]: v for k, v in vals.items() if k.startswith("m.")}
    for nd in g.node:
        nbits = nd.op_type == "MatMulNBits"   # a 4-bit layer (quantize.nbits_onnx): its [N, K] weight, decoded
        if nbits or (nd.op_type == "MatMul" and nd.input[1] in vals and not nd.input[1].startswith("m.")):
            path = []
            for seg in nd.name.strip("/").split("/")[:-1]:
                if path and seg.startswith(path[-1] + "."):   # "/m/proj/proj.0": Sequential child proj.0
                    path[-1] = seg
                else:
                    path.append(seg)
            if path and path[0] == "m":   # the exported wrapper's attribute; some calls are scoped without it
                path = path[1:]
            if nbits:   # B [N, K / block, block / 2] uint8, scales [N * K / block]
                sd[".".join(path) + ".weight"] = from_packed4(vals[nd.input[1]].copy(), vals[nd.input[2]].copy()).numpy()
            else:
                sd[".".join(path) + ".weight"] = vals[nd.input[1]].T
    return {k: torch.from_numpy(np.array(v, dtype=v.dtype)) for k, v in sd.items()}


def load_mllm(models_dir=MODELS_DIR):
    """The shipped MLLM (public/models/mllm.onnx) back in PyTorch, its architecture from the manifest
    and the weights: what a later session continues training from (`--init`, after save_mllm)."""
    from dataclasses import replace
    from training.mllm import MLLM, FULL
    man = manifest(models_dir)
    mm = man["mllm"]
    sd = mllm_state(os.path.join(models_dir, "mllm.onnx"))
    cfg = replace(FULL, vocab_size=sd["tok_emb.weight"].shape[0], n_layer=mm["n_layer"], n_head=mm["n_head"],
                  d_model=mm["d_model"], mlp_ratio=sd["blocks.0.mlp.0.weight"].shape[0] // mm["d_model"], ctx=mm["ctx"],
                  feature_dim=mm["feature_dim"], order=mm["order"], residual_edit=bool(mm["residual_edit"]), plan=bool(mm.get("plan")),
                  reader=bool(mm.get("reader")),
                  # a 4-bit MLLM goes on training on the grid it ships on (MLLMConfig.qat_bits)
                  qat_bits=4 if man["models"]["mllm"]["variants"][0]["dtype"] == "int4" else 0,
                  head_hidden=0 if sd["head.0.weight"].shape[0] == mm["d_model"] else sd["head.0.weight"].shape[0])
    model = MLLM(cfg)
    own = model.state_dict()
    for k in own:
        if k not in sd:   # deduplicated by the exporter (as in load_state): only a value still at its init can be
            assert torch.all((own[k] == 0) | (own[k] == 1)), f"{k} missing from the MLLM graph"
    # the graph also holds what is not a parameter (int8 halves, the LM head's transposed copy)
    model.load_state_dict({k: sd.get(k, v) for k, v in own.items()})
    return model.eval()


def init_checkpoint(models_dir=MODELS_DIR, trunk_only=False):
    """The shipped MLLM as a train_mllm --init checkpoint (model only: a fresh optimizer and LR clock). trunk_only
    leaves out the reader's projector and normalisation (reader_*), so train_mllm starts a new reader at zero: what a
    run needs that reads given images through another reader than the one that projector was trained for."""
    from training.mllm import config_dict
    m = load_mllm(models_dir)
    sd = {k: v for k, v in m.state_dict().items() if not (trunk_only and k.startswith("reader_"))}
    return dict(config=config_dict(m.cfg), step=0, train_seconds=0.0, model=sd, weights="shipped int8")


def models_at(rev, out_dir):
    """public/models' MLLM files (and the manifest) as they were at git revision `rev`, written to out_dir: what shipped
    then, e.g. the control of a run that started from a version since replaced."""
    import subprocess
    os.makedirs(out_dir, exist_ok=True)
    ls = subprocess.run(["git", "ls-tree", "--name-only", rev, "public/models/"], cwd=ROOT, check=True,
                        capture_output=True, text=True).stdout.split()
    names = ["manifest.json"] + [os.path.basename(x) for x in ls if os.path.basename(x).startswith("mllm.onnx")]
    for n in names:
        blob = subprocess.run(["git", "show", f"{rev}:public/models/{n}"], cwd=ROOT, check=True, capture_output=True).stdout
        open(os.path.join(out_dir, n), "wb").write(blob)
    return out_dir


if __name__ == "__main__":   # python3 -m training.shipped mllm OUT.pt [--trunk-only] [--rev REV] [--packed]
    # --rev: the MLLM that shipped at that git revision instead of the tree's; --packed: int8-packed to travel
    # (training.quantize.pack_int8: a call's 64 MiB), which unpacks to exactly the shipped weights
    import sys
    import tempfile
    from training.common import atomic_save
    argv = sys.argv[1:]
    rev = argv[argv.index("--rev") + 1] if "--rev" in argv else None
    args = [a for i, a in enumerate(argv) if a not in ("--trunk-only", "--packed", "--rev") and (i == 0 or argv[i - 1] != "--rev")]
    assert args[:1] == ["mllm"] and len(args) == 2, \
        "usage: python3 -m training.shipped mllm OUT.pt [--trunk-only] [--rev REV] [--packed]"
    with tempfile.TemporaryDirectory() as tmp:
        src = models_at(rev, tmp) if rev else MODELS_DIR
        ck = init_checkpoint(src, trunk_only="--trunk-only" in argv)
    if rev:
        ck["weights"] += f" at {rev}"
    if "--packed" in argv:
        from training.quantize import pack_int8
        ck["model"], ck["packed"] = pack_int8(ck["model"]), "int8"
    atomic_save(ck, args[1])
    print(f"wrote {args[1]}: {sum(v['q'].numel() if isinstance(v, dict) else v.numel() for v in ck['model'].values()) / 1e6:.2f}M "
          f"values from {'public/models at ' + rev if rev else 'public/models'}/mllm.onnx")

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
    from training.half_weights import initializers_fp32   # fp16-stored weights come back as fp32
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


def load_decoders(device="cpu", models_dir=MODELS_DIR):
    cfg = visual_config(models_dir)
    m = manifest(models_dir)
    tokens = {s["name"]: s["tokens"] for s in m["scales"]}
    return {s: load_state(Decoder(cfg, tokens[s]), os.path.join(models_dir, f"decoder_{s}.onnx")).to(device)
            for s in SCALES}

"""Export the visual half to ONNX with golden vectors and manifest entries.

    /usr/bin/python3 -m training.export                 # from training/ckpt -> public/models
    /usr/bin/python3 -m training.export --ckpt DIR --out DIR
    /usr/bin/python3 -m training.export --distilled training/runs/distill    # guidance- (or step-) distilled decoders

The encoder exports as is; each decoder exports its denoiser step (EMA weights): the DDIM loop
runs in TypeScript with the coefficients written to the manifest's sampler section.
Golden inputs are synthetic (seeded noise and shapes), so no artwork is committed.
"""
import argparse
import inspect
import os

import numpy as np
import onnx
import torch

from training.config import VisualConfig
from training.decoder import Decoder, ddim_sample, sampler_schedule
from training.encoder import SCALES, Encoder, blank_features, load_ckpt, pyramid
from training.common import SCALES_FINE_FIRST, SCALE_TOKENS
from training.half_weights import STORAGE_NOTE, round_module, store_weights
from training.manifest import MODELS_DIR, read_manifest, update_manifest, write_golden

OPSET = 17
ALLOWED_STEPS = (4, 6, 8, 10, 15, 20)
TOKENS = dict(zip(SCALES_FINE_FIRST, SCALE_TOKENS[::-1]))


def synthetic_image(seed, size=64):
    """A seeded test card: smooth colour blobs on white, in [-1,1], [1,3,64,64]."""
    g = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    img = np.ones((3, size, size), np.float32)
    for _ in range(4):
        cy, cx, r = g.uniform(0.2, 0.8), g.uniform(0.2, 0.8), g.uniform(0.1, 0.3)
        mask = ((yy - cy) ** 2 + (xx - cx) ** 2) < r * r
        img[:, mask] = g.uniform(-1, 1, size=(3, 1))
    return torch.from_numpy(img)[None]


# The TorchScript exporter on every torch: it names the initializers after the parameters, which training.shipped
# reads back. torch >= 2.9 defaults to the dynamo exporter, whose names differ: an encoder exported on the GPU
# machine's torch 2.11 could not be read back (2026-12-01).
TORCHSCRIPT_EXPORTER = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}


def export_onnx(model, args, path, input_names, output_names, dynamic):
    torch.onnx.export(model, args, path, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=False, **TORCHSCRIPT_EXPORTER)


def io_spec(names_shapes):
    return [{"name": n, "shape": s, "dtype": "float32"} for n, s in names_shapes]


def export_decoder(d, s, pyr, blank, out_dir, g, storage, trained_steps):
    """One decoder's denoiser step -> decoder_{s}.onnx, its golden vectors and manifest entry.
    storage: None (fp32), "float16" or "int8": weights stored so (training/half_weights.py; compute
    fp32), golden computed with the same rounded weights."""
    C = pyr[0].shape[-1]
    if storage:
        round_module(d, storage)
    k = SCALES.index(s)
    x = torch.randn(2, 3, 64, 64, generator=g)
    t = torch.tensor([999.0, 400.0])
    cond = torch.cat([pyr[k], blank[k]])
    with torch.no_grad():
        v = d(x, t, cond)
    name = f"decoder_{s}"
    path = os.path.join(out_dir, f"{name}.onnx")
    export_onnx(d, (x, t, cond), path, ["x", "t", "cond"], ["v"],
                {"x": {0: "batch"}, "t": {0: "batch"}, "cond": {0: "batch"}, "v": {0: "batch"}})
    variant = dict(dtype="float32", file=f"{name}.onnx", requires=[])
    if storage:
        mp, n = store_weights(onnx.load(path), storage)
        onnx.checker.check_model(mp)
        onnx.save(mp, path)
        variant["storage"] = STORAGE_NOTE[storage]
    return dict(
        role="decoder", scale=s, trained_steps=trained_steps, variants=[variant],
        inputs=io_spec([("x", ["batch", 3, 64, 64]), ("t", ["batch"]), ("cond", ["batch", TOKENS[s], C])]),
        outputs=io_spec([("v", ["batch", 3, 64, 64])]),
        golden=write_golden(name, {"x": x.numpy(), "t": t.numpy(), "cond": cond.numpy()}, {"v": v.numpy()},
                            out_dir, atol=2e-3, rtol=1e-3))


def export_decoders_from_shipped(out_dir, storage, models_dir=MODELS_DIR):
    """Re-export the shipped decoder_*.onnx (weights read back by training.shipped) with the
    same synthetic golden inputs as export_all, weights stored `storage`; nothing else changes. Guidance-
    distilled decoders keep their manifest fields, and golden/sampler_distilled_f4.json follows f4."""
    from training import shipped
    enc, cfg = shipped.load_encoder(models_dir=models_dir)
    decs = shipped.load_decoders(models_dir=models_dir)       # all read before any is overwritten
    old = shipped.manifest(models_dir)["models"]
    os.makedirs(out_dir, exist_ok=True)
    with torch.no_grad():
        feats = enc(torch.cat([synthetic_image(1), synthetic_image(2)]))
    pyr, blank = pyramid(feats[:1]), blank_features(enc)
    g = torch.Generator().manual_seed(0)
    models = {}
    for s in SCALES:
        e = export_decoder(decs[s], s, pyr, blank, out_dir, g, storage, old.get(f"decoder_{s}", {}).get("trained_steps", 0))
        prev = old.get(f"decoder_{s}", {})
        # what other exporters added (distillation facts, the int8 ConvInteger variant) stays; the float32 variant is replaced
        models[f"decoder_{s}"] = {**prev, **e, "variants": e["variants"] + [v for v in prev.get("variants", []) if v["dtype"] != "float32"]}
    if decs["f4"].distilled_guidance:
        write_distilled_sampler_golden(decs["f4"], pyr, blank, cfg, out_dir, read_manifest(models_dir)["sampler"]["steps"])
    return update_manifest(models, None, out_dir)


TEACHERS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "teachers")


def export_distilled_decoders(student_dir, out_dir, teacher_dir=TEACHERS_DIR, storage=None):
    """The guidance-distilled students (training/distill_decoders.py: decoder_<s>.pt, EMA weights) as the
    served decoder_<s>.onnx with golden vectors; each manifest entry says `distilled_guidance` (the w its one
    pass stands for: the page and training.decoder.ddim_sample run guidance g as g / w on the student's pair,
    and skip the unconditional pass at g = w). Weights are stored `storage`, by default as the decoders they
    replace in out_dir are (served_storage), so that shipping students never changes the download's format.
    The teachers (training/teachers: the decoders shipped before, with their manifest) stay the
    distillation's source and the A/B's reference. The replaced decoders' other variants (the int8
    ConvInteger graphs, training/int8_decoders.py) are dropped: they hold the old weights; re-make them."""
    from training import shipped
    enc, cfg = shipped.load_encoder()
    teachers = shipped.manifest(teacher_dir)["models"]
    storage = storage or served_storage(out_dir)
    with torch.no_grad():
        feats = enc(torch.cat([synthetic_image(1), synthetic_image(2)]))
    pyr, blank = pyramid(feats[:1]), blank_features(enc)
    g = torch.Generator().manual_seed(0)
    students = {s: shipped.load_student(s, student_dir, teacher_dir) for s in SCALES}   # raw: the golden pair is the graph's own output
    # one sampler serves all five decoders: they must agree on the steps they are valid for (checked before writing)
    step_distilled = {(ck.get("step_distilled") or {}).get("to") for _, ck in students.values()}
    assert len(step_distilled) == 1, f"students step-distilled for different step counts: {step_distilled}"
    steps = step_distilled.pop()
    models, decs = {}, {}
    for s, (d, ck) in students.items():
        decs[s] = d
        e = export_decoder(d, s, pyr, blank, out_dir, g, storage, teachers[f"decoder_{s}"].get("trained_steps", 0))
        models[f"decoder_{s}"] = dict(e, distilled_guidance=cfg.guidance, distilled_steps=int(ck["step"]) + int(ck.get("init_steps", 0)),
                                      distilled_blank_frac=float(ck.get("blank_frac", 0.0)))
        if steps:   # {from, to, guidance, train_steps} of the step-distillation round
            assert ck["step_distilled"]["guidance"] == cfg.guidance, f"decoder_{s}: step-distilled at another guidance than the manifest's"
            models[f"decoder_{s}"]["step_distilled"] = dict(ck["step_distilled"])
        d.distilled_guidance = cfg.guidance
    write_distilled_sampler_golden(decs["f4"], pyr, blank, cfg, out_dir, steps or read_manifest(out_dir)["sampler"]["steps"])
    return update_manifest(models, step_distilled_sampler(read_manifest(out_dir), steps) if steps else None, out_dir)


def served_storage(models_dir):
    """How the weights of the float32 decoder graphs in models_dir are stored ("int8", "float16"; None: plain
    fp32), read back from their manifest's storage notes (STORAGE_NOTE); float16 for a folder without decoders."""
    models = read_manifest(models_dir)["models"]
    notes = {v.get("storage") for s in SCALES for v in models.get(f"decoder_{s}", {}).get("variants", []) if v["dtype"] == "float32"}
    if not notes:
        return "float16"
    assert len(notes) == 1, f"the decoders in {models_dir} are stored in different ways: {notes}"
    note = notes.pop()
    by_note = {v: k for k, v in STORAGE_NOTE.items()}
    assert note is None or note in by_note, f"unknown decoder storage note: {note}"
    return by_note.get(note)


def step_distilled_sampler(m, steps):
    """The manifest's sampler section (and the visual config's sample_steps, which Python's evaluations default
    to) for decoders step-distilled to `steps`: the default and the only step count offered, since a student
    learnt its own schedule's timesteps only. The other schedules stay (golden files and GPU tests read them)."""
    smp = dict(m["sampler"], steps=steps, allowed_steps=[steps])
    schedules = dict(m["sampler"]["schedules"], **{str(steps): sampler_schedule(smp["train_timesteps"], steps)})
    smp["schedules"] = {k: schedules[k] for k in sorted(schedules, key=int)}
    training = dict(m["training"], visual_config=dict(m["training"]["visual_config"], sample_steps=steps))
    return {"sampler": smp, "training": training}


def write_distilled_sampler_golden(f4, pyr, blank, cfg, out_dir, steps):
    """golden/sampler_distilled_f4.json: a whole f4 decode at the page's default steps and guidance (one pass
    a step) with decoder `f4` (distilled_guidance set), for the TypeScript sampler + session parity of the
    distilled path. The page's default steps: a step-distilled decoder is valid at its own count only."""
    sched = sampler_schedule(cfg.train_timesteps, steps)
    xT = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(42))
    with torch.no_grad():
        out = ddim_sample(f4, pyr[4], blank[4], sched, cfg.guidance, x=xT.clone())
    write_golden("sampler_distilled_f4", {"x_T": xT.numpy(), "cond": pyr[4].numpy(), "uncond": blank[4].numpy()},
                 {"x_0": out.numpy()}, out_dir, atol=1e-3, rtol=1e-3, steps=steps, guidance=cfg.guidance, schedule=sched)


def export_encoder_graph(enc, cfg, out_dir, storage, name="encoder", role="encoder"):
    """An encoder (the shipped one, or a reader: MLLMConfig.reader) -> {name}.onnx with its weights stored
    `storage` ("float16" or "int8"; compute fp32, like the decoders), golden vectors from the rounded
    weights; -> (manifest entry, features of the golden images). Rounds `enc` in place."""
    enc.requires_grad_(True)   # frozen modules take nn.MultiheadAttention's fused path, which ONNX cannot export
    round_module(enc, storage)
    img = torch.cat([synthetic_image(1), synthetic_image(2)])
    with torch.no_grad():
        feats = enc(img)
    path = os.path.join(out_dir, f"{name}.onnx")
    export_onnx(enc, (img,), path, ["image"], ["features"], {"image": {0: "batch"}, "features": {0: "batch"}})
    mp, _ = store_weights(onnx.load(path), storage)
    onnx.checker.check_model(mp)
    onnx.save(mp, path)
    entry = dict(
        role=role, variants=[dict(dtype="float32", file=f"{name}.onnx", requires=[], storage=STORAGE_NOTE[storage])],
        inputs=io_spec([("image", ["batch", 3, 64, 64])]),
        outputs=io_spec([("features", ["batch", cfg.grid * cfg.grid, cfg.feature_dim])]),
        golden=write_golden(name, {"image": img.numpy()}, {"features": feats.numpy()}, out_dir, atol=2e-3, rtol=1e-3))
    return entry, feats


def export_encoder_from_shipped(out_dir, models_dir=MODELS_DIR, storage="float16"):
    """Re-export the shipped encoder.onnx with its weights stored `storage` ("float16" or "int8"; compute
    fp32, like the decoders) and golden vectors from the rounded weights; the pyramid golden follows it."""
    from training import shipped
    enc, cfg = shipped.load_encoder(models_dir=models_dir)
    entry, feats = export_encoder_graph(enc, cfg, out_dir, storage)
    pyr = pyramid(feats[:1])
    write_golden("pyramid", {"f0": feats[:1].numpy()}, {s: p.numpy() for s, p in zip(SCALES, pyr)}, out_dir,
                 atol=1e-5, rtol=1e-5)
    return update_manifest({"encoder": entry}, None, out_dir)


READER = "reader"   # the reader's model key and file stem (export_mllm names it in the manifest's mllm.reader)


def served_encoder_storage(models_dir):
    """How the encoder's weights in models_dir are stored (the shipped folder's where models_dir has no
    encoder, e.g. a test export): a reader is stored the same way, so that it downloads and computes as
    the encoder does."""
    enc = read_manifest(models_dir)["models"].get("encoder") or read_manifest(MODELS_DIR)["models"]["encoder"]
    notes = {v.get("storage") for v in enc["variants"] if v["dtype"] == "float32"}
    assert len(notes) == 1, f"the encoder's variants are stored in different ways: {notes}"
    by_note = {v: k for k, v in STORAGE_NOTE.items()}
    note = notes.pop()
    assert note in by_note, f"unknown encoder storage note: {note}"
    return by_note[note]


def export_reader(enc, cfg, out_dir, storage=None):
    """A reader encoder (MLLMConfig.reader: its features are added where the MLLM reads a given image) ->
    reader.onnx beside the encoder, the encoder's interface (image -> features), weights stored as the
    encoder's are; -> its manifest entry (role "reader"), not yet written to the manifest."""
    entry, _ = export_encoder_graph(enc, cfg, out_dir, storage or served_encoder_storage(out_dir), name=READER, role="reader")
    return entry


def export_all(ckpt_dir, out_dir, storage=None):
    os.makedirs(out_dir, exist_ok=True)
    ck = load_ckpt(os.path.join(ckpt_dir, "encoder.pt"))
    cfg = VisualConfig(**ck["config"])
    C = cfg.feature_dim
    enc = Encoder(cfg)
    enc.load_state_dict(ck["encoder"])
    enc.eval()
    models = {}

    # encoder
    img = torch.cat([synthetic_image(1), synthetic_image(2)])
    with torch.no_grad():
        feats = enc(img)
    export_onnx(enc, (img,), os.path.join(out_dir, "encoder.onnx"), ["image"], ["features"],
                {"image": {0: "batch"}, "features": {0: "batch"}})
    models["encoder"] = dict(
        role="encoder", variants=[dict(dtype="float32", file="encoder.onnx", requires=[])],
        inputs=io_spec([("image", ["batch", 3, 64, 64])]),
        outputs=io_spec([("features", ["batch", cfg.grid * cfg.grid, C])]),
        golden=write_golden("encoder", {"image": img.numpy()}, {"features": feats.numpy()}, out_dir,
                            atol=2e-3, rtol=1e-3))

    # pyramid golden: the TypeScript pooling must match this one
    pyr = pyramid(feats[:1])
    write_golden("pyramid", {"f0": feats[:1].numpy()}, {s: p.numpy() for s, p in zip(SCALES, pyr)}, out_dir,
                 atol=1e-5, rtol=1e-5)
    blank = blank_features(enc)

    # decoders
    g = torch.Generator().manual_seed(0)
    decs = {}
    for s in SCALES:
        dk = load_ckpt(os.path.join(ckpt_dir, f"decoder_{s}.pt"))
        d = Decoder(VisualConfig(**dk["config"]), TOKENS[s])
        d.load_state_dict(dk["ema"])
        decs[s] = d.eval()
        models[f"decoder_{s}"] = export_decoder(d, s, pyr, blank, out_dir, g, storage, int(dk.get("step", 0)))

    # sampler golden: a whole 4-step decode with f4, recording every model output, so the TS loop
    # can be checked step by step without running a model
    sched = sampler_schedule(cfg.train_timesteps, 4)
    xT = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(42))
    record = {}

    class Recorder(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m, self.i = m, 0

        def forward(self, x, t, c):
            v = self.m(x, t, c)
            record[f"x_in_{self.i}"], record[f"v_{self.i}"] = x.numpy().copy(), v.numpy().copy()
            self.i += 1
            return v

    with torch.no_grad():
        out = ddim_sample(Recorder(decs["f4"]), pyr[4], blank[4], sched, cfg.guidance, x=xT.clone())
    write_golden("sampler", {"x_T": xT.numpy(), "cond": pyr[4].numpy(), "uncond": blank[4].numpy()},
                 {"x_0": out.numpy(), **record}, out_dir, atol=1e-4, rtol=1e-4,
                 steps=4, guidance=cfg.guidance, schedule=sched)

    from training.config import as_dict
    extra = dict(
        training=dict(visual_config=as_dict(cfg)),
        image=dict(size=64, channels=3, layout="NCHW", range=[-1, 1], background="white"),
        feature_dim=C,
        scales=[dict(name=s, grid=int(round(TOKENS[s] ** 0.5)), tokens=TOKENS[s]) for s in SCALES],
        sampler=dict(kind="ddim", prediction="v", eta=0.0, train_timesteps=cfg.train_timesteps,
                     steps=cfg.sample_steps, allowed_steps=list(ALLOWED_STEPS), guidance=cfg.guidance,
                     uncond="blank", clamp_x0=True,
                     schedules={str(n): sampler_schedule(cfg.train_timesteps, n) for n in ALLOWED_STEPS}))
    return update_manifest(models, extra, out_dir)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "ckpt"))
    ap.add_argument("--out", default=MODELS_DIR)
    ap.add_argument("--half-weights", action="store_true", help="decoders: weights stored fp16 + Cast (compute fp32)")
    ap.add_argument("--int8-weights", action="store_true",
                    help="decoders (or with --encoder-from-shipped the encoder): weights stored int8 per output channel "
                         "+ DequantizeLinear (compute fp32)")
    ap.add_argument("--from-shipped", action="store_true", help="re-export only the decoders, from public/models/decoder_*.onnx")
    ap.add_argument("--encoder-half-from-shipped", action="store_true", help="re-export only the encoder, weights stored fp16")
    ap.add_argument("--encoder-from-shipped", action="store_true",
                    help="re-export only the encoder, weights stored fp16 (int8 with --int8-weights)")
    ap.add_argument("--distilled", metavar="DIR", help="export the guidance- (or step-) distilled students in DIR as the "
                    "decoders, weights stored as the decoders they replace unless --half-weights / --int8-weights")
    a = ap.parse_args()
    assert not (a.half_weights and a.int8_weights), "one storage: --half-weights or --int8-weights"
    storage = "int8" if a.int8_weights else "float16" if a.half_weights else None
    if a.distilled:
        had_int8 = any(v["dtype"] == "int8" for e in read_manifest(a.out)["models"].values() if e.get("role") == "decoder"
                       for v in e.get("variants", []))
        m = export_distilled_decoders(a.distilled, a.out, storage=storage)
        if had_int8:
            print("the int8 ConvInteger variants (old weights) are dropped: re-make them with python3 -m training.int8_decoders")
    elif a.encoder_half_from_shipped or a.encoder_from_shipped:
        m = export_encoder_from_shipped(a.out, storage="int8" if a.int8_weights else "float16")
    else:
        m = export_decoders_from_shipped(a.out, storage) if a.from_shipped else export_all(a.ckpt, a.out, storage)
    for name, e in m["models"].items():
        for v in e.get("variants", []):
            print(f"{name:12s} {v['dtype']:8s} {v['bytes'] / 1e6:6.2f} MB {v['sha256'][:12]}")
    print(f"total {m['total_bytes'] / 1e6:.2f} MB")

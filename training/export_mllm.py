"""Export the MLLM to ONNX with a KV cache, int8 weights, golden vectors and manifest entries.

    /usr/bin/python3 -m training.export_mllm --single-graph --ckpt mllm.pt   # what ships: one graph, plan golden
    /usr/bin/python3 -m training.export_mllm --random --out-dir /tmp/m       # untrained weights (integration tests)

The pieces: training/quantize.py (int8), training/mllm_graphs.py (the graphs), training/golden_mllm.py
and training/golden_plan.py (golden vectors); this file joins them and writes the manifest entries.
The single graph (mllm.onnx, what ships) is described in mllm_graphs.Unified. The older pair:
two graphs share one interface (B = batch, T = new tokens, P = cached tokens, L = layers):
  mllm_prefill: ids [B,T] int64, slot [B,T] int64, feats [B,T,C] f32
  mllm_step:    the same + past_key_i, past_value_i [B,H,P,Dh] f32 for i < L
  outputs:      logits [B,V], feature [B,C] and delta [B,C] of the LAST position (feature is raw
                encoder space: feed it back as the next image token's feats; with the manifest's
                residual_edit an edit's token is instead the source token + delta), present_key_i /
                present_value_i [B,H,P+T,Dh] (the cache to pass as past next time).
Weights: every 2-D weight (Linear, embeddings, the tied LM head) is int8, symmetric, one scale
per output row, stored as int8 initializers behind DequantizeLinear (opset 17), so the graphs use
only standard ops (no shader-f16, no contrib ops) on WebGPU and WASM. The golden vectors are
computed by PyTorch with exactly those dequantized weights.
A model with a reader (MLLMConfig.reader) exports with its reader encoder (--reader ENCODER.pt; --random: a
random one) as models.reader (reader.onnx, the encoder's interface and storage, training.export.export_reader);
the single graph then takes one more input `reader`, and the manifest's mllm.reader names both.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys

import torch

from training.mllm import MLLM, load_mllm, get as get_config, IMAGE_ORDER, SCALE_TOKENS, N_IMG
from training.tokenizer import Tokenizer, SPECIALS
from training import mllm_tasks as tasks
from training.quantize import fake_quantize, grid_bits, quantize_onnx, quantize_rows  # noqa: F401 (tests use E.fake_quantize)
from training.mllm_graphs import LOGIT_POS_INPUT, POS_INPUT, READER_INPUT, export_graphs, export_unified, io_names, unified_io_names  # noqa: F401
from training.golden_mllm import b64, golden, golden_unified  # noqa: F401

from training.common import ROOT, MODELS_DIR as MODELS
from training.manifest import golden_file
DEFAULT_CKPT = os.path.join(ROOT, "training", "ckpt", "mllm.pt")


def sha256_file(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


READER_FED = ("the reader encoder's features of each given image (the image a question is about, an edit's "
              "source), as the encoder's are fed in feats: its pyramid in image order at that image's positions; "
              "zeros at every other position (text, generated image queries) and in every call that reads no given image")


def reader_spec(cfg):
    """The manifest's mllm.reader (absent without a reader: the manifest of such a model is as before)."""
    from training.export import READER
    return {"reader": {"model": READER, "input": READER_INPUT, "fed": READER_FED}} if cfg.reader else {}


def reader_encoder(args, C):
    """-> (encoder, its VisualConfig): the reader of a reader model (--reader, or --random's random one)."""
    from dataclasses import replace
    if args.reader:
        from training.encoder import load_encoder
        enc, vcfg = load_encoder(args.reader)
        if vcfg.feature_dim != C:
            sys.exit(f"reader feature_dim {vcfg.feature_dim} != mllm feature_dim {C}")
        return enc, vcfg
    if not args.random:
        sys.exit("this MLLM reads given images through a reader: pass --reader ENCODER.pt")
    from training.config import TINY
    from training.train_mllm import random_encoder
    return random_encoder(C, seed=1), replace(TINY, feature_dim=C)   # the reader train_mllm --random-encoder uses


@torch.no_grad()
def randomize_reader(model):
    """--random: an untrained reader model's reader would add exactly zero (MLLM zero-initialises its projector's
    last layer), so its input could be dropped or misplaced and every parity test still pass. Random weights
    and normalisation instead (drawn after the model's own, so nothing else changes)."""
    last = model.reader_proj[2]
    last.weight.normal_(std=0.05)
    last.bias.normal_(std=0.5)   # per channel, not constant: the first LayerNorm would remove a constant
    model.reader_mean.normal_(std=0.5)
    model.reader_std.uniform_(0.5, 2.0)


def mllm_extra(cfg, tok, graph="pair"):
    from training.common import parent_index
    return {"mllm": {
        # "pair": mllm_prefill + mllm_step (token order only); "single": one graph "mllm" for both,
        # fed `block` (see order_rules) and an empty cache (past_seq = 0) for the prefill
        "graph": graph,
        "order": cfg.order,
        "order_rules": {
            "block": "one int64 id per position so far (cached + new), non-decreasing; a key is visible to a "
                     "query iff block[key] <= block[query]. Text: a new id per token. Image read (source): "
                     + ("one id per scale" if cfg.order == "scale" else "a new id per token")
                     + ". Generated image: " + ("one id per scale" if cfg.order == "scale" else "a new id per token"),
            "generate": "token: one call per image token, T = 1, slot k+1, feats = the previous token; the last "
                        "position's feature predicts the next token" if cfg.order == "token" else
                        "scale: one call per scale s (f4..f0), T = tokens of s, slot = query_slot_offset + 1 + k for "
                        "image token k, feats = generated token parent_index[k] (zeros where -1, i.e. f4); "
                        "feature[:, j] is token k = offset(s) + j itself; the prefill (prompt ending [IMG]) predicts nothing"},
        "query_slot_offset": N_IMG if cfg.order == "scale" else None,
        "parent_index": parent_index() if cfg.order == "scale" else None,
        # edits (source image + instruction): each generated token = the source's token at that
        # place + the graphs' "delta" output, fed back as the next input
        "residual_edit": bool(cfg.residual_edit),
        # plan, then draw: before [IMG] the model writes "<ans> concept | style | tone" (absent: no plan)
        **({"plan": tasks.plan_contract()} if cfg.plan else {}),
        "ctx": cfg.ctx, "n_layer": cfg.n_layer, "n_head": cfg.n_head, "head_dim": cfg.d_model // cfg.n_head,
        "d_model": cfg.d_model, "vocab_size": tok.vocab_size, "feature_dim": cfg.feature_dim,
        "image_order": list(IMAGE_ORDER), "scale_tokens": list(SCALE_TOKENS), "image_tokens": N_IMG,
        "specials": {s: i for i, s in enumerate(SPECIALS)},
        "text": {"normalize": "NFC, lower case, whitespace runs -> one space, trimmed",
                 "segment_prefix": " "},
        "max_answer_tokens": 32,
        "prompts": {
            "caption": tasks.CAPTION_Q[0], "category": tasks.VQA_CATEGORY[0], "skin_tone": tasks.VQA_TONE[0],
            "style": tasks.VQA_STYLE[0], "edit_tone": tasks.EDIT_TONE[0], "edit_tone_none": tasks.EDIT_TONE_NONE[0],
            "edit_style": tasks.EDIT_STYLE[0], "colorize": tasks.COLORIZE[0], "inpaint": tasks.INPAINT[0],
            "sketch": tasks.SKETCH[0], "styles": dict(tasks.STYLE), "skin_tones": list(tasks.TONES)},
        "sources": {"colorize": "grayscale: luma 0.299 R + 0.587 G + 0.114 B in all 3 channels",
                    "inpaint": "masked pixels set to white (1.0)",
                    "sketch": "Sobel edge magnitude of the luma (replicate padding), min(|g|,2)/2 -> 1 - 2*mag in all 3 channels"},
        # given images also read through a second encoder (MLLMConfig.reader): its model, the graph input fed
        **reader_spec(cfg),
    }}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=DEFAULT_CKPT)
    ap.add_argument("--random", action="store_true", help="export untrained weights (integration tests)")
    ap.add_argument("--config", default="full")
    ap.add_argument("--residual-edit", action="store_true", help="with --random: the residual editing output")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="with --random: MLLMConfig overrides (order=scale)")
    ap.add_argument("--single-graph", action="store_true", help="one graph mllm.onnx for prefill and step "
                    "(golden/mllm_single.json); without it the token-order pair mllm_prefill/mllm_step")
    ap.add_argument("--fuse", action="store_true", help="with --single-graph: contrib-op fusions (training/mllm_fuse.py: "
                    "attention and SkipLayerNormalization, as shipped): fewer WebGPU kernels per call")
    ap.add_argument("--reader", default=None, help="a model with reader=True: the reader encoder's checkpoint "
                    "(train_visual's encoder.pt), exported as reader.onnx; with --random a random one")
    ap.add_argument("--bits", type=int, default=None, choices=(4, 8), help="4: the trunk's linear layers on the 4-bit "
                    "grid as MatMulNBits, the rest int8 (default: the model's qat_bits, else 8)")
    ap.add_argument("--int4-form", default="matmulnbits", choices=("matmulnbits", "unpack"), help="with 4 bits: "
                    "onnxruntime's MatMulNBits (loads fast; 2-core WASM runs it ~1.4x slower than float), or the weights "
                    "rebuilt by standard ops folded when the session is created (runs as int8's float MatMuls; the "
                    "session takes ~3 s longer to create on WASM); measured in the model card, run 22")
    ap.add_argument("--out-dir", default=MODELS)
    ap.add_argument("--tokenizer", default=os.path.join(ROOT, "training", "tokenizer.json"))
    args = ap.parse_args(argv)
    tok = Tokenizer.load(args.tokenizer)
    if args.random:
        torch.manual_seed(0)
        from dataclasses import replace
        model = MLLM(replace(get_config(args.config, args.set), **({"residual_edit": True} if args.residual_edit else {})))
        if model.cfg.reader:
            randomize_reader(model)
    else:
        if not os.path.exists(args.ckpt):
            alt = os.path.join(ROOT, "training", "runs", "mllm", "mllm.pt")
            if args.ckpt == DEFAULT_CKPT and os.path.exists(alt):
                args.ckpt = alt
            else:
                sys.exit(f"error: {args.ckpt} not found (train first, or pass --random)")
        model, _ = load_mllm(args.ckpt)
    bits = grid_bits(model.cfg, args.bits)
    q = fake_quantize(model, bits)
    os.makedirs(args.out_dir, exist_ok=True)
    if bits == 4 and not args.single_graph:
        sys.exit("a 4-bit MLLM exports only as the single graph: pass --single-graph")
    if model.cfg.order != "token" and not args.single_graph:
        sys.exit("a scale-order model exports only as the single graph: pass --single-graph")
    if args.reader and not model.cfg.reader:
        sys.exit("--reader given, but this MLLM has no reader (MLLMConfig.reader)")
    tok_path = os.path.join(args.out_dir, "tokenizer.json")
    if os.path.abspath(tok_path) != os.path.abspath(args.tokenizer):
        shutil.copyfile(args.tokenizer, tok_path)
    cfg = q.cfg
    L, H, hd, C = cfg.n_layer, cfg.n_head, cfg.d_model // cfg.n_head, cfg.feature_dim
    in_specs = [{"name": "ids", "shape": ["batch", "seq"], "dtype": "int64"},
                {"name": "slot", "shape": ["batch", "seq"], "dtype": "int64"},
                {"name": "feats", "shape": ["batch", "seq", C], "dtype": "float32"}]
    entries, remove = {}, []
    if args.single_graph:
        path, st = export_unified(q, args.out_dir, fused=args.fuse, bits=bits, int4_form=args.int4_form)
        stats = {"mllm": st}
        gold = golden_unified(q, tok)
        if cfg.plan:
            from training.golden_plan import plan_golden
            gold["plan"] = plan_golden(q, tok, tasks.plan_contract())
        gold_path, gold_rel = golden_file(args.out_dir, "mllm_single")
        with open(gold_path, "w") as f:
            json.dump(gold, f)
        ins, past, outs, present = unified_io_names(L, cfg.reader)
        out_specs = [{"name": "logits", "shape": ["batch", "n_logits", tok.vocab_size], "dtype": "float32"},
                     {"name": "feature", "shape": ["batch", "seq", C], "dtype": "float32"},
                     {"name": "delta", "shape": ["batch", "seq", C], "dtype": "float32"}]
        out_specs += [{"name": n, "shape": ["batch", H, "total_seq", hd], "dtype": "float32"} for n in present]
        variant = {"dtype": "int4" if bits == 4 else "int8", "file": os.path.basename(path), "requires": []}
        if st["external_data"]:   # the weights in files of their own (mllm_graphs.save_sharded)
            variant["external_data"] = [{"file": f} for f in st["external_data"]]
        entries["mllm"] = {"role": "mllm", "variants": [variant],
                           "inputs": [dict(x, dtype="int32") if x["dtype"] == "int64" else x for x in in_specs]   # Unified: int32
                           + [{"name": "block", "shape": ["batch", "total_seq"], "dtype": "int32"}]
                           + ([{"name": READER_INPUT, "shape": ["batch", "seq", C], "dtype": "float32"}] if cfg.reader else [])
                           + [{"name": LOGIT_POS_INPUT, "shape": ["n_logits"], "dtype": "int32"},
                              {"name": POS_INPUT, "shape": ["batch", "seq"], "dtype": "int32"}]
                           + [{"name": n, "shape": ["batch", H, "past_seq", hd], "dtype": "float32"} for n in past],
                           "outputs": out_specs, "golden_mllm": gold_rel}
        remove = ["mllm_prefill", "mllm_step"]
        from training.export import READER, export_reader
        if cfg.reader:
            entries[READER] = export_reader(*reader_encoder(args, C), args.out_dir)
        else:   # a model without a reader replaces one with: its reader goes too
            remove.append(READER)
    else:
        paths, stats = export_graphs(q, args.out_dir)
        gold_path, gold_rel = golden_file(args.out_dir, "mllm")
        with open(gold_path, "w") as f:
            json.dump(golden(q, tok), f)
        ins, past, outs, present = io_names(L)
        out_specs = [{"name": "logits", "shape": ["batch", tok.vocab_size], "dtype": "float32"},
                     {"name": "feature", "shape": ["batch", C], "dtype": "float32"},
                     {"name": "delta", "shape": ["batch", C], "dtype": "float32"}]
        out_specs += [{"name": n, "shape": ["batch", H, "total_seq", hd], "dtype": "float32"} for n in present]
        past_specs = [{"name": n, "shape": ["batch", H, "past_seq", hd], "dtype": "float32"} for n in past]
        for key, p in paths.items():
            entries[key] = {"role": "mllm", "variants": [{"dtype": "int8", "file": os.path.basename(p), "bytes": os.path.getsize(p),
                                                          "sha256": sha256_file(p), "requires": []}],
                            "inputs": in_specs + (past_specs if key == "mllm_step" else []), "outputs": out_specs,
                            "golden_mllm": gold_rel}
        remove = ["mllm"]
    entries["tokenizer"] = {"role": "tokenizer", "file": "tokenizer.json", "bytes": os.path.getsize(tok_path),
                            "sha256": sha256_file(tok_path)}
    extra = mllm_extra(cfg, tok, "single" if args.single_graph else "pair")
    from training.manifest import read_manifest, update_manifest
    # the pick's gallery holds the reader's keys (training/gallery.py), not this model's: a model re-exported with a
    # reader keeps the manifest's pick (training.gallery writes it; its reader.onnx is written above, the same bytes
    # for the same reader)
    kept = read_manifest(args.out_dir).get("mllm", {}).get("pick") if os.path.exists(os.path.join(args.out_dir, "manifest.json")) else None
    if kept and cfg.reader:
        # the page's styles: for a model that draws designs under style words the page does not offer (and only then)
        kept = {k: v for k, v in kept.items() if k != "page_styles"}
        extra["mllm"]["pick"] = {**kept, "page_styles": True} if tasks.pick_page_styles(cfg) else kept
    update_manifest(entries, extra, models_dir=args.out_dir, remove=remove)
    # the words this model was taught go with it (the page flags the others under the prompt)
    from training.known_words import export as export_words
    export_words(args.out_dir)
    print(json.dumps({"stats": stats, "params": model.num_params(),
                      "tokenizer_bytes": os.path.getsize(tok_path)}, indent=1), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""public/models/manifest.json: the one place where training tells the app what it shipped.
Every exporter goes through update_manifest, which merges its entries and recomputes sizes and
hashes from the files on disk (never from what an exporter believes it wrote)."""
import base64
import hashlib
import json
import os

import numpy as np

from training.common import ROOT, MODELS_DIR  # noqa: F401
MANIFEST = os.path.join(MODELS_DIR, "manifest.json")


# The shipped models' golden vectors (test data for the TypeScript parity tests, never fetched by the page)
# live outside the served folder, so public/models holds exactly what is published; an export into any
# other folder (tests, experiments) keeps them beside it. Manifest paths stay relative to the models folder.
GOLDEN_DIR = os.path.join(ROOT, "golden")


def golden_file(models_dir, name):
    """(absolute path, path relative to models_dir) of golden vectors `name`."""
    shipped = os.path.realpath(models_dir) == os.path.realpath(MODELS_DIR)
    d = GOLDEN_DIR if shipped else os.path.join(models_dir, "golden")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, f"{name}.json")
    return path, os.path.relpath(path, models_dir)


def file_facts(path):
    data = open(path, "rb").read()
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def served_bytes(variant):
    """A variant's bytes as downloaded: its graph and its external weight files."""
    return variant["bytes"] + sum(f["bytes"] for f in variant.get("external_data", []))


def read_manifest(models_dir=MODELS_DIR):
    path = os.path.join(models_dir, "manifest.json")
    if os.path.exists(path):
        return json.load(open(path))
    return {"format": 1, "family": "PUMA-Emoji-64", "models": {}}


def scale_label(scale, scales):
    """What the app writes under a scale's images: its token count, and which end it is."""
    n = scale["tokens"]
    words = f"{n} token" + ("" if n == 1 else "s")
    if scale["tokens"] == min(s["tokens"] for s in scales):
        return f"coarsest, {words}"
    if scale["tokens"] == max(s["tokens"] for s in scales):
        return f"finest, {words}"
    return words


def update_manifest(models, extra=None, models_dir=MODELS_DIR, remove=(), facts=True):
    """Merge `models` (name -> entry with "variants": [{file, dtype, requires}]) and top-level
    `extra` keys into the manifest, drop the entries named in `remove` (a model replaced by
    another); fill bytes/sha256 of every variant (facts=False: keep the stored ones, for a change
    that touches no file, made where the files may be absent, as on a device call); label the
    scales; write it back."""
    m = read_manifest(models_dir)
    m.update(extra or {})
    for k in remove:
        m["models"].pop(k, None)
    for s in m.get("scales", []):
        s["label"] = scale_label(s, m["scales"])
    m["models"].update(models)
    total = 0
    for entry in m["models"].values():
        for v in entry.get("variants", []) if facts else []:
            for f in [v] + v.get("external_data", []):   # a graph and its external weight files
                f.update(file_facts(os.path.join(models_dir, f["file"])))
        # every variant is published (WASM takes the int8 decoders, WebGPU the float ones): the budget counts all
        total += sum(served_bytes(v) for v in entry.get("variants", []))
        if "file" in entry:  # single-file assets (tokenizer)
            if facts:
                entry.update(file_facts(os.path.join(models_dir, entry["file"])))
            total += entry["bytes"]
    m["total_bytes"] = total
    os.makedirs(models_dir, exist_ok=True)
    with open(os.path.join(models_dir, "manifest.json"), "w") as f:
        json.dump(m, f, indent=1)
    return m


def tensor_json(a):
    a = np.ascontiguousarray(a, dtype=np.float32)
    return {"shape": list(a.shape), "dtype": "float32", "data_b64": base64.b64encode(a.astype("<f4").tobytes()).decode()}


def tensor_from_json(t):
    return np.frombuffer(base64.b64decode(t["data_b64"]), dtype="<f4").reshape(t["shape"])


def write_golden(name, inputs, outputs, models_dir=MODELS_DIR, **extra):
    doc = {"model": name, "inputs": {k: tensor_json(v) for k, v in inputs.items()},
           "outputs": {k: tensor_json(v) for k, v in outputs.items()}, **extra}
    path, rel = golden_file(models_dir, name)
    with open(path, "w") as f:
        json.dump(doc, f)
    return rel

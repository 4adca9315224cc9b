"""PyTorch on the GPU running the same shipped models (public/models/*.onnx loaded back into
PyTorch by training/shipped.py) through the same pipeline: encoder on [image, blank], pyramid,
five decoders with 10-step DDIM + CFG as one batch of two. The baseline for the WebGPU numbers.
    python3 bench/gpu_torch.py [MODELS_DIR] [steps] [runs]   -> one JSON line
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from training import shipped  # noqa: E402
from training.decoder import ddim_sample  # noqa: E402
from training.encoder import pyramid  # noqa: E402


def main():
    models_dir = sys.argv[1] if len(sys.argv) > 1 else shipped.MODELS_DIR
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else None
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32 like the ONNX models
    torch.backends.cudnn.allow_tf32 = False
    m = shipped.manifest(models_dir)
    steps = steps or m["sampler"]["steps"]
    sched = m["sampler"]["schedules"][str(steps)]
    g = m["sampler"]["guidance"]
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    t0 = time.perf_counter()
    enc, _ = shipped.load_encoder(dev, models_dir)
    decs = shipped.load_decoders(dev, models_dir)
    sync()
    load_ms = (time.perf_counter() - t0) * 1e3
    size = m["image"]["size"]
    x = (torch.arange(size * size, dtype=torch.float32) / (size * size) * 2 - 1).repeat(3).reshape(1, 3, size, size).to(dev)
    order = [s["name"] for s in reversed(m["scales"])]
    idx = {s["name"]: i for i, s in enumerate(m["scales"])}
    out = []
    with torch.no_grad():
        for _ in range(runs):
            sync()
            start = time.perf_counter()
            f = enc(torch.cat([x, -torch.ones_like(x)]))
            cond, unc = pyramid(f[:1]), pyramid(f[1:])
            sync()
            enc_ms = (time.perf_counter() - start) * 1e3
            scales = {}
            for s in order:
                ts = time.perf_counter()
                xt = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(1234)).to(dev)
                ddim_sample(decs[s], cond[idx[s]], unc[idx[s]], sched, g, x=xt)
                sync()
                ms = (time.perf_counter() - ts) * 1e3
                scales[s] = {"doneAt": (time.perf_counter() - start) * 1e3, "stepMs": [ms / steps] * steps}
            out.append({"encodeMs": enc_ms, "firstImageMs": scales[order[0]]["doneAt"],
                        "allFiveMs": (time.perf_counter() - start) * 1e3, "scales": scales})
    name = torch.cuda.get_device_name(0) if dev == "cuda" else "cpu"
    print(json.dumps({"where": f"PyTorch {torch.__version__} ({dev}, fp32, TF32 off)", "adapter": name,
                      "steps": steps, "loadColdMs": load_ms, "runs": out}))


if __name__ == "__main__":
    main()

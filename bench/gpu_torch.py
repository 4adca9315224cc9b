"""PyTorch on the GPU running the same shipped models (public/models/*.onnx loaded back into
PyTorch by training/shipped.py) through the same pipeline as the page. The baseline for the WebGPU
numbers (bench/gpu-bench.ts).
  reconstruction (default): encoder on [image, blank], pyramid, five decoders with DDIM + CFG as
    one batch of two;
  --t2i: text to five images as the engine's text-to-image does it: the blank image's
    pyramid (CFG's unconditional branch), the MLLM (training.shipped.load_mllm: the shipped int8
    weights) reads <s> prompt <ans>, writes its plan greedily token by token (KV cache), [IMG], then
    one call per scale f4..f0, each scale decoded as soon as it exists.
  --t2i --draft: the plan verified in drafted calls as the page writes it (workers/mllm/verified-draft.ts),
    with the best draft there is: the plan itself (written once, untimed, one call per token), so
    PyTorch makes the fewest calls the page's drafts can reach (one, when they guess it all).
    python3 bench/gpu_torch.py [MODELS_DIR] [steps] [runs] [--t2i [--prompt TEXT] [--draft]]   -> one JSON line
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
from training.tokenizer import Tokenizer  # noqa: E402


T2I_PROMPT = "red apple"  # the default of bench/gpu-bench.ts --prompt too


@torch.no_grad()
def t2i_once(q, tok, mm, prompt, dev, draft=None):
    """One text-to-image MLLM pass as workers/mllm/generate.ts runs it (scale order, a plan, the
    plan's end token fed with the first scale's queries); draft: the plan's ids and its end token,
    verified several a call (None: one call per plan token):
    -> yields (scale name, features [1,N,C]) as each scale exists; returns via StopIteration the
    plan ids and the number of calls."""
    from training import mllm_tasks as tasks
    from training.common import parent_index
    plan = mm["plan"]
    start, end = mm["specials"][plan["start"]], mm["specials"][plan["end"]]
    specials = set(mm["specials"].values())
    C, qoff = mm["feature_dim"], mm["query_slot_offset"]
    sizes = mm["scale_tokens"]
    offsets = [sum(sizes[:i]) for i in range(len(sizes))]
    parent = torch.tensor(parent_index(), device=dev)
    state = {"past": None, "blocks": None, "calls": 0}

    def call(ids, slot=None, feats=None, block=None, lead=(), every=False):
        """`lead`: text ids fed first, a block each (the plan's [IMG] rides with the first scale);
        every: logits at every new position, else the last."""
        t, nl = len(ids), len(lead)
        nb = 0 if state["blocks"] is None else int(state["blocks"][0, -1]) + 1
        ids_t = torch.tensor([list(lead) + ids], device=dev)
        slot_t = torch.tensor([[0] * nl + ([0] * t if slot is None else slot)], device=dev)
        feats_t = torch.cat([torch.zeros(1, nl, C, device=dev), torch.zeros(1, t, C, device=dev) if feats is None else feats.view(1, t, C)], 1)
        blk = torch.tensor([[nb + i for i in range(nl)] + ([nb + nl + i for i in range(t)] if block is None else [nb + nl] * t)], device=dev)
        allb = blk if state["blocks"] is None else torch.cat([state["blocks"], blk], 1)
        h, pres = q(ids_t, slot_t, feats_t, state["past"], allb)
        state.update(past=pres, blocks=allb, calls=state["calls"] + 1)
        return (q.logits(h[0]) if every else q.logits(h[:, -1])[0]), h

    logits, _ = call([tok.bos] + tok.encode(" " + tasks.normalize_text(prompt)) + [start])
    ids, end_fed = [], False
    nxt = int(logits.argmax())  # a host sync per verifying call, as the page has
    while nxt not in specials and len(ids) < plan["max_tokens"]:
        ids.append(nxt)
        d = list(draft[len(ids):]) if draft is not None and list(draft[:len(ids)]) == ids else []
        rows, _ = call([nxt] + d, every=True)
        chosen = rows.argmax(-1).tolist()
        k = 0   # drafted tokens the model chose too (the end token ends the plan, fed already)
        while k < len(d) and chosen[k] == d[k] and d[k] not in specials and len(ids) < plan["max_tokens"]:
            ids.append(d[k])
            k += 1
        end_fed = k < len(d) and chosen[k] == d[k] == end
        keep = state["blocks"].shape[1] - len(d) + k + end_fed
        if keep < state["blocks"].shape[1]:   # a wrong guess: the cache cut back to what was kept
            state.update(past=[(pk[:, :, :keep], pv[:, :, :keep]) for pk, pv in state["past"]], blocks=state["blocks"][:, :keep])
        if end_fed:
            break
        nxt = chosen[k]
    toks = torch.zeros(sum(sizes), C, device=dev)
    for s, name in enumerate(mm["image_order"]):
        o, n = offsets[s], sizes[s]
        par = parent[o:o + n]
        qf = toks[par.clamp(min=0)] * (par >= 0).view(-1, 1).float()
        lead = [end] if s == 0 and not end_fed else []
        _, h = call([0] * n, [qoff + 1 + o + j for j in range(n)], qf, block=True, lead=lead)
        toks[o:o + n] = q.features(h[:, len(lead):])[0]
        yield name, toks[o:o + n].unsqueeze(0)
    return ids, state["calls"]


def t2i(models_dir, steps, runs, prompt, dev, sync, drafted=False):
    m = shipped.manifest(models_dir)
    mm = m["mllm"]
    sched = m["sampler"]["schedules"][str(steps)]
    g = m["sampler"]["guidance"]
    t0 = time.perf_counter()
    enc, _ = shipped.load_encoder(dev, models_dir)
    decs = shipped.load_decoders(dev, models_dir)
    q = shipped.load_mllm(models_dir).to(dev)
    tok = Tokenizer.load(os.path.join(models_dir, m["models"]["tokenizer"]["file"]))
    sync()
    load_ms = (time.perf_counter() - t0) * 1e3
    size = m["image"]["size"]
    idx = {s["name"]: i for i, s in enumerate(m["scales"])}
    out, plan_text, draft = [], "", None
    with torch.no_grad():
        if drafted:   # the plan written once, untimed: the perfect draft
            gen = t2i_once(q, tok, mm, prompt, dev)
            try:
                while True:
                    next(gen)
            except StopIteration as stop:
                draft = stop.value[0] + [mm["specials"][mm["plan"]["end"]]]
        for _ in range(runs):
            sync()
            start = time.perf_counter()
            unc = pyramid(enc(-torch.ones(1, 3, size, size, device=dev)))  # the engine's blankPyramid
            scales, mllm_ms = {}, 0.0
            gen = t2i_once(q, tok, mm, prompt, dev, draft)
            while True:
                tm = time.perf_counter()
                try:
                    name, feats = next(gen)
                except StopIteration as stop:
                    plan_ids, calls = stop.value
                    break
                sync()
                mllm_ms += (time.perf_counter() - tm) * 1e3
                ts = time.perf_counter()
                xt = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(1234)).to(dev)
                ddim_sample(decs[name], feats, unc[idx[name]], sched, g, x=xt)
                sync()
                ms = (time.perf_counter() - ts) * 1e3
                scales[name] = {"doneAt": (time.perf_counter() - start) * 1e3, "stepMs": [ms / steps] * steps}
            plan_text = tok.decode(plan_ids).strip()
            first = mm["image_order"][0]
            out.append({"mllmMs": mllm_ms, "mllmCalls": calls, "firstImageMs": scales[first]["doneAt"],
                        "allFiveMs": (time.perf_counter() - start) * 1e3, "scales": scales})
    return {"task": "text-to-image", "prompt": prompt, "plan": plan_text, "drafted": drafted, "loadColdMs": load_ms, "runs": out}


def main():
    argv = sys.argv[1:]
    t2i_prompt = None
    if "--prompt" in argv:
        i = argv.index("--prompt")
        t2i_prompt = argv[i + 1]
        del argv[i:i + 2]
    if "--t2i" in argv:
        argv.remove("--t2i")
        t2i_prompt = t2i_prompt or T2I_PROMPT
    drafted = "--draft" in argv
    if drafted:
        argv.remove("--draft")
    args = argv
    models_dir = args[0] if len(args) > 0 else shipped.MODELS_DIR
    steps = int(args[1]) if len(args) > 1 else None
    runs = int(args[2]) if len(args) > 2 else 3
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32 like the ONNX models
    torch.backends.cudnn.allow_tf32 = False
    m = shipped.manifest(models_dir)
    steps = steps or m["sampler"]["steps"]
    sched = m["sampler"]["schedules"][str(steps)]
    g = m["sampler"]["guidance"]
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    name = torch.cuda.get_device_name(0) if dev == "cuda" else "cpu"
    where = f"PyTorch {torch.__version__} ({dev}, fp32, TF32 off)"
    if t2i_prompt is not None:
        r = t2i(models_dir, steps, runs, t2i_prompt, dev, sync, drafted)
        print(json.dumps({"where": where, "adapter": name, "steps": steps, **r}))
        return
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
    print(json.dumps({"where": where, "adapter": name,
                      "steps": steps, "loadColdMs": load_ms, "runs": out}))


if __name__ == "__main__":
    main()

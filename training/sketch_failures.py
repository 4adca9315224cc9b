"""Where sketches still fail (issue 15): eval_mllm --save-drawings' sketch drawings split by the plan (does it name the
concept?) and the judge (does it recognise the drawing at f1?), and a grid of the drawings whose plan was right but
whose drawing the judge does not name: the given edge map, the held-out drawing, the drawing at f1.

    python3 -m training.eval_mllm --mllm V.pt --reader shipped --judge training/eval/judge.pt --seeds 2 --pick 5 \\
        --quick --n-canonical 1 --n-natural 1 --n-heldout 40 --edit-kinds sketch,sketch_lines --save-drawings D.pt
    python3 -m training.sketch_failures D.pt OUT_DIR      -> OUT_DIR/sketch_failures.json, OUT_DIR/<kind>_right_plan.png

(the first took 37 minutes on this VM's 2 cores for 40 held-out drawings, stop 58)
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image, ImageDraw

from training import mllm_tasks as T
from training.eval_mllm import LINE_KINDS, concept_names, line_sources
from training.transforms import to_tensor

SHOWN = 16   # the grid's rows, two drawings a row


def edges_of(image_uint8):
    """the sketch job's given image: the edge map of a drawing (mllm_tasks' 'edges' variant), as uint8 RGB"""
    v = T.image_variant(to_tensor(image_uint8[None]), torch.tensor([0]), "edges")[0]
    return ((v.permute(1, 2, 0).numpy() + 1) * 127.5).clip(0, 255).astype(np.uint8)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    saved_path, out = argv
    from training.data import load
    from training.judge import load_judge
    images, meta = load()
    saved = torch.load(saved_path)
    judge = load_judge(os.path.join(os.path.dirname(__file__), "eval", "judge.pt"))
    vocab, names = judge.vocab["concept"], concept_names(meta)
    hv = [m["i"] for m in meta if m["split"] == "heldout_vendor"]
    lines = line_sources(meta, hv, "")   # the line-drawn vendor's drawing each sketch_lines job was given
    os.makedirs(out, exist_ok=True)
    report = {}
    for kind in [k for k in saved if k == "sketch" or k in LINE_KINDS]:
        d = saved[kind]
        with torch.no_grad():
            seen = judge(to_tensor(d["f1"].numpy()))["concept"].argmax(1).tolist()
        counts = {"plan right, recognised": 0, "plan right, not": 0, "plan wrong, recognised": 0, "plan wrong, not": 0}
        bad = []
        for k, ((_, concept, target, *_), plan) in enumerate(zip(d["jobs"], d["plans"])):
            right = T.parse_plan(plan)["concept"] == T.normalize_text(names[concept])
            known = vocab[seen[k]] == concept
            counts[f"plan {'right' if right else 'wrong'}, {'recognised' if known else 'not'}"] += 1
            if right and not known:
                bad.append((k, target, plan, names.get(vocab[seen[k]], vocab[seen[k]])))
        report[kind] = dict(counts, n=len(d["jobs"]), examples=[[p, s] for _, _, p, s in bad[:SHOWN]])
        print(kind, report[kind]["n"], counts)
        cell = 64 * 3 + 8
        im = Image.new("RGB", (cell * 2, 80 * ((min(len(bad), SHOWN) + 1) // 2)), "white")
        draw = ImageDraw.Draw(im)
        for n, (k, target, plan, seen_name) in enumerate(bad[:SHOWN]):
            x, y = (n % 2) * cell, (n // 2) * 80
            given = images[lines[target]] if kind in LINE_KINDS else images[target]
            for c, a in enumerate([given if kind == "sketch_lines_drawn" else edges_of(given), images[target], d["f1"][k].numpy()]):
                im.paste(Image.fromarray(a), (x + c * 64, y))
            draw.text((x, y + 64), f"{plan.split(' | ')[0][:22]} -> {seen_name[:12]}", fill="black")
        im.save(os.path.join(out, f"{kind}_right_plan.png"))
    json.dump(report, open(os.path.join(out, "sketch_failures.json"), "w"), indent=1)


if __name__ == "__main__":
    main()

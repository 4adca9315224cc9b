"""A given image re-drawn in geometry alone, for the pick's choice (manifest mllm.pick.views).

The MLLM names a drawing it has not seen (a held-out vendor's, a user's) from one reading of it. Its log-likelihood of
each retrieved name, averaged over the drawing as given and a few re-drawings of it (a little larger or smaller,
shifted, turned), depends less on the one reading: `python3 -m training.pick_views --mllm` measured it on the
held-out vendor's captions, and `eval_mllm --pick-views` on every task that picks.

A re-drawing is an affine map theta (2 x 3, in [-1, 1] coordinates, align_corners=False, as torch's affine_grid)
sampled bilinearly with white outside, every colour kept. The views are fixed, the same for every image, drawn once
from their seeds by `thetas` and written to the manifest, which both sides read (workers/lib/redraw.ts; golden
vectors prove the page's arithmetic).
"""
import torch
import torch.nn.functional as F

VIEW_SEED = 3_000_017


def geometry(p):
    """[n, >=4] uniform draws in [0, 1) -> [n, 2, 3] theta: scale 0.85-1.1, rotation +-8 degrees, shift +-3 px (of 64)."""
    scale, ang = 0.85 + 0.25 * p[:, 0], (p[:, 1] - 0.5) * (16 * 3.14159265 / 180)
    shift = (p[:, 2:4] - 0.5) * (2 * 3 / 32)            # +-3 px in [-1,1] coordinates (64 px = 2)
    cos, sin = torch.cos(ang) / scale, torch.sin(ang) / scale
    return torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)


def redraw(x, theta):
    """x [B, 3, H, W] in [-1, 1], theta [B, 2, 3] or [2, 3] (one for all) -> x re-drawn, white where it maps outside."""
    theta = torch.as_tensor(theta, dtype=x.dtype, device=x.device)
    if theta.dim() == 2:
        theta = theta.expand(x.shape[0], 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return (F.grid_sample(x - 1, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + 1).clamp(-1, 1)


def thetas(n, seed=VIEW_SEED):
    """The first n fixed views: view v's theta from torch.rand(4) seeded by seed * v, rounded to 6 decimals (what
    the manifest holds)."""
    if n <= 0:
        return []
    p = torch.stack([torch.rand(4, generator=torch.Generator().manual_seed(seed * v)) for v in range(1, n + 1)])
    return [[[round(float(a), 6) for a in row] for row in th] for th in geometry(p)]


TASKS = ("caption",)   # measured (training/eval/pick/views/): captions gain, the edits' plans do not (sketch's lose)


def write(n, tasks=TASKS, models_dir=None):
    """manifest mllm.pick.views: the first n fixed views (thetas) and the page's tasks whose choice reads them."""
    from training.manifest import MODELS_DIR, read_manifest, update_manifest
    models_dir = models_dir or MODELS_DIR
    mllm = dict(read_manifest(models_dir)["mllm"])
    assert mllm.get("pick"), "the manifest has no mllm.pick to add views to (training.gallery first)"
    assert set(tasks) <= set(mllm["pick"]["tasks"]), f"views for tasks that do not pick: {set(tasks) - set(mllm['pick']['tasks'])}"
    mllm["pick"] = dict(mllm["pick"], views={
        "tasks": list(tasks), "thetas": thetas(n),
        "rule": "for these tasks each retrieved name's log-likelihood is the mean over the given image as given and "
                "re-drawn by each theta (2 x 3 affine in [-1, 1] coordinates, align_corners=False, bilinear, white "
                "outside, clamped to [-1, 1]: training/redraw.py), each re-drawing read by the encoder and the reader as "
                "the given image is; the retrieval reads the image as given (framed where the pick frames)"})
    return update_manifest({}, extra={"mllm": mllm}, models_dir=models_dir)


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--views", type=int, default=4, help="re-drawings beside the image as given (0: none)")
    ap.add_argument("--tasks", default=",".join(TASKS), help="the page's tasks whose choice reads them, comma-separated")
    args = ap.parse_args(argv)
    m = write(args.views, [t for t in args.tasks.split(",") if t])
    print("manifest mllm.pick.views:", {k: v for k, v in m["mllm"]["pick"]["views"].items() if k != "rule"})


if __name__ == "__main__":
    main()

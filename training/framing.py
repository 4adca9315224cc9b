"""A given image framed as the training drawings are, for the pick's retrieval (manifest mllm.pick.frame).

The gallery's drawings (Noto and Twemoji at 64 px) fill the frame: their ink spans 62 px (the median of the longer
side of its bounding box). Other drawings do not: OpenMoji's spans 50 px, Fluent's 56 (medians, `python3 -m training.framing`), a user's upload anything.
The reader, trained on the gallery's vendors only, finds a smaller drawing's concept less often, so the pick's
retrieval reads the given image framed the same way: the ink's bounding box cut out, resized by area averaging so
its longer side spans the gallery's extent, centred on white. Only the gallery's key reads it; what the MLLM reads
and draws is the image as given (framing an edit's source would move what it draws).

The page runs the same arithmetic (workers/lib/framing.ts; golden vectors prove it): on the model's input, an
NCHW image in [-1, 1]. A pixel is ink where its darkness, summed over the three channels ((1 - x) / 2 each),
exceeds `ink`; an image without ink is left as it is.
"""
import numpy as np
import torch

INK = 0.1   # a pixel's summed darkness over R, G, B (0 white .. 3 black) above which it is ink


def ink_box(x, ink=INK):
    """x [3, H, W] in [-1, 1] -> (y0, y1, x0, x1) the ink's bounding box (end exclusive), or None without ink"""
    dark = ((1 - x) / 2).sum(0) > ink
    ys, xs = torch.nonzero(dark, as_tuple=True)
    if len(ys) == 0:
        return None
    return int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1


def extent(x, ink=INK):
    """[B, 3, H, W] -> [B] the longer side of each image's ink box (0 without ink)"""
    boxes = [ink_box(im, ink) for im in x]
    return np.array([0 if b is None else max(b[1] - b[0], b[3] - b[2]) for b in boxes])


def area_weights(n_out, n_in):
    """[n_out, n_in] each output pixel's share of each input pixel: workers/lib/image.ts resizeArea's box filter"""
    s = n_in / n_out
    m = torch.zeros(n_out, n_in, dtype=torch.float64)
    for o in range(n_out):
        a = o * s
        b = max(a + 1e-9, (o + 1) * s)
        for i in range(int(np.floor(a)), min(n_in, int(np.ceil(b)))):
            w = min(i + 1, b) - max(i, a)
            if w > 0:
                m[o, i] = w
    return m / m.sum(1, keepdim=True)


def frame(x, span, ink=INK, keep=None):
    """[B, 3, S, S] in [-1, 1] -> the same framed: each image's ink box resized (area averaging, aspect kept) so its
    longer side spans `span` pixels (at most S), centred on white. Sizes and offsets round as the page does
    (floor(v + 0.5), floor((S - n) / 2)). keep (lo, hi): an image whose ink's longer side is within it is already
    framed as the gallery's drawings are and stays as it is (the reader is not shift-invariant: moving such a
    drawing by a pixel loses more than it gains)."""
    out = torch.ones_like(x)
    size = x.shape[-1]
    span = min(int(span), size)
    for k, im in enumerate(x):
        box = ink_box(im, ink)
        if box is None or (keep is not None and keep[0] <= max(box[1] - box[0], box[3] - box[2]) <= keep[1]):
            out[k] = im
            continue
        y0, y1, x0, x1 = box
        h, w = y1 - y0, x1 - x0
        scale = span / max(h, w)
        nh, nw = max(1, int(np.floor(h * scale + 0.5))), max(1, int(np.floor(w * scale + 0.5)))
        crop = im[:, y0:y1, x0:x1].double()
        r = torch.einsum("oy,cyx,px->cop", area_weights(nh, h).to(x.device), crop, area_weights(nw, w).to(x.device))
        oy, ox = (size - nh) // 2, (size - nw) // 2
        out[k, :, oy:oy + nh, ox:ox + nw] = r.to(x.dtype)
    return out


def frame_as(x, spec):
    """frame(x) as a manifest's mllm.pick.frame says ({"span", "ink", "keep"}): what the page does with a given image"""
    return frame(x, spec["span"], spec["ink"], spec.get("keep"))


def split_extents(images, meta, split):
    """[n] the extent (INK) of every drawing of the dataset's `split` (uint8 images, training.data's meta)"""
    from training.transforms import to_tensor
    ids = [m["i"] for m in meta if m["split"] == split]
    return np.concatenate([extent(to_tensor(images[ids[s:s + 512]])) for s in range(0, len(ids), 512)])


def extents_report(images, meta, keep, splits=("train", "heldout_vendor", "sources", "openmoji")):
    """{split: n, median, mean, p10, p90 of the ink's longer side (extent, INK) and the share within keep}: how far each
    vendor's drawings are from the gallery's (the model card's figures; training/eval/pick/frame_extents.json)"""
    out = {}
    for split in splits:
        ext = split_extents(images, meta, split)
        out[split] = {"n": len(ext), "median": float(np.median(ext)), "mean": round(float(ext.mean()), 2),
                      "p10": float(np.percentile(ext, 10)), "p90": float(np.percentile(ext, 90)),
                      "within_keep": round(float(((ext >= keep[0]) & (ext <= keep[1])).mean()), 4)}
    return out


if __name__ == "__main__":   # /usr/bin/python3 -m training.framing  -> training/eval/pick/frame_extents.json
    import json
    import os
    from training.common import ROOT
    from training.data import load
    from training.manifest import read_manifest
    images, meta = load()
    spec = read_manifest()["mllm"]["pick"]["frame"]
    rep = dict(ink=INK, keep=spec["keep"], extents=extents_report(images, meta, spec["keep"]))
    path = os.path.join(ROOT, "training", "eval", "pick", "frame_extents.json")
    with open(path, "w") as f:
        json.dump(rep, f, indent=1)
    print(json.dumps(rep, indent=1))

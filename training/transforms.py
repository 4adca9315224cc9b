"""Image transforms shared by training and evaluation (torch, on [-1,1] NCHW batches).
The conditional tasks read these: colorization (grayscale), inpainting (masked), sketch (edges; the edges of its line
drawing, as a user's sketch gives them)."""
import torch
import torch.nn.functional as F

from training.redraw import geometry, redraw

LUMA = (0.299, 0.587, 0.114)


def to_tensor(images_uint8, device=None):
    """uint8 [N,64,64,3] (numpy or torch) -> float [N,3,64,64] in [-1,1], on the input's device."""
    x = torch.as_tensor(images_uint8, device=device)
    return x.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def to_uint8(x):
    """float [N,3,H,W] in [-1,1] -> uint8 [N,H,W,3] numpy."""
    return ((x.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).cpu().numpy()


def grayscale(x):
    w = torch.tensor(LUMA, device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
    return (x * w).sum(1, keepdim=True).expand_as(x).contiguous()


def random_box_mask(n, size=64, min_frac=0.25, max_frac=0.5, generator=None, device="cpu"):
    """[n,1,size,size] with 1 inside one random rectangle (the hole to fill)."""
    m = torch.zeros(n, 1, size, size, device=device)
    r = torch.rand(n, 4, generator=generator).tolist()
    for i, (a, b, c, d) in enumerate(r):
        h = int(size * (min_frac + (max_frac - min_frac) * a))
        w = int(size * (min_frac + (max_frac - min_frac) * b))
        y, x0 = int((size - h) * c), int((size - w) * d)
        m[i, :, y:y + h, x0:x0 + w] = 1
    return m


def apply_mask(x, mask, fill=1.0):
    """Masked pixels become white (fill=1): what the page shows under a painted mask."""
    return x * (1 - mask) + fill * mask


def sobel_magnitude(x):
    """[N,1,H,W]: the grayscale drawing's Sobel magnitude, 0 (flat) .. 1 (a strong edge)."""
    g = grayscale(x)[:, :1]
    k = torch.tensor([[-1., 0., 1.], [-2., 0., 2.], [-1., 0., 1.]], device=x.device, dtype=x.dtype)
    gx = F.conv2d(F.pad(g, (1, 1, 1, 1), mode="replicate"), k.view(1, 1, 3, 3))
    gy = F.conv2d(F.pad(g, (1, 1, 1, 1), mode="replicate"), k.t().reshape(1, 1, 3, 3))
    return (gx ** 2 + gy ** 2).sqrt().clamp(max=2.0) / 2.0


def unit_rows(x):
    """[N, ...] -> [N, D] each item flattened, centred and scaled to unit norm: the dot product of two rows is their
    Pearson correlation."""
    g = x.float().flatten(1)
    g = g - g.mean(1, keepdim=True)
    return g / g.norm(dim=1, keepdim=True).clamp(min=1e-8)


def sobel_edges(x):
    """Edge map drawn as dark lines on white, 3 channels, in [-1,1]."""
    return (1 - 2 * sobel_magnitude(x)).expand(-1, 3, -1, -1).contiguous()


# line_drawing: an edge of the drawing is inked where the Sobel magnitude (0 flat .. 1 strong) passes LINE_EDGE, and the
# drawing's near-black areas (luma below LINE_FILL) are inked whole, as line art fills pupils and mouths
LINE_EDGE, LINE_FILL = 0.3, -0.75


def line_drawing(x, ids):
    """A colour drawing as a person would sketch it: black strokes on white along its edges, its near-black areas filled,
    3 channels in [-1,1]. ids: one int per image; the stroke is thin (about 2 px of 64; the page's default brush, 12 px
    on its 256-px canvas, is 3) for an even id and a 3x3 dilation of that (about 4 px) for an odd one, so the drawing of
    an image is a pure function of it. Why: the page takes a canvas's edge map (sobel_edges) as the sketch, and a user's
    canvas is line art, whose edge map outlines each stroke twice; the edge map of a colour drawing, all the model was
    otherwise trained on, is one thin line per colour boundary (eval_mllm's sketch_lines job measures the gap)."""
    ink = (sobel_magnitude(x) > LINE_EDGE) | (grayscale(x)[:, :1] < LINE_FILL)
    wide = torch.tensor([int(i) % 2 == 1 for i in ids], device=x.device).view(-1, 1, 1, 1)
    ink = torch.where(wide, F.max_pool2d(ink.to(x.dtype), 3, 1, 1) > 0, ink)
    return (1 - 2 * ink.to(x.dtype)).expand(-1, 3, -1, -1).contiguous()


def augment(x, seeds, colour=True):
    """A deterministic re-drawing of each image (seeds: one int per image), for the *given* images of the
    understanding tasks (MLLMConfig.source_aug): the held-out vendor and OpenMoji draw the same concepts
    a little larger or smaller, shifted, with thicker or softer outlines and other colours, while every
    training image is otherwise seen as exactly one feature map. Per image: scale 0.85-1.1, shift up to
    +-3 px, rotation up to +-8 degrees (white comes in at the borders); half the time outlines thickened
    (a 3x3 min-pool darkens edges), else a quarter of the time softened (3x3 blur); each channel's ink
    scaled 0.85-1.15 from white and the saturation 0.7-1.3.
    colour=False: the geometry alone (scale, shift, rotation; the same draw per seed), every colour kept, for
    an edit's source and target re-drawn together (MLLMConfig.pair_aug): a tone or style is a colour."""
    n = x.shape[0]
    p = torch.stack([torch.rand(9, generator=torch.Generator().manual_seed(int(s))) for s in seeds]).to(x.device, x.dtype)
    y = redraw(x, geometry(p))   # white outside; clamped (bilinear weights are convex: a no-op but for rounding)
    if not colour:
        return y
    thick = (p[:, 4] < 0.5).view(-1, 1, 1, 1)
    soft = ((p[:, 4] >= 0.5) & (p[:, 4] < 0.75)).view(-1, 1, 1, 1)
    y = torch.where(thick, -F.max_pool2d(-y, 3, 1, 1), y)
    y = torch.where(soft, F.avg_pool2d(F.pad(y, (1, 1, 1, 1), mode="replicate"), 3, 1), y)
    y = 1 - (1 - y) * (0.85 + 0.3 * p[:, 5:8]).view(n, 3, 1, 1)
    g = grayscale(y)
    y = g + (y - g) * (0.7 + 0.6 * p[:, 8]).view(-1, 1, 1, 1)
    return y.clamp(-1, 1)

"""training/gallery_fit.py: the gallery key's projection fitted across vendors, on a small synthetic gallery (CPU)."""
import torch

from training.gallery import Gallery, fit_key, hold
from training.gallery_fit import fit_projection, is_dev


def synthetic(seed=0, concepts=30, in_dim=32):
    """keys = a concept (in the last 16 values) + a vendor offset + each drawing's own quirk, large in the first 16
    values: the principal axes follow the quirks. Vendors 0 and 1 are the gallery; vendor 2 (a third, like Fluent)
    draws every concept once, the queries."""
    g = torch.Generator().manual_seed(seed)
    cvec = torch.cat([torch.zeros(concepts, in_dim // 2), torch.randn(concepts, in_dim // 2, generator=g)], 1)
    vvec = 2 * torch.randn(3, in_dim, generator=g)
    quirk = torch.cat([3 * torch.ones(in_dim // 2), 0.3 * torch.ones(in_dim // 2)])
    draw = lambda c, v: cvec[c] + vvec[v] + quirk * torch.randn(len(c), in_dim, generator=g)
    c = torch.arange(concepts).repeat(2)
    return draw(c, torch.arange(2).repeat_interleave(concepts)), c, draw(torch.arange(concepts), torch.full((concepts,), 2)), torch.arange(concepts)


def dev_hold(gallery, concept, q, want):
    def score(mean, proj):
        rows = torch.nn.functional.normalize((gallery - mean) @ proj, dim=1)
        return 100 * hold(Gallery(mean, rows, concept, list(range(int(concept.max()) + 1)), proj=proj).retrieve(q, 5)[0], want)[0]
    return score


def test_fit_projection_starts_at_the_principal_axes_and_keeps_its_best_dev_step():
    gallery, concept, third, third_c = synthetic()
    nf = 20   # the third vendor's drawings of 20 concepts fit, of the other 10 choose
    queries = torch.cat([gallery, third[:nf]])
    q_concept = torch.cat([concept, third_c[:nf]])
    q_self = torch.cat([torch.arange(len(gallery)), torch.full((nf,), -1)])
    dev = dev_hold(gallery, concept, third[nf:], third_c[nf:].tolist())
    mean, proj, curve, kept, axes = fit_projection(gallery, concept, queries, q_concept, q_self, dev, dim=8, span=24, steps=400,
                                             lr=0.1, batch=64, every=50, log=lambda *_: None)
    pca_mean, pca_proj, _ = fit_key(gallery, 8)
    assert proj.shape == (32, 8) and torch.allclose(mean, pca_mean) and torch.allclose(axes[:, :8], pca_proj)
    assert curve[0] == (0, dev(pca_mean, pca_proj))            # step 0 is the principal axes
    assert dict(curve)[kept] == max(s for _, s in curve) and dev(mean, proj) == dict(curve)[kept]
    assert max(s for _, s in curve) >= curve[0][1] + 30        # the third vendor's dev concepts: found far more often


def test_retrieve_leaves_out_excluded_rows():
    """gallery_fit's one-vendor choice set: a query's excluded rows never score"""
    rows = torch.eye(3)
    g = Gallery(torch.zeros(3), rows, [0, 1, 2], ["a", "b", "c"], scale="f4")
    q = torch.tensor([[1.0, 0.2, 0.0]])
    assert g.retrieve(q, 1)[0] == [["a"]]
    assert g.retrieve(q, 1, exclude=torch.tensor([[True, False, False]]))[0] == [["b"]]


def test_dev_concepts_are_a_fixed_third():
    """about a third, and the very third the recorded fit (training/eval/pick/gallery_fit.json) chose on: pinned"""
    codes = [f"1F{i:03X}" for i in range(900)]
    dev = [c for c in codes if is_dev(c)]
    assert 250 < len(dev) < 350
    assert len(dev) == 297 and dev[:3] == ["1F003", "1F004", "1F008"]

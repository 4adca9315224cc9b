"""The judge: an evaluation-only classifier (concept, category, skin tone, style) trained on all
three styles. Never used for generation, so that scores are not the generator grading itself."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from training.encoder import load_ckpt

HEADS = ("concept", "category", "skin_tone", "style")


def label_vocab(meta):
    """Every head's classes, sorted, from the dataset's records."""
    keys = {"concept": "concept", "category": "category", "skin_tone": "skin_tone", "style": "vendor"}
    return {h: sorted({m[k] for m in meta}) for h, k in keys.items()}


def labels_of(meta, vocab):
    keys = {"concept": "concept", "category": "category", "skin_tone": "skin_tone", "style": "vendor"}
    idx = {h: {v: i for i, v in enumerate(vocab[h])} for h in HEADS}
    return {h: torch.tensor([idx[h][m[keys[h]]] for m in meta]) for h in HEADS}


def _block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2))


class Judge(nn.Module):
    def __init__(self, vocab, width):
        super().__init__()
        w = width
        self.vocab = vocab
        self.body = nn.Sequential(_block(3, w), _block(w, 2 * w), _block(2 * w, 4 * w), _block(4 * w, 4 * w))
        self.feat = nn.Linear(4 * w, 4 * w)
        self.heads = nn.ModuleDict({h: nn.Linear(4 * w, len(vocab[h])) for h in HEADS})

    def features(self, x):
        """Penultimate embedding (L2-normalised): the judge-feature distance for diversity."""
        return F.normalize(self.feat(self.body(x).mean((2, 3))), dim=-1)

    def forward(self, x):
        f = F.relu(self.feat(self.body(x).mean((2, 3))))
        return {h: head(f) for h, head in self.heads.items()}


def load_judge(path, device="cpu"):
    ck = load_ckpt(path, device)
    j = Judge(ck["vocab"], ck["width"]).to(device)
    j.load_state_dict(ck["judge"])
    return j.eval().requires_grad_(False)


def slim(src, dst):
    """The judge alone, weights fp16 (no optimizer): small enough to commit and carry
    (training/eval/judge.pt), so an evaluation never waits for the judge to retrain."""
    import os
    from training.common import atomic_save
    ck = load_ckpt(src, "cpu")
    sd = {k: (v.half() if v.is_floating_point() else v) for k, v in ck["judge"].items()}
    atomic_save(dict(judge=sd, vocab=ck["vocab"], width=ck["width"], step=ck.get("step")), dst)
    return os.path.getsize(dst)


if __name__ == "__main__":   # python3 -m training.judge SRC DST
    import sys
    print(slim(sys.argv[1], sys.argv[2]), "bytes")

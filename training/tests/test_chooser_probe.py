"""training/chooser_probe.py: the chooser's rule among retrieval's candidates and the head's training loop."""
import torch

from training.chooser_probe import Head, choose, train_head


def test_choose_takes_the_candidate_with_the_highest_logit():
    logits = torch.tensor([[0.0, 5.0, 1.0, 9.0, 2.0, 0.0],
                           [3.0, 3.0, 0.0, 0.0, 0.0, 7.0]])
    cand = torch.tensor([[0, 1, 2], [0, 1, 2]])   # concept 3 (logit 9) and 5 (logit 7) are not candidates
    assert choose(logits, cand).tolist() == [1, 0]   # row 2: a tie between 0 and 1 goes to retrieval's first


def test_train_head_learns_and_keeps_its_best_dev_step():
    """Separable clusters: the head learns them; the state kept is the best dev step's, whatever came after."""
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(6, 16, generator=g) * 3
    y = torch.arange(6).repeat(50)
    x = centres[y] + torch.randn(len(y), 16, generator=g)
    xd, yd = centres[torch.arange(6).repeat(10)] + torch.randn(60, 16, generator=g), torch.arange(6).repeat(10)
    head = Head(16, 6)
    seen = []

    def dev(h):
        acc = 100 * float((h(xd).argmax(1) == yd).float().mean())
        seen.append(acc)
        # from step 400 on, pretend the dev set got worse so the kept step must be earlier
        return acc - (1000 if len(seen) > 2 else 0)
    with torch.enable_grad():
        curve, kept = train_head(head, x, y, dev, steps=600, lr=1e-2, wd=0.0, device="cpu")
    assert [s for s, _ in curve] == [0, 200, 400, 600]
    assert kept == 200 and max(v for _, v in curve) == dict(curve)[200]
    assert float((head(xd).argmax(1) == yd).float().mean()) > 0.9   # the kept state is the trained one

"""training/known_styles.py: the styles each concept was trained in, and the rule that draws a sketch's plan in one of
them (the page's workers/mllm/plan.ts knownStyle is the same rule; pick-prior.test.ts checks the engine's)."""
from types import SimpleNamespace

from training import eval_mllm as E
from training import known_styles as K
from training import mllm_tasks as T
from training.tests.test_mllm import fake_meta
from training.tokenizer import BYTE_OFFSET, train_bpe


def meta_one_style():
    """fake_meta with C0 ("grinning face") trained as Google's drawing alone (Twitter's held out) and C2 ("red heart")
    as no page style's (a source vendor's)"""
    meta = fake_meta()
    for m in meta:
        if m["concept"] == "C0" and m["vendor"] == "twitter":
            m["split"] = "heldout_vendor"
        if m["concept"] == "C2":
            m["vendor"] = "fluent"
    return meta


def test_known_styles_lists_the_concepts_trained_in_some_page_styles_only():
    k = K.known_styles(meta_one_style())
    # C0 in noto alone; C1 in both (absent: any style it writes was trained); C2 in none of the page's (absent: no
    # trained page style to draw it in)
    assert k == {"grinning face": ["noto"]}
    assert K.known_styles(fake_meta()) == {}


def test_apply_moves_an_untrained_style_to_a_trained_one_and_leaves_the_rest():
    k = {"grinning face": ["noto"], "cat face": ["noto", "zz"]}
    f = {"concept": "grinning face", "style": "twemoji", "tone": "medium"}
    assert K.apply(f, k) == {"concept": "grinning face", "style": "noto", "tone": "medium"}
    assert K.apply(dict(f, style="noto"), k) == dict(f, style="noto")
    assert K.apply(dict(f, concept="thumbs up sign"), k) == dict(f, concept="thumbs up sign")
    assert K.apply(dict(f, concept="cat face", style="zz"), k)["style"] == "zz"
    assert K.apply(dict(f, concept="cat face", style="twemoji"), k)["style"] == "noto"   # the first trained
    assert K.apply_text(" grinning face | twemoji | none", k) == "grinning face | noto | none"


def test_eval_applies_the_rule_to_sketches_alone_after_the_pick():
    """eval_mllm's known_styles_fix: the jobs whose page task is one of the spec's tasks (sketch, and the line-drawn
    sketches run as sketches) have their plan's style moved, after the pick's fix; the others are as the pick left them."""
    meta = meta_one_style()
    tok = train_bpe(T.corpus(fake_meta(), per_image=1), vocab_size=BYTE_OFFSET + 256 + 50)
    ctx = SimpleNamespace(tok=tok, known_styles=K.spec(meta))
    jobs = [("sketch",), ("edit_tone",), ("sketch_lines",), ("colorize",)]
    enc = lambda s: tok.encode(" " + s)
    plans = [enc("thumbs up sign | twemoji | none")] * 4
    picked = enc("grinning face | twemoji | none")
    inner = lambda prefixes, pl: [picked] * len(pl)   # the pick: every plan's concept the one-style concept
    got = [tok.decode(p).strip() for p in E.known_styles_fix(ctx, jobs, inner)([None] * 4, plans)]
    assert got == ["grinning face | noto | none", "grinning face | twemoji | none",
                   "grinning face | noto | none", "grinning face | twemoji | none"]
    # without a pick: the plans as written, the same rule
    got = [tok.decode(p).strip() for p in E.known_styles_fix(ctx, jobs)([None] * 4, [picked] * 4)]
    assert got[0] == "grinning face | noto | none" and got[1] == "grinning face | twemoji | none"

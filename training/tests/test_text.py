"""The training-text generator (training/text) and the natural evaluation set."""
import json
import os
import random
import re

import pytest

from training import mllm_tasks as T
from training.data import NODE_MODULES, iter_entries, load_keywords, _norm_hex, skin_tone_of, split_of
from training.text import phrases as P
from training.text import prompts as G
from training.tokenizer import Tokenizer, DEFAULT_PATH

EVAL = json.load(open(G.EVAL_PATH))


@pytest.fixture(scope="module")
def records():
    """Image records of every concept as the dataset builds them (no images needed):
    {concept, name, short_names, keywords, category, skin_tone, vendor, split}."""
    kw = load_keywords(NODE_MODULES)
    out = []
    for e in iter_entries(NODE_MODULES):
        if not e["name"]:
            continue
        for v in ("google", "twitter"):
            out.append(dict(concept=e["concept"], name=e["name"], short_names=e["short_names"],
                            keywords=kw.get(_norm_hex(e["concept"]), {}).get("tags", []), category=e["category"],
                            subcategory=e["subcategory"], skin_tone=skin_tone_of(e["skin_key"]), vendor=v,
                            split=split_of(e["concept"])[0]))
    return out


def heldout_template_res():
    """Regexes of every held-out phrasing (templates x suffixes), slots as wildcards."""
    def rx(t):
        return re.escape(t).replace(r"\{name\}", ".+").replace(r"\{tone\}", ".+").replace(r"\{style\}", ".+")
    return [re.compile(rx(t)) for t in T.T2I_HELDOUT + T.TONE_SUFFIX_HELDOUT + T.STYLE_SUFFIX_HELDOUT]


def sample(records, n, seed):
    rng = random.Random(seed)
    return [T.t2i_prompt(rng.choice(records), rng) for _ in range(n)]


def test_deterministic_per_seed(records):
    assert sample(records, 300, 7) == sample(records, 300, 7)
    assert sample(records, 300, 7) != sample(records, 300, 8)


def test_every_train_concept_gets_prompts(records):
    train = [m for m in records if m["split"] == "train"]
    rng = random.Random(0)
    for m in train:
        p = G.natural_prompt(m, rng)
        assert p and p == T.normalize_text(p), m["concept"]
    lex = G.lexicon()
    assert not [c for c in lex if split_of(c)[0] == "heldout_concept"], "lexicon leaks held-out concepts"
    assert len({m["concept"] for m in train} & set(lex)) > 0.8 * len({m["concept"] for m in train})


def test_never_emits_heldout_phrasing_or_eval_prompt(records):
    train = [m for m in records if m["split"] == "train"]
    res = heldout_template_res()
    evals = {T.normalize_text(r["prompt"]) for r in EVAL["prompts"]}
    rng = random.Random(1)
    seen = set()
    for _ in range(40000):
        seen.add(T.t2i_prompt(rng.choice(train), rng))
    # instructions and questions too
    for _ in range(5000):
        seen.add(T.tone_instruction(rng.choice(T.TONES + ("none",)), rng))
        seen.add(T.style_instruction(rng.choice(list(T.STYLE)), rng))
        seen.add(G.phrase(rng.choice([T.COLORIZE, T.INPAINT, T.SKETCH, T.CAPTION_Q]), rng))
    assert not (seen & evals), sorted(seen & evals)[:10]
    hits = [s for s in seen if any(r.fullmatch(s) or r.search(s) for r in res[len(T.T2I_HELDOUT):])
            or any(r.fullmatch(s) for r in res[:len(T.T2I_HELDOUT)])]
    assert not hits, hits[:5]
    assert not [s for s in seen if G._HELDOUT_RE.search(s)]


def test_phrase_pools_hold_no_heldout_marker():
    pools = [v for k, v in vars(P).items() if k.isupper() and isinstance(v, list)]
    for words in list(P.TONE_WORDS.values()) + list(P.STYLE_WORDS.values()):
        pools.append(words)
    for pool in pools:
        for s in pool:
            assert not G._HELDOUT_RE.search(s.lower()), s


def test_canonical_phrasings_stay_first():
    # the exporter writes the first entries into the manifest the app uses
    assert T.CAPTION_Q[0] == "what is this emoji?" and T.EDIT_TONE[0] == "make it {tone} skin tone"
    assert T.COLORIZE[0] == "colorize this" and T.EDIT_STYLE[0] == "draw it in {style} style"


def test_typos_stay_in_alphabet_and_tokenizer(records):
    tok = Tokenizer.load(DEFAULT_PATH)
    rng = random.Random(2)
    for _ in range(2000):
        s = G.describe(rng.choice(records), rng)
        t = G.typo(s, rng)
        assert set(t) - set(s) <= set("abcdefghijklmnopqrstuvwxyz")
        assert len(t) in (len(s) - 1, len(s), len(s) + 1)
        assert tok.decode(tok.encode(" " + t)) == " " + t
    # prompts and instructions leave room for two images in the context (edit: ~688 tokens)
    for p in sample(records, 3000, 3):
        assert len(tok.encode(" " + p)) <= 64, p


def test_eval_set_validates(records):
    ps = EVAL["prompts"]
    assert len(ps) >= 300 and len({r["concept"] for r in ps}) >= 200
    variants = {(m["concept"], m["skin_tone"], m["vendor"]) for m in records}
    split = {m["concept"]: m["split"] for m in records}
    meta_path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "meta.json")
    for r in ps:
        assert set(r) == {"prompt", "concept", "skin_tone", "style"}
        assert split.get(r["concept"]) == "train", r
        assert r["style"] in (None, "google", "twitter")
        tone = r["skin_tone"] or "none"
        assert any((r["concept"], tone, v) in variants for v in ([r["style"]] if r["style"] else ("google", "twitter"))), r
    assert len({T.normalize_text(r["prompt"]) for r in ps}) == len(ps)
    # a bare name or short name is what training reads all the time, not a natural phrasing
    names = {m["name"] for m in records} | {s.replace("_", " ") for m in records for s in m["short_names"]}
    assert not [r["prompt"] for r in ps if T.normalize_text(r["prompt"]) in names]
    assert EVAL["templated"] and all(split.get(r["concept"]) == "train" for r in EVAL["templated"])
    if os.path.exists(meta_path):   # the built dataset must agree with emoji.json's split
        meta = json.load(open(meta_path))
        keys = {m["concept"] for m in meta if m["split"] == "train"}
        assert {r["concept"] for r in ps} <= keys

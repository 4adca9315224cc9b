"""Generators of the training text: text-to-image prompts, edit instructions and questions.

A text-to-image prompt is a subject (the name, its CLDR label, a shortcode alias, a WordNet
synonym, a description from its keywords or gloss) with optional distractor words (sizes,
moods, looks, colours: they do not change the image), a request frame ("draw me", "i need"),
a tail ("for my slides"), the skin tone and the vendor style phrased many ways, and the odd
typo. Everything comes out normalized (normalize_text: what the app applies to user text, so
casing needs no augmentation). Strings containing a held-out marker or equal to a prompt of the
natural evaluation set are drawn again: both stay unseen in training.
"""
import json
import os
import re
import unicodedata

from training.text import phrases as P

HERE = os.path.dirname(os.path.abspath(__file__))
LEXICON_PATH = os.path.join(HERE, "lexicon.json")
EVAL_PATH = os.path.join(os.path.dirname(HERE), "eval", "natural_prompts.json")
STYLE_CANON = {"google": "noto", "twitter": "twemoji"}
TYPO_RATE = 0.08
KEYBOARD = {c: n for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm") for c, n in
            ((row[k], row[max(k - 1, 0)] + row[min(k + 1, len(row) - 1)]) for k in range(len(row)))}
_HELDOUT_RE = re.compile(r"\b(" + "|".join(re.escape(m) for m in P.HELDOUT_MARKERS) + r")\b")
_COLOUR_WORDS = set(P.COLOURS) | {"colour", "color", "light", "dark", "medium"}
# categories where a colour word never names a different emoji of ours (not hearts, circles, people)
COLOUR_FREE = {"Animals & Nature", "Food & Drink", "Travel & Places", "Objects", "Activities"}
_cache = {}


def normalize_text(s):
    """What the app applies to every user prompt too: NFC, lower case, single spaces, trimmed."""
    return " ".join(unicodedata.normalize("NFC", s).lower().split())


def lexicon():
    if "lex" not in _cache:
        if not os.path.exists(LEXICON_PATH):
            raise FileNotFoundError(f"{LEXICON_PATH} missing: run `/usr/bin/python3 -m training.text.build_lexicon`")
        _cache["lex"] = json.load(open(LEXICON_PATH))["concepts"]
    return _cache["lex"]


def eval_prompts():
    """Normalized prompts of the natural evaluation set (never emitted for training)."""
    if "eval" not in _cache:
        rows = json.load(open(EVAL_PATH))["prompts"] if os.path.exists(EVAL_PATH) else []
        _cache["eval"] = {normalize_text(r["prompt"]) for r in rows}
    return _cache["eval"]


def is_heldout(s):
    return bool(_HELDOUT_RE.search(s)) or s in eval_prompts()


def article(phrase):
    return ("an " if phrase[:1] in "aeiou" else "a ") + phrase


def typo(s, rng):
    """One keyboard slip in one word of 4+ letters: swap, drop, double or a neighbouring key.
    Only lowercase ASCII letters come in, so the tokenizer sees the same alphabet."""
    words = s.split(" ")
    cand = [k for k, w in enumerate(words) if len(w) >= 4 and w.isalpha() and w.isascii()]
    if not cand:
        return s
    k = rng.choice(cand)
    w = words[k]
    j = rng.randrange(len(w) - 1)
    op = rng.randrange(4)
    if op == 0:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    elif op == 1:
        w = w[:j] + w[j + 1:]
    elif op == 2:
        w = w[:j] + w[j] + w[j:]
    else:
        w = w[:j] + rng.choice(KEYBOARD.get(w[j], w[j])) + w[j + 1:]
    words[k] = w
    return " ".join(words)


def tone_words(tone, rng):
    """'medium-dark' -> one way of saying it; multi-tone 'light,dark' -> 'light and dark'."""
    return " and ".join(rng.choice(P.TONE_WORDS.get(t, [t])) for t in tone.split(","))


def style_word(vendor, rng):
    return rng.choice(P.STYLE_WORDS[vendor])


def subject(m, rng):
    """The thing asked for, in one of many namings."""
    lex = lexicon().get(m["concept"], {})
    name = m["name"]
    kws = list(m.get("keywords") or [])
    choices = [("name", 5), ("label", 3 if "label" in lex else 0), ("alias", 2 if "aliases" in lex else 0),
               ("short", 1 if m.get("short_names") else 0), ("synonym", 2 if "synonyms" in lex else 0),
               ("keywords", 2 if kws else 0), ("gloss", 1 if "gloss" in lex else 0),
               ("hyper", 1 if "hypernyms" in lex else 0)]
    kind = rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]
    if kind == "label":
        return lex["label"].replace(": ", " ").replace(":", " ")
    if kind == "alias":
        return rng.choice(lex["aliases"])
    if kind == "short":
        return rng.choice(m["short_names"]).replace("_", " ").replace("-", " ")
    if kind == "synonym":
        return rng.choice(lex["synonyms"])
    if kind == "keywords":
        rng.shuffle(kws)
        n = min(rng.choice([1, 2, 2, 3]), len(kws))
        kw = kws[0] if n == 1 else ", ".join(kws[:n - 1]) + rng.choice([" and ", ", ", " + "]) + kws[n - 1]
        return rng.choice(P.DESCRIBE).format(kw=kw)
    if kind == "gloss":
        return rng.choice(P.GLOSS).format(gloss=lex["gloss"], hyp=rng.choice(lex.get("hypernyms", ["thing"])))
    if kind == "hyper":
        return rng.choice(P.HYPER).format(hyp=rng.choice(lex["hypernyms"]), name=name)
    return name


def describe(m, rng, with_tone=True, with_style=None):
    """One natural text-to-image prompt for image record m."""
    subj = subject(m, rng)
    name_words = set(m["name"].split())
    adjs = []
    if rng.random() < 0.35:
        adjs.append(rng.choice(P.SIZES + P.MOODS + P.LOOKS))
    # colour distractors only where colour is not what tells concepts apart (hearts, circles...)
    if rng.random() < 0.1 and not (name_words & _COLOUR_WORDS) and m.get("category") in COLOUR_FREE:
        adjs.append(rng.choice(P.COLOURS))
    tone = m.get("skin_tone", "none")
    tone_pre = with_tone and tone != "none" and rng.random() < 0.3
    style_pre = m.get("vendor") in STYLE_CANON and with_style is not False and rng.random() < 0.2
    if tone_pre:
        adjs.append(rng.choice(P.TONE_PREFIX).format(t=tone_words(tone, rng)))
    if style_pre:
        adjs.insert(0, rng.choice(P.STYLE_PREFIX).format(s=style_word(m["vendor"], rng)))
    head = " ".join(adjs + [subj])
    if rng.random() < 0.5 and not head.startswith(("a ", "an ", "the ", "something", "related")):
        head = article(head) if rng.random() < 0.8 else "the " + head
    frame = rng.choice(P.T2I_FRAMES)
    p = (frame + " " + head).strip()
    if with_tone and tone != "none" and not tone_pre:
        p += rng.choice(P.TONE_PATTERNS).format(t=tone_words(tone, rng))
    if m.get("vendor") in STYLE_CANON and not style_pre:
        if with_style is True or (with_style is None and rng.random() < 0.6):
            p += rng.choice(P.STYLE_PATTERNS).format(s=style_word(m["vendor"], rng))
    p += rng.choice(P.T2I_TAILS)
    if rng.random() < TYPO_RATE:
        p = typo(p, rng)
    return normalize_text(p)


def natural_prompt(m, rng, with_tone=True, with_style=None, tries=20):
    """describe() drawn again until it avoids the held-out phrasings and the evaluation set."""
    for _ in range(tries):
        p = describe(m, rng, with_tone, with_style)
        if not is_heldout(p):
            return p
    return normalize_text(m["name"])


def phrase(pool, rng, typo_rate=TYPO_RATE / 2, **fmt):
    """One entry of a phrase pool, formatted, with the odd typo (questions and instructions)."""
    s = rng.choice(pool).format(**fmt)
    if rng.random() < typo_rate:
        s = typo(s, rng)
    return normalize_text(s)

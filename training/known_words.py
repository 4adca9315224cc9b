"""public/models/words.json: what the page needs to read a prompt the way the model was taught.

    /usr/bin/python3 -m training.known_words      # -> public/models/words.json + its manifest entry

Facts from shipped data and the training data, never from a copy in TypeScript:
  emoji    - every emoji character (emojibase-data, skin-tone variants included, U+FE0F removed)
             -> its CLDR English short name ("pizza"). The page writes the name in place of the
             character before tokenising: the MLLM was taught names, not pictographs.
  words    - every word of the text the MLLM trains on: the phrase pools and templates
             (training/text/phrases.py, training/mllm_tasks.py) and, per trained concept, its
             name, short names, keywords, category and lexicon entry (training/text/lexicon.json).
             The page flags a prompt's words outside this list ("new to this model: pomme").
  concepts - every trained concept (emoji character, U+FE0F removed) -> its name as the training
             text and the MLLM's plan write it (emoji-datasource's, normalized: "thumbs up sign",
             not CLDR's "thumbs up"). The page learns an image's concept from a plan by this name.
  toned    - the trained concepts that edit_tone trained on (space-separated): those with two skin
             tones of one vendor in the training split (mllm_tasks.TaskSampler.tone_src). The page
             offers tone edits for a trained concept only when it is here; CLDR's variants in
             `emoji` speak only for concepts never trained on (wrestlers have CLDR tones, not
             trained ones).
A word is a maximal run of Unicode letters and digits, apostrophes inside it included ("don't"),
of the normalized text (NFC, lower case); src/newcomer/promptWords.ts splits the same way.

The words come from the training-text code as it stands when the MLLM is exported, so
training.export_mllm writes this file again with every new model (export()).
"""
import argparse
import json
import os
import re

from training.common import MODELS_DIR
from training.data import NODE_MODULES, VENDORS, iter_entries, load_keywords, _norm_hex, skin_tone_of, split_of
from training.manifest import update_manifest
from training.text import phrases as P
from training.text import prompts as G

FILE = "words.json"
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
SLOT = re.compile(r"\{[a-z_]+\}")


def words_of(text):
    """The words of a text as the page splits them (after the app's normalization)."""
    return WORD.findall(G.normalize_text(text))


def emoji_names(node_modules=NODE_MODULES):
    """emoji character (U+FE0F removed: typed text often lacks it) -> CLDR short name."""
    path = os.path.join(node_modules, "emojibase-data", "en", "data.json")
    out = {}
    for e in json.load(open(path, encoding="utf-8")):
        for x in [e] + e.get("skins", []):
            out[x["emoji"].replace("\ufe0f", "")] = x["label"]
    return out


def trained_records(node_modules=NODE_MODULES):
    """The text fields of every trained image record, as training.data.build makes them (no
    images decoded): held-out concepts and the held-out vendor's images are left out."""
    keywords = load_keywords(node_modules)
    for e in iter_entries(node_modules):
        if not e["name"]:
            continue
        split, held_vendor = split_of(e["concept"])
        if split == "heldout_concept":
            continue
        vendors = [v for v in VENDORS if e["has"][v] and e["image"] and v != held_vendor]
        if vendors:
            yield dict(concept=e["concept"], name=e["name"], short_names=e["short_names"],
                       keywords=keywords.get(_norm_hex(e["concept"]), {}).get("tags", []),
                       category=e["category"], skin_tone=skin_tone_of(e["skin_key"]), vendors=vendors)


def concept_char(code):
    """'1F44B' -> '👋', '2764-FE0F' -> '❤': the emoji as `emoji` keys it (U+FE0F removed)."""
    return "".join(chr(int(p, 16)) for p in code.split("-") if p.upper() != "FE0F")


def toned_concepts(records):
    """The concepts edit_tone trains on: two or more skin tones of one vendor among the trained
    records (a tone edit pairs two tones of one concept in one vendor's art)."""
    tones = {}
    for m in records:
        for v in m["vendors"]:
            tones.setdefault((m["concept"], v), set()).add(m["skin_tone"])
    return {c for (c, _), t in tones.items() if len(t) > 1}


def trained_concepts(records):
    """emoji character -> the concept's name as training (and the plan) writes it."""
    return {concept_char(m["concept"]): G.normalize_text(m["name"]) for m in records}


def _strings(x):
    if isinstance(x, str):
        yield x
    elif isinstance(x, dict):
        for v in x.values():
            yield from _strings(v)
    elif isinstance(x, (list, tuple)):
        for v in x:
            yield from _strings(v)


def training_strings(records, lexicon):
    """Every string the training text is built from (slots like {name} dropped)."""
    from training import mllm_tasks as T
    pools = [v for k, v in vars(P).items() if k.isupper() and k != "HELDOUT_MARKERS"]
    pools += [T.T2I_TRAIN, T.STYLE_SUFFIX, T.TONE_SUFFIX, T.STYLE, T.TONES, ["yes", "no"]]
    for s in _strings(pools):
        yield SLOT.sub(" ", s)
    for m in records:
        yield from (m["name"], m["category"], T.tone_phrase(m["skin_tone"]), *m["keywords"])
        yield from (s.replace("_", " ").replace("-", " ") for s in m["short_names"])
        yield from _strings(lexicon.get(m["concept"], {}))


def known_words(records, lexicon):
    return sorted({w for s in training_strings(records, lexicon) for w in words_of(s)})


def build(records, lexicon, emoji):
    return {
        "format": 1,
        "about": "Written by `python3 -m training.known_words`. emoji: character (U+FE0F removed) -> CLDR "
                 "short name (emojibase-data; CLDR annotations, Unicode License v3). words: the words of the "
                 "MLLM's training text, sorted, space-separated; a word is a run of letters and digits (apostrophes "
                 "inside it included) of the normalized (NFC, lower-case) text. concepts: every trained concept "
                 "(character) -> its name as the training text and the MLLM's plan write it (emoji-datasource). "
                 "toned: the trained concepts the training data has in two or more skin tones (what tone edits "
                 "were learned on), space-separated.",
        "emoji": dict(sorted(emoji.items())),
        "words": " ".join(known_words(records, lexicon)),
        "concepts": dict(sorted(trained_concepts(records).items())),
        "toned": " ".join(sorted(concept_char(c) for c in toned_concepts(records))),
    }


def export(models_dir=MODELS_DIR, node_modules=NODE_MODULES, records=None, lexicon=None):
    """Writes words.json into models_dir and lists it in the manifest (bytes + sha256)."""
    records = list(trained_records(node_modules)) if records is None else records
    doc = build(records, G.lexicon() if lexicon is None else lexicon, emoji_names(node_modules))
    os.makedirs(models_dir, exist_ok=True)
    with open(os.path.join(models_dir, FILE), "w", encoding="utf-8") as f:
        # one entry a line: small diffs when a model changes, and gzip does the rest
        f.write("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False, separators=(',', ':'))}"
                                  for k, v in doc.items()) + "\n}\n")
    update_manifest({"words": {"role": "words", "file": FILE}}, models_dir=models_dir)
    return doc


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=MODELS_DIR)
    args = ap.parse_args(argv)
    doc = export(args.out_dir)
    size = os.path.getsize(os.path.join(args.out_dir, FILE))
    print(f"{FILE}: {len(doc['emoji'])} emoji names, {len(doc['words'].split())} words, {len(doc['concepts'])} "
          f"trained concepts ({len(doc['toned'].split())} toned), {size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()

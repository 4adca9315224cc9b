"""Build training/text/lexicon.json: per trained concept, the extra words people use for it.

    /usr/bin/python3 -m training.text.build_lexicon

Sources (all installed locally; licences in training/text/README.md):
  emoji-datasource-google  emoji.json: the concept list, Unicode names, split (training/data.py)
  emojibase-data           en/data.json: the CLDR short name ("label") and CLDR keywords;
                           en/shortcodes/{cldr,emojibase,github,iamcal,joypixels}.json: aliases
  WordNet 3.0              /usr/share/wordnet (Debian `wordnet-base`): for a concept whose label or
                           name is a WordNet noun: synonyms, hypernyms and the gloss of the sense
                           that best matches the emoji's keywords
Held-out concepts (split heldout_concept) are left out: nothing about them reaches training.
The file is committed, so training and CI never need the packages or WordNet.
"""
import json
import os
import re

from training.data import NODE_MODULES, _norm_hex, iter_entries, split_of
from training.text.wordnet import WordNet

HERE = os.path.dirname(os.path.abspath(__file__))
LEXICON_PATH = os.path.join(HERE, "lexicon.json")
SHORTCODE_SETS = ("cldr", "emojibase", "github", "iamcal", "joypixels")
PERSON_LEXFILE = 18          # noun.person: "crane" the writer, "hot dog" the show-off
MAX_GLOSS_WORDS = 14
STOP = {"a", "an", "the", "of", "with", "and", "or", "in", "on", "to", "for", "by", "that", "is", "as", "its"}


def words(s):
    return {w for w in re.findall(r"[a-z]+", s.lower()) if w not in STOP and len(w) > 2}


def alias(code):
    """'thumbsup' / 'face_with_tears_of_joy' / 'flag-jp' -> a phrase, or None for codes that are no words."""
    s = code.replace("_", " ").replace("-", " ").strip().lower()
    if not re.fullmatch(r"[a-z][a-z ']*", s) or len(s) <= 2:
        return None      # '+1', 'clock9', 'jp': symbols, numbers and country codes are not phrasings
    return " ".join(s.split())


def pick_sense(wn, term, context, is_person):
    """The synset of `term` whose lemmas, gloss and hypernyms share the most words with the
    emoji's own words (ties: the more frequent sense). None when no sense fits."""
    best, best_score = None, 0.0
    for rank, off in enumerate(wn.synsets(term)[:6]):
        if wn.lexfile(off) == PERSON_LEXFILE and not is_person:
            continue
        bag = words(" ".join(wn.lemmas(off)) + " " + wn.gloss(off))
        for h in wn.hypernyms(off):
            bag |= words(" ".join(wn.lemmas(h)))
        score = len(bag & context) + (0.5 if rank == 0 else 0.0)
        if score > best_score:
            best, best_score = off, score
    return best


def concept_entry(wn, e, info, codes):
    name = e["name"]
    label = (info.get("label") or "").lower()
    tags = [t.lower() for t in info.get("tags", [])]
    out = {}
    if label and label != name:
        out["label"] = label
    al = []
    for c in codes:
        a = alias(c)
        if a and a not in (name, label) and a not in al:
            al.append(a)
    if label.startswith("flag: "):
        # "flag: japan": WordNet would only know the generic flag; people say these
        place = label[len("flag: "):]
        al += [p for p in (f"flag of {place}", f"{place} flag", f"the {place} flag") if p not in al and p != name]
        out["aliases"] = al
        return out
    if al:
        out["aliases"] = al
    context = words(" ".join([name, label, e["subcategory"]] + tags))
    is_person = e["category"] == "People & Body"
    for term in [t for t in (label.split(":")[0], name) if t]:
        off = pick_sense(wn, term, context, is_person)
        if off is None:
            continue
        syn = [w for w in wn.lemmas(off) if w not in (name, label, term) and re.fullmatch(r"[a-z][a-z' -]*", w)]
        hyp = []
        for h in wn.hypernyms(off):
            hyp += [w for w in wn.lemmas(h)[:2] if re.fullmatch(r"[a-z][a-z' -]*", w)]
        gloss = wn.gloss(off)
        if syn:
            out["synonyms"] = syn[:6]
        if hyp:
            out["hypernyms"] = hyp[:3]
        if gloss and len(gloss.split()) <= MAX_GLOSS_WORDS and re.fullmatch(r"[A-Za-z0-9 ,'()-]+", gloss):
            out["gloss"] = gloss.lower()
        break
    return out


def build(node_modules=NODE_MODULES):
    base = os.path.join(node_modules, "emojibase-data", "en")
    data = {_norm_hex(x["hexcode"]): x for x in json.load(open(os.path.join(base, "data.json")))}
    codes = {}
    for s in SHORTCODE_SETS:
        for hexcode, c in json.load(open(os.path.join(base, "shortcodes", f"{s}.json"))).items():
            codes.setdefault(_norm_hex(hexcode), []).extend([c] if isinstance(c, str) else c)
    wn = WordNet()
    concepts = {}
    for e in iter_entries(node_modules):
        if e["skin_key"] or not e["name"] or split_of(e["concept"])[0] == "heldout_concept":
            continue
        key = _norm_hex(e["concept"])
        entry = concept_entry(wn, e, data.get(key, {}), codes.get(key, []) + list(e["short_names"]))
        if entry:
            concepts[e["concept"]] = entry
    return {"about": "Per trained concept: CLDR label, shortcode aliases (emojibase-data), WordNet "
                     "synonyms/hypernyms/gloss. Built by `python -m training.text.build_lexicon`; "
                     "sources and licences in training/text/README.md.",
            "concepts": dict(sorted(concepts.items()))}


def main():
    lex = build()
    with open(LEXICON_PATH, "w") as f:
        json.dump(lex, f, indent=0, sort_keys=False, ensure_ascii=False)
        f.write("\n")
    c = lex["concepts"]
    print(f"lexicon: {len(c)} concepts, {sum('synonyms' in v for v in c.values())} with WordNet synonyms, "
          f"{sum('gloss' in v for v in c.values())} with glosses -> {LEXICON_PATH}")


if __name__ == "__main__":
    main()

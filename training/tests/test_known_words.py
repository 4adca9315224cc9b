"""training/known_words.py: the words.json the page reads a prompt with."""
import json
import os

import pytest

from training import known_words as K
from training.common import ROOT
from training.manifest import file_facts


def test_words_emoji_and_manifest_entry(tmp_path):
    rec = {"concept": "1F355", "name": "slice of pizza", "short_names": ["pizza"], "keywords": ["cheese", "pepperoni"],
           "category": "Food & Drink", "skin_tone": "medium-dark", "vendors": ["google"]}
    lexicon = {"1F355": {"label": "pizza", "synonyms": ["pizza pie"], "gloss": "Italian open pie"}, "1F34E": {"label": "apple"}}
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 1, "models": {}}))
    doc = K.export(str(tmp_path), records=[rec], lexicon=lexicon)
    words = set(doc["words"].split())
    # the concept's text, the phrase pools and templates (a word of an instruction and of a frame)
    assert {"slice", "pizza", "pie", "italian", "cheese", "food", "drink", "medium", "dark", "colorize", "draw"} <= words
    assert "apple" not in words          # the lexicon of a concept not trained on does not count
    assert "hyp" not in words and "kw" not in words   # template slots ({hyp}, {kw}) are not words
    assert "" not in words and "&" not in words
    # the emoji map: CLDR short names, skin-tone variants, U+FE0F removed from the keys
    assert doc["emoji"]["🍕"] == "pizza"
    assert doc["emoji"]["👍🏽"] == "thumbs up: medium skin tone"
    assert doc["emoji"]["❤"] == "red heart" and "❤️" not in doc["emoji"]
    # listed in the manifest with the bytes and sha256 of the file on disk
    entry = json.loads((tmp_path / "manifest.json").read_text())["models"]["words"]
    assert entry["role"] == "words" and entry["file"] == "words.json"
    assert {k: entry[k] for k in ("bytes", "sha256")} == file_facts(str(tmp_path / "words.json"))
    assert json.loads((tmp_path / "words.json").read_text(encoding="utf-8")) == doc
    assert doc["concepts"] == {"🍕": "slice of pizza"} and doc["toned"] == ""


def test_concepts_and_tones_as_training_pairs_them():
    def rec(concept, name, tone, vendors=("google", "twitter")):
        return {"concept": concept, "name": name, "short_names": [], "keywords": [], "category": "",
                "skin_tone": tone, "vendors": list(vendors)}
    records = [rec("1F44B", "Waving  Hand Sign", "none"), rec("1F44B", "Waving  Hand Sign", "dark"),
               rec("2764-FE0F", "heavy black heart", "none"),
               # two tones, but of two vendors: edit_tone never pairs them
               rec("1F44D", "thumbs up sign", "none", ["google"]), rec("1F44D", "thumbs up sign", "light", ["twitter"])]
    assert K.toned_concepts(records) == {"1F44B"}
    # keyed by the character as `emoji` keys it (no U+FE0F), named as the plan writes it
    assert K.trained_concepts(records) == {"👋": "waving hand sign", "❤": "heavy black heart", "👍": "thumbs up sign"}
    doc = K.build(records, {}, {})
    assert doc["toned"] == "👋" and doc["concepts"]["❤"] == "heavy black heart"


def test_word_split_matches_the_page():
    # the page splits with [\p{L}\p{N}]+ after NFC + lower case (src/newcomer/promptWords.ts)
    assert K.words_of("Une  POMME, rouge! i'd like 2D café_au_lait for kids'") == ["une", "pomme", "rouge", "i'd", "like", "2d", "café", "au", "lait", "for", "kids"]


def test_shipped_words_file_is_current():
    """public/models/words.json is what the exporter writes from today's training text."""
    shipped = json.load(open(f"{K.MODELS_DIR}/{K.FILE}", encoding="utf-8"))
    fresh = K.build(list(K.trained_records()), K.G.lexicon(), K.emoji_names())
    assert shipped == fresh


def test_shipped_concepts_and_tones():
    """The trained concepts' names and tones are the training data's, not CLDR's."""
    shipped = json.load(open(f"{K.MODELS_DIR}/{K.FILE}", encoding="utf-8"))
    concepts, toned = shipped["concepts"], set(shipped["toned"].split())
    assert toned <= set(concepts) and set(concepts) <= set(shipped["emoji"])
    assert concepts["👍"] == "thumbs up sign" and shipped["emoji"]["👍"] == "thumbs up"
    assert {"👋", "👍", "👩‍🚀"} <= toned and not {"😀", "☕", "❤"} & toned
    # CLDR gives these tone variants; the training art (emoji-datasource) has none
    for c in ("🤼", "🤼‍♂", "🤼‍♀", "👯", "👯‍♂", "👯‍♀"):
        assert c in concepts and c not in toned and any(k != c and k.replace("\U0001F3FD", "") == c for k in shipped["emoji"]), c
    # held-out concepts are no trained concepts (the page falls back to CLDR for them)
    held = json.load(open(os.path.join(ROOT, "training", "splits", "heldout_concept.json")))
    assert held and not {K.concept_char(h["concept"]) for h in held} & set(concepts)


META = os.path.join(ROOT, "training", "data", "meta.json")


def test_toned_is_what_edit_tone_trains_on(tmp_path, monkeypatch):
    """The same concepts as the MLLM's own sampler: its edit_tone sources and its names. The metadata is
    the built dataset's (training/data), or built here from the vendors' packages when it is not there
    (a fresh clone, CI): without OpenMoji and without the Fluent art, which have no trained images (the
    builder appends the Fluent records after every other, in the "sources" splits the sampler leaves out
    unless asked, so the trained records are the same; rasterising its ~3,000 SVGs took ~80 s), and
    without writing the image file, which this test does not read (xz of every image took ~25 s)."""
    from training.mllm_tasks import TaskSampler
    if os.path.exists(META):
        meta = json.load(open(META))
    else:
        from training import data as D
        monkeypatch.setattr(D, "save_images", lambda arr, out_dir: None)
        meta = D.build(out_dir=str(tmp_path), with_openmoji=False, with_sources=False)[1]
        assert {m["split"] for m in meta} >= {"train"} and len(meta) > 5000
    s = TaskSampler(meta, tok=None)
    records = list(K.trained_records())
    assert K.toned_concepts(records) == {meta[i]["concept"] for i in s.tone_src}
    assert sorted(set(K.trained_concepts(records).values())) == s.names

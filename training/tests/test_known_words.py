"""training/known_words.py: the words.json the page reads a prompt with."""
import json

from training import known_words as K
from training.manifest import file_facts


def test_words_emoji_and_manifest_entry(tmp_path):
    rec = {"concept": "1F355", "name": "slice of pizza", "short_names": ["pizza"], "keywords": ["cheese", "pepperoni"],
           "category": "Food & Drink", "skin_tone": "medium-dark"}
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


def test_word_split_matches_the_page():
    # the page splits with [\p{L}\p{N}]+ after NFC + lower case (src/newcomer/promptWords.ts)
    assert K.words_of("Une  POMME, rouge! i'd like 2D café_au_lait for kids'") == ["une", "pomme", "rouge", "i'd", "like", "2d", "café", "au", "lait", "for", "kids"]


def test_shipped_words_file_is_current():
    """public/models/words.json is what the exporter writes from today's training text."""
    shipped = json.load(open(f"{K.MODELS_DIR}/{K.FILE}", encoding="utf-8"))
    fresh = K.build(list(K.trained_records()), K.G.lexicon(), K.emoji_names())
    assert shipped == fresh

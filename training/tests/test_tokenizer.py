"""Tokenizer: round trips, determinism, no special-token injection, linear cost on long input."""
import json
import os
import time

from training.tokenizer import Tokenizer, train_bpe, chunks, SPECIALS, BYTE_OFFSET, MAX_CHUNK, GOLDEN_PATH, DEFAULT_PATH

CORPUS = ["grinning face", "grinning face with big eyes", "red heart", "thumbs up sign",
          "make it medium-dark skin tone", "what is this emoji?", "face with tears of joy"] * 5


def test_roundtrip_any_string():
    tok = train_bpe(CORPUS, vocab_size=BYTE_OFFSET + 256 + 40)
    for s in ["", " ", "grinning face", "👍🏽 thumbs", "👨‍👩‍👧‍👦", "日本語", "\x00\n\t", "é" * 100, "x" * 1000]:
        ids = tok.encode(s)
        assert all(BYTE_OFFSET <= i < tok.vocab_size for i in ids)
        assert tok.decode(ids) == s


def test_training_is_deterministic_and_merges_help():
    a = train_bpe(CORPUS, vocab_size=BYTE_OFFSET + 256 + 40)
    b = train_bpe(list(CORPUS), vocab_size=BYTE_OFFSET + 256 + 40)
    assert a.merges == b.merges and len(a.merges) == 40
    assert len(a.encode("grinning face")) < len("grinning face".encode())


def test_specials_never_come_from_text():
    tok = train_bpe(CORPUS, vocab_size=BYTE_OFFSET + 256 + 10)
    ids = tok.encode(" ".join(SPECIALS))
    assert min(ids) >= BYTE_OFFSET


def test_chunking_rule():
    assert chunks(b"") == []
    assert chunks(b"a bc  d") == [b"a", b" bc", b" ", b" d"]
    long = b"y" * (2 * MAX_CHUNK + 3)
    assert [len(c) for c in chunks(long)] == [MAX_CHUNK, MAX_CHUNK, 3]


def test_long_input_is_fast():
    tok = train_bpe(CORPUS, vocab_size=BYTE_OFFSET + 256 + 40)
    t = time.time()
    s = "grinning face " * 5000
    assert tok.decode(tok.encode(s)) == s
    assert time.time() - t < 5


def test_shipped_tokenizer_matches_golden():
    """The committed golden file (what the TypeScript test checks) is what this code produces."""
    if not (os.path.exists(DEFAULT_PATH) and os.path.exists(GOLDEN_PATH)):
        return
    import base64
    tok = Tokenizer.load(DEFAULT_PATH)
    cases = json.load(open(GOLDEN_PATH))["cases"]
    assert len(cases) > 300
    for c in cases:
        s = base64.b64decode(c["b64"]).decode("utf-8")
        assert tok.encode(s) == c["ids"]
        assert tok.decode(c["ids"]) == s

"""Byte-level BPE tokenizer shared bit-for-bit by Python (here) and TypeScript
(workers/mllm/tokenizer.ts).

    /usr/bin/python3 -m training.tokenizer      # train on the task corpus -> training/tokenizer.json
                                                #   + workers/mllm/tokenizer_golden.json

The algorithm (the TypeScript side implements exactly this):
  1. text -> UTF-8 bytes (no normalization: callers normalize; any string round-trips).
  2. Pre-split the bytes into chunks: a chunk starts at byte 0 and at every space byte (0x20),
     and a chunk longer than MAX_CHUNK bytes is cut every MAX_CHUNK bytes (keeps encoding
     linear in the input length and never lets a merge cross a word boundary).
  3. Each chunk starts as byte tokens (id = BYTE_OFFSET + byte); then repeatedly the adjacent
     pair with the lowest merge rank is merged, all its non-overlapping occurrences left to
     right, until no pair of the chunk has a rank. Merge r creates id BYTE_OFFSET + 256 + r.
Special tokens (ids 0..BYTE_OFFSET-1) never come out of encode(): they are added by the
sequence builder, so a user's text cannot inject "[IMG]".
"""
import base64
import json
import os
import random
from collections import Counter, defaultdict

SPECIALS = ["<pad>", "<s>", "</s>", "[IMG]", "[/IMG]", "<ans>"]
BYTE_OFFSET = len(SPECIALS)
MAX_CHUNK = 64
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_PATH = os.path.join(ROOT, "training", "tokenizer.json")
GOLDEN_PATH = os.path.join(ROOT, "workers", "mllm", "tokenizer_golden.json")


def chunks(data: bytes):
    out, start = [], 0
    for i in range(1, len(data) + 1):
        if i == len(data) or data[i] == 0x20 or i - start == MAX_CHUNK:
            out.append(data[start:i])
            start = i
    return out


def merge_pair(ids, pair, new_id):
    """`ids` with every non-overlapping occurrence of `pair`, left to right, replaced by `new_id`
    (one BPE merge: the same for encoding and for training)."""
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


class Tokenizer:
    def __init__(self, merges):
        self.merges = [tuple(m) for m in merges]
        self.rank = {m: r for r, m in enumerate(self.merges)}
        self.vocab_size = BYTE_OFFSET + 256 + len(self.merges)
        self.special = {s: i for i, s in enumerate(SPECIALS)}
        self.pad, self.bos, self.eos = 0, 1, 2
        self.img, self.img_end, self.ans = 3, 4, 5
        # id -> bytes
        self.bytes_of = [b""] * self.vocab_size
        for i in range(256):
            self.bytes_of[BYTE_OFFSET + i] = bytes([i])
        for r, (a, b) in enumerate(self.merges):
            self.bytes_of[BYTE_OFFSET + 256 + r] = self.bytes_of[a] + self.bytes_of[b]
        self._cache = {}

    def _bpe(self, chunk: bytes):
        hit = self._cache.get(chunk)
        if hit is not None:
            return hit
        ids = [BYTE_OFFSET + b for b in chunk]
        while len(ids) > 1:
            best, best_rank = None, None
            for p in zip(ids, ids[1:]):
                r = self.rank.get(p)
                if r is not None and (best_rank is None or r < best_rank):
                    best, best_rank = p, r
            if best is None:
                break
            ids = merge_pair(ids, best, BYTE_OFFSET + 256 + best_rank)
        if len(self._cache) < 100000:
            self._cache[chunk] = ids
        return ids

    def encode(self, text: str):
        ids = []
        for c in chunks(text.encode("utf-8")):
            ids.extend(self._bpe(c))
        return ids

    def decode(self, ids, skip_special=True):
        out = bytearray()
        for i in ids:
            if i < BYTE_OFFSET:
                if not skip_special:
                    out += SPECIALS[i].encode()
                continue
            out += self.bytes_of[i]
        return out.decode("utf-8", errors="replace")

    def to_json(self):
        return {"format": 1, "type": "byte_bpe", "specials": SPECIALS, "byte_offset": BYTE_OFFSET,
                "max_chunk": MAX_CHUNK, "split_byte": 0x20, "vocab_size": self.vocab_size,
                "merges": [list(m) for m in self.merges]}

    def save(self, path=DEFAULT_PATH):
        with open(path, "w") as f:
            json.dump(self.to_json(), f, separators=(",", ":"))

    @classmethod
    def load(cls, path=DEFAULT_PATH):
        d = json.load(open(path))
        if d.get("type") != "byte_bpe" or d.get("byte_offset") != BYTE_OFFSET or d.get("max_chunk") != MAX_CHUNK:
            raise ValueError(f"{path}: not a tokenizer of this format")
        return cls(d["merges"])


def train_bpe(texts, vocab_size=2048):
    """Learns vocab_size - BYTE_OFFSET - 256 merges from an iterable of strings. Ties in pair
    frequency break toward the smallest (a, b) pair, so training is deterministic."""
    freq = Counter()
    for t in texts:
        for c in chunks(t.encode("utf-8")):
            freq[c] += 1
    words = [[BYTE_OFFSET + b for b in w] for w in freq]
    counts = list(freq.values())
    pairs = Counter()
    where = defaultdict(set)
    for wi, w in enumerate(words):
        for p in zip(w, w[1:]):
            pairs[p] += counts[wi]
            where[p].add(wi)
    merges = []
    n_merges = vocab_size - BYTE_OFFSET - 256
    while len(merges) < n_merges and pairs:
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        if best[1] < 2:
            break
        pair = best[0]
        new_id = BYTE_OFFSET + 256 + len(merges)
        merges.append(pair)
        for wi in list(where[pair]):
            w = words[wi]
            for p in zip(w, w[1:]):
                pairs[p] -= counts[wi]
                if pairs[p] <= 0:
                    del pairs[p]
                where[p].discard(wi)
            words[wi] = out = merge_pair(w, pair, new_id)
            for p in zip(out, out[1:]):
                pairs[p] += counts[wi]
                where[p].add(wi)
        pairs.pop(pair, None)
        where.pop(pair, None)
    return Tokenizer(merges)


def golden_strings(corpus, n_random=300, seed=0):
    """Strings the TS side must encode identically: corpus samples, unicode, emoji, ZWJ
    sequences, control characters, lone-surrogate-free random code points, long and empty."""
    rng = random.Random(seed)
    out = ["", " ", "  ", "a", "hello world", "  leading and trailing  ", "tab\tand\nnewline",
           "Grinning Face", "café naïve résumé", "日本語のテキスト", "👍🏽 thumbs up medium skin tone",
           "👨‍👩‍👧‍👦 family", "🏳️‍🌈", "a" * 5000, ("red heart " * 400).strip(), "[IMG] <s> </s> <ans>",
           "\u0000\u0001\u007f", "x" * 63 + "é", "x" * 64 + " y", "\U0010FFFF\uFFFD"]
    out += rng.sample(corpus, min(200, len(corpus)))
    pool = list(range(0x20, 0x7f)) + list(range(0xa0, 0x2000)) + list(range(0x1F300, 0x1FAFF))
    for _ in range(n_random):
        n = rng.randint(0, 40)
        s = "".join(chr(rng.choice(pool)) if rng.random() < 0.5 else rng.choice(" abcdefghij") for _ in range(n))
        out.append(s)
    return out


def write_golden(tok, strings, path=GOLDEN_PATH):
    rows = []
    for s in strings:
        rows.append({"b64": base64.b64encode(s.encode("utf-8")).decode(), "ids": tok.encode(s)})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"tokenizer": "training/tokenizer.json", "cases": rows}, f, separators=(",", ":"))


def main():
    from training.data import load
    from training.mllm_tasks import corpus
    _, meta = load()
    texts = corpus(meta)
    tok = train_bpe(texts)
    tok.save()
    write_golden(tok, golden_strings(texts))
    lens = [len(tok.encode(t)) for t in texts]
    print(f"tokenizer: {tok.vocab_size} ids, {len(tok.merges)} merges, corpus {len(texts)} strings, "
          f"mean {sum(lens) / len(lens):.1f} / max {max(lens)} tokens per string", flush=True)


if __name__ == "__main__":
    main()

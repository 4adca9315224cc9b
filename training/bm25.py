"""A plain BM25 ranking of the trained concepts for a prompt: the floor the MLLM's plan must beat.

Each concept is one document: its name, CLDR label and aliases (training/text/lexicon.json),
short names and emojibase keywords (meta.json). A prompt is ranked against them word by word
(Okapi BM25, k1 = 1.2, b = 0.75). No learning, no synonyms: what a search box would do.
"""
import math
import re
from collections import Counter

_WORD = re.compile(r"[a-z0-9]+")


def words(s):
    return _WORD.findall(s.lower())


class BM25:
    def __init__(self, docs, k1=1.2, b=0.75):
        """docs: {key: text}."""
        self.keys = list(docs)
        self.tf = [Counter(words(docs[k])) for k in self.keys]
        self.len = [sum(t.values()) for t in self.tf]
        self.avg = sum(self.len) / max(len(self.len), 1)
        df = Counter(w for t in self.tf for w in t)
        n = len(self.keys)
        self.idf = {w: math.log(1 + (n - d + 0.5) / (d + 0.5)) for w, d in df.items()}
        self.k1, self.b = k1, b
        self.post = {}
        for i, t in enumerate(self.tf):
            for w in t:
                self.post.setdefault(w, []).append(i)

    def rank(self, query, k=5):
        """-> the k best keys for the query (ties broken by document order)."""
        score = Counter()
        for w in set(words(query)):
            for i in self.post.get(w, ()):
                tf = self.tf[i][w]
                score[i] += self.idf[w] * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * self.len[i] / self.avg))
        return [self.keys[i] for i, _ in sorted(score.items(), key=lambda x: (-x[1], x[0]))[:k]]


def concept_docs(meta, concepts=None):
    """{concept: text} over the given concepts (default: every concept with a trained image)."""
    from training.text.prompts import lexicon
    lex = lexicon()
    want = set(concepts) if concepts is not None else {m["concept"] for m in meta if m["split"] == "train"}
    docs = {}
    for m in meta:
        c = m["concept"]
        if c not in want or c in docs:
            continue
        e = lex.get(c, {})
        docs[c] = " ".join([m["name"], e.get("label", "")] + list(e.get("aliases", [])) + list(m["short_names"])
                           + list(m["keywords"])).replace("_", " ")
    return docs


def floor(meta, prompts, concepts):
    """BM25 top-1 / top-5 of the asked concept over the trained concepts."""
    idx = BM25(concept_docs(meta))
    ranks = [idx.rank(p, 5) for p in prompts]
    n = max(len(prompts), 1)
    return {"top1": sum(r[:1] == [c] for r, c in zip(ranks, concepts)) / n,
            "top5": sum(c in r for r, c in zip(ranks, concepts)) / n, "n": len(prompts)}

"""A minimal reader of the WordNet 3.0 dict files (Debian package `wordnet-base`,
/usr/share/wordnet): noun lemmas -> synsets (first = most frequent sense), each with its
lemmas, hypernym offsets and gloss. Only build_lexicon uses it; training reads the lexicon."""
import os

DICT_DIR = "/usr/share/wordnet"


class WordNet:
    def __init__(self, dict_dir=DICT_DIR):
        idx, data = os.path.join(dict_dir, "index.noun"), os.path.join(dict_dir, "data.noun")
        if not (os.path.exists(idx) and os.path.exists(data)):
            raise FileNotFoundError(f"WordNet not found in {dict_dir}: apt-get install -y wordnet wordnet-base")
        self.index = {}
        for line in open(idx, encoding="utf-8"):
            if line.startswith(" "):
                continue   # licence header
            f = line.split()
            p_cnt = int(f[3])
            self.index[f[0]] = f[6 + p_cnt:]   # synset offsets, most frequent sense first
        self.data = {}
        for line in open(data, encoding="utf-8"):
            if line.startswith(" "):
                continue
            head, _, gloss = line.partition(" | ")
            f = head.split()
            w_cnt = int(f[3], 16)
            lemmas = [f[4 + 2 * k] for k in range(w_cnt)]
            p = 4 + 2 * w_cnt
            p_cnt = int(f[p])
            hyper = [f[p + 1 + 4 * k + 1] for k in range(p_cnt) if f[p + 1 + 4 * k] in ("@", "@i")]
            self.data[f[0]] = (lemmas, hyper, gloss.strip(), int(f[1]))

    def synsets(self, word):
        return self.index.get(word.lower().replace(" ", "_"), [])

    def lemmas(self, off):
        return [clean(w) for w in self.data[off][0]]

    def hypernyms(self, off):
        return self.data[off][1]

    def lexfile(self, off):
        """WordNet's lexicographer file number (18 = noun.person, 5 = noun.animal, 13 = noun.food...)."""
        return self.data[off][3]

    def gloss(self, off):
        """The definition part of the gloss (examples in quotes dropped)."""
        g = self.data[off][2]
        return g.split(";")[0].split('"')[0].strip().rstrip(";").strip()


def clean(lemma):
    # adjective markers like "(a)" and the underscores of collocations
    return lemma.split("(")[0].replace("_", " ").lower()

"""Golden verdicts of the tone editor's rule (training/tone_editor.py, as eval_mllm's tone_editor_variants applies it),
for the page's own rule to be checked against (tests/tone-edit.test.ts, workers/mllm/tone-edit.ts): which instructions
ask for a skin tone (names_tone over tone_words) and which name a style (restyle's names_style over its words: a style
edit is restyle's), drawn from the training's own phrase pools (the tone, tone-none and style instructions the MLLM
trains on, as mllm_tasks makes them, and every other edit pool) and a few edge cases; which plans the editor draws
under each route (plan_tone, routed) and the tone code it is fed (tone_onehot). No model is read.
    PYTHONPATH=. /usr/bin/python3 -m training.golden_tone_rule [golden/tone_rule.json]
"""
import json
import random
import sys

from training import mllm_tasks as T
from training import tone_editor as TE
from training.restyle import names_style, words as style_words
from training.text import phrases as P

OUT = "golden/tone_rule.json"
# by hand: whole words only ("darkness" is not "dark"), case and spacing, a tone and a style at once (restyle's), the
# tone words that are everyday words ("no", "light"), nothing at all
EDGE_CASES = ("make it DARK   skin tone", "darkness", "skinny", "tones", "make it dark skin tone in twemoji style",
              "noto, medium skin", "no", "make it light blue", "colorize this", "", "make the hat red",
              "medium-dark", "type 4 please", "give it a complexion", "untoned")
# plan texts: one person's tone of each, two people's, none, a tone the editor does not know, a missing field, more
# than two people, a tone written with a comma, text past the tone field
PLANS = ([f"woman raising hand | noto | {t}" for t in TE.TONES]
         + ["people holding hands | twemoji | medium and dark", "kiss | noto | light and light", "kiss | noto | none and dark",
            "red apple | noto", "red apple", "red apple | noto | purple", "family | noto | light and medium and dark",
            "kiss | noto | light,dark", "waving hand | noto | dark | extra", "waving hand | noto | ", " Waving Hand | NOTO | Dark "])


def instructions(seed=0, n=80):
    """The training's edit instructions: every tone and tone-none template, as mllm_tasks draws them (n of each tone,
    seeded), every style template with each style's words, and every colorize, inpaint and sketch instruction."""
    r = random.Random(seed)
    out = []
    for tone in T.TONES:
        out += [T.tone_instruction(tone, r) for _ in range(n)]
    out += [T.tone_instruction("none", r) for _ in range(n)]
    out += [T.tone_instruction(t, r) for t in ("light,dark", "medium,medium-dark") for _ in range(n // 4)]
    out += [T.style_instruction(v, r) for v in T.STYLE for _ in range(n)]
    out += list(P.EDIT_TONE_NONE) + list(P.COLORIZE) + list(P.INPAINT) + list(P.SKETCH)
    out += [t.format(tone=w) for t in P.EDIT_TONE for w in ("dark", "olive", "type 5")]
    return list(dict.fromkeys(out + list(EDGE_CASES)))


def golden():
    tw, sw = TE.tone_words(), style_words()
    cases = {s: {"names_tone": TE.names_tone(s, tw), "names_style": names_style(s, sw)} for s in instructions()}
    plans = {}
    for p in PLANS:
        t = TE.plan_tone(p)
        plans[p] = {"plan_tone": t, "one": bool(TE.routed(["make it dark skin"], [p], "one")),
                    "all": bool(TE.routed(["make it dark skin"], [p], "all")),
                    "code": TE.tone_onehot(t).tolist() if t is not None else None}
    return {"tones": list(TE.TONES), "words": tw, "style_words": sw, "instructions": cases, "plans": plans}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    out = argv[0] if argv else OUT
    g = golden()
    with open(out, "w") as f:
        json.dump(g, f, indent=1, ensure_ascii=False)
    n = g["instructions"]
    print(f"{out}: {len(n)} instructions ({sum(c['names_tone'] for c in n.values())} name a tone, "
          f"{sum(c['names_style'] for c in n.values())} a style), {len(g['plans'])} plans")


if __name__ == "__main__":
    main()

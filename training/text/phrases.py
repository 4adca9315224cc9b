"""Hand-written phrase pools the generators in training/text/prompts.py combine.

The first entry of every list that mllm_tasks re-exports (CAPTION_Q, EDIT_TONE, ...) is the
canonical phrasing the exporter writes into the manifest: keep it first.
Nothing here may contain a held-out marker (HELDOUT_MARKERS): those phrasings stay unseen so
the templated evaluation measures generalisation (tests/test_text.py checks it)."""

# fixed words of the held-out text-to-image templates (mllm_tasks.T2I_HELDOUT and the held-out
# tone/style suffixes): a generated training string containing one is thrown away
HELDOUT_MARKERS = ("a picture of", "please draw", "for me", "can you make", "sticker", "generate",
                   "having", "in the style of")

# ---- text-to-image -----------------------------------------------------------------------------
# how a request starts ("" = the bare description)
T2I_FRAMES = ["", "", "", "", "an emoji of", "emoji:", "draw", "draw me", "show", "show me", "make",
              "make me", "create", "i want", "i need", "i'd like", "give me", "an icon of", "icon:",
              "a drawing of", "an image of", "could you draw", "how about", "need an emoji for",
              "emoji for", "looking for", "the emoji for", "find me", "paint", "sketch out", "depict",
              "render", "illustrate", "quick,", "hey, draw", "ok so", "design", "one", "just"]
T2I_TAILS = ["", "", "", "", "", "", " emoji", " icon", " please", " pls", " thanks", " now", "!", ".",
             " :)", " asap", " for a chat message", " for my slides", " for a text", " as an icon",
             " for a birthday card", " on a phone keyboard", " for a presentation", " to send a friend",
             " for a group chat", " for my website", " for a reaction", " on a white background",
             " in a flat look", " for a poster", " for a kids' book"]
SIZES = ["small", "big", "tiny", "large", "little", "huge", "giant", "mini"]
MOODS = ["cute", "happy", "cheerful", "silly", "cool", "friendly", "fun", "nice", "funny", "adorable",
         "classic", "simple", "plain", "lovely", "sweet", "basic", "standard", "normal", "good"]
LOOKS = ["flat", "cartoon", "shiny", "bold", "clean", "round", "glossy", "detailed", "minimal",
         "colorful", "bright", "vivid", "2d", "vector", "modern", "retro"]
COLOURS = ["red", "blue", "green", "yellow", "orange", "purple", "pink", "brown", "black", "white",
           "gray", "grey", "golden", "silver"]
# descriptions that refer to the thing by its words rather than its name
DESCRIBE = ["something with {kw}", "a thing about {kw}", "{kw}", "an emoji about {kw}",
            "the one with {kw}", "something that means {kw}", "related to {kw}", "{kw} kind of emoji"]
GLOSS = ["{gloss}", "an emoji of {gloss}", "a {hyp}: {gloss}", "the {hyp} that is {gloss}"]
HYPER = ["a {hyp}, the {name} one", "a kind of {hyp}: {name}", "{name}, a {hyp}", "the {hyp} called {name}"]

# ---- skin tones ------------------------------------------------------------------------------
# words per dataset tone; the Fitzpatrick types are what the emoji modifiers are defined by
TONE_WORDS = {
    "light": ["light", "fair", "pale", "very light", "type 1-2", "lightest"],
    "medium-light": ["medium-light", "medium light", "light-medium", "lightly tanned", "type 3",
                     "light brown"],
    "medium": ["medium", "olive", "tan", "mid", "type 4", "medium brown"],
    "medium-dark": ["medium-dark", "medium dark", "brown", "dark-medium", "type 5", "darker brown"],
    "dark": ["dark", "deep", "dark brown", "very dark", "type 6", "darkest"],
}
TONE_PATTERNS = [" with {t} skin tone", ", {t} skin tone", " ({t} skin)", " with {t} skin", ", {t} skin",
                 " but with {t} skin", " in {t} skin", " - {t} skin tone", ", skin tone: {t}",
                 " with a {t} skin tone", " {t} skinned", " with {t} complexion", ", {t} tone",
                 " using the {t} skin modifier", " and make the skin {t}", " whose skin is {t}"]
TONE_PREFIX = ["{t}-skinned", "{t} skin", "{t}-skin-tone", "{t} skinned"]
TONE_NONE_WORDS = ["default", "yellow", "standard", "generic", "no"]

# ---- vendor styles ---------------------------------------------------------------------------
STYLE_WORDS = {
    "google": ["noto", "google", "google's", "noto emoji", "noto color emoji", "android", "google emoji"],
    "twitter": ["twemoji", "twitter", "twitter's", "twitter emoji", "x (twitter)", "discord"],
}
STYLE_PATTERNS = [" in {s} style", ", {s} style", " ({s})", " like {s}", " as {s} draws it",
                  ", the {s} version", " in {s}'s look", ", {s} design", " drawn like {s}",
                  " in the {s} look", ", style: {s}", " from {s}", " - {s}", " {s}-style",
                  " the way {s} does it", " with {s} art"]
STYLE_PREFIX = ["{s}-style", "{s}", "{s} style", "the {s}"]

# ---- instructions (two-image tasks) ----------------------------------------------------------
EDIT_TONE = ["make it {tone} skin tone", "change the skin tone to {tone}", "give it {tone} skin",
             "{tone} skin please", "switch to {tone} skin", "now with {tone} skin", "same but {tone} skin",
             "turn the skin {tone}", "use the {tone} skin tone", "i want {tone} skin on this",
             "recolor the skin to {tone}", "set skin tone: {tone}", "change it to {tone} skin",
             "can it be {tone} skinned", "{tone} skin tone version", "make the skin {tone}",
             "apply {tone} skin", "same emoji, {tone} skin", "swap the skin to {tone}"]
EDIT_TONE_NONE = ["remove the skin tone", "make it the default skin tone", "the yellow version",
                  "default yellow skin", "no skin tone", "make the skin yellow", "back to the default color",
                  "without a skin tone modifier", "generic skin tone please", "undo the skin tone",
                  "reset the skin tone", "use the neutral yellow"]
EDIT_STYLE = ["draw it in {style} style", "make it {style} style", "convert to {style}",
              "redraw this as {style}", "make this look like {style}", "{style} version please",
              "convert this to the {style} design", "switch the art to {style}", "how would {style} draw this",
              "now in {style}", "same emoji, {style} look", "restyle it like {style}", "change the style to {style}",
              "show the {style} version", "turn it into {style} art", "{style} style please"]
COLORIZE = ["colorize this", "add color", "make it colorful", "color it in", "add the colors back",
            "fill this with color", "colour this", "give it colours", "paint it", "make this color",
            "restore the colors", "this is black and white, color it", "bring the color back",
            "colorise it", "color this grayscale emoji", "add some color please"]
INPAINT = ["fill in the missing part", "inpaint the white box", "complete this emoji", "fix the hole",
           "fill the gap", "repair the missing area", "restore the covered part", "fill in the blank spot",
           "something is missing, finish it", "remove the white box", "complete the picture",
           "patch the empty rectangle", "finish the cut-out part", "fill the white square"]
SKETCH = ["turn this sketch into an emoji", "draw an emoji from this sketch", "color this sketch",
          "make this outline a real emoji", "finish this line drawing", "render this sketch",
          "turn these lines into an emoji", "fill in this outline", "make an emoji out of these edges",
          "color in the sketch", "complete this drawing in color", "from this doodle, make the emoji",
          "outline to emoji", "this is a sketch, finish it"]

# ---- questions (understanding) ---------------------------------------------------------------
CAPTION_Q = ["what is this emoji?", "describe this emoji.", "name this emoji.", "caption:",
             "what does this show?", "what's this?", "which emoji is this?", "what emoji is this",
             "identify this emoji", "what do you see?", "tell me what this is", "what is shown here?",
             "name?", "what's in the picture?", "what is it", "give this emoji a name",
             "what would you call this?", "label this emoji", "what's this emoji called?"]
VQA_CATEGORY = ["what category is this emoji?", "which category?", "what group is this emoji in?",
                "category?", "which emoji category does this belong to?", "what kind of emoji is this?",
                "what section of the keyboard is this in?", "what category?"]
VQA_TONE = ["which skin tone is this?", "what skin tone?", "what skin tone does it have?", "skin tone?",
            "which skin color is used?", "what is the skin tone modifier?", "how dark is the skin?",
            "what tone is the skin?"]
VQA_STYLE = ["which style is this emoji?", "what style is this?", "whose design is this?",
             "which vendor drew this?", "style?", "which emoji set is this from?", "what art style is this?",
             "noto or twemoji?"]
VQA_YN_NAME = ["is this {name}?", "is this a {name} emoji?", "is it {name}?", "does this show {name}?",
               "is this the {name} emoji?", "{name}, yes or no?", "am i looking at {name}?"]
VQA_YN_STYLE = ["is this in {style} style?", "is this {style}?", "was this drawn by {style}?",
                "is this the {style} design?", "{style} style, yes or no?"]
VQA_YN_CATEGORY = ["is this a {category} emoji?", "is it in {category}?", "does this belong to {category}?",
                   "is the category {category}?", "{category}, yes or no?"]

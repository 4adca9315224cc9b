"""The joint multi-task data of the MLLM: prompt/instruction templates, the feature bank, and
the sequences of every task (see mllm.py for the sequence formats).

Tasks (one checkpoint trains them all, mixed in every step):
  single-image ("short"):  t2i (text-to-image), caption, vqa
  two-image ("long"):      edit_tone, edit_style, colorize, inpaint, sketch
Only split=='train' images are trained on. Text-to-image evaluation uses T2I_HELDOUT phrasings,
never seen in training.

Feature bank: encoder features of every image in 6 variants (original, grayscale, two masked
versions, Sobel edges, the Sobel edges of its line drawing), stored as [V*N, 341, C] in image order
f4 f3 f2 f1 f0. Row of image i in variant v = v*N + i.
"""
import random

import numpy as np
import torch

from training.common import N_IMG, IMAGE_ORDER, SCALE_TOKENS, parent_index
from training.text import phrases as P
from training.text import prompts as natural

# "lines" last: a variant added after the others leaves every earlier row where it was
VARIANTS = ("orig", "gray", "mask_a", "mask_b", "edges", "lines")
STYLE = {"google": "noto", "twitter": "twemoji"}
# vendors whose drawings are planned under a trained vendor's style word where they are drawn (MLLMConfig.tone_vendors:
# tone-edit targets): noto_v1 is Google's first Noto design, so its plan writes Noto's style
PLAN_VENDOR = {"noto_v1": "google"}
TONES = ("light", "medium-light", "medium", "medium-dark", "dark")

# ---- templates -------------------------------------------------------------------------------
# The old fixed templates stay one mode of the prompt mix; the held-out ones are never trained.
T2I_TRAIN = ["{name}", "{name} emoji", "an emoji of {name}", "draw {name}", "{short}", ":{short}:",
             "emoji: {keywords}", "{name} ({keywords})", "a {category} emoji of {name}",
             "show me {name}", "{name} icon", "make an emoji: {name}"]
T2I_HELDOUT = ["a picture of {name}", "please draw {name} for me", "can you make a {name} emoji",
               "{name} sticker", "generate {name}"]
STYLE_SUFFIX = ["", "", " in {style} style", ", {style} style", " ({style})"]
STYLE_SUFFIX_HELDOUT = [" in the style of {style}"]
TONE_SUFFIX = [" with {tone} skin tone", ", {tone} skin tone", " ({tone} skin)"]
TONE_SUFFIX_HELDOUT = [" having {tone} skin tone"]
# instructions and questions: hand-written pools (training/text/phrases.py), first entry canonical
CAPTION_Q, VQA_CATEGORY, VQA_TONE, VQA_STYLE = P.CAPTION_Q, P.VQA_CATEGORY, P.VQA_TONE, P.VQA_STYLE
VQA_YN_NAME, VQA_YN_STYLE, VQA_YN_CATEGORY = P.VQA_YN_NAME, P.VQA_YN_STYLE, P.VQA_YN_CATEGORY
EDIT_TONE, EDIT_TONE_NONE, EDIT_STYLE = P.EDIT_TONE, P.EDIT_TONE_NONE, P.EDIT_STYLE
COLORIZE, INPAINT, SKETCH = P.COLORIZE, P.INPAINT, P.SKETCH
NATURAL_T2I = 0.7   # share of training prompts from the natural generator (the rest: the templates)
SHORT_TASKS = {"t2i": 0.5, "caption": 0.25, "vqa": 0.25}
LONG_TASKS = {"edit_tone": 0.25, "edit_style": 0.25, "colorize": 0.17, "inpaint": 0.17, "sketch": 0.16}


def task_weights(mix=""):
    """(short, long) task -> weight dicts: the defaults above with "task=weight,..." (MLLMConfig.task_mix;
    "/" separates as well as ",", for the A/B scripts' comma-separated arm settings) applied. A weight of
    0 leaves a task out; an unknown task or a group left empty is an error."""
    short, long_ = dict(SHORT_TASKS), dict(LONG_TASKS)
    for part in filter(None, (x.strip() for x in mix.replace("/", ",").split(","))):
        name, _, w = part.partition("=")
        group = short if name in short else long_ if name in long_ else None
        if group is None or not w:
            raise ValueError(f"task_mix: {part!r} is not task=weight over {', '.join(list(short) + list(long_))}")
        group[name] = float(w)
    for group in (short, long_):
        if sum(group.values()) <= 0:
            raise ValueError(f"task_mix {mix!r} leaves no task among {', '.join(group)}")
    return short, long_


normalize_text = natural.normalize_text


def tone_phrase(tone):
    return " and ".join(tone.split(",")) if tone != "none" else "none"


def category_word(m):
    return m["category"].lower()


def t2i_prompt(m, rng, heldout=False, with_style=None, with_tone=True):
    """A training prompt for image record m (natural generator or a fixed template), or with
    heldout=True one in the held-out template phrasing (evaluation only)."""
    if not heldout and rng.random() < NATURAL_T2I:
        return natural.natural_prompt(m, rng, with_tone=with_tone, with_style=with_style)
    p = template_prompt(m, rng, heldout, with_style, with_tone)
    if not heldout and p in natural.eval_prompts():   # the natural eval set stays unseen
        return natural.natural_prompt(m, rng, with_tone=with_tone, with_style=with_style)
    return p


def template_prompt(m, rng, heldout, with_style, with_tone):
    base = rng.choice(T2I_HELDOUT if heldout else T2I_TRAIN)
    kws = list(m["keywords"]) or [m["name"]]
    rng.shuffle(kws)
    p = base.format(name=m["name"], short=rng.choice(m["short_names"] or [m["name"]]).replace("_", " "),
                    keywords=", ".join(kws[:3]), category=category_word(m))
    if with_tone and m["skin_tone"] != "none":
        p += rng.choice(TONE_SUFFIX_HELDOUT if heldout else TONE_SUFFIX).format(tone=tone_phrase(m["skin_tone"]))
    if m["vendor"] in STYLE:
        sfx = STYLE_SUFFIX_HELDOUT if heldout else STYLE_SUFFIX
        if with_style is True:
            sfx = [s for s in sfx if s]
        elif with_style is False:
            sfx = [""]
        p += rng.choice(sfx).format(style=STYLE[m["vendor"]])
    return normalize_text(p)


def corpus(meta, per_image=3, seed=0):
    """Every kind of string the model reads or writes, for training the tokenizer."""
    rng = random.Random(seed)
    out = []
    for m in meta:
        for _ in range(per_image):
            out.append(t2i_prompt(m, rng, heldout=rng.random() < 0.2))
        out += [m["name"], category_word(m), tone_phrase(m["skin_tone"])]
        out += [tone_instruction(t, rng) for t in (rng.choice(TONES), "none")]
        out += [style_instruction(rng.choice(list(STYLE)), rng)]
        out += [natural.phrase(rng.choice([COLORIZE, INPAINT, SKETCH, CAPTION_Q, VQA_CATEGORY, VQA_TONE,
                                           VQA_STYLE]), rng)]
    fixed = (CAPTION_Q + VQA_CATEGORY + VQA_TONE + VQA_STYLE + EDIT_TONE_NONE + COLORIZE + INPAINT + SKETCH
             + ["yes", "no", "noto", "twemoji", "openmoji"])
    names = sorted({m["name"] for m in meta})
    for t in VQA_YN_NAME:
        out += [t.format(name=n) for n in names]
    for t in EDIT_TONE:
        out += [t.format(tone=x) for x in TONES] * 10
    for t in EDIT_STYLE + VQA_YN_STYLE:
        out += [t.format(style=s) for s in STYLE.values()] * 10
    cats = sorted({category_word(m) for m in meta})
    for t in VQA_YN_CATEGORY:
        out += [t.format(category=c) for c in cats] * 10
    out += fixed * 50
    return [normalize_text(s) for s in out]


# ---- feature bank ----------------------------------------------------------------------------
def image_variant(x, index, name):
    """x [B,3,64,64] in [-1,1], index [B] global image ids -> the variant `name` (orig, gray, edges, lines, mask_a,
    mask_b) [B,3,64,64]. Masks are a pure function of the image id (seeded), so eval sees the same masks."""
    from training import transforms as T
    if name == "orig":
        return x
    if name == "gray":
        return T.grayscale(x)
    if name == "edges":
        return T.sobel_edges(x)
    if name == "lines":
        return T.sobel_edges(T.line_drawing(x, index.tolist()))
    return T.apply_mask(x, hole_masks(index.tolist(), name).to(x.device))


def image_variants(x, index):
    """x [B,3,64,64] in [-1,1], index [B] global image ids -> dict variant -> [B,3,64,64] (image_variant of each)."""
    return {name: image_variant(x, index, name) for name in ("orig", "gray", "edges", "lines", "mask_a", "mask_b")}


def hole_masks(index, variant="mask_a"):
    """[B,1,64,64] holes (1 = masked) of the "mask_a"/"mask_b" variants of images index (list of
    bank positions): a pure function of the position, so eval can measure inside the hole."""
    from training import transforms as T
    salt = {"mask_a": 1, "mask_b": 2}[variant]
    return torch.cat([T.random_box_mask(1, generator=torch.Generator().manual_seed(1_000_003 * salt + int(i)))
                      for i in index])


def image_tokens(f0):
    """f0 [B,256,C] -> [B,341,C] in image order f4 f3 f2 f1 f0."""
    from training.encoder import pyramid
    p = pyramid(f0)  # finest first
    return torch.cat(p[::-1], dim=1)


@torch.no_grad()
def build_bank(encoder, images_uint8, device, batch=512, dtype=torch.float16, log=print, n_aug=0, view=None,
               n_pair=0, pair_keys=None, variants=VARIANTS):
    """-> [(len(VARIANTS) * (1 + n_pair) + n_aug)*N, 341, C] on device: the VARIANTS blocks, then n_aug blocks of
    augmented copies of every image (transforms.augment, seeded by image and copy; augment_sources), then n_pair
    sets of VARIANTS blocks of every image re-drawn in geometry alone (augment's colour=False), seeded by its
    pair_keys entry and the copy, so drawings with the same key (a concept's vendors and tones) move together
    (pair_augment). view: what the encoder reads instead of each variant batch (e.g. framing.frame: the pick's keys).
    variants: the first of VARIANTS alone (their rows stay where the whole bank has them; a read of another is out of
    range), e.g. ("orig",) where only given images as drawn are read: a fifth of the encoder's work, on a CPU."""
    from training import transforms as T
    n = len(images_uint8)
    assert not n_pair or (pair_keys is not None and len(pair_keys) == n), "n_pair needs one pair key per image"
    assert tuple(variants) == VARIANTS[:len(variants)] and (len(variants) == len(VARIANTS) or not (n_aug or n_pair)), \
        "variants: a prefix of VARIANTS, and all of them with augmented blocks (which come after every variant)"
    n_blocks = len(variants) * (1 + n_pair) + n_aug
    bank = None
    for s in range(0, n, batch):
        x = T.to_tensor(images_uint8[s:s + batch], device=device)
        ids = torch.arange(s, s + len(x))
        var = image_variants(x, ids)
        blocks = [var[name] for name in variants]
        blocks += [T.augment(x, [AUG_SEED * i + k for i in range(s, s + len(x))]) for k in range(1, n_aug + 1)]
        for k in range(1, n_pair + 1):
            xp = T.augment(x, [PAIR_SEED * int(pair_keys[i]) + k for i in range(s, s + len(x))], colour=False)
            pv = image_variants(xp, ids)
            blocks += [pv[name] for name in VARIANTS]
        for vi, xb in enumerate(blocks):
            f0 = encoder(xb if view is None else view(xb))   # fp32 (TF32 on GPU): the browser's too
            tok = image_tokens(f0.float()).to(dtype)
            if bank is None:
                bank = torch.empty(n_blocks * n, N_IMG, tok.shape[-1], dtype=dtype, device=device)
            bank[vi * n + s: vi * n + s + len(x)] = tok
        if log and (s // batch) % 10 == 0:
            log(f"bank: {s + len(x)}/{n} images")
    return bank


AUG_SEED = 1_000_033


def augment_sources(t, n_images, n_aug, p, generator=None):
    """feat_src with each example's *given* image (a caption's or question's image, an edit's source; the
    model's source_inputs) read, with probability p, from one of the n_aug augmented copies of it instead
    (build_bank's aug blocks): only a given image from the "orig" block (colorize's gray, inpaint's masked
    and sketch's edge inputs stay), never a generated image's inputs, and never the residual base an edit
    adds to (feat_res_src: at inference that is the clean source). Returns the new feat_src."""
    src = t["feat_src"]
    given = (t["slot"] > 0) & (t["slot"] <= N_IMG) & (t["gen_input"] == 0) & (src >= 0) & (src < n_images * N_IMG)
    b = src.shape[0]
    pick = torch.rand(b, generator=generator) < p
    copy = torch.randint(1, n_aug + 1, (b,), generator=generator) * pick
    offset = ((len(VARIANTS) - 1 + copy) * n_images * N_IMG * pick).to(src.device).view(-1, 1)
    return torch.where(given, src + offset, src)


PAIR_SEED = 2_000_003


def pair_augment(t, n_images, n_aug, n_pair, p, generator=None):
    """feat_src, feat_tgt_src and feat_res_src of the examples that have a given image (a caption's or question's
    image, an edit's, colorize's, inpaint's or sketch's source) moved, with probability p each, to one of the n_pair
    re-drawn sets of build_bank, every index in it to the same copy and variant: an edit's source, its target, the
    coarser scales it is drawn from and the residual base all re-drawn in the same geometry (their pair keys, the
    concept, are equal), so the edit it learns keeps the source's drawing and changes only the asked field, on
    drawings it has not memorised. Text-to-image (no given image) never moves. Returns the three new tensors."""
    src, tgt, res = t["feat_src"], t["feat_tgt_src"], t["feat_res_src"]
    block = n_images * N_IMG
    given = ((t["slot"] > 0) & (t["slot"] <= N_IMG) & (t["gen_input"] == 0) & (src >= 0)).any(1)
    b = src.shape[0]
    pick = (torch.rand(b, generator=generator) < p).to(src.device) & given
    copy = torch.randint(1, n_pair + 1, (b,), generator=generator).to(src.device)
    offset = ((len(VARIANTS) + n_aug + (copy - 1) * len(VARIANTS)) * block * pick).view(-1, 1)
    move = lambda x: torch.where((x >= 0) & (x < len(VARIANTS) * block), x + offset, x)
    return move(src), move(tgt), move(res)


def feature_stats(bank, rows):
    """Per-channel mean/std of f0 tokens of the given bank rows (the normalization buffers)."""
    f0 = bank[rows][:, N_IMG - 256:].float().reshape(-1, bank.shape[-1])
    return f0.mean(0), f0.std(0).clamp(min=1e-3)


# the data's splits of other vendors' art of the concepts that train (training.data: Fluent's, then the extra vendors'):
# given images only (MLLMConfig.source_vendors names which vendors)
SOURCE_SPLITS = ("sources", "sources_extra")


# the tasks whose target is the given drawing's own design (MLLMConfig.draw_vendors draws them on more vendors' designs)
DRAW_TASKS = ("edit_tone", "sketch", "colorize", "inpaint")


# ---- sequences -------------------------------------------------------------------------------
class TaskSampler:
    """Builds examples (lists of segments) for every task from the metadata.

    A segment is ("text", [ids], loss) or ("img", bank_row, loss); `loss` marks the tokens as
    targets (predicted from the previous position)."""

    def __init__(self, meta, tok, splits=("train",), seed=0, order="token", plan=False, prompt_drop=0.0,
                 sources="", source_p=0.0, sketch_source_p=-1.0, sketch_lines_p=0.0, tone_vendors="",
                 draw_vendors="", draw_p=0.0, draw_plan=True, draw_tasks=""):
        self.meta, self.tok, self.n, self.order = meta, tok, len(meta), order
        self.plan, self.prompt_drop = plan, prompt_drop
        self.rng = random.Random(seed)
        # a sketch's edge map taken from the line drawing of its image ("lines") with probability sketch_lines_p, drawn
        # from a generator of its own: every example is the one sketch_lines_p=0 gives but for that variant (an A/B arm
        # differs from its control in nothing else)
        self.sketch_lines_p, self.lines_rng = sketch_lines_p, random.Random(seed * 1_000_003 + 17)
        self.idx = [m["i"] for m in meta if m["split"] in splits]
        if not self.idx:
            raise ValueError(f"no images in splits {splits}")
        self.by_cv = {}      # (concept, vendor) -> {tone: i}
        self.by_ct = {}      # (concept, tone) -> {vendor: i}
        for i in self.idx:
            m = meta[i]
            self.by_cv.setdefault((m["concept"], m["vendor"]), {})[m["skin_tone"]] = i
            self.by_ct.setdefault((m["concept"], m["skin_tone"]), {})[m["vendor"]] = i
        self.tone_src = [i for i in self.idx if len(self.by_cv[(meta[i]["concept"], meta[i]["vendor"])]) > 1]
        self.style_src = [i for i in self.idx if len(self.by_ct[(meta[i]["concept"], meta[i]["skin_tone"])]) > 1]
        self.names = sorted({meta[i]["name"] for i in self.idx})
        self.cats = sorted({category_word(meta[i]) for i in self.idx})
        # given images from other vendors' art ("sources" split): only of concepts that train, and for the
        # two-image tasks only where a trained image of the same concept and tone is there to be the target
        vendors = {v for v in sources.split(",") if v}
        trained = {meta[i]["concept"] for i in self.idx}
        self.src = [m["i"] for m in meta if m["split"] in SOURCE_SPLITS and m["vendor"] in vendors
                    and m["concept"] in trained] if vendors else []
        self.src_target = [i for i in self.src if (meta[i]["concept"], meta[i]["skin_tone"]) in self.by_ct]
        self.source_p = source_p if self.src else 0.0
        self.sketch_p = (source_p if sketch_source_p < 0 else sketch_source_p) if self.src else 0.0
        if vendors and not self.src:
            raise ValueError(f"no images of source vendors {sorted(vendors)}: rebuild the data (training.data)")
        # tone edits within these vendors' drawings too (MLLMConfig.tone_vendors): more designs to draw a tone change
        # on, source and target both that vendor's. Only concepts that the vendor it is planned as trains (so not one
        # whose drawing by that vendor is held out: the evaluation's tone edits start from those), and never the
        # vendor's own held-out splits.
        tv = {v for v in tone_vendors.split(",") if v}
        if tv - set(PLAN_VENDOR):
            raise ValueError(f"tone_vendors {sorted(tv - set(PLAN_VENDOR))}: only {sorted(PLAN_VENDOR)} have a style to plan")
        groups = {}
        for m in meta:
            if m["split"] in SOURCE_SPLITS and m["vendor"] in tv and (m["concept"], PLAN_VENDOR[m["vendor"]]) in self.by_cv:
                groups.setdefault((m["concept"], m["vendor"]), {})[m["skin_tone"]] = m["i"]
        groups = {k: g for k, g in groups.items() if len(g) > 1}
        if tv and not groups:
            raise ValueError(f"no toned drawings of tone_vendors {sorted(tv)}: rebuild the data (training.data)")
        self.tone_groups = {**self.by_cv, **groups}
        self.tone_src = self.tone_src + sorted(i for g in groups.values() for i in g.values())
        # drawn designs from more vendors (MLLMConfig.draw_vendors): their drawings of concepts that train, each one
        # both given and drawn under its vendor's own style word, for the tasks whose target is the given drawing's
        # design. A generator of its own decides, so that draw_p=0 draws exactly what the sampler drew without the option
        # (with draw_p > 0 the other examples come later in the main generator's stream: an arm's other draws differ).
        dv = {v for v in draw_vendors.split(",") if v}
        self.draw = sorted(m["i"] for m in meta if m["split"] in SOURCE_SPLITS and m["vendor"] in dv
                           and m["concept"] in trained)
        if dv & set(PLAN_VENDOR):
            raise ValueError(f"draw_vendors {sorted(dv & set(PLAN_VENDOR))} are planned as another vendor (PLAN_VENDOR)")
        if dv and not self.draw:
            raise ValueError(f"no drawings of draw_vendors {sorted(dv)}: rebuild the data (training.data)")
        by_dv = {}
        for i in self.draw:
            by_dv.setdefault((meta[i]["concept"], meta[i]["vendor"]), {})[meta[i]["skin_tone"]] = i
        self.draw_groups = {k: g for k, g in by_dv.items() if len(g) > 1}
        self.draw_tone_src = sorted(i for g in self.draw_groups.values() for i in g.values())
        self.draw_p, self.draw_rng = (draw_p if self.draw else 0.0), random.Random(seed * 1_000_003 + 29)
        # draw_plan=False: the drawn designs' examples go without a plan ("[IMG]" straight after the instruction, as a
        # model without plans is fed), so no concept name is tied to another vendor's design (run 34's text-to-image
        # loss fell on the concepts the drawn vendors drew). The page always writes a plan (its prefix ends in <ans>),
        # so such an example is never one the model is asked to continue at inference.
        self.draw_plan = draw_plan
        # draw_tasks: which of DRAW_TASKS are drawn on them (comma-separated; "": all)
        self.draw_tasks = tuple(t for t in draw_tasks.split(",") if t) or DRAW_TASKS
        if set(self.draw_tasks) - set(DRAW_TASKS):
            raise ValueError(f"draw_tasks {sorted(set(self.draw_tasks) - set(DRAW_TASKS))}: not among {', '.join(DRAW_TASKS)}")

    def row(self, i, variant="orig"):
        return VARIANTS.index(variant) * self.n + i

    def text(self, s, loss=False):
        # every text segment is encoded with one leading space (words then always start with
        # " "), the TypeScript side does the same (generate.ts: encodeSegment)
        return ("text", self.tok.encode(" " + s), loss)

    def sp(self, tid, loss=False):
        return ("text", [tid], loss)

    # understanding: <s> [IMG] src [/IMG] question <ans> answer </s>
    def understanding(self, i, question, answer, variant="orig"):
        t = self.tok
        return [self.sp(t.bos), self.sp(t.img), ("img", self.row(i, variant), False), self.sp(t.img_end),
                self.text(normalize_text(question)), self.sp(t.ans), self.text(normalize_text(answer), True),
                self.sp(t.eos, True)]

    def plan_segments(self, tgt_i):
        """[IMG] alone, or with the plan "<ans> concept | style | tone [IMG]": the plan's words and
        the [IMG] that ends it are LM targets (the model writes them before drawing)."""
        t = self.tok
        if not self.plan:
            return [self.sp(t.img)]
        return [self.sp(t.ans), self.text(plan_text(self.meta[tgt_i]), "plan"), self.sp(t.img, "plan")]

    # t2i: <s> prompt [IMG] tgt [/IMG] </s>   (plan: <s> prompt <ans> plan [IMG] tgt [/IMG] </s>)
    # with prob prompt_drop (classifier-free guidance) the prompt and plan go: <s> [IMG] tgt ...
    def t2i_example(self, prompt, i, drop=None):
        t = self.tok
        if drop if drop is not None else (self.prompt_drop > 0 and self.rng.random() < self.prompt_drop):
            return [self.sp(t.bos), self.sp(t.img), ("img", self.row(i), True), self.sp(t.img_end), self.sp(t.eos)]
        return [self.sp(t.bos), self.text(prompt)] + self.plan_segments(i) + [("img", self.row(i), True),
                                                                              self.sp(t.img_end), self.sp(t.eos)]

    # edit/cond: <s> [IMG] src [/IMG] instruction [IMG] tgt [/IMG] </s>   (plan before the [IMG])
    def edit_example(self, src_row, instruction, tgt_i, plan=True):
        """plan=False: no plan even in a plan model (TaskSampler's draw_plan)."""
        t = self.tok
        return ([self.sp(t.bos), self.sp(t.img), ("img", src_row, False), self.sp(t.img_end),
                 self.text(normalize_text(instruction))] + (self.plan_segments(tgt_i) if plan else [self.sp(t.img)])
                + [("img", self.row(tgt_i), True), self.sp(t.img_end), self.sp(t.eos)])

    def variant_edit(self, sources, variants_of, field, instruction, r=None, plan=True):
        """An edit from a random source image to another variant of it, one that differs in `field`
        (skin tone, vendor): `variants_of(meta)` maps each value of the field to its image. r: the generator that
        draws it (default the sampler's); plan: edit_example's."""
        r = r or self.rng
        i = r.choice(sources)
        variants = variants_of(self.meta[i])
        to = r.choice(sorted(v for v in variants if v != self.meta[i][field]))
        return self.edit_example(self.row(i), instruction(to, r), variants[to], plan)

    def given(self, pool):
        """The index of a given image: from the source vendors' art with probability source_p."""
        return self.rng.choice(pool if pool and self.rng.random() < self.source_p else self.idx)

    def from_source(self, make_instruction, variant):
        """A two-image task whose given image is another vendor's drawing: the target is a trained image
        of the same concept and tone (its vendor at random); the instruction may name that vendor."""
        r = self.rng
        i = r.choice(self.src_target)
        vendor, tgt = r.choice(sorted(self.by_ct[(self.meta[i]["concept"], self.meta[i]["skin_tone"])].items()))
        return self.edit_example(self.row(i, variant), make_instruction(vendor, r), tgt)

    def sketch_variant(self):
        """The variant a sketch's given edge map is read from: "lines" with probability sketch_lines_p, else "edges"."""
        return "lines" if self.sketch_lines_p > 0 and self.lines_rng.random() < self.sketch_lines_p else "edges"

    def drawn_design(self, task):
        """With probability draw_p, a tone edit, sketch, colorization or inpainting within one of the draw vendors'
        drawings (MLLMConfig.draw_vendors), else None."""
        if not (self.draw_p > 0 and task in self.draw_tasks and self.draw_rng.random() < self.draw_p):
            return None
        r = self.draw_rng
        if task == "edit_tone":
            if not self.draw_tone_src:
                return None
            return self.variant_edit(self.draw_tone_src, lambda m: self.draw_groups[(m["concept"], m["vendor"])],
                                     "skin_tone", tone_instruction, r, self.draw_plan)
        return self.copy_example(task, r.choice(self.draw), r, self.draw_plan)

    def copy_example(self, task, i, r, plan=True):
        """A sketch, colorization or inpainting of image i: its edge map, grayscale or masked variant given, i drawn
        (r draws the variant where there is a choice, and the instruction's words); plan: edit_example's."""
        if task == "sketch":
            variant, phrases = self.sketch_variant(), SKETCH
        elif task == "colorize":
            variant, phrases = "gray", COLORIZE
        else:
            variant, phrases = r.choice(["mask_a", "mask_b"]), INPAINT
        return self.edit_example(self.row(i, variant), natural.phrase(phrases, r), i, plan)

    def sample(self, task):
        r, meta = self.rng, self.meta
        drawn = self.drawn_design(task)
        if drawn is not None:
            return drawn
        if task in ("sketch", "edit_style") and self.src_target and r.random() < (self.sketch_p if task == "sketch" else self.source_p):
            if task == "sketch":
                return self.from_source(lambda v, r: natural.phrase(SKETCH, r), self.sketch_variant())
            return self.from_source(style_instruction, "orig")
        if task == "t2i":
            i = r.choice(self.idx)
            return self.t2i_example(t2i_prompt(meta[i], r), i)
        if task == "caption":
            i = self.given(self.src)
            return self.understanding(i, natural.phrase(CAPTION_Q, r), meta[i]["name"])
        if task == "vqa":
            i = self.given(self.src)
            q, a = self.vqa_pair(meta[i], r)
            return self.understanding(i, q, a)
        if task in ("edit_tone", "edit_style") and not (self.tone_src if task == "edit_tone" else self.style_src):
            task = "colorize"   # tiny subsets may have no pairs
        if task == "edit_tone":
            return self.variant_edit(self.tone_src, lambda m: self.tone_groups[(m["concept"], m["vendor"])], "skin_tone", tone_instruction)
        if task == "edit_style":
            return self.variant_edit(self.style_src, lambda m: self.by_ct[(m["concept"], m["skin_tone"])], "vendor", style_instruction)
        if task in ("colorize", "inpaint", "sketch"):
            return self.copy_example(task, r.choice(self.idx), r)
        raise ValueError(f"unknown task {task}")

    def vqa_pair(self, m, r):
        k = r.randrange(6)
        if k == 0:
            return natural.phrase(VQA_CATEGORY, r), category_word(m)
        if k == 1:
            return natural.phrase(VQA_TONE, r), tone_phrase(m["skin_tone"])
        if k == 2 and m["vendor"] in STYLE:
            return natural.phrase(VQA_STYLE, r), STYLE[m["vendor"]]
        if k == 3 and m["vendor"] in STYLE:
            yes = r.random() < 0.5
            s = STYLE[m["vendor"]] if yes else [v for v in STYLE.values() if v != STYLE[m["vendor"]]][0]
            return r.choice(VQA_YN_STYLE).format(style=s), "yes" if yes else "no"
        if k == 4:
            others = [c for c in self.cats if c != category_word(m)]
            yes = r.random() < 0.5 or not others  # a one-category subset has no "no" question
            c = category_word(m) if yes else r.choice(others)
            return r.choice(VQA_YN_CATEGORY).format(category=c), "yes" if yes else "no"
        yes = r.random() < 0.5
        n = m["name"] if yes else r.choice(self.names)
        return r.choice(VQA_YN_NAME).format(name=n), "yes" if n == m["name"] else "no"

    def batch(self, tasks, n, ctx, pad_multiple=0):
        names, w = list(tasks), list(tasks.values())
        return assemble([self.sample(t) for t in self.rng.choices(names, weights=w, k=n)], ctx, self.order, pad_multiple)


PLAN_SEP = " | "
PLAN_FIELDS = ("concept", "style", "tone")


def plan_fields(m):
    """The plan of image record m: its name (what captions answer), style word, tone phrase."""
    vendor = PLAN_VENDOR.get(m["vendor"], m["vendor"])
    return {"concept": m["name"], "style": STYLE.get(vendor, vendor), "tone": tone_phrase(m["skin_tone"])}


# a plan's fields in the training's canonical phrasing, piece by piece (the manifest's plan.canonical_prompt): the
# name's template "{name} emoji", the style suffix " in {style} style" and the tone suffix " with {tone} skin tone"
CANONICAL_PROMPT = {"concept": T2I_TRAIN[1].replace("{name}", "{concept}"), "style": STYLE_SUFFIX[2],
                    "tone": TONE_SUFFIX[0]}


def canonical_prompt(fields):
    """A plan's fields ({concept, style, tone}, as parse_plan gives) in the training's canonical phrasing: the name,
    " emoji", the style suffix and, for a tone, the tone suffix ("red apple emoji in noto style"; "thumbs up emoji in
    twemoji style with medium skin tone"). What the plan alone draws from (eval_mllm --plan-mix, training/restyle.py);
    the page's canonicalPrompt is the same rule on the manifest's plan.canonical_prompt."""
    p = CANONICAL_PROMPT["concept"].format(concept=fields["concept"])
    if fields.get("style"):
        p += CANONICAL_PROMPT["style"].format(style=fields["style"])
    if fields.get("tone") and fields["tone"] != "none":
        p += CANONICAL_PROMPT["tone"].format(tone=fields["tone"])
    return p


def plan_text(m):
    f = plan_fields(m)
    return normalize_text(PLAN_SEP.join(f[k] for k in PLAN_FIELDS))


def pick_page_styles(cfg):
    """Whether the page's pick keeps a plan's style to the page's (manifest mllm.pick.page_styles; caption_rerank.plan_fix's
    `styles`): for a model trained to draw designs under style words the page does not offer (MLLMConfig.draw_vendors).
    What export_mllm writes to the manifest and what eval_mllm reads by default."""
    return bool(cfg.draw_vendors) and cfg.draw_plan


def plan_contract():
    """The plan as the manifest describes it to the page (manifest.mllm.plan): how it starts and
    ends, its fields and separator, and the words each field may take."""
    return {"start": "<ans>", "end": "[IMG]", "separator": PLAN_SEP, "fields": list(PLAN_FIELDS), "max_tokens": 24,
            "styles": dict(STYLE), "style_labels": {"noto": "Google style", "twemoji": "Twitter style"},
            "tones": ["none"] + list(TONES), "tone_join": " and ", "canonical_prompt": dict(CANONICAL_PROMPT)}


def parse_plan(text):
    """'hot beverage | noto | none' -> {concept, style, tone} (missing fields are '')."""
    parts = [p.strip() for p in text.split(PLAN_SEP.strip())]
    parts += [""] * (len(PLAN_FIELDS) - len(parts))
    return dict(zip(PLAN_FIELDS, parts[:len(PLAN_FIELDS)]))


def tone_instruction(tone, r):
    if tone == "none":
        return natural.phrase(EDIT_TONE_NONE, r)
    # the dataset's own words half of the time (what the app's tone menu sends), else other words
    words = tone_phrase(tone) if r.random() < 0.5 else natural.tone_words(tone, r)
    return natural.phrase(EDIT_TONE, r, tone=words)


def style_instruction(vendor, r):
    words = STYLE[vendor] if r.random() < 0.5 else natural.style_word(vendor, r)
    return natural.phrase(EDIT_STYLE, r, style=words)


_SLOTS = np.arange(1, N_IMG + 1, dtype=np.int64)
_QSLOTS = _SLOTS + N_IMG                                   # scale order: query slots
_K = np.arange(N_IMG, dtype=np.int64)
_PARENT = np.asarray(parent_index(), np.int64)
_SCALE_OF_K = np.repeat(np.arange(len(SCALE_TOKENS)), SCALE_TOKENS).astype(np.int64)
PAD_BLOCK = 1 << 30     # padding: after everything (padded queries see all; nothing real sees them)


def flatten(example, order="token"):
    """segments -> dict of numpy arrays over positions, targets already aligned to the output
    that predicts them:
      ids, slot, src (input bank position, -1 none), block (attention block id)
      text_tgt (-100 none), feat_tgt_src (bank position, -1 none), feat_tgt_slot (1..341, 0 none)
      feat_res_src: for a target image after a source image, the source's token at the same
        place (bank position), else -1 (what residual_edit adds its prediction to).
    Token order: the output at position t predicts token t+1 (text and image alike).
    Scale order: text as above; a generated image's 341 positions are queries (slot N_IMG+1+k,
    input = the coarser scale's covering token, f4: none) whose output is token k itself."""
    scale = order == "scale"
    cols = {k: [] for k in ("ids", "slot", "src", "tgt", "res", "own", "block", "gen", "plan")}
    first_img, nb = None, 0
    for kind, payload, loss in example:
        if kind == "text":
            n = len(payload)
            none = np.full(n, -1, np.int64)
            parts = dict(ids=np.asarray(payload, np.int64), slot=np.zeros(n, np.int64), src=none, res=none,
                         own=none, tgt=np.full(n, bool(loss)), block=nb + np.arange(n), gen=np.zeros(n, bool),
                         plan=np.full(n, loss == "plan"))
            nb += n
        else:
            n = N_IMG
            res = first_img * N_IMG + _K if (loss and first_img is not None) else np.full(n, -1, np.int64)
            if scale and loss:
                parts = dict(slot=_QSLOTS, src=np.where(_PARENT >= 0, payload * N_IMG + _PARENT, -1),
                             own=payload * N_IMG + _K, res=res, tgt=np.zeros(n, bool))
            else:
                parts = dict(slot=_SLOTS, src=payload * N_IMG + _K, own=np.full(n, -1, np.int64), res=res,
                             tgt=np.full(n, bool(loss)))
            parts["ids"] = np.zeros(n, np.int64)
            # inputs that are a generated image's own (coarser) tokens: truth here, predictions at inference
            parts["gen"] = (parts["src"] >= 0) if loss else np.zeros(n, bool)
            parts["plan"] = np.zeros(n, bool)
            if scale:
                parts["block"] = nb + _SCALE_OF_K
                nb += len(SCALE_TOKENS)
            else:
                parts["block"] = nb + np.arange(n)
                nb += n
            if first_img is None:
                first_img = payload
        for k, v in parts.items():
            cols[k].append(v)
    c = {k: np.concatenate(v) for k, v in cols.items()}
    n = len(c["ids"])
    ids, slot, src = c["ids"], c["slot"], c["src"]
    out = {"ids": ids, "slot": slot, "src": src, "block": c["block"].astype(np.int64),
           "text_tgt": np.full(n, -100, np.int64), "feat_tgt_src": np.full(n, -1, np.int64),
           "feat_tgt_slot": np.zeros(n, np.int64), "feat_res_src": np.full(n, -1, np.int64),
           "gen_input": c["gen"].astype(np.int64)}
    nxt = c["tgt"][1:]
    nxt_text, nxt_img = nxt & (slot[1:] == 0), nxt & (slot[1:] > 0)
    out["text_tgt"][:-1] = np.where(nxt_text, ids[1:], -100)
    out["plan_tgt"] = np.zeros(n, np.int64)
    out["plan_tgt"][:-1] = nxt_text & c["plan"][1:]
    out["feat_tgt_src"][:-1] = np.where(nxt_img, src[1:], -1)
    out["feat_tgt_slot"][:-1] = np.where(nxt_img, slot[1:], 0)
    out["feat_res_src"][:-1] = np.where(nxt_img, c["res"][1:], -1)
    q = c["own"] >= 0                       # scale order: a query predicts its own token
    out["feat_tgt_src"][q] = c["own"][q]
    out["feat_tgt_slot"][q] = slot[q] - N_IMG
    out["feat_res_src"][q] = c["res"][q]
    return out


def assemble(examples, ctx, order="token", pad_multiple=0):
    """Right-padded numpy batch of flatten()'s arrays, src renamed feat_src. "block" only in
    scale order (token order is plain causal attention). pad_multiple > 0 rounds the length up to
    a multiple of it (at most ctx), so a compiled training step sees a few shapes, not one per batch."""
    flat = [flatten(e, order) for e in examples]
    T = max(len(f["ids"]) for f in flat)
    if T > ctx:
        raise ValueError(f"sequence of {T} tokens exceeds the context {ctx}")
    if pad_multiple > 0:
        T = min(ctx, -(-T // pad_multiple) * pad_multiple)
    B = len(flat)
    fill = {"ids": 0, "slot": 0, "src": -1, "text_tgt": -100, "feat_tgt_src": -1, "feat_tgt_slot": 0,
            "feat_res_src": -1, "gen_input": 0, "plan_tgt": 0, "block": PAD_BLOCK}
    if order != "scale":
        del fill["block"]
    out = {k: np.full((B, T), v, np.int64) for k, v in fill.items()}
    for b, f in enumerate(flat):
        n = len(f["ids"])
        for k in fill:
            out[k][b, :n] = f[k]
    out["feat_src"] = out.pop("src")
    return out


def reader_inputs(reader_flat, src, slot):
    """[B,T,C] the reader encoder's features (MLLMConfig.reader) at the given images' positions (slots 1..N_IMG
    in scale order), zeros elsewhere; reader_flat is laid out as the encoder's bank (the same rows and variants)."""
    given = ((slot > 0) & (slot <= N_IMG) & (src >= 0)).unsqueeze(-1)
    return reader_flat[src.clamp(min=0)].float() * given


def to_device(nb, bank_flat, device, aug=None, reader_flat=None, pair=None, tone_rows=None):
    """numpy batch -> torch batch for MLLM.compute_loss, gathering features from the bank
    (bank_flat = bank.view(-1, C), on device). aug: (n_images, n_aug, p, generator) reads given images
    from their augmented copies (augment_sources). reader_flat: the reader's bank, read at the given images
    (reader_inputs) as batch["reader"]. pair: (n_images, n_aug, n_pair, p, generator) moves whole examples to a
    re-drawn set (pair_augment), before aug, which then leaves those examples alone (it reads the first block only).
    tone_rows: [bank rows] each row's skin-tone id (training.tone_probe.row_tones, on device): batch["tone_tgt"] [B],
    the tone of each example's drawn image (-1: none drawn)."""
    t = {k: (v if torch.is_tensor(v) else torch.from_numpy(v)).to(device, non_blocking=True) for k, v in nb.items()}   # DataLoader workers hand tensors
    if pair:
        t["feat_src"], t["feat_tgt_src"], t["feat_res_src"] = pair_augment(t, *pair)
    if aug:
        t["feat_src"] = augment_sources(t, *aug)
    src, tsrc = t["feat_src"], t["feat_tgt_src"]
    feats = bank_flat[src.clamp(min=0)].float() * (src >= 0).unsqueeze(-1)
    feat_tgt = bank_flat[tsrc.clamp(min=0)].float() * (tsrc >= 0).unsqueeze(-1)
    out = {"ids": t["ids"], "slot": t["slot"], "feats": feats, "text_tgt": t["text_tgt"],
           "feat_tgt": feat_tgt, "feat_tgt_slot": t["feat_tgt_slot"], "gen_input": t["gen_input"],
           "plan_tgt": t["plan_tgt"]}
    if "block" in t:
        out["block"] = t["block"]
    if reader_flat is not None:
        out["reader"] = reader_inputs(reader_flat, src, t["slot"])
    if "feat_res_src" in t:
        rsrc = t["feat_res_src"]
        out["has_res"] = (rsrc >= 0).float()
        out["feat_res"] = bank_flat[rsrc.clamp(min=0)].float() * out["has_res"].unsqueeze(-1)
    if tone_rows is not None:   # an example draws at most one image: every target position names the same row
        drawn = tsrc >= 0
        tone = torch.where(drawn, tone_rows[tsrc.clamp(min=0) // N_IMG], -1)
        out["tone_tgt"] = tone.amax(1)
    return out


def scale_slices():
    """name -> slice of the 341 image tokens (image order f4..f0)."""
    out, o = {}, 0
    for name, n in zip(IMAGE_ORDER, SCALE_TOKENS):
        out[name] = slice(o, o + n)
        o += n
    return out

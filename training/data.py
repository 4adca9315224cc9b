"""Build the PUMA-Emoji-64 dataset from the npm emoji packages.

    /usr/bin/python3 -m training.data            # -> training/data/emoji64.u8.xz + meta.json

Images are 64x64 RGB composited on white. Every image gets one record in meta.json:
    {i, vendor, concept, unified, name, short_names, keywords, category, subcategory,
     skin_tone, split}
`concept` is the base emoji (skin-tone variants share it). The split is a pure function of the
concept's code point string (see split_of), so it never depends on which files were readable:
    train           - everything not below
    heldout_concept - ~5% of concepts: all variants, both vendors, never seen in training
    heldout_vendor  - another ~5% of concepts: one vendor's images held out (the other trains)
    openmoji        - OpenMoji art (unseen style), evaluation only
    sources         - Fluent Emoji Flat art (Microsoft, MIT; @iconify-json/fluent-emoji-flat) of the
                      concepts that train: more distinct drawings for the understanding tasks, used only
                      as the given image (captions, questions, sketches, style edits), never drawn
    sources_heldout - the same art of the held-out concepts: never used
The sources' records come after all others, so every earlier record keeps its index.
Bad inputs (a missing package, a corrupt PNG, an emoji without a name) are skipped and counted
in the report; a missing package is an error.
"""
import functools
import hashlib
import io
import json
import lzma
import os
import subprocess
import sys

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODE_MODULES = os.path.join(ROOT, "node_modules")
OUT_DIR = os.path.join(ROOT, "training", "data")
VENDORS = ("google", "twitter")  # trained styles; openmoji is evaluation-only
SOURCE_VENDORS = {"fluent": "fluent-emoji-flat"}   # given images only (split "sources"): vendor -> iconify set
# more vendors' art, given images only as Fluent's (split "sources_extra"; the held-out concepts' "sources_extra_heldout"):
# four more styles of the concepts that train (Noto's first design, EmojiOne, Firefox OS, Streamline). Their own split, so
# the probes that read "sources" as the Fluent drawings (gallery_fit, gallery_keys, chooser_probe, golden_pick) stay so.
# Their iconify sets have no chars.json: icon names are matched to code points by emojibase's labels and shortcodes
# (iconify_codes). A drawing too close to a held-out image of its concept (NEAR_DUPLICATE) is left out.
# in the order build() appends them; a vendor added later goes last, so append_extra_sources can add it alone
# (Fluent's shaded "3D" set, @iconify-json/fluent-emoji, is left out: 7.4 MB more data, which a device call's 64 MiB has
# no room for, for shapes Fluent's flat set already draws)
EXTRA_SOURCE_VENDORS = {"noto_v1": "noto-v1", "emojione": "emojione", "fxemoji": "fxemoji", "streamline": "streamline-emojis",
                        "fluent_hc": "fluent-emoji-high-contrast"}
NEAR_DUPLICATE = 12.0   # mean absolute difference (0-255) under which a source drawing is a copy of a held-out image
SKIN_TONES = {"1F3FB": "light", "1F3FC": "medium-light", "1F3FD": "medium",
              "1F3FE": "medium-dark", "1F3FF": "dark"}
HELDOUT_CONCEPT_FRACTION = 0.05
HELDOUT_VENDOR_FRACTION = 0.05
SIZE = 64


class DataError(RuntimeError):
    pass


def _unit_hash(key, salt):
    h = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def split_of(concept_unified):
    """(split, held-out vendor or None) for a concept; fixed by its code points alone."""
    u = _unit_hash(concept_unified.upper(), "puma-emoji-64-split-v1")
    if u < HELDOUT_CONCEPT_FRACTION:
        return "heldout_concept", None
    if u < HELDOUT_CONCEPT_FRACTION + HELDOUT_VENDOR_FRACTION:
        v = VENDORS[int(_unit_hash(concept_unified.upper(), "vendor") * 2)]
        return "heldout_vendor", v
    return "train", None


def skin_tone_of(key):
    """'1F3FB' -> 'light'; '1F3FB-1F3FF' -> 'light,dark'; '' -> 'none'."""
    if not key:
        return "none"
    return ",".join(SKIN_TONES.get(p.upper(), p.lower()) for p in key.split("-"))


def to_rgb64(img):
    """Any PIL image -> 64x64 RGB uint8, alpha composited on white."""
    img = img.convert("RGBA")
    if img.size != (SIZE, SIZE):
        img = img.resize((SIZE, SIZE), Image.LANCZOS)
    bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(bg, img).convert("RGB"), dtype=np.uint8)


def load_png(path):
    with open(path, "rb") as f:
        raw = f.read()
    img = Image.open(io.BytesIO(raw))
    img.load()  # forces a full decode so a truncated file fails here, not later
    return to_rgb64(img)


def rasterize_svg(path=None, svg=None):
    """An SVG file (or the SVG's bytes) -> 64x64 RGB."""
    png = subprocess.run(["rsvg-convert", "-w", str(SIZE), "-h", str(SIZE)] + ([path] if path else []),
                         input=svg, check=True, capture_output=True).stdout
    return to_rgb64(Image.open(io.BytesIO(png)))


def _slug(s, hyphens=True):
    out = "-".join(p for p in "".join(c if c.isalnum() else "-" for c in s.lower()).split("-") if p)
    return out if hyphens else out.replace("-", "")


@functools.lru_cache(maxsize=None)   # one read of emojibase for every set that needs it
def iconify_codes(node_modules):
    """{icon name: code points} for iconify sets without a chars.json: emojibase's labels and shortcodes (skin tones
    included) and Fluent's names, slugged ("waving-hand-dark-skin-tone"); also without hyphens ("alarmclock": Firefox
    OS's names). The first claim of a slug wins, labels before shortcodes."""
    path = _require(os.path.join(node_modules, "emojibase-data", "en", "data.json"), "emojibase-data")
    names = {}

    def claim(name, code):
        for key in (_slug(name), _slug(name, hyphens=False)):
            names.setdefault(key, _norm_hex(code))

    entries = json.load(open(path))
    for e in entries:
        for x in [e] + list(e.get("skins") or []):
            claim(x["label"], x["hexcode"])
    for e in entries:
        for x in [e] + list(e.get("skins") or []):
            for sc in x.get("shortcodes") or []:
                claim(sc, x["hexcode"])
    flat = os.path.join(node_modules, "@iconify-json", "fluent-emoji-flat", "chars.json")
    if os.path.exists(flat):
        for code, name in json.load(open(flat)).items():
            claim(name, code)
    return names


def load_iconify(node_modules, iconify_set):
    """An iconify emoji set: {code points (FE0F dropped, upper case): SVG bytes}. A set without a code-point map
    (chars.json empty) is mapped by its icon names (iconify_codes)."""
    pkg = _require(os.path.join(node_modules, "@iconify-json", iconify_set), f"@iconify-json/{iconify_set}")
    data = json.load(open(os.path.join(pkg, "icons.json")))
    icons = data["icons"]
    out = {}
    chars = json.load(open(os.path.join(pkg, "chars.json")))
    if not chars:
        codes = iconify_codes(node_modules)
        for name in sorted(icons):
            code = codes.get(_slug(name)) or codes.get(_slug(name, hyphens=False))
            if code:
                chars.setdefault(code.lower(), name)
    for code, name in chars.items():
        while name not in icons and name in data.get("aliases", {}):
            name = data["aliases"][name]["parent"]
        if name not in icons:
            continue
        icon = icons[name]
        w, h = icon.get("width", data.get("width", 16)), icon.get("height", data.get("height", 16))
        out[_norm_hex(code)] = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}">'
                                f'{icon["body"]}</svg>').encode()
    return out


def _require(path, package):
    if not os.path.exists(path):
        raise DataError(f"missing {path}: run `npm install` (devDependency {package})")
    return path


def _norm_hex(code):
    return "-".join(p for p in code.upper().split("-") if p != "FE0F")


def load_keywords(node_modules):
    path = _require(os.path.join(node_modules, "emojibase-data", "en", "data.json"), "emojibase-data")
    kw = {}
    for e in json.load(open(path)):
        kw[_norm_hex(e["hexcode"])] = {"label": e.get("label", ""), "tags": e.get("tags", [])}
    return kw


def iter_entries(node_modules):
    """One dict per (concept, skin variant) from emoji-datasource's emoji.json."""
    path = _require(os.path.join(node_modules, "emoji-datasource-google", "emoji.json"),
                    "emoji-datasource-google")
    for e in sorted(json.load(open(path)), key=lambda e: e.get("sort_order", 0)):
        base = dict(concept=e["unified"], unified=e["unified"], image=e.get("image"),
                    name=(e.get("name") or "").strip().lower(), short_names=e.get("short_names") or [],
                    category=e.get("category") or "", subcategory=e.get("subcategory") or "",
                    skin_key="", has={v: e.get(f"has_img_{v}", False) for v in VENDORS})
        yield base
        for key, var in (e.get("skin_variations") or {}).items():
            yield dict(base, unified=var["unified"], image=var.get("image"), skin_key=key,
                       has={v: var.get(f"has_img_{v}", False) for v in VENDORS})


def build(node_modules=NODE_MODULES, out_dir=OUT_DIR, limit=None, with_openmoji=True, with_sources=True):
    keywords = load_keywords(node_modules)
    for v in VENDORS:
        _require(os.path.join(node_modules, f"emoji-datasource-{v}", "img", v, "64"), f"emoji-datasource-{v}")
    om_dir = os.path.join(node_modules, "openmoji", "color", "svg")
    if with_openmoji:
        _require(om_dir, "openmoji")
    skipped = {"no_name": 0, "corrupt_image": 0, "missing_image": 0}
    images, meta = [], []

    def add(img, e, vendor, split):
        meta.append(record(e, len(meta), vendor, split, keywords))
        images.append(img)

    entries = list(iter_entries(node_modules))
    if limit:
        entries = entries[:limit]
    for e in entries:
        if not e["name"]:
            skipped["no_name"] += 1
            continue
        split, held_vendor = split_of(e["concept"])
        for vendor in VENDORS:
            path = os.path.join(node_modules, f"emoji-datasource-{vendor}", "img", vendor, "64", e["image"] or "")
            if not e["has"][vendor] or not e["image"] or not os.path.isfile(path):
                skipped["missing_image"] += 1
                continue
            try:
                img = load_png(path)
            except Exception:
                skipped["corrupt_image"] += 1
                continue
            s = split if split != "heldout_vendor" else ("heldout_vendor" if vendor == held_vendor else "train")
            add(img, e, vendor, s)
        if with_openmoji:
            path = os.path.join(om_dir, e["unified"].upper() + ".svg")
            if os.path.isfile(path):
                try:
                    add(rasterize_svg(path), e, "openmoji", "openmoji")
                except Exception:
                    skipped["corrupt_image"] += 1
    if with_sources:   # after every other record: the indices above do not move
        for e, vendor, split, img in source_records(node_modules, entries, SOURCE_VENDORS, "sources", skipped):
            add(img, e, vendor, split)
        held = held_images(images, meta)
        for e, vendor, split, img in source_records(node_modules, entries, EXTRA_SOURCE_VENDORS, "sources_extra", skipped, held):
            add(img, e, vendor, split)

    arr = np.stack(images) if images else np.zeros((0, SIZE, SIZE, 3), np.uint8)
    return arr, meta, save_dataset(arr, meta, skipped, out_dir, list(EXTRA_SOURCE_VENDORS) if with_sources else [])


def record(e, i, vendor, split, keywords):
    """meta.json's record of entry e's drawing by `vendor` at index i (keywords: load_keywords')"""
    kw = keywords.get(_norm_hex(e["concept"]), {})
    return dict(i=i, vendor=vendor, concept=e["concept"], unified=e["unified"], name=e["name"],
                short_names=e["short_names"], keywords=kw.get("tags", []), category=e["category"],
                subcategory=e["subcategory"], skin_tone=skin_tone_of(e["skin_key"]), split=split)


def save_dataset(arr, meta, skipped, out_dir, extra_vendors):
    """The images, meta.json and report.json (counts by split and vendor, what was skipped, which extra vendors' sets
    were read: one may have drawn none of the concepts) -> the report."""
    os.makedirs(out_dir, exist_ok=True)
    save_images(arr, out_dir)
    counts = {}
    for m in meta:
        counts[f"{m['split']}/{m['vendor']}"] = counts.get(f"{m['split']}/{m['vendor']}", 0) + 1
    report = dict(images=len(meta), concepts=len({m["concept"] for m in meta}), by_split=counts, skipped=skipped,
                  extra_vendors=list(extra_vendors))
    json.dump(meta, open(os.path.join(out_dir, "meta.json"), "w"))
    json.dump(report, open(os.path.join(out_dir, "report.json"), "w"), indent=1)
    return report


def held_images(images, meta):
    """{(concept, skin tone): [held-out images]}: what a source drawing must not copy (heldout_vendor and heldout_concept)"""
    held = {}
    for m, img in zip(meta, images):
        if m["split"] in ("heldout_vendor", "heldout_concept"):
            held.setdefault((m["concept"], m["skin_tone"]), []).append(img)
    return held


def source_records(node_modules, entries, vendors, split, skipped, held=None):
    """(entry, vendor, split, image) of every named entry the vendors' iconify sets draw, vendor by vendor in entry
    order; split, or split + "_heldout" for a held-out concept. held (held_images): a drawing within NEAR_DUPLICATE of a
    held-out image of its concept and tone is left out (counted in skipped["near_duplicate"])."""
    for vendor, iconify_set in vendors.items():
        svgs = load_iconify(node_modules, iconify_set)
        for e in entries:
            svg = svgs.get(_norm_hex(e["unified"])) if e["name"] else None
            if svg is None:
                continue
            try:
                img = rasterize_svg(svg=svg)
            except Exception:
                skipped["corrupt_image"] += 1
                continue
            twins = (held or {}).get((e["concept"], skin_tone_of(e["skin_key"])), [])
            if any(np.abs(img.astype(np.int16) - t).mean() < NEAR_DUPLICATE for t in twins):
                skipped["near_duplicate"] = skipped.get("near_duplicate", 0) + 1
                continue
            yield e, vendor, split + "_heldout" if split_of(e["concept"])[0] == "heldout_concept" else split, img


def append_extra_sources(node_modules=NODE_MODULES, data_dir=OUT_DIR):
    """The built dataset with the EXTRA_SOURCE_VENDORS it lacks appended (as build() makes them, after all others),
    without rebuilding the rest: the existing records and images stay byte for byte. The vendors it has must be the
    first of EXTRA_SOURCE_VENDORS, in order (then appending the rest is what build() gives). -> the new report."""
    images, meta = load(data_dir)
    report = json.load(open(os.path.join(data_dir, "report.json")))
    # a report from before extra_vendors was recorded: the vendors its records show (each of those drew some)
    have = report.get("extra_vendors", list(dict.fromkeys(m["vendor"] for m in meta if m["split"].startswith("sources_extra"))))
    order = list(EXTRA_SOURCE_VENDORS)
    if have != order[:len(have)]:
        raise DataError(f"the dataset's extra vendors {have} are not the first of {order}: rebuild it (training.data)")
    missing = {v: EXTRA_SOURCE_VENDORS[v] for v in order[len(have):]}
    if not missing:
        raise DataError("the dataset already has every extra source vendor")
    skipped = dict(report["skipped"])
    keywords = load_keywords(node_modules)
    new_imgs = []
    for e, vendor, split, img in source_records(node_modules, list(iter_entries(node_modules)), missing,
                                                "sources_extra", skipped, held_images(images, meta)):
        meta.append(record(e, len(meta), vendor, split, keywords))
        new_imgs.append(img)
    arr = np.concatenate([images, np.stack(new_imgs)]) if new_imgs else images
    return save_dataset(arr, meta, skipped, data_dir, order)


IMAGES_FILE = "emoji64.u8.xz"  # raw uint8 [N,64,64,3], xz: half the size of a zipped npz, so the
                               # dataset travels to the GPU machine beside the committed models


def save_images(arr, out_dir):
    with lzma.open(os.path.join(out_dir, IMAGES_FILE), "wb", preset=6) as f:
        f.write(np.ascontiguousarray(arr, np.uint8).tobytes())


def load(data_dir=OUT_DIR):
    """(images uint8 [N,64,64,3], meta list) as built by build()."""
    path = os.path.join(data_dir, IMAGES_FILE)
    if not os.path.exists(path):
        raise DataError(f"{path} not found: run `/usr/bin/python3 -m training.data` first")
    meta = json.load(open(os.path.join(data_dir, "meta.json")))
    with lzma.open(path, "rb") as f:
        images = np.frombuffer(f.read(), np.uint8).reshape(len(meta), SIZE, SIZE, 3)
    return images, meta


def write_split_lists(meta, out_dir=os.path.join(ROOT, "training", "splits")):
    """Commit-able lists documenting the fixed split (no artwork, just code points and names)."""
    os.makedirs(out_dir, exist_ok=True)
    for split in ("heldout_concept", "heldout_vendor"):
        rows = {}
        for m in meta:
            if m["split"] == split:
                rows.setdefault(m["concept"], {"concept": m["concept"], "name": m["name"], "vendors": set()})
                rows[m["concept"]]["vendors"].add(m["vendor"])
        out = [dict(r, vendors=sorted(r["vendors"])) for r in rows.values()]
        json.dump(out, open(os.path.join(out_dir, f"{split}.json"), "w"), indent=0)


if __name__ == "__main__":
    if sys.argv[1:] == ["--append-extra-sources"]:   # the extra vendors onto a built dataset, nothing else rebuilt
        print(json.dumps(append_extra_sources(), indent=1))
        sys.exit(0)
    try:
        _, meta, report = build(limit=int(sys.argv[1]) if len(sys.argv) > 1 else None)
    except DataError as err:
        sys.exit(f"error: {err}")
    write_split_lists(meta)
    print(json.dumps(report, indent=1))

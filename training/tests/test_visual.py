"""The visual half on the tiny configuration (CPU, seconds): the dataset builder on a handful of
real emoji files (plus a corrupt one), one training step of each model, ONNX export and graph
checks, the pyramid, and the sampler against an oracle denoiser."""
import hashlib
import json
import os
import shutil

import numpy as np
import onnx
import pytest
import torch

from training import data as D
from training import train_visual as TV
from training.config import TINY
from training.decoder import ddim_sample, sampler_schedule
from training.encoder import pyramid

NODE_MODULES = os.path.join(D.ROOT, "node_modules")
# Missing inputs fail these tests, never skip them into green: CI (.ci/run) installs both.
@pytest.fixture
def packages():
    if not os.path.isdir(os.path.join(NODE_MODULES, "emoji-datasource-google")):
        pytest.fail("the emoji npm packages are missing: run `npm ci` first (they are devDependencies)")


@pytest.fixture
def rsvg():
    if shutil.which("rsvg-convert") is None:
        pytest.fail("rsvg-convert is missing: apt-get install librsvg2-bin")


needs_packages = pytest.mark.usefixtures("packages")
needs_rsvg = pytest.mark.usefixtures("rsvg")


def make_mini_packages(root, n_entries=12, corrupt=1):
    """A node_modules with the first n emoji (and their skin variants) of each package."""
    entries = json.load(open(os.path.join(NODE_MODULES, "emoji-datasource-google", "emoji.json")))
    # people with skin tones give variants; flags and smileys give plain entries
    picked = [e for e in entries if e.get("skin_variations")][: n_entries // 2] + \
             [e for e in entries if not e.get("skin_variations")][: n_entries // 2]
    for v in D.VENDORS:
        pkg = os.path.join(root, f"emoji-datasource-{v}")
        img_dir = os.path.join(pkg, "img", v, "64")
        os.makedirs(img_dir)
        json.dump(picked, open(os.path.join(pkg, "emoji.json"), "w"))
        for e in picked:
            names = [e["image"]] + [s["image"] for s in (e.get("skin_variations") or {}).values()]
            for n in names:
                shutil.copy(os.path.join(NODE_MODULES, f"emoji-datasource-{v}", "img", v, "64", n), img_dir)
    if corrupt:
        bad = os.path.join(root, "emoji-datasource-google", "img", "google", "64", picked[-1]["image"])
        open(bad, "wb").write(b"\x89PNG\r\n\x1a\nthis is not a png")
    os.makedirs(os.path.join(root, "emojibase-data", "en"))
    shutil.copy(os.path.join(NODE_MODULES, "emojibase-data", "en", "data.json"), os.path.join(root, "emojibase-data", "en"))
    om = os.path.join(root, "openmoji", "color", "svg")
    os.makedirs(om)
    for e in picked[:3]:
        src = os.path.join(NODE_MODULES, "openmoji", "color", "svg", e["unified"].upper() + ".svg")
        if os.path.exists(src):
            shutil.copy(src, om)
    for pkg in list(D.SOURCE_VENDORS.values()) + list(D.EXTRA_SOURCE_VENDORS.values()):
        shutil.copytree(os.path.join(NODE_MODULES, "@iconify-json", pkg), os.path.join(root, "@iconify-json", pkg))
    return picked


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    root = tmp_path_factory.mktemp("nm")
    make_mini_packages(str(root))
    out = tmp_path_factory.mktemp("data")
    images, meta, report = D.build(str(root), str(out))
    return str(root), str(out), images, meta, report


@needs_packages
@needs_rsvg
def test_builder_images_meta_and_corrupt_file(mini):
    root, out, images, meta, report = mini
    assert images.dtype == np.uint8 and images.shape[1:] == (64, 64, 3)
    assert len(meta) == len(images) == report["images"]
    assert report["skipped"]["corrupt_image"] == 1          # counted, not silently dropped
    extra = set(D.EXTRA_SOURCE_VENDORS)
    assert {"google", "twitter", "openmoji", "fluent"} < {m["vendor"] for m in meta} <= {"google", "twitter", "openmoji", "fluent"} | extra
    # the other vendors' art comes last (earlier indices never move), only as the "sources" splits: Fluent's, then
    # the extra vendors' in their own split
    first = min(m["i"] for m in meta if m["vendor"] == "fluent")
    first_extra = min(m["i"] for m in meta if m["vendor"] in extra)
    assert all(m["vendor"] == "fluent" for m in meta[first:first_extra]) and all(m["vendor"] in extra for m in meta[first_extra:])
    assert {m["split"] for m in meta[first:first_extra]} <= {"sources", "sources_heldout"}
    assert {m["split"] for m in meta[first_extra:]} <= {"sources_extra", "sources_extra_heldout"}
    assert all(m["split"].endswith("_heldout") == (D.split_of(m["concept"])[0] == "heldout_concept") for m in meta[first:])
    assert any(m["skin_tone"] == "medium-dark" for m in meta)
    assert all(m["name"] and m["category"] for m in meta)
    # composited on white: the corners of emoji art are background
    assert images[:, 0, 0].mean() > 240
    # what load() reads back is what build() made
    again, meta2 = D.load(out)
    assert np.array_equal(again, images) and meta2 == meta


@needs_packages
def test_iconify_sets_without_code_points_are_mapped_by_name():
    """The extra vendors' iconify sets have no chars.json: their icon names reach code points through emojibase's
    labels and shortcodes, skin tones included, and Firefox OS's unhyphenated names too."""
    codes = D.iconify_codes(NODE_MODULES)
    assert codes["grinning-face"] == "1F600" and codes["waving-hand-dark-skin-tone"] == "1F44B-1F3FF"
    assert codes["alarmclock"] == "23F0" and codes["red-heart"] == "2764"
    for vendor, iconify_set in D.EXTRA_SOURCE_VENDORS.items():
        svgs = D.load_iconify(NODE_MODULES, iconify_set)
        assert len(svgs) > 300 and all(v.startswith(b"<svg") for v in svgs.values()), vendor
    assert "1F600" in D.load_iconify(NODE_MODULES, "noto-v1")


@needs_packages
@needs_rsvg
def test_a_source_drawing_that_copies_a_held_out_image_is_left_out(mini):
    """source_records drops a drawing within NEAR_DUPLICATE of a held-out image of its concept and tone (a source
    vendor's copy of a test drawing would leak it), and counts it."""
    root, _, _, meta, _ = mini
    entries = list(D.iter_entries(root))
    skipped = {}
    got = list(D.source_records(root, entries, {"noto_v1": "noto-v1"}, "sources_extra", skipped))
    assert got and not skipped
    e, _, _, img = got[0]
    held = {(e["concept"], D.skin_tone_of(e["skin_key"])): [np.clip(img.astype(np.int16) + 5, 0, 255).astype(np.uint8)]}
    again = list(D.source_records(root, entries, {"noto_v1": "noto-v1"}, "sources_extra", skipped, held))
    assert len(again) == len(got) - 1 and skipped["near_duplicate"] == 1 and again[0][0] is not e


@needs_packages
@needs_rsvg
def test_appending_the_extra_sources_gives_what_a_build_gives(mini, tmp_path):
    """append_extra_sources on a dataset built before the extra vendors equals the build that has them: records and
    images byte for byte, the report's counts included; a second append is refused."""
    root, out, images, meta, report = mini
    first = min(m["i"] for m in meta if m["split"].startswith("sources_extra"))
    before = {k: v for k, v in report["skipped"].items() if k != "near_duplicate"}
    D.save_dataset(images[:first], meta[:first], before, str(tmp_path), [])
    assert D.append_extra_sources(root, str(tmp_path)) == report
    again, meta2 = D.load(str(tmp_path))
    assert np.array_equal(again, images) and meta2 == meta
    with pytest.raises(D.DataError, match="already"):
        D.append_extra_sources(root, str(tmp_path))
    # a dataset built with the first extra vendors alone gains the later ones, and ends as the whole build
    *earlier, later = D.EXTRA_SOURCE_VENDORS
    cut = min(m["i"] for m in meta if m["vendor"] == later)
    assert any(m["vendor"] in D.EXTRA_SOURCE_VENDORS for m in meta[first:cut])
    D.save_dataset(images[:cut], meta[:cut], report["skipped"], str(tmp_path), earlier)
    assert D.append_extra_sources(root, str(tmp_path))["by_split"] == report["by_split"]
    again, meta2 = D.load(str(tmp_path))
    assert np.array_equal(again, images) and meta2 == meta
    # extra vendors that are not the first of EXTRA_SOURCE_VENDORS cannot be completed by appending
    D.save_dataset(images[:first + 1], meta[:first] + [dict(meta[cut], i=first)], before, str(tmp_path), [later])
    with pytest.raises(D.DataError, match="not the first"):
        D.append_extra_sources(root, str(tmp_path))


@needs_packages
def test_split_is_fixed_by_concept_alone():
    a = [D.split_of(f"1F{n:03X}") for n in range(4000)]
    assert a == [D.split_of(f"1F{n:03X}") for n in range(4000)]
    frac = {s: sum(x[0] == s for x in a) / len(a) for s in ("heldout_concept", "heldout_vendor")}
    assert 0.03 < frac["heldout_concept"] < 0.07 and 0.03 < frac["heldout_vendor"] < 0.07
    assert all(v in D.VENDORS for s, v in a if s == "heldout_vendor")


@needs_packages
@needs_rsvg
def test_corrupt_file_does_not_change_the_split(mini, tmp_path):
    root, out, images, meta, report = mini
    clean = tmp_path / "nm"
    make_mini_packages(str(clean), corrupt=0)
    _, meta_clean, _ = D.build(str(clean), str(tmp_path / "d"))
    by_key = {(m["unified"], m["vendor"]): m["split"] for m in meta_clean}
    assert all(by_key[(m["unified"], m["vendor"])] == m["split"] for m in meta)


def test_missing_package_is_a_clear_error(tmp_path):
    with pytest.raises(D.DataError, match="npm install"):
        D.build(str(tmp_path), str(tmp_path / "out"))


def test_pyramid_is_the_paper_pooling_chain():
    f0 = torch.randn(2, 256, 5)
    p = pyramid(f0)
    assert [t.shape[1] for t in p] == [256, 64, 16, 4, 1]
    grid = f0.view(2, 16, 16, 5)
    assert torch.allclose(p[1][:, 0], grid[:, :2, :2].mean((1, 2)), atol=1e-6)   # row-major tokens
    assert torch.allclose(p[4][:, 0], f0.mean(1), atol=1e-5)


def test_ddim_with_an_oracle_denoiser_returns_the_target():
    """If the model predicts the v that points at x0, DDIM lands on x0 whatever the guidance."""
    sched = sampler_schedule(1000, 6)
    x0 = torch.rand(1, 3, 64, 64) * 1.6 - 0.8
    state = {"i": 0}

    def oracle(x, t, cond):
        ab = sched["alphas_cumprod"][state["i"] // 1]
        state["i"] += 1
        a, s = ab ** 0.5, (1 - ab) ** 0.5
        eps = (x - a * x0) / s
        return a * eps - s * x0

    out = ddim_sample(oracle, torch.zeros(1, 1, 4), torch.zeros(1, 1, 4), sched, guidance=3.0,
                      generator=torch.Generator().manual_seed(0))
    assert torch.allclose(out, x0, atol=1e-4)


@needs_packages
@needs_rsvg
def test_one_step_of_each_model_then_export(mini, tmp_path, monkeypatch):
    root, out, images, meta, report = mini
    monkeypatch.setattr(TV, "CKPT", str(tmp_path / "ckpt"))
    for stage in ("encoder", "judge", "decoders"):
        assert TV.main(["--stage", stage, "--config", "tiny", "--data", out, "--no-resume"])
    for name in ["encoder.pt", "judge.pt"] + [f"decoder_{s}.pt" for s in ("f0", "f1", "f2", "f3", "f4")]:
        assert (tmp_path / "ckpt" / name).exists()

    from training import export, shipped
    models_dir = tmp_path / "models"
    m = export.export_all(str(tmp_path / "ckpt"), str(models_dir))
    assert set(m["models"]) == {"encoder"} | {f"decoder_f{k}" for k in range(5)}
    assert [s["tokens"] for s in m["scales"]] == [256, 64, 16, 4, 1]
    assert m["feature_dim"] == TINY.feature_dim
    for name, entry in m["models"].items():
        v = entry["variants"][0]
        path = models_dir / v["file"]
        onnx.checker.check_model(onnx.load(str(path)))
        assert v["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        graph = onnx.load(str(path)).graph
        assert [i.name for i in graph.input] == [i["name"] for i in entry["inputs"]]
        assert [o.name for o in graph.output] == [o["name"] for o in entry["outputs"]]
        golden = json.load(open(models_dir / entry["golden"]))
        assert set(golden["inputs"]) == {i["name"] for i in entry["inputs"]}
    # the ONNX files carry the PyTorch parameter names: evaluation can reload exactly them
    enc, _ = shipped.load_encoder(models_dir=str(models_dir))
    decs = shipped.load_decoders(models_dir=str(models_dir))
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    from training.encoder import load_encoder
    ref, _ = load_encoder(str(tmp_path / "ckpt" / "encoder.pt"))
    assert torch.allclose(enc(x), ref(x), atol=1e-6)
    sched = m["sampler"]["schedules"][str(m["sampler"]["steps"])]
    assert len(sched["timesteps"]) == m["sampler"]["steps"] and sched["timesteps"][0] > sched["timesteps"][-1]


def test_guidance_distillation_step():
    """The distillation target is the teacher's CFG combination, and steps toward it lower the
    student's error (training/distill_decoders.py, tiny decoder on CPU)."""
    import copy
    from training.decoder import Decoder, cosine_alphas_cumprod, ddim_timesteps
    from training.distill_decoders import distill_step, guided_target, sample_t
    torch.manual_seed(0)
    teacher = Decoder(TINY, 16).eval().requires_grad_(False)
    for p in teacher.parameters():   # a teacher whose conditional and unconditional passes differ
        p.add_(0.05 * torch.randn_like(p))
    student = copy.deepcopy(teacher).train().requires_grad_(True)
    x0 = torch.rand(4, 3, 64, 64) * 2 - 1
    cond, uncond = torch.randn(4, 16, TINY.feature_dim), torch.randn(1, 16, TINY.feature_dim)
    T = 1000
    visited = torch.as_tensor(ddim_timesteps(T, 10))
    t = sample_t(4, visited, T, torch.Generator().manual_seed(1))
    assert t.shape == (4,) and bool(((t >= 0) & (t < T)).all())
    abar = cosine_alphas_cumprod(T)
    eps = torch.randn_like(x0)
    ab = abar[t].view(-1, 1, 1, 1)
    xt = ab.sqrt() * x0 + (1 - ab).sqrt() * eps
    with torch.no_grad():
        vc, vu = teacher(xt, t.float(), cond), teacher(xt, t.float(), uncond.expand_as(cond))
        target = guided_target(teacher, xt, t.float(), cond, uncond, 2.0)
    assert torch.allclose(target, vu + 2.0 * (vc - vu), atol=1e-5)
    assert not torch.allclose(target, vc, atol=1e-3)   # guidance changes the target
    opt = torch.optim.Adam(student.parameters(), lr=1e-3)
    losses = [distill_step(student, teacher, opt, x0, cond, uncond, t, eps, abar, 2.0) for _ in range(30)]
    assert losses[-1] < 0.5 * losses[0]


def test_distilled_decoder_runs_one_pass_at_its_guidance_and_the_pair_at_another():
    """A guidance-distilled decoder (shipped.load_decoder sets distilled_guidance = w) is sampled with
    its conditional pass alone at g = w, and with its own pair at g / w otherwise (training.decoder)."""
    from training.decoder import Decoder, model_guidance
    torch.manual_seed(0)
    d = Decoder(TINY, 4).eval()
    batches = []
    d.register_forward_hook(lambda m, args, out: batches.append(args[0].shape[0]))
    cond, uncond = torch.randn(1, 4, TINY.feature_dim), torch.randn(1, 4, TINY.feature_dim)
    sched = sampler_schedule(1000, 4)
    xT = torch.randn(1, 3, 64, 64)
    teacherlike = ddim_sample(d, cond, uncond, sched, 1.0 + 1e-9, x=xT.clone())   # the pair, at ~1
    d.distilled_guidance = 2.0
    assert model_guidance(d, 2.0) == 1.0 and model_guidance(d, 3.0) == 1.5
    batches.clear()
    one = ddim_sample(d, cond, uncond, sched, 2.0, x=xT.clone())
    assert batches == [1, 1, 1, 1]
    assert torch.allclose(one, teacherlike, atol=1e-5)
    batches.clear()
    pair = ddim_sample(d, cond, uncond, sched, 3.0, x=xT.clone())
    assert batches == [2, 2, 2, 2]
    d.distilled_guidance = None
    assert torch.allclose(pair, ddim_sample(d, cond, uncond, sched, 1.5, x=xT.clone()), atol=1e-6)


def teacher_models_folder(tmp_path):
    """A models folder of the committed teacher decoders and the shipped encoder, with the teachers' manifest cut
    to its visual half (the other files are not copied): what `export --distilled` writes students into.
    -> (folder, manifest)."""
    from training import export, shipped
    from training.common import MODELS_DIR
    from training.encoder import SCALES
    models = tmp_path / "models"
    models.mkdir()
    for f in ["encoder.onnx"] + [f"decoder_{s}.onnx" for s in SCALES]:
        shutil.copy(os.path.join(export.TEACHERS_DIR if f.startswith("decoder") else MODELS_DIR, f), models / f)
    man = shipped.manifest(export.TEACHERS_DIR)
    man["models"] = {k: v for k, v in man["models"].items() if v["role"] in ("encoder", "decoder")}
    json.dump(man, open(models / "manifest.json", "w"))
    return models, man


def write_fake_students(tmp_path, fields_of):
    """Student checkpoints as distill_decoders saves them: each teacher's weights moved a little (seeded), plus
    fields_of(scale). -> their folder."""
    from training import export, shipped
    from training.encoder import SCALES
    students = tmp_path / "students"
    students.mkdir()
    torch.manual_seed(0)
    for s in SCALES:
        sd = shipped.load_decoder(s, models_dir=export.TEACHERS_DIR).state_dict()
        sd = {k: v + 0.01 * torch.randn_like(v) if v.is_floating_point() else v for k, v in sd.items()}
        torch.save({"ema": sd, **fields_of(s)}, students / f"decoder_{s}.pt")
    return students


def test_export_distilled_decoders_marks_them_and_loads_back(tmp_path):
    """Students exported from the committed teachers: the manifest says distilled_guidance, the ONNX
    carries the students' weights, and shipped.load_decoder gives them back with the mapping."""
    from training import export, shipped
    from training.encoder import SCALES
    models, _ = teacher_models_folder(tmp_path)
    # f0's student continued earlier students (--init): its steps count theirs too
    students = write_fake_students(tmp_path, lambda s: {"step": 7, "scale": s, "guidance_distilled": True,
                                                         **({"init_steps": 5, "blank_frac": 0.1} if s == "f0" else {})})
    m = export.export_distilled_decoders(str(students), str(models))
    w = m["sampler"]["guidance"]
    for s in SCALES:
        e = m["models"][f"decoder_{s}"]
        assert e["distilled_guidance"] == w and e["distilled_steps"] == (12 if s == "f0" else 7)
        assert e["distilled_blank_frac"] == (0.1 if s == "f0" else 0.0)
        d = shipped.load_decoder(s, models_dir=str(models))
        assert d.distilled_guidance == w
        ref = torch.load(students / f"decoder_{s}.pt")["ema"]
        k = next(k for k, v in ref.items() if v.is_floating_point() and v.dim() >= 2)
        assert torch.allclose(d.state_dict()[k], ref[k].half().float(), atol=1e-3)   # fp16-stored weights
    assert (models / "golden" / "sampler_distilled_f4.json").exists()


def test_distillation_can_train_the_blank_branch():
    """with_blank swaps a share of the conditions for the blank features, whose guided target is the teacher's
    v_u (so a student keeps an unguided branch for guidances other than the distilled one)."""
    from training.decoder import Decoder
    from training.distill_decoders import guided_target, with_blank
    g = torch.Generator().manual_seed(0)
    cond, blank = torch.randn(64, 4, 5), torch.zeros(1, 4, 5)
    assert with_blank(cond, blank, 0.0, g) is cond
    assert torch.equal(with_blank(cond, blank, 1.0, g), blank.expand_as(cond))
    mixed = with_blank(cond, blank, 0.5, g)
    swapped = (mixed == 0).flatten(1).all(1)
    assert 10 < int(swapped.sum()) < 54 and torch.equal(mixed[~swapped], cond[~swapped])
    torch.manual_seed(0)
    teacher = Decoder(TINY, 4).eval()
    x, t, u = torch.randn(2, 3, 64, 64), torch.tensor([500.0, 100.0]), torch.randn(1, 4, TINY.feature_dim)
    with torch.no_grad():
        assert torch.allclose(guided_target(teacher, x, t, u.expand(2, -1, -1), u, 2.0), teacher(x, t, u.expand(2, -1, -1)), atol=1e-5)


def test_steps_ab_refuses_a_step_count_the_page_does_not_offer(tmp_path):
    """training/steps_ab.py measures only the manifest's allowed_steps (what the page's steps box offers),
    before loading anything."""
    import pytest
    from training import steps_ab
    from training.common import MODELS_DIR
    refused = max(json.load(open(os.path.join(MODELS_DIR, "manifest.json")))["sampler"]["allowed_steps"]) + 1
    with pytest.raises(SystemExit, match="allowed_steps"):
        steps_ab.main(["--steps", str(refused), "--out", str(tmp_path / "s.json")])
    assert not (tmp_path / "s.json").exists()


def test_int8_decoder_graph_quantizes_every_conv_and_its_weights_within_half_a_step():
    """training/int8_decoders.quantize_graph: every Conv of a served decoder becomes ConvInteger fed by
    DynamicQuantizeLinear, the fp32 weights' Casts are gone, and each output channel's uint8 weights
    (zero point 128) times its scale give the weights back within half a quantization step."""
    import numpy as np
    import onnx
    from onnx import numpy_helper
    from training import int8_decoders
    from training.shipped import MODELS_DIR
    src = onnx.load(os.path.join(MODELS_DIR, "decoder_f4.onnx"))
    q = int8_decoders.quantize_graph(src)
    ops = [n.op_type for n in q.graph.node]
    n_conv = sum(n.op_type == "Conv" for n in src.graph.node)
    assert n_conv > 0 and "Conv" not in ops
    assert ops.count("ConvInteger") == n_conv and ops.count("DynamicQuantizeLinear") == n_conv
    inits = {i.name: numpy_helper.to_array(i) for i in src.graph.initializer}
    prod = {o: n for n in src.graph.node for o in n.output}
    qi = {i.name: numpy_helper.to_array(i) for i in q.graph.initializer}
    conv = next(n for n in src.graph.node if n.op_type == "Conv")
    w = conv.input[1]
    W = (inits[w] if w in inits else inits[prod[w].input[0]]).astype(np.float32)
    wq, ws = qi["q0_wq"].astype(np.float32), qi["q0_ws"].reshape(-1, 1, 1, 1)
    assert int(qi["q0_wz"]) == 128
    assert np.all(np.abs((wq - 128) * ws - W) <= ws / 2 + 1e-7)


def test_golden_vectors_of_the_shipped_models_live_outside_the_served_folder(tmp_path):
    """training/manifest.golden_file: public/models publishes only what the page fetches, so the shipped
    models' golden vectors go to golden/ (a path the manifest gives relative to public/models); an export
    anywhere else keeps them beside it."""
    from training.manifest import GOLDEN_DIR, MODELS_DIR, golden_file
    path, rel = golden_file(MODELS_DIR, "encoder")
    assert path == os.path.join(GOLDEN_DIR, "encoder.json") and not os.path.realpath(path).startswith(os.path.realpath(MODELS_DIR) + os.sep)
    assert os.path.normpath(os.path.join(MODELS_DIR, rel)) == os.path.normpath(path)
    path, rel = golden_file(str(tmp_path), "encoder")
    assert rel == os.path.join("golden", "encoder.json") and path == str(tmp_path / "golden" / "encoder.json")


def test_encoder_splits_add_the_third_vendor_and_refuse_held_out_ones():
    """enc_splits (a reader's training images): "train" is the recipe, "train+sources" adds the Fluent drawings of the
    training concepts; a held-out split is refused, never trained on."""
    from training.train_visual import encoder_split_idx
    meta = [dict(i=0, split="train"), dict(i=1, split="sources"), dict(i=2, split="heldout_vendor"),
            dict(i=3, split="sources_heldout"), dict(i=4, split="openmoji"), dict(i=5, split="train")]
    assert encoder_split_idx(meta, "train") == [0, 5]
    assert encoder_split_idx(meta, "train+sources") == [0, 1, 5]
    for bad in ("train+heldout_vendor", "sources_heldout", "train+openmoji"):
        with pytest.raises(ValueError, match="not training splits"):
            encoder_split_idx(meta, bad)

"""Progressive step distillation of the decoders (training/distill_decoders.py --progressive; Salimans & Ho 2022,
Algorithm 2): the target, the schedules, a CPU smoke run of the CLI and the export of step-distilled students."""
import json
import math
import os

import pytest
import torch

from training import data as D
from training.config import TINY
from training.decoder import Decoder, ddim_sample, ddim_timesteps, sampler_schedule
from training.distill_decoders import parse_progressive, progressive_schedule, progressive_step, progressive_target
from training.encoder import SCALES
from training.tests.test_visual import make_mini_packages, packages, rsvg, teacher_models_folder, write_fake_students  # noqa: F401  (fixtures)

SCHED10 = sampler_schedule(1000, 10)
SCHED5 = sampler_schedule(1000, 5)


def sampler_step(x, v, abar, abar_next):
    """training.decoder.ddim_sample's loop body, written out again (Python-float coefficients, x0 clamped)."""
    a, s = math.sqrt(abar), math.sqrt(1 - abar)
    x0 = (a * x - s * v).clamp(-1, 1)
    eps = (x - a * x0) / s
    return math.sqrt(abar_next) * x0 + math.sqrt(1 - abar_next) * eps


class Synthetic(torch.nn.Module):
    """A float64 stand-in teacher: nonlinear in x, t and cond, and large enough that the sampler's x0 clamp bites."""
    def forward(self, x, t, cond):
        tt = (t.double() / 1000).view(-1, 1, 1, 1)
        return 2.5 * torch.tanh(1.5 * x + tt * x.flip(-1)) + cond.double().mean((1, 2)).view(-1, 1, 1, 1)


def tiny_teacher(tokens=4):
    torch.manual_seed(0)
    t = Decoder(TINY, tokens).eval().requires_grad_(False)
    for p in t.parameters():   # a trained-looking teacher: non-zero output, conditional and blank passes differ
        p.add_(0.05 * torch.randn_like(p))
    return t


def test_the_student_schedule_is_every_other_teacher_timestep():
    assert ddim_timesteps(1000, 5) == ddim_timesteps(1000, 10)[::2] == [999, 799, 599, 400, 200]
    sched, k = progressive_schedule(1000, 10, 5)
    assert k == 2 and sched == SCHED10
    assert SCHED5["alphas_cumprod"] == SCHED10["alphas_cumprod"][::2]
    for bad in ((10, 4), (10, 10), (10, 0), (5, 10)):
        with pytest.raises(ValueError):
            progressive_schedule(1000, *bad)


def test_progressive_spec_is_refused_unless_the_teacher_is_offered_at_its_steps(tmp_path):
    # teachers offered at 4-20 steps (the guidance-distilled decoders this round started from)
    (tmp_path / "t10").mkdir()
    json.dump({"sampler": {"steps": 10, "allowed_steps": [4, 6, 8, 10, 15, 20]}}, open(tmp_path / "t10" / "manifest.json", "w"))
    assert parse_progressive("10:5", 1000, str(tmp_path / "t10")) == (10, 5)
    with pytest.raises(SystemExit, match="multiple"):
        parse_progressive("10:4", 1000, str(tmp_path / "t10"))
    with pytest.raises(SystemExit, match="FROM:TO"):
        parse_progressive("10", 1000, str(tmp_path / "t10"))
    json.dump({"sampler": {"steps": 5, "allowed_steps": [5]}}, open(tmp_path / "manifest.json", "w"))
    with pytest.raises(SystemExit, match="not offered at 10 steps"):   # e.g. teachers already step-distilled to 5
        parse_progressive("10:5", 1000, str(tmp_path))
    assert parse_progressive("10:5", 1000, os.path.join(os.path.dirname(os.path.dirname(__file__)), "teachers", "progressive")) == (10, 5)


def test_one_student_step_on_the_target_lands_where_two_teacher_steps_do_float64():
    """Every student step at once (per-row i, the last one ending at abar = 1): one sampler step with the target v
    reproduces the teacher's two sampler steps to float64 precision, clamps biting; the teacher's own v does not."""
    torch.manual_seed(0)
    teacher, ab = Synthetic(), SCHED10["alphas_cumprod"] + [1.0]
    i = torch.arange(5)
    z = torch.randn(5, 3, 8, 8, dtype=torch.float64) * 1.5
    cond = torch.randn(5, 4, 6, dtype=torch.float64)
    v = progressive_target(teacher, z, i, cond, cond[:1], SCHED10, 2, 1.0)
    assert v.dtype == torch.float64
    clamped = 0
    for b in range(5):
        j, x = 2 * b, z[b:b + 1]
        for m in range(2):
            t = torch.tensor([SCHED10["timesteps"][j + m]])
            vt = teacher(x, t, cond[b:b + 1])
            a, s = math.sqrt(ab[j + m]), math.sqrt(1 - ab[j + m])
            clamped += int(((a * x - s * vt).abs() > 1).sum())
            x = sampler_step(x, vt, ab[j + m], ab[j + m + 1])
        one = sampler_step(z[b:b + 1], v[b:b + 1], ab[j], ab[j + 2])
        assert torch.allclose(one, x, atol=1e-10, rtol=0), (b, float((one - x).abs().max()))
        naive = sampler_step(z[b:b + 1], teacher(z[b:b + 1], torch.tensor([SCHED10["timesteps"][j]]), cond[b:b + 1]), ab[j], ab[j + 2])
        assert (naive - x).abs().max() > 1e-2   # an undistilled step does not: the check can fail
    assert clamped > 100   # the clamp was in play, so x~ staying in [-1, 1] mattered


def test_the_student_on_its_target_runs_the_sampler_like_the_teacher_at_twice_the_steps():
    """Through training.decoder.ddim_sample itself (float32, a tiny decoder teacher): the 5-step decode of a student
    that outputs the target v visits the teacher's 10-step decode at every other step and ends where it does."""
    teacher = tiny_teacher()
    cond, uncond = torch.randn(2, 4, TINY.feature_dim), torch.randn(1, 4, TINY.feature_dim)
    xT = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(3))
    seen = {"teacher": [], "student": []}

    class Recorded(torch.nn.Module):
        def __init__(self, name, fn):
            super().__init__()
            self.name, self.fn = name, fn

        def forward(self, x, t, c):
            seen[self.name].append(x.clone())
            return self.fn(x, t, c)

    def student(x, t, c):
        i = torch.full((x.shape[0],), len(seen["student"]) - 1)
        assert float(t[0]) == SCHED5["timesteps"][int(i[0])]
        return progressive_target(teacher, x, i, c, uncond, SCHED10, 2, 1.0)

    ten = ddim_sample(Recorded("teacher", teacher), cond, uncond, SCHED10, 1.0, x=xT.clone())
    five = ddim_sample(Recorded("student", student), cond, uncond, SCHED5, 1.0, x=xT.clone())
    assert len(seen["teacher"]) == 10 and len(seen["student"]) == 5
    for k in range(5):
        assert torch.allclose(seen["student"][k], seen["teacher"][2 * k], atol=1e-5), k
    assert torch.allclose(five, ten, atol=1e-5)
    plain = ddim_sample(teacher, cond, uncond, SCHED5, 1.0, x=xT.clone())
    assert (plain - ten).abs().max() > 1e-2   # the undistilled teacher at 5 steps lands elsewhere


def test_blank_rows_take_the_teachers_blank_pass_and_training_lowers_the_loss():
    """With the blank features as cond, the target is the teacher's two-step target from v_u alone, whatever the
    guidance (a guided pair on blank is v_u); a few optimizer steps pull the student towards the target."""
    teacher = tiny_teacher()
    blank = torch.randn(1, 4, TINY.feature_dim)
    cond = torch.cat([torch.randn(1, 4, TINY.feature_dim), blank])
    z, i = torch.randn(2, 3, 64, 64), torch.tensor([1, 4])
    one = progressive_target(teacher, z, i, cond, blank, SCHED10, 2, 1.0)
    two = progressive_target(teacher, z, i, cond, blank, SCHED10, 2, 2.0)
    assert torch.allclose(one[1], two[1], atol=1e-5)          # blank row: v_u either way
    assert not torch.allclose(one[0], two[0], atol=1e-3)      # conditional row: guidance matters
    import copy
    student = copy.deepcopy(teacher).train().requires_grad_(True)
    opt = torch.optim.Adam(student.parameters(), lr=1e-3)
    x0 = torch.rand(4, 3, 64, 64) * 2 - 1
    c4, eps = torch.cat([cond, cond]), torch.randn(4, 3, 64, 64)
    losses = [progressive_step(student, teacher, opt, x0, c4, blank, torch.tensor([0, 1, 3, 4]), eps, SCHED10, 2, 1.0) for _ in range(25)]
    assert losses[-1] < 0.85 * losses[0]   # the target is hard for a tiny net from the teacher: slow but steady


@pytest.mark.usefixtures("packages", "rsvg")
def test_cli_smoke_writes_a_loadable_step_distilled_student(tmp_path, monkeypatch):
    """`--progressive 10:5 --scales f4 --max-steps 2 --batch 2 --limit 4` on a tiny dataset built from the npm
    packages (training/data is not in a clean clone), the round's teachers (training/teachers/progressive: the
    10-step decoders the shipped ones were distilled from); Table 1 is stubbed (the judge on CPU takes minutes) but
    sees which decoders at which steps it is asked for."""
    from training import distill_decoders, eval_visual, shipped
    from training.export import TEACHERS_DIR
    teachers = os.path.join(TEACHERS_DIR, "progressive")
    make_mini_packages(str(tmp_path / "nm"))
    D.build(str(tmp_path / "nm"), str(tmp_path / "data"))
    calls = []

    def table1(device, max_openmoji=600, batch=128, steps=None, limit=None, decs=None, guidance=None, enc=None):
        calls.append({"steps": steps, "decs": decs, "guidance": guidance})
        row = {"psnr_r": 20.0, "judge_top1": 0.5, "psnr_d": 15.0}
        return {"steps": steps, "sets": {"heldout_concept": {s: row for s in SCALES}}}, None

    monkeypatch.setattr(eval_visual, "evaluate", table1)
    out = tmp_path / "out"
    distill_decoders.main(["--progressive", "10:5", "--scales", "f4", "--max-steps", "2", "--batch", "2", "--limit", "4",
                           "--device", "cpu", "--data", str(tmp_path / "data"), "--out-dir", str(out), "--teachers", teachers])
    assert sorted(os.listdir(out)) == ["decoder_f4.pt", "table1_ab.json"]
    d, ck = shipped.load_student("f4", str(out), teachers)
    w = shipped.manifest(teachers)["sampler"]["guidance"]
    assert ck["step"] == 2 and ck["guidance_distilled"]
    assert ck["step_distilled"] == {"from": 10, "to": 5, "guidance": w, "train_steps": 2}
    assert ck["init_steps"] == shipped.manifest(teachers)["models"]["decoder_f4"]["distilled_steps"]   # earlier rounds counted
    teacher = shipped.load_decoder("f4", models_dir=teachers)
    moved = [k for k, v in ck["ema"].items() if v.is_floating_point() and v.dim() == 1 and not torch.equal(v, teacher.state_dict()[k])]
    assert moved   # two optimizer steps reached the EMA (biases are stored fp32)
    assert [c["steps"] for c in calls] == [10, 5, 5]
    teacher10, student5, teacher5 = (c["decs"] for c in calls)
    assert student5["f4"] is not teacher10["f4"] and teacher5["f4"] is teacher10["f4"]
    assert all(student5[s] is teacher10[s] for s in SCALES if s != "f4")
    assert student5["f4"].distilled_guidance == w   # evaluated at the default guidance: its conditional pass alone
    assert all(c["guidance"] is None for c in calls)
    rep = json.load(open(out / "table1_ab.json"))
    assert set(rep) >= {"teacher_10_steps", "student_5_steps", "teacher_5_steps_undistilled", "steps", "train_seconds", "batch", "lr", "device"}
    assert rep["steps"] == {"f4": 2} and rep["progressive"] == {"from": 10, "to": 5}


def test_export_of_step_distilled_students_offers_their_steps_only(tmp_path):
    """`export --distilled` with step-distilled students: the sampler's default and only allowed step count is theirs
    (its schedule added, the others kept), the visual config's sample_steps follows, each decoder says so, and
    distilled_steps counts this round on top of the earlier ones; students disagreeing on steps are refused."""
    from training import export, shipped
    models, man = teacher_models_folder(tmp_path)
    w = man["sampler"]["guidance"]
    students = write_fake_students(tmp_path, lambda s: {
        "step": 7, "init_steps": 1200, "blank_frac": 0.1, "scale": s, "guidance_distilled": True,
        "step_distilled": {"from": 10, "to": 4 if s == "f2" else 5, "guidance": w, "train_steps": 7}})
    before = (models / "decoder_f0.onnx").read_bytes()
    with pytest.raises(AssertionError, match="different step counts"):
        export.export_distilled_decoders(str(students), str(models))
    assert (models / "decoder_f0.onnx").read_bytes() == before   # refused before anything was written
    ck = torch.load(students / "decoder_f2.pt")
    ck["step_distilled"]["to"] = 5
    torch.save(ck, students / "decoder_f2.pt")
    m = export.export_distilled_decoders(str(students), str(models))
    assert m["sampler"]["steps"] == 5 and m["sampler"]["allowed_steps"] == [5]
    assert m["sampler"]["schedules"]["5"] == SCHED5 and set(m["sampler"]["schedules"]) == {"4", "5", "6", "8", "10", "15", "20"}
    assert shipped.visual_config(str(models)).sample_steps == 5   # Python's evaluations default to the page's steps
    golden = json.load(open(models / "golden" / "sampler_distilled_f4.json"))
    assert golden["steps"] == 5 and golden["schedule"] == SCHED5   # the distilled path's parity at the page's only count
    for s in SCALES:
        e = m["models"][f"decoder_{s}"]
        assert e["distilled_guidance"] == w and e["distilled_steps"] == 1207
        assert e["step_distilled"] == {"from": 10, "to": 5, "guidance": w, "train_steps": 7}
        assert shipped.load_decoder(s, models_dir=str(models)).distilled_guidance == w


def test_export_of_students_keeps_the_storage_of_the_decoders_they_replace(tmp_path):
    """Without a storage flag, `export --distilled` stores the students' weights as the replaced decoders' float32
    variants were (their manifest storage note: int8 here, DequantizeLinear in the graph), and drops the
    replaced decoders' int8 ConvInteger variants, which hold the old weights."""
    from onnx import load
    from training import export
    from training.half_weights import STORAGE_NOTE
    models, man = teacher_models_folder(tmp_path)
    for s in SCALES:
        e = man["models"][f"decoder_{s}"]
        e["variants"] = [dict(e["variants"][0], storage=STORAGE_NOTE["int8"]), dict(dtype="int8", file=f"decoder_{s}.onnx", requires=[])]
    json.dump(man, open(models / "manifest.json", "w"))
    assert export.served_storage(str(models)) == "int8"
    students = write_fake_students(tmp_path, lambda s: {"step": 7, "scale": s, "guidance_distilled": True})
    m = export.export_distilled_decoders(str(students), str(models))
    for s in SCALES:
        assert [(v["dtype"], v["storage"]) for v in m["models"][f"decoder_{s}"]["variants"]] == [("float32", STORAGE_NOTE["int8"])]
    assert "DequantizeLinear" in {n.op_type for n in load(str(models / "decoder_f4.onnx")).graph.node}
    assert json.load(open(models / "golden" / "sampler_distilled_f4.json"))["steps"] == man["sampler"]["steps"]

"""training/tone_snap.py (a probe, measured and not shipped): the skin palettes read from toned drawings, the snap,
and which plans it applies to."""
import numpy as np

from training import mllm_tasks as T
from training import tone_snap as S

# one skin slot: its six colours in S.TONE_ORDER (none, light .. dark), each darker than the last from light on
SKIN = [[255, 200, 40], [250, 220, 190], [225, 185, 150], [185, 140, 105], [165, 110, 65], [110, 80, 70]]
# hair that some tones change, lighter for one of them (blond): not skin, and over R_OUT from the skin's ramp
HAIR = [[85, 55, 50], [50, 45, 45], [200, 200, 0], [85, 55, 50], [60, 45, 35], [35, 30, 30]]


def drawing(tone_index, size=16):
    """A person: skin on the left 3/4, hair in the top rows, a blue shirt and black eyes that no tone changes."""
    im = np.full((size, size, 3), 255, np.uint8)
    im[4:, :12] = SKIN[tone_index]
    im[:4, :12] = HAIR[tone_index]
    im[12:, :] = (40, 90, 200)
    im[6, 3] = im[6, 8] = (0, 0, 0)
    return im


def fake_data(vendor="google"):
    meta, images = [], []
    for c in ("C0", "C1"):
        for k, tone in enumerate(S.TONE_ORDER):
            meta.append(dict(i=len(meta), vendor=vendor, concept=c, skin_tone=tone, split="train"))
            images.append(drawing(k))
    meta.append(dict(i=len(meta), vendor=vendor, concept="C2", skin_tone="dark", split="train"))   # no default drawing
    images.append(drawing(5))
    return np.stack(images), meta


def test_palettes_find_the_skin_and_leave_the_hair():
    images, meta = fake_data()
    pairs = S.tone_pairs(images, meta, "google")
    slots = S.slots_of(pairs)
    assert sorted(slots) == sorted([SKIN, HAIR])
    assert [S.is_skin(s) for s in slots] == [s == SKIN for s in slots]
    assert S.palettes(images, meta) == {"noto": [SKIN], "twemoji": []}   # no twitter drawings here: no slot


def test_snap_moves_skin_to_the_asked_tone_and_nothing_else():
    for src in range(6):
        for k, tone in enumerate(S.TONE_ORDER[1:], start=1):
            got = S.snap(drawing(src), [SKIN], [tone])
            want = drawing(src)
            want[4:12, :12] = SKIN[k]   # the skin, not the hair, the shirt or the eyes
            want[6, 3] = want[6, 8] = (0, 0, 0)
            assert (got == want).all(), (src, tone)


def test_snap_takes_a_colour_between_two_tones_and_keeps_its_shading():
    between = (np.add(SKIN[3], SKIN[4]) / 2 + np.array([6, -6, 0])).round().astype(np.uint8)   # 8.5 off the ramp
    im = np.full((2, 2, 3), between, np.uint8)
    got = S.snap(im, [SKIN], ["dark"]).astype(int)
    off = np.array([6, -6, 0])
    assert np.abs(got[0, 0] - (np.array(SKIN[5]) + off)).max() <= 1


def test_snap_fades_between_the_radii():
    """Within R_IN of the ramp a pixel moves all the way, half way between the radii, beyond R_OUT not at all."""
    on = np.array(SKIN[3], float)
    n = np.cross(np.subtract(SKIN[4], SKIN[3]), np.subtract(SKIN[3], SKIN[2])).astype(float)
    n /= np.linalg.norm(n)   # off the ramp, square to both of the segments that meet at SKIN[3]
    for d, w in ((S.R_IN - 2, 1.0), ((S.R_IN + S.R_OUT) / 2, 0.5), (S.R_OUT + 2, 0.0)):
        im = np.full((1, 1, 3), np.floor(on + d * n + 0.5), np.uint8)
        got = S.snap(im, [SKIN], ["light"]).astype(float)[0, 0]
        want = im[0, 0] + w * (np.array(SKIN[1]) - on)
        assert np.abs(got - want).max() <= 3, (d, got, want)


def test_two_tones_go_left_and_right():
    im = np.full((4, 8, 3), SKIN[0], np.uint8)
    got = S.snap(im, [SKIN], ["light", "dark"])
    assert (got[:, :4] == SKIN[1]).all() and (got[:, 4:] == SKIN[5]).all()


def test_plan_target():
    styles = {"noto": [SKIN]}
    assert S.plan_target(T.plan_text(dict(name="waving hand", vendor="google", skin_tone="dark")), styles) == ([SKIN], ["dark"])
    assert S.plan_target("couple | noto | light and medium-dark", styles) == ([SKIN], ["light", "medium-dark"])
    assert S.plan_target("waving hand | noto | none", styles) is None          # no tone asked: left as drawn
    assert S.plan_target("waving hand | twemoji | dark", styles) is None       # no palette for the style
    assert S.plan_target("waving hand | noto | purple", styles) is None
    assert S.plan_target("waving hand", styles) is None

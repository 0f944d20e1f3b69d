"""Disc finders, rib heads and the level anchors on inputs whose answer is known by construction."""
import numpy as np

from jmedseg.spine.column import Column
from jmedseg.spine.discs import find_area_discs, find_endplate_discs, merge_discs
from jmedseg.spine.levels import Segment, assign_names
from jmedseg.spine.ribs import find_rib_heads


def _thoracic_core_profile(band_centres, length=260.0, seed=0):
    """Median HU of a body's core every 1 mm: cancellous 140 HU (+5 HU noise) with a bright endplate band
    (+80 HU, 2 mm Gaussian: two plates around a 4-6 mm disc at 1.5 mm slices) at each disc."""
    s = np.arange(0.0, length, 1.0)
    hu = 140.0 + np.random.default_rng(seed).normal(0.0, 5.0, len(s))
    for c in band_centres:
        hu += 80.0 * np.exp(-0.5 * ((s - c) / 2.0) ** 2)
    return s, hu


def test_endplate_bands_are_thin_discs_at_their_centres():
    centres = [15.0, 37.0, 58.0, 80.0, 100.0, 121.0, 140.0, 160.0, 179.0, 198.0, 217.0, 236.0]
    s, hu = _thoracic_core_profile(centres)
    found, _ = find_endplate_discs(s, hu)
    assert len(found) == len(centres), found
    # 1.5 mm: the profile's 1 mm step plus the noise's pull on a 2 mm wide peak
    assert np.abs(np.array(found) - centres).max() <= 1.5, found


def test_a_darker_body_middle_is_not_a_disc():
    """Basivertebral veins and fatty marrow make a body's middle darker, never brighter: no band, no disc."""
    s, hu = _thoracic_core_profile([40.0, 62.0])
    hu -= 40.0 * np.exp(-0.5 * ((s - 120.0) / 4.0) ** 2)
    assert np.allclose(find_endplate_discs(s, hu)[0], [40.0, 62.0], atol=1.5)


def test_area_dips_are_thick_discs_and_the_column_end_is_not_one():
    """Body area per 3 mm bin: 1200 mm^2 plateaus (vertebrae 10 bins tall) with 2-bin dips to 300 mm^2, the
    column starting in a dip (the body entering the scan)."""
    area = np.full(60, 1200.0)
    for d in (0, 1, 20, 21, 40, 41):
        area[d] = 300.0
    found = find_area_discs(area, 0, 59, 3.0)
    assert len(found) == 2 and all(abs(f - d) <= 1 for f, d in zip(found, (20.5, 40.5))), found


def test_thin_discs_replace_area_dips_above_the_lowest_rib_only():
    merged = merge_discs([40.0, 75.0, 112.0], [32.0, 48.0, 70.0, 100.0, 122.0, 141.0], thoracic_from=90.0)
    # below 90 mm the area dips stand (the lumbar endplates either side of them are not discs); above it the
    # bands stand, and the area dip at 112 mm (a rib head or the aorta against the body) is dropped
    assert merged == [40.0, 75.0, 100.0, 122.0, 141.0]
    assert merge_discs([40.0, 75.0], [32.0, 100.0], thoracic_from=None) == [40.0, 75.0]


def _column_with_bones(nz=60, size=90):
    """A working grid of 3 mm pixels and 2 mm slices, column centre in the middle, no bone yet."""
    centre = np.tile([size / 2, size / 2], (nz, 1)).astype(float)
    bone = np.zeros((size, size, nz), bool)
    empty = np.zeros(nz, bool)
    return Column(centre, centre.copy(), ~empty, np.zeros(nz), bone.copy(), bone.copy(), bone, np.full(nz, size / 2))


def _rod(bone, x_mm, y_mm, z_mm, spacing=(3.0, 3.0, 2.0), centre=45):
    """Bone along the polyline through the (dx, dy, z) mm points (dx, dy from the column centre)."""
    for t in np.linspace(0.0, 1.0, 200):
        x = np.interp(t, np.linspace(0, 1, len(x_mm)), x_mm)
        y = np.interp(t, np.linspace(0, 1, len(y_mm)), y_mm)
        z = np.interp(t, np.linspace(0, 1, len(z_mm)), z_mm)
        i, j, k = int(round(centre + x / spacing[0])), int(round(centre + y / spacing[1])), int(round(z / spacing[2]))
        bone[i - 1:i + 1, j - 1:j + 1, k] = True


def test_rib_heads_are_long_bones_ending_at_the_column():
    col = _column_with_bones()
    sp = (3.0, 3.0, 2.0)
    _rod(col.bone, [-22, -45, -90], [-12, -30, -40], [60, 56, 40])        # a rib on the patient's left (-x in RAS)...
    _rod(col.bone, [22, 45, 90], [-12, -30, -40], [80, 76, 60])           # ... and one on the right, 20 mm higher
    _rod(col.bone, [22, 50], [-15, -18], [30, 30])                        # a transverse process: ends at 50 mm
    _rod(col.bone, [-45, -60, -100], [-20, -40, -60], [20, 30, 40])       # the ilium: starts 45 mm out
    _rod(col.bone, [22, 40, 90], [5, 20, 40], [100, 100, 95])             # in front of the body: aorta, clavicle
    heads = find_rib_heads(col, sp, 0, col.bone.shape[2] - 1)
    assert sorted((round(z * sp[2] / 4) * 4, side) for z, side in heads) == [(60, "left"), (80, "right")]


def _segments(n, ribs, cut_below=False):
    segs = [Segment(10 * i, 10 * i + 8, lower_disc=i > 0 or not cut_below, upper_disc=i < n - 1) for i in range(n)]
    for i, sides in ribs.items():
        segs[i].ribs = sides
        segs[i].rib_z = [segs[i].lo + 5.0] * len(sides)       # heads on the body's upper half, one level
    return segs


def test_first_rib_pair_and_lowest_rib_agree_and_confirm_the_thoracic_levels():
    """L2, L1 rib-free; 12 rib-bearing vertebrae; C7 and C6 without a pair above: both rib anchors agree."""
    pair = ("left", "right")
    segs = _segments(16, {i: pair for i in range(2, 14)} | {14: ("right",)})
    info = assign_names(segs, dz=2.0)
    assert info["agree"] and info["summary"] == "confirmed by ribs and first rib pair"
    names = [s.name for s in segs]
    assert names[:15] == ["L2", "L1", "T12", "T11", "T10", "T9", "T8", "T7", "T6", "T5", "T4", "T3", "T2", "T1", "C7"]
    assert names[15] is None                                               # above C7: not named
    assert all(not s.flags for s in segs[2:14]) and all("uncertain_level" in s.flags for s in segs[:2] + segs[14:])


def test_thirteen_rib_bearing_vertebrae_make_the_anchors_disagree_with_the_counts_in_the_note():
    segs = _segments(16, {i: ("left", "right") for i in range(1, 14)})
    info = assign_names(segs, dz=2.0)
    # one against one, the first pair names the levels (levels.naming_rank; 13 pairs leave its count right)
    assert info["agree"] is False
    assert info["summary"] == "ribs and first rib pair disagree; named from the first rib pair"
    assert all("uncertain_level" in s.flags for s in segs)
    assert "lowest rib-bearing vertebra (T12) at vertebra 2" in segs[0].notes[0]
    assert "first rib pair (T1) at vertebra 14" in segs[0].notes[0] and "T12 expected at 3" in segs[0].notes[0]


def test_a_rib_bearing_vertebra_at_the_cut_lower_edge_is_not_the_t12_anchor():
    """Its rib may be the eleventh, with T12 below the scan: only the first rib pair names the levels."""
    segs = _segments(14, {i: ("left", "right") for i in range(0, 12)}, cut_below=True)
    info = assign_names(segs, dz=2.0)
    assert info["t12_segment"] is None and info["t1_segment"] == 11
    assert info["summary"] == "one anchor only (the first rib pair (T1))"
    assert segs[0].name == "T12" and all("uncertain_level" in s.flags for s in segs)


def test_the_vertebra_above_the_first_pair_counts_when_enough_of_it_is_in_view():
    """A cut top vertebra without ribs validates the first pair when 15 mm of it show (its rib head would),
    not when a 10 mm sliver does (T1 could be cut there, its pair above the scan)."""
    pair = ("left", "right")
    for top_mm, expected in ((16.0, 12), (10.0, None)):
        segs = _segments(14, {i: pair for i in range(1, 13)})
        segs[-1].hi = segs[-1].lo + int(top_mm / 2.0) - 1                 # 2 mm slices
        assert assign_names(segs, dz=2.0)["t1_segment"] == expected, top_mm


def test_chest_phantom_is_confirmed_by_its_first_and_lowest_rib():
    """End to end on a synthetic chest CT with exact labels (benchmark case 0: 12 rib pairs, 3 mm slices, native):
    the first rib pair and the lowest rib (L1 below it in view) agree, so T1-T12 are confirmed, and every
    confirmed name is the true level (right name, centroid within 20 mm). The only check of ribs counted from the
    top on a CT whose truth is known exactly; 10-15 s on a quiet core (the phantom's generation is most of it)."""
    from jmedseg.data.io import Volume
    from jmedseg.data.synth.trunk import synth_trunk_case
    from jmedseg.data.synth.trunk.scoring import score_labelling
    from jmedseg.spine import label_vertebrae

    case = synth_trunk_case(np.random.default_rng([2026, 0]), phase="native", fov="chest")
    assert case.variant["rib_pairs"] == 12 and {"first_rib", "last_rib"} <= set(case.anchors_in_view)
    _, report = label_vertebrae(Volume(case.hu.astype(np.float32), case.affine, case.spacing))
    score = score_labelling(case, report)
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert score["confirmed_wrong"] == [] and not score["refused"], score
    assert {f"T{i}" for i in range(1, 13)} <= set(score["identified"]), score["identified"]

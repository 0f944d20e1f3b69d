"""The first rib pair under a scan top that cuts C7, counted by the rib count from the lowest rib (issue 20, branch
`cut11`, `jmedseg.spine.cut_top`).

Constructed scenes: 3 mm slices, 6-slice segments with a disc slice between them, three lumbar vertebrae, twelve
rib-bearing ones (heads 4 slices over each segment's lowest slice, 13.5 mm: T1's upper half), the column's top
piece over the highest pair a 2-slice sliver of C7 (6 mm, under `NEIGHBOUR_SEEN_MM`), the scan not clear of ribs
over it (`ribs_clear_to` None): `levels.find_anchors` counts the lowest rib alone. The band reading over the pair
(`cut_top.rib_bone_over`) is given as a stub.
"""
import numpy as np
import pytest

from jmedseg.spine.cut_top import count_first_pair_by_rib_count
from jmedseg.spine.levels import Segment, assign_names
from tests.spine.benchmark_ct import assert_thoracic_levels_unflagged_near_truth, label_benchmark_ct
from tests.spine.test_levels_disagreement import PAIR

DZ = 3.0
LUMBAR = 3


def _column(ribs=12, top_piece=True):
    """Segments inferior to superior: `LUMBAR` bare, `ribs` with a pair, and a bare 2-slice top piece."""
    n = LUMBAR + ribs
    segs = [Segment(7 * i, 7 * i + 5, lower_disc=i > 0, upper_disc=top_piece or i < n - 1) for i in range(n)]
    for i in range(LUMBAR, n):
        segs[i].ribs = PAIR
        segs[i].rib_z = [segs[i].lo + 4.0] * 2
    if top_piece:
        segs.append(Segment(7 * n, 7 * n + 1, lower_disc=True, upper_disc=False))
    return segs


def _names(segs, band):
    info = assign_names(segs, dz=DZ, first_pair_by_count=lambda s, a, d: count_first_pair_by_rib_count(
        s, a, d, DZ, lambda z: band))
    return info, [s.name for s in segs]


def test_twelve_rib_levels_and_no_rib_over_the_pair_count_the_first_pair():
    """No bone reaching the first rib's reach over the pair: T1 counted, T1-T12 confirmed by the two rib anchors."""
    for top_piece in (True, False):            # C7's sliver as a segment of its own, or the column's top at T1
        segs = _column(top_piece=top_piece)
        info, names = _names(segs, False)
        assert info["t1_segment"] == LUMBAR + 11 and info["t12_segment"] == LUMBAR
        assert info["summary"] == "confirmed by ribs and first rib pair"
        assert names[LUMBAR:LUMBAR + 12] == [f"T{k}" for k in range(12, 0, -1)]
        assert not any("uncertain_level" in s.flags for s in segs[LUMBAR:LUMBAR + 12])


@pytest.mark.parametrize("band", [True, None])
def test_rib_over_the_pair_or_no_slice_there_counts_nothing(band):
    """A rib in the band over the pair (the first rib of a T1 cut under its head), or no slice to read: one anchor."""
    segs = _column()
    info, _ = _names(segs, band)
    assert info["t1_segment"] is None
    assert info["summary"] == "one anchor only (the lowest rib-bearing vertebra (T12))"
    assert all("uncertain_level" in s.flags for s in segs)


def test_eleven_or_thirteen_rib_levels_count_nothing():
    """T2's pair under a cut T1 (eleven levels) or a 13th: the count does not make the pair the first."""
    for ribs in (11, 13):
        info, _ = _names(_column(ribs=ribs), False)
        assert info["t1_segment"] is None


def test_a_bare_vertebra_in_the_chain_counts_nothing():
    """A rib-free vertebra among the twelve (a false disc, a missed rib): `rib_anchor_doubt`'s chain refuses."""
    segs = _column(ribs=12)
    segs[LUMBAR + 5].ribs, segs[LUMBAR + 5].rib_z = (), []
    info, _ = _names(segs, False)
    assert info["t1_segment"] is None


def test_a_dissenting_anchor_is_not_outvoted():
    """The sacrum counting otherwise than the lowest rib: the pair is not added to outvote it."""
    anchors, doubts = {"T12": LUMBAR, "S1": 1}, {}
    assert count_first_pair_by_rib_count(_column(), anchors, doubts, DZ, lambda z: False) is None
    assert "T1" not in anchors


def test_seed_127_ct_21_c7_cut_counts_the_first_pair(tmp_path):
    """Seed 127 CT 21 (chest + abdomen, arterial, 5 mm): the scan's top cuts C7 (10 mm of it followed), twelve rib
    levels from T12 to T1 and the band over T1's heads empty. Before: one anchor only, refused. Now T1-T12
    confirmed by the two rib anchors, each near its own centre."""
    case, report, score = label_benchmark_ct(tmp_path, 127, 21, "chest_abdomen", "arterial")
    assert report["summary"] == "confirmed by ribs and first rib pair"
    assert_thoracic_levels_unflagged_near_truth(case, report)
    assert score["confirmed_wrong"] == []


def test_thirteen_ribs_with_t1_cut_under_its_head_is_not_confirmed(tmp_path):
    """A 13-rib phantom subject (a rib on L1), chest + abdomen at 5 mm, the scan's top cut at T1's centre (under its
    rib's head): ribs 2-13 count twelve. The first rib's shaft lies in the band 6 mm over the second pair's heads
    and the sacrum disagrees: nothing is confirmed."""
    from dataclasses import replace

    from jmedseg.data import io
    from jmedseg.data.synth import trunk
    from jmedseg.spine import label_vertebrae

    case = trunk.synth_trunk_case(np.random.default_rng([9001]), fov="chest_abdomen",
                                  variant=trunk.Variant(rib_pairs=13), max_voxels=12_000_000, cap_coarsens="pixels")
    path = str(tmp_path / "ct_13ribs.nii")
    trunk.save_case(case, path)
    volume = io.load_volume(path)
    top = int(np.floor((case.all_centroids["T1"][2] - volume.affine[2, 3]) / volume.affine[2, 2]))
    report = label_vertebrae(replace(volume, array=volume.array[:, :, :top + 1].copy()))[1]
    assert not report["anchors"]["t1_first_rib_pair"]
    assert all("uncertain_level" in e["flags"] for e in report["levels"] if e["name"] in
               [f"T{k}" for k in range(1, 13)])


def test_at_5_mm_a_miscut_thoracic_segment_counts_nothing():
    """At 5 mm the segments of T2-T8 must be cut where their heads say (`thick_chain.heads_in_upper_half`): T7's
    heads low in its span (a disc placed inside T6, seed 59 CT 45's cause) count nothing; all high: counted."""
    segs = _column()
    assert count_first_pair_by_rib_count(segs, {"T12": LUMBAR}, {}, 5.0, lambda z: False) is not None
    segs[LUMBAR + 5].rib_z = [segs[LUMBAR + 5].lo + 0.5] * 2
    anchors = {"T12": LUMBAR}
    assert count_first_pair_by_rib_count(segs, anchors, {}, 5.0, lambda z: False) is None and "T1" not in anchors

"""The C7/T1 disc at 5 mm placed over the first rib pair's heads (issue 20, branch `top5`, `spine.top_split`).

Constructed scene: 5 mm slices, 4-slice segments with a disc slice between them (a 25 mm pitch), two lumbar
vertebrae, eleven rib-bearing ones with their discs, and T1 with C7 over it as one segment at the column's top (the
C7/T1 disc missed); each rib pair's heads 2.5 slices over its segment's lowest slice (the upper half), the core a
flat 250 HU with, where asked, a shallow dip (the disc averaged with its two endplates) over rib 1's heads.
"""
import numpy as np

from jmedseg.spine.discs import MIN_PITCH_MM
from jmedseg.spine.levels import assign_names, segments_between
from jmedseg.spine.ribs import mark_rib_bearing
from jmedseg.spine.top_split import split_top_at_first_heads
from tests.spine.benchmark_ct import assert_thoracic_levels_unflagged_near_truth, label_benchmark_ct

DZ = 5.0
LUMBAR, RIBS = 2, 12
HI = 5 * (LUMBAR + RIBS) + 3          # the column's top slice: C7's 4 slices over T1's, no disc slice between


def _scene(dip_hu=-12.0, low=None):
    """(segments, discs, disc arcs, heads, profile, arc): discs at slices 4, 9, ..., the last under T1; `low`: the
    index of a rib-bearing segment whose heads lie 1 slice over its lowest slice (a mis-cut segment)."""
    discs = [5 * i + 4 for i in range(LUMBAR + RIBS - 1)]
    arc = np.arange(HI + 1) * DZ
    heads = []
    for i in range(LUMBAR, LUMBAR + RIBS):
        z = 5 * i + (1.0 if i == low else 2.5)
        heads += [(z, "left"), (z + 0.01, "right")]
    s = np.arange(0.0, arc[-1], 1.0)
    first = 5 * (LUMBAR + RIBS - 1) + 2.5                   # rib 1's heads (slice)
    core = 250.0 + dip_hu * np.exp(-0.5 * ((s - (first + 1.5) * DZ) / 2.0) ** 2)
    segs = segments_between(discs, 0, HI, DZ)
    _prepare(segs, heads)
    return segs, discs, [d * DZ for d in discs], heads, (lambda: (s, core)), arc


def _prepare(segs, heads):
    mark_rib_bearing(segs, heads, DZ, MIN_PITCH_MM)


def _split(scene, dz=DZ):
    segs, discs, arcs, heads, profile, arc = scene
    return split_top_at_first_heads(segs, discs, arcs, heads, profile, arc, 0, HI, dz,
                                    lambda t: _prepare(t, heads), {})


def test_top_segment_split_over_rib_1_where_the_core_dips():
    """A 12 HU dip 7.5 mm over rib 1's heads: C7/T1 put there, C7 rib-free over T1; both rib anchors confirm."""
    segs, discs, _, _, _, _ = scene = _scene()
    assert len(segs) == LUMBAR + RIBS and assign_names(segs, dz=DZ)["t1_segment"] is None
    after, new, _ = _split(scene)
    assert len(after) == len(segs) + 1 and new[:-1] == discs and new[-1] == 5 * (LUMBAR + RIBS) - 1
    assert not after[-1].ribs and len(after[-2].ribs) == 2
    info = assign_names(after, dz=DZ)
    assert info["summary"] == "confirmed by ribs and first rib pair"
    assert [s.name for s in after[LUMBAR:]] == [f"T{k}" for k in range(12, 0, -1)] + ["C7"]


def test_no_split_without_a_dip_or_at_thin_slices():
    """A flat core (no disc tissue over the heads) or slices under `THICK_SLICE_MM`: nothing changes."""
    for scene, dz in ((_scene(dip_hu=0.0), DZ), (_scene(), 3.0)):
        after, new, _ = _split(scene, dz)
        assert after is scene[0] and new is scene[1]


def test_a_miscut_segment_splits_and_stays_flagged_with_its_neighbours():
    """T6's heads in the lower half of its span (a disc placed inside a neighbour): the split is made (the rib count
    stands; branch `top12`, `low_heads`) and the naming leaves T5, T6 and T7 unconfirmed, where a first pair at 5 mm
    would have confirmed a level on its neighbour."""
    scene = _scene(low=LUMBAR + 6)
    after, _, _ = _split(scene)
    assert len(after) == len(scene[0]) + 1 and not after[-1].ribs
    info = assign_names(after, dz=DZ)
    assert info["summary"] == "confirmed by ribs and first rib pair"
    assert [s.name for s in after if s.name and s.name.startswith("T") and "uncertain_level" in s.flags] == \
        ["T7", "T6", "T5"]


def test_seed_79_ct_4_c7_t1_over_the_first_heads(tmp_path):
    """Seed 79 CT 4 (chest, arterial, 5 mm): C7/T1 a -11 HU trough 3 mm over rib 1's heads, C7 and T1 one 30 mm
    segment. Before: one anchor only, refused. Now confirmed by both rib anchors, C7 rib-free over T1, every level
    named without a flag the nearest to its own centre (T4, T6, T10, whose bodies the track found in 0-1 of their
    slabs, stay flagged)."""
    _, report, score = label_benchmark_ct(tmp_path, 79, 4, "chest", "arterial")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert report["anchors"]["t1_first_rib_pair"] and report["anchors"]["t12_ribs"]
    assert score["confirmed_wrong"] == [] and not score["refused"]
    names = [e["name"] for e in report["levels"]]
    assert names[:2] == ["C7", "T1"] and not report["levels"][0]["ribs"], names


def test_seed_71_ct_9_t1_body_reading_over_the_first_heads(tmp_path):
    """Seed 71 CT 9 (chest + abdomen, portal venous, 5 mm): T1's two endplate bands joined as one disc in its middle,
    C7/T1 an 88 HU trough over rib 1's heads; the band pair's body reading taken. Now confirmed, nothing wrong."""
    case, report, score = label_benchmark_ct(tmp_path, 71, 9, "chest_abdomen", "portal_venous")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert score["confirmed_wrong"] == [] and not score["refused"]
    assert_thoracic_levels_unflagged_near_truth(case, report)

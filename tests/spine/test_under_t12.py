"""L1 and L2 confirmed one lumbar pitch under a confirmed T12 where the ribs and the first pair are the anchors
(`under_t12`, issue 20)."""
import pytest

from jmedseg.spine.levels import Segment
from jmedseg.spine.sacrum import LUMBAR_PITCH_MAX_MM, LUMBAR_PITCH_MM
from jmedseg.spine.under_t12 import confirm_under_t12
from tests.spine.benchmark_ct import label_benchmark_ct

OUTSIDE = "outside T12-T1: counted by discs from one anchor"     # `levels._assign_names`' note


def _column(l1_pitch=30.0, l2_pitch=30.0):
    """L3, L2, L1, T12, T11 bottom to top as `levels` leaves them with T12 the lowest rib anchor agreeing with the first
    pair (T11 stands for T11-T1): L3-L1 flagged for lying outside the anchors. T12's centre at 300 mm, L1's
    `l1_pitch` under it, L2's `l2_pitch` under L1's, L3's 30 mm under L2's. Returns (segments, centroids, info)."""
    segments = [Segment(lo=3 * k, hi=3 * k + 2, lower_disc=True, upper_disc=True, name=name)
                for k, name in enumerate(("L3", "L2", "L1", "T12", "T11"))]
    for seg in segments[:3]:
        seg.flags, seg.notes = ["uncertain_level"], [OUTSIDE]
    z_l1 = 300.0 - l1_pitch
    zs = (z_l1 - l2_pitch - 30.0, z_l1 - l2_pitch, z_l1, 300.0, 325.0)
    info = {"agree": True, "t12_segment": 3, "t1_segment": 4, "sacrum_segment": None, "doubts": {}}
    return segments, [[0.0, -10.0, z] for z in zs], info


def _flags(segments):
    return {s.name: s.flags for s in segments}


def test_l1_and_l2_a_lumbar_pitch_apart_are_confirmed_and_l3_is_not():
    segments, centroids, info = _column()
    assert confirm_under_t12(segments, centroids, info) == ["L1", "L2"]
    assert _flags(segments) == {"L3": ["uncertain_level"], "L2": [], "L1": [], "T12": [], "T11": []}
    assert segments[2].notes == ["the first vertebra under a confirmed T12, its centre 30 mm under T12's (one lumbar "
                                 "pitch, 24-46 mm)"]
    assert segments[1].notes[0].startswith("the first vertebra under a confirmed L1")
    assert segments[0].notes == [OUTSIDE]


def test_the_pitch_limits_are_one_lumbar_pitch():
    """24 and 46 mm (`LUMBAR_PITCH_MM`, `LUMBAR_PITCH_MAX_MM`) confirm; 23.5 (a false disc cutting L1, 193/41 and
    179/73: 10-18 mm) and 46.5 (a missed L1/L2 disc, 191/89: 48 mm) do not."""
    assert (LUMBAR_PITCH_MM, LUMBAR_PITCH_MAX_MM) == (24.0, 46.0)
    for pitch in (24.0, 46.0):
        assert confirm_under_t12(*_column(l1_pitch=pitch)) == ["L1", "L2"], pitch
    for pitch in (23.5, 46.5):
        segments, centroids, info = _column(l1_pitch=pitch)
        assert confirm_under_t12(segments, centroids, info) == [], pitch
        assert _flags(segments)["L1"] == _flags(segments)["L2"] == ["uncertain_level"]


def test_a_label_under_less_than_a_pitch_away_keeps_the_level_over_it_flagged():
    """A false disc under L1 (193/41: "L2" 19 mm under "L1", both within L1): L1's label holds part of its body, and
    neither is confirmed. A false disc under L2 (L3 14 mm under it): L1 confirmed, L2 left flagged. The label under
    cut by the field of view's edge judges nothing (its centre is not its body's)."""
    segments, centroids, info = _column(l2_pitch=14.0)
    assert confirm_under_t12(segments, centroids, info) == []
    assert _flags(segments)["L1"] == _flags(segments)["L2"] == ["uncertain_level"]
    segments, centroids, info = _column()
    centroids[0][2] = centroids[1][2] - 14.0
    assert confirm_under_t12(segments, centroids, info) == ["L1"]
    assert _flags(segments)["L2"] == ["uncertain_level"]
    segments, centroids, info = _column(l2_pitch=14.0)
    segments[1].flags.append("incomplete")
    assert confirm_under_t12(segments, centroids, info) == ["L1"]


def test_an_l1_cut_by_the_field_of_view_or_flagged_for_another_reason_stays_flagged_and_so_does_l2():
    for flags, notes in ((["incomplete", "uncertain_level"], [OUTSIDE]),
                         (["uncertain_level"], [OUTSIDE, "its centre lies 32 mm from one neighbour's and 14 mm from "
                                                         "the other's"]),
                         (["uncertain_level"], [OUTSIDE, "anchors disagree (counted from the lowest vertebra in view)"])):
        segments, centroids, info = _column()
        segments[2].flags, segments[2].notes = list(flags), list(notes)
        assert confirm_under_t12(segments, centroids, info) == [], (flags, notes)
        assert _flags(segments)["L2"] == ["uncertain_level"]


def test_a_flagged_t12_or_a_body_without_voxels_confirms_nothing():
    segments, centroids, info = _column()
    segments[3].flags = ["uncertain_level"]
    assert confirm_under_t12(segments, centroids, info) == []
    segments, centroids, info = _column()
    centroids[2] = None
    assert confirm_under_t12(segments, centroids, info) == []


def test_a_counted_sacrum_decides_the_lumbar_count():
    """The sacrum an anchor (with the ribs and the first pair): its count, not this rule, confirms the lumbar levels."""
    segments, centroids, info = _column()
    info["sacrum_segment"] = 0
    assert confirm_under_t12(segments, centroids, info) == []


def test_anchors_disagreeing_or_doubted_or_one_anchor_confirm_nothing():
    for change in ({"agree": False}, {"t1_segment": None, "agree": None},
                   {"doubts": {"T1": (4, "its heads lie inside the piece over it")}}):
        segments, centroids, info = _column()
        info.update(change)
        assert confirm_under_t12(segments, centroids, info) == [], change


@pytest.mark.parametrize("seed, case_id", [(2026, 5)])
def test_a_chest_abdomen_ct_without_the_sacrum_gets_l1_and_l2_confirmed(tmp_path, seed, case_id):
    """A class CT (confirmed by the ribs and the first pair, no sacrum in view): L1 and L2 confirmed, each within 12 mm
    of its true centre along z (half the shortest lumbar pitch, 24 mm: a name one level off cannot pass), and no
    level confirmed wrong."""
    from benchmarks.spine_labelling import design
    fov, phase = design(case_id)
    assert fov == "chest_abdomen"
    case, report, score = label_benchmark_ct(tmp_path, seed, case_id, fov, phase)
    assert report["summary"] == "confirmed by ribs and first rib pair"
    assert not report["anchors"]["sacrum"]
    levels = {e["name"]: e for e in report["levels"]}
    for name in ("L1", "L2"):
        assert levels[name]["flags"] == [], levels[name]
        assert abs(levels[name]["centroid_mm"][2] - case.levels[name]["centroid_mm"][2]) <= 12.0, name
    assert score["confirmed_wrong"] == []

"""Rib levels under a rib-free vertebra below the run's lowest pair (issue 20, branch `pelvis16`):
`jmedseg.spine.under_bare_vertebra.without_levels_under_bare_vertebra`.

Constructed heads use 5 mm slices and a 5.4-slice (27 mm) pitch, the lower thoracic one of seed 191 CT 13 (T12-T9
heads 171, 198, 227, 254 mm); the first segmentation's body-area dips at slices 31 and 37 leave a 25 mm vertebra
(slices 32-36) between T12's pair (slice 40) and the levels under it. Seed 191 CT 13 and seed 157 CT 58 end to end.
"""
from jmedseg.spine.head_at_disc import NEXT_LEVEL_PITCHES
from jmedseg.spine.levels import segments_between
from jmedseg.spine.under_bare_vertebra import MAX_LEVELS_UNDER, without_levels_under_bare_vertebra
from tests.spine.benchmark_ct import label_benchmark_ct

DZ = 5.0
PITCH = 5.4                                        # slices
RUN = [40.0 + PITCH * n for n in range(4)]         # T12, T11, T10, T9 pairs (slices), the lowest first
PAIR = ("left", "right")
BARE_L1 = segments_between([4, 12, 19, 25, 31, 37, 43, 48, 54], 0, 60, DZ)   # L1 32-36, bare, under T12 (38-42)


def _pairs(*zs):
    return [(float(z), side) for z in zs for side in PAIR]


def _cut(heads, first=BARE_L1):
    return without_levels_under_bare_vertebra(heads, first, DZ)


def test_a_pair_under_a_bare_vertebra_is_dropped():
    """191/13: the enhanced kidneys (delayed phase) a "pair" 11.4 slices (57 mm, 2.1 pitches) under T12's pair, L1 bare
    between: dropped, the run kept in its order."""
    heads = _pairs(RUN[0] - 11.4) + _pairs(*RUN)
    assert _cut(heads) == _pairs(*RUN)


def test_two_one_sided_levels_under_a_bare_vertebra_are_dropped():
    """157/58: right "heads" on L3 and L2, the upper two pitches under T12's pair (the lower one a pitch under it,
    so `rib_run` alone could not reach them: the level over the lowest is one-sided): both dropped."""
    heads = [(RUN[0] - 19.0, "right"), (RUN[0] - 10.8, "right")] + _pairs(*RUN)
    assert _cut(heads) == _pairs(*RUN)


def test_no_whole_segment_between_keeps_the_pair():
    """The real chest CTA's picture: T11's pair low on its body 1.56 pitches under T10's, no segment between dips
    lying wholly between them (the dips at 31 and 43: one segment 32-42 holding T12's heads): kept."""
    heads = _pairs(RUN[0] - 11.4) + _pairs(*RUN)
    assert _cut(heads, segments_between([4, 12, 19, 25, 31, 43, 48, 54], 0, 60, DZ)) == heads


def test_a_thirteenth_pair_or_a_lone_head_within_the_bar_is_kept():
    """A 13th pair one pitch under T12's, or a one-sided head 1.4 pitches under it (a lumbar rib's head low on L1)
    over a short segment between false dips (slices 33-38): under `NEXT_LEVEL_PITCHES`, kept."""
    assert NEXT_LEVEL_PITCHES == 1.5
    short = segments_between([4, 12, 19, 25, 32, 39, 43, 48, 54], 0, 60, DZ)
    for low in (_pairs(RUN[0] - PITCH), [(RUN[0] - 1.4 * PITCH, "left")]):
        heads = low + _pairs(*RUN)
        assert _cut(heads, short) == heads


def test_a_run_of_pairs_under_a_missed_level_is_kept():
    """T11 and T12's pairs a pitch apart under a missed T10 pair (the gap two pitches, a bare segment between): two
    pairs are a run, kept; the ribs then count a level off against the sacrum, refused by the anchors, not here."""
    heads = _pairs(RUN[0] - 2 * PITCH - PITCH, RUN[0] - 2 * PITCH) + _pairs(*RUN)
    assert _cut(heads) == heads


def test_more_levels_than_the_bar_under_the_gap_are_kept():
    """Three one-sided levels under the gap are more than a stray vessel or two (`MAX_LEVELS_UNDER`): kept."""
    assert MAX_LEVELS_UNDER == 2
    heads = [(RUN[0] - 11.0 - PITCH * n, "right") for n in (2, 1, 0)] + _pairs(*RUN)
    assert _cut(heads) == heads


def test_no_pitch_without_two_levels_over_the_gap():
    """A pair under the gap with one level over it gives no pitch: kept; a lone head under a one-sided run too."""
    heads = _pairs(RUN[0] - 11.4, RUN[0])
    assert _cut(heads) == heads
    one_sided = [(RUN[0] - 11.4, "right")] + [(z, "left") for z in RUN]
    assert _cut(one_sided) == one_sided


def _assert_t12_to_l5_confirmed_near_truth(case, report, score):
    """T12-L5 unflagged within 10 mm of their true centres along z (10 mm: under a third of the phantom's 27-40 mm
    lower thoracic and lumbar pitch, so a name one level off cannot pass), none confirmed wrong."""
    assert score["confirmed_wrong"] == [] and not score["refused"], report["summary"]
    levels = {e["name"]: e for e in report["levels"]}
    for name in ("T12", "L1", "L2", "L3", "L4", "L5"):
        truth = case.levels[name]["centroid_mm"][2]
        assert not levels[name]["flags"] and abs(levels[name]["centroid_mm"][2] - truth) <= 10.0, (name, truth)


def test_seed_191_ct_13(tmp_path):
    """Chest + abdomen, delayed, 5 mm: the kidneys a pair on L2. Before: "sacrum and ribs disagree; named from
    the sacrum", refused."""
    case, report, score = label_benchmark_ct(tmp_path, 191, 13, "chest_abdomen", "delayed")
    assert report["summary"] == "confirmed by sacrum and ribs and first rib pair", report["summary"]
    _assert_t12_to_l5_confirmed_near_truth(case, report, score)


def test_seed_157_ct_58(tmp_path):
    """Abdomen + pelvis, portal venous, 3 mm: the right kidney's "heads" on L3 and L2. Before: "one anchor only
    (T12)" (the sacrum dropped for a vertebra three over it bearing ribs), refused."""
    case, report, score = label_benchmark_ct(tmp_path, 157, 58, "abdomen_pelvis", "portal_venous")
    assert report["summary"] == "confirmed by sacrum and ribs", report["summary"]
    _assert_t12_to_l5_confirmed_near_truth(case, report, score)

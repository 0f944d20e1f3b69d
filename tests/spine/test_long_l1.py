"""The lowest rib level in the disc over a segment longer than every lumbar vertebra under it: given to the piece
above (issue 20, 2026-12-06 day, branch `pelvis12`, `jmedseg.spine.long_l1`).

The T12/L1 disc read at the twelfth rib's heads, up in T12: the heads lie in that disc's slices, the segment under
it holds L1 and T12's lower part, longer than each lumbar vertebra under it, and the piece over it is the rest of
T12. Constructed segments (3 mm slices, as seed 2026 CT 123) check each condition; the synthetic benchmark CTs seed
2026 CT 123 and seed 89 CT 15 (phantom-only) end to end.
"""
from jmedseg.spine.levels import Segment, find_anchors
from jmedseg.spine.long_l1 import heads_over_long_segment
from jmedseg.spine.sacrum import SacrumFinding

from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_sacrum_cut_base_disc import _levels_near_truth

DZ = 3.0
# seed 2026 CT 123 (lumbar, 3 mm), disc to disc: L5 24, L4 36, L3 30, L2 30, then L1 with T12's lower part 42 mm
UNDER = [24.0, 36.0, 30.0, 30.0]


def _scene(under_mm, long_mm, piece_mm, piece_top_cut=True, heads_at=0.0, piece_ribs=()):
    """(segments, finding, disc arcs, arc): S1 (33 mm, the column's bottom), one segment per pitch of `under_mm`,
    the long segment (`long_mm` disc to disc), the piece over it (`piece_mm` in view; the scan's top cuts it where
    `piece_top_cut`, else a disc and a 27 mm vertebra above it). The lowest rib level's two heads lie `heads_at`
    slices over the long segment's upper disc slice (0: in it)."""
    discs = [33.0]
    for p in under_mm + [long_mm]:
        discs.append(discs[-1] + p)
    top = discs[-1] + piece_mm + (0.0 if piece_top_cut else 27.0 + DZ)
    if not piece_top_cut:
        discs.append(discs[-1] + piece_mm + DZ)
    arc = [k * DZ for k in range(int(round(top / DZ)) + 1)]
    edges = [0] + [int(round(d / DZ)) for d in discs] + [len(arc)]
    segments = [Segment(edges[j] + (1 if j else 0), edges[j + 1] - 1, lower_disc=j > 0,
                        upper_disc=j < len(edges) - 2) for j in range(len(edges) - 1)]
    low = len(under_mm) + 1
    head = edges[low + 1] + heads_at
    segments[low].ribs, segments[low].rib_z = ("left", "right"), [head, head + 0.05]
    segments[low + 1].ribs = piece_ribs
    return segments, SacrumFinding(segment=0), discs, arc


def test_heads_in_the_disc_over_a_segment_longer_than_each_lumbar_vertebra_go_to_the_piece_above():
    """42 mm against 24-36 mm under it, a 12 mm piece over the disc cut by the scan's top: moved, and the T12 anchor
    (doubted before: the head at the disc above its vertebra) is counted on the piece."""
    segments, finding, discs, arc = _scene(UNDER, 42.0, 12.0)
    assert find_anchors(segments, DZ, finding)[1]["T12"][0] == 5
    assert heads_over_long_segment(segments, finding, discs, arc, DZ)
    assert segments[6].ribs == ("left", "right") and not segments[5].ribs and "42 mm" in segments[6].notes[-1]
    anchors, doubts = find_anchors(segments, DZ, finding)
    assert anchors == {"S1": 0, "T12": 6} and not doubts


def test_a_segment_no_longer_than_the_longest_lumbar_vertebra_under_it_keeps_the_heads():
    """36 mm, as long as L4 under it (one slice is the pitch's reading error: no longer): the segment may be T12
    with the heads of rib 11 in its upper disc, kept."""
    segments, finding, discs, arc = _scene(UNDER, 36.0, 12.0)
    assert not heads_over_long_segment(segments, finding, discs, arc, DZ) and segments[5].ribs


def test_heads_on_the_body_a_whole_vertebra_or_a_rib_above_keep_the_heads():
    """A head on the long segment's body (a slice under its disc), a 27 mm vertebra over the disc (no piece: the
    disc between them is not inside the heads' vertebra), or a piece bearing a rib of its own: kept."""
    segments, finding, discs, arc = _scene(UNDER, 42.0, 12.0, heads_at=-1.0)
    assert not heads_over_long_segment(segments, finding, discs, arc, DZ)
    segments, finding, discs, arc = _scene(UNDER, 42.0, 27.0)
    assert not heads_over_long_segment(segments, finding, discs, arc, DZ)
    segments, finding, discs, arc = _scene(UNDER, 42.0, 12.0, piece_ribs=("right",))
    assert not heads_over_long_segment(segments, finding, discs, arc, DZ)


def test_without_two_whole_lumbar_vertebrae_under_it_the_heads_stay():
    """One lumbar vertebra under the long segment, a possibly missed disc among them, or no sacrum counted (the
    segments under the ribs not known to be whole lumbar vertebrae): nothing to measure it against, kept."""
    segments, finding, discs, arc = _scene([30.0], 42.0, 12.0)
    assert not heads_over_long_segment(segments, finding, discs, arc, DZ)
    segments, finding, discs, arc = _scene(UNDER, 42.0, 12.0)
    segments[2].disc_missed = True
    assert not heads_over_long_segment(segments, finding, discs, arc, DZ)
    segments, finding, discs, arc = _scene(UNDER, 42.0, 12.0)
    assert not heads_over_long_segment(segments, SacrumFinding(segment=None), discs, arc, DZ)


def test_seed_2026_ct_123_lumbar_3_mm_is_confirmed_by_sacrum_and_ribs(tmp_path):
    """Lumbar, portal venous, 3 mm: the T12/L1 disc read 7 mm up in T12 at the twelfth rib's heads, 12 mm of T12 under
    the scan's top. Before: "one anchor only (the sacrum)", every name right. 10 mm: under a third of the shortest
    pitch here (T12-L1, 28 mm), so a name one level off cannot pass."""
    case, report, score = label_benchmark_ct(tmp_path, 2026, 123, "lumbar", "portal_venous")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, ["L1", "L2", "L3", "L4", "L5"])
    assert not score["confirmed_wrong"] and not score["refused"]


def test_seed_89_ct_15_lumbar_5_mm_is_confirmed_by_sacrum_and_ribs(tmp_path):
    """Lumbar, delayed, 5 mm, noise 25 HU: the T12/L1 disc read 10 mm up in T12 at the heads, 15 mm of T12 in view.
    Before: "one anchor only (the sacrum)"."""
    case, report, score = label_benchmark_ct(tmp_path, 89, 15, "lumbar", "delayed")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, ["L1", "L2", "L3", "L4", "L5"])
    assert not score["confirmed_wrong"] and not score["refused"]

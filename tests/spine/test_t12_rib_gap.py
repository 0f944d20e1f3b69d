"""The thoracolumbar junction's discs against the rib levels (issue 20, branch `t12`).

`jmedseg.spine.rib_gap.join_bare_piece`: a rib-free piece between two consecutive rib levels one pitch apart is part
of a vertebra (one disc read twice), not a vertebra whose rib was missed (that one puts the levels two pitches
apart). `jmedseg.spine.head_at_disc.lowest_level_up`: the lowest rib level in a disc goes up to the bare vertebra
over it when the next level lies about one rib pitch up, the rib levels' own pitch counting where the bare vertebra
measures short (its lower disc found up in its body).

Constructed scenes: 2 mm slices, 15-slice pitches (30 mm, a lower thoracic body and its disc), L1 at the bottom
(segment 0), T12..T1 bearing a rib pair at their bodies' middles, C7 at the top.
"""
from jmedseg.spine.discs import MIN_PITCH_MM
from jmedseg.spine.head_at_disc import NEXT_LEVEL_PITCHES, lowest_level_up
from jmedseg.spine.levels import LEVEL_NAMES, assign_names, segments_between
from jmedseg.spine.rib_gap import ONE_PITCH_SHARE, join_bare_piece
from jmedseg.spine.ribs import mark_rib_bearing
from jmedseg.spine.sacrum import SacrumFinding
from tests.spine.benchmark_ct import label_benchmark_ct

DZ = 2.0
PITCH = 15
TOP = PITCH * 14 - 1


def _pairs(zs):
    return sorted((float(z), side) for z in zs for side in ("left", "right"))


def _thorax(extra_disc=None, missing_level=None, one_sided=None):
    """(segments, discs, heads, prepare): L1, T12..T1, C7; an extra disc at slice `extra_disc`; the rib level of
    vertebra `missing_level` (1 = T12) not found; level `one_sided` with its left head only."""
    discs = sorted([PITCH * k for k in range(1, 14)] + ([extra_disc] if extra_disc else []))
    heads = []
    for k in range(1, 13):
        if k != missing_level:
            heads += [h for h in _pairs([PITCH * k + 7]) if k != one_sided or h[1] == "left"]

    def prepare(segs):
        mark_rib_bearing(segs, heads, DZ, MIN_PITCH_MM)

    segs = segments_between(discs, 0, TOP, DZ)
    prepare(segs)
    return segs, discs, heads, prepare


def _join(segs, discs, heads, prepare):
    return join_bare_piece(segs, discs, [float(d) * DZ for d in discs], 0, TOP, DZ, prepare, heads)


def test_a_bare_piece_between_two_rib_levels_a_pitch_apart_is_joined():
    """The T11/T12 disc read twice (seed 67 CT 65, seed 83 CT 4): a false disc at slice 24, 4 mm over the twelfth
    pair's heads, leaves a 10 mm rib-free piece between the twelfth (22) and eleventh (37) levels:
    13 vertebrae for 12 rib levels, the first pair refused. The disc farther from the two levels' middle (24, 5 mm
    off against the real one's 1 mm) goes; T12 and T1 then agree."""
    segs, discs, heads, prepare = _thorax(extra_disc=24)
    assert len(segs) == 15 and not segs[2].ribs
    before = assign_names(segs, DZ)
    assert before["t1_segment"] is None and "T1" in before["doubts"]
    segs, discs, arcs = _join(segs, discs, heads, prepare)
    assert discs == [PITCH * k for k in range(1, 14)] and 24.0 * DZ not in arcs
    assert len(segs) == 14 and all(s.ribs for s in segs[1:13])
    assert "dropped" in segs[1].notes[-1]
    info = assign_names(segs, DZ)
    assert info["summary"] == "confirmed by ribs and first rib pair"
    assert [s.name for s in segs] == list(LEVEL_NAMES[5:19])


def test_a_bare_vertebra_two_pitches_between_levels_stays():
    """The eleventh rib not found: T11 bare between levels two pitches apart (60 mm against 30 mm,
    over `ONE_PITCH_SHARE`): a vertebra whose rib was missed, not a piece; nothing joined."""
    assert 2.0 >= ONE_PITCH_SHARE
    segs, discs, heads, prepare = _thorax(missing_level=2)
    out, out_discs, _ = _join(segs, discs, heads, prepare)
    assert out is segs and out_discs == discs


def test_a_one_sided_level_joins_nothing():
    """One of the two levels with a head on one side only (a one-sided "rib" may be a transverse process or a rib
    part): the levels' count is not trusted, nothing joined."""
    segs, discs, heads, prepare = _thorax(extra_disc=24, one_sided=1)
    out, out_discs, _ = _join(segs, discs, heads, prepare)
    assert out is segs and len(out_discs) == 14


def test_the_lowest_level_in_a_disc_goes_up_by_the_rib_pitch_where_t12_measures_short():
    """Seed 97 CT 10's picture at 3 mm: S1..T10, the T12/L1 disc found 9 mm up in T12 (T12 21 mm disc to disc),
    the twelfth level's heads in that disc, the eleventh 33 mm over it, the rib pitch over it 33 mm. By T12's
    own 21 mm the next level lay over 1.5 pitches up (a rib missed between): not moved, the sacrum alone counted.
    By the rib levels' pitch it lies one vertebra up: moved, T12 counted, and the sacrum agrees."""
    dz, pitch = 3.0, 10
    discs = [pitch * (k + 1) for k in range(9)]
    discs[5] += 3                                   # the T12/L1 disc up in T12 (slice 63)
    segs = segments_between(discs, 0, discs[-1] + pitch - 1, dz)
    heads = _pairs([discs[5] + 11 * k for k in range(4)])
    mark_rib_bearing(segs, heads, dz, MIN_PITCH_MM)
    assert segs[5].ribs and not segs[6].ribs
    assert 11 * dz > NEXT_LEVEL_PITCHES * (discs[6] - discs[5]) * dz     # the old limit: not moved
    assert lowest_level_up(segs, dz) is True
    info = assign_names(segs, dz, SacrumFinding(segment=0))
    assert info["t12_segment"] == 6 and info["summary"] == "confirmed by sacrum and ribs"
    assert [s.name for s in segs] == list(LEVEL_NAMES[:10])


def test_seed_67_ct_65_t11_t12_read_twice(tmp_path):
    """Seed 67 CT 65 (chest + abdomen, native, 5 mm): the T11/T12 disc found at 220 and 240 mm, a 10 mm bare piece
    between the twelfth and eleventh levels (212, 244 mm). Before: one anchor only (T12), refused. Now both rib
    anchors agree, C7-L5 named, nothing confirmed wrong."""
    case, report, score = label_benchmark_ct(tmp_path, 67, 65, "chest_abdomen", "native")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert score["confirmed_wrong"] == [] and not score["refused"]
    assert {f"T{k}" for k in range(1, 13)} <= set(score["identified"])


def test_seed_97_ct_10_lowest_level_in_the_t12_l1_disc(tmp_path):
    """Seed 97 CT 10 (abdomen + pelvis, portal venous, 5 mm): the T12/L1 disc found 8 mm up in T12, the twelfth
    rib's heads in it, T12 measured 20 mm. Before: one anchor only (the sacrum). Now sacrum and ribs agree."""
    case, report, score = label_benchmark_ct(tmp_path, 97, 10, "abdomen_pelvis", "portal_venous")
    assert report["summary"] == "confirmed by sacrum and ribs", report["summary"]
    assert score["confirmed_wrong"] == [] and not score["refused"]
    assert set(score["identified"]) == {"T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5", "S1"}

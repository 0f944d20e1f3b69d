"""Rib-free pieces inside the rib run that are its whole excess count, each joined across its farther disc (issue 20,
2026-12-06 late, branch `top16`, `jmedseg.spine.rib_free_pieces`). Constructed chests at 5 mm, benchmark CT 64 of
seed 199."""
from jmedseg.spine.discs import MIN_PITCH_MM
from jmedseg.spine.levels import find_anchors, segments_between
from jmedseg.spine.rib_free_pieces import join_excess_pieces
from jmedseg.spine.ribs import mark_rib_bearing
from tests.spine.benchmark_ct import label_benchmark_ct

DZ = 5.0
LO, HI, CLEAR_TO = 0, 74, 74
PITCH = 5                     # slices: a 25 mm pitch, a 20 mm body between two discs
# the discs truly at 5 (L2/L1), 10 (L1/T12), ..., 65 (T2/T1), 70 (T1/C7): L2 0-4, L1 6-9, T12 11-14, ..., T1 66-69,
# C7 71-74; vertebra Tn is segment 14 - n, rib r's vertebra's lower disc at 5 * (14 - r) (rib 13 on L1)
DISCS = list(range(5, 71, PITCH))


def _lower_disc(rib):
    return PITCH * (14 - rib)


def _heads(rib_pairs=12):
    """Both sides' heads of `rib_pairs` rib levels: ribs 10-13 a slice over their lower disc, the others three
    slices over it, on their body's upper half (where a disc over the body read twice puts its lower reading's slice:
    the fifth and tenth pairs' heads in seed 199 CT 64)."""
    return sorted((_lower_disc(rib) + (1.0 if rib >= 10 else 3.0), side) for rib in range(rib_pairs, 0, -1)
                  for side in ("left", "right"))


def _read_twice(discs, *true_discs):
    """`discs` with each of `true_discs` read twice: two slices under it and one over it (a 10 mm piece between)."""
    out = [d for d in discs if d not in true_discs]
    return sorted(out + [d + k for d in true_discs for k in (-2, 1)])


def _joined(discs, heads):
    segments = segments_between(discs, LO, HI, DZ)
    mark_rib_bearing(segments, heads, DZ, MIN_PITCH_MM)
    before = find_anchors(segments, DZ, None, CLEAR_TO)
    after = join_excess_pieces(segments, discs, [float(d) * DZ for d in discs], heads, DZ, lambda segs: None,
                               None, CLEAR_TO)
    return segments, before, after


def test_two_discs_read_twice_with_heads_in_their_lower_slices_are_joined():
    """Seed 199 CT 64: T4/T5's and T8/T9's discs each read twice, the fifth and ninth pairs' heads in the lower
    reading's slice (handed down to T5's and T9's segments by the half-pitch reach); refused before, after the join
    T1 and T12 are counted eleven vertebrae apart and the discs kept are the true ones' upper readings."""
    t4_t5, t8_t9 = _lower_disc(4), _lower_disc(8)
    discs = _read_twice(DISCS, t4_t5, t8_t9)
    segments, (_, doubts), (joined, kept_discs, arcs) = _joined(discs, _heads())
    assert "12 rib levels but 14 vertebrae between the discs (2 without a rib)" in doubts["T1"][1]
    assert sorted(set(discs) - set(kept_discs)) == [t8_t9 - 2, t4_t5 - 2]
    assert len(joined) == len(segments) - 2 and len(arcs) == len(kept_discs)
    assert find_anchors(joined, DZ, None, CLEAR_TO) == ({"T12": 2, "T1": 13}, {})
    t5, t9 = joined[9], joined[5]
    assert (t5.lo, t5.hi, t9.lo, t9.hi) == (t4_t5 - PITCH + 1, t4_t5, t8_t9 - PITCH + 1, t8_t9)
    assert "rib_free_pieces" in t5.notes[-1] and "rib_free_pieces" in t9.notes[-1]


def test_one_piece_is_joined_across_the_farther_disc():
    """One disc read twice (T4/T5): the piece between T5's level (in the lower reading's slice) and T4's lies nearer
    T4's, so the lower reading is dropped and T5 spans from its lower disc to the upper reading."""
    t4_t5 = _lower_disc(4)
    discs = _read_twice(DISCS, t4_t5)
    _, (_, doubts), (joined, kept_discs, _) = _joined(discs, _heads())
    assert "12 rib levels but 13 vertebrae between the discs (1 without a rib)" in doubts["T1"][1]
    assert sorted(set(discs) - set(kept_discs)) == [t4_t5 - 2]
    assert find_anchors(joined, DZ, None, CLEAR_TO) == ({"T12": 2, "T1": 13}, {})
    assert (joined[9].lo, joined[9].hi) == (t4_t5 - PITCH + 1, t4_t5)


def test_a_vertebra_whose_rib_was_missed_is_not_joined():
    """The sixth pair not found: T6 is rib-free inside the run, but the levels round it lie two pitches apart (a
    whole vertebra between them, not a piece); nothing joined, the first pair still refused."""
    heads = [h for h in _heads() if abs(h[0] - (_lower_disc(6) + 3.0)) > 0.1]
    segments, (_, doubts), (joined, kept_discs, _) = _joined(DISCS, heads)
    assert "T1" in doubts and joined is segments and kept_discs == DISCS


def test_a_13_rib_cage_with_a_disc_read_twice_stays_refused():
    """Thirteen pairs (the thirteenth on L1, L2 rib-free under it): joining the piece leaves thirteen levels between the lowest rib and the
    first pair, twelve vertebrae apart, not T12-T1; nothing joined."""
    discs = _read_twice(DISCS, _lower_disc(4))
    heads = _heads(rib_pairs=13)
    segments, (_, doubts), (joined, kept_discs, _) = _joined(discs, heads)
    assert "T1" in doubts and joined is segments and kept_discs == discs


def test_a_piece_beside_a_vertebra_with_two_levels_is_left():
    """A piece with a segment bearing two levels elsewhere in the run (a missed disc there): the pieces are not the
    whole excess; nothing joined."""
    discs = [d for d in _read_twice(DISCS, _lower_disc(4)) if d != _lower_disc(8)]
    segments, (_, doubts), (joined, _, _) = _joined(discs, _heads())
    assert "T1" in doubts and joined is segments


def test_benchmark_ct_199_64_confirmed_with_t1_to_t12_near_their_truths(tmp_path):
    """Seed 199 CT 64 (chest, native, 5 mm): refused before ("one anchor only (T12)", T1-T8 one to two levels off);
    now confirmed by ribs and first pair, T1-T12 named without `uncertain_level`, each centroid within 10 mm of its
    truth along z (half the shortest upper thoracic pitch: a name one level off cannot pass; T5's label holds T4's
    lower 5 mm slab, 8.4 mm off), none confirmed wrong."""
    from benchmarks.spine_labelling import design
    fov, phase = design(64)
    case, report, score = label_benchmark_ct(tmp_path, 199, 64, fov, phase)
    assert report["summary"] == "confirmed by ribs and first rib pair"
    levels = {e["name"]: e for e in report["levels"]}
    for name in [f"T{n}" for n in range(1, 13)]:
        assert "uncertain_level" not in levels[name]["flags"], (name, levels[name])
        assert abs(levels[name]["centroid_mm"][2] - case.levels[name]["centroid_mm"][2]) <= 10.0, name
    assert not score["confirmed_wrong"]

"""Twelve rib levels re-cut the thoracic segments where two discs were false or missed (issue 20,
`jmedseg.spine.rib_count`: two edits of one kind where no single edit fits).

The constructed columns are those of tests/spine/test_rib_count.py (discs every `PITCH` slices, one rib pair per
thoracic vertebra, run through the pipeline's own steps). The benchmark CTs are of dev seeds 101 and 71 (12 Mvoxels),
refused before with "12 rib levels but 14 vertebrae between the discs (2 without a rib)".
"""
import pytest


from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_rib_count import NAMES, PITCH, THORACIC, _before, _column, _recut


def _false(name):
    """A false disc half way up the body of `name` (slice)."""
    return NAMES.index(name) * PITCH + 6


@pytest.mark.parametrize("names", [("T11", "T5"), ("T8", "T7"), ("T10", "T2")])
def test_two_false_discs_in_two_thoracic_bodies_are_dropped(names):
    """Two false discs, each half way up a thoracic body (seed 101 CT 4: T5 and T11 at 3 mm; CT 37: T7/T8 and T11
    at 5 mm), leave two rib-free pieces: 12 levels, 14 vertebrae, refused before; after, both discs are dropped,
    the anchors agree, the names are right and the two vertebrae noted, not flagged (their discs are seen)."""
    false = sorted(_false(n) for n in names)
    discs, heads, lo, hi = _column(extra=false)
    assert _before(discs, heads, lo, hi)[1]["t1_segment"] is None
    segments, found, info = _recut(discs, heads, lo, hi)
    assert sorted(set(discs) - set(found)) == false and len(found) == len(discs) - 2
    assert info["agree"] and [s.name for s in segments] == list(NAMES)
    for name in names:
        seg = segments[NAMES.index(name)]
        assert "dropped" in " ".join(seg.notes) and "uncertain_level" not in seg.flags


def test_two_missed_discs_are_inferred():
    """The discs above T7 and above T3 not found, the heads at the top of their bodies (ribs 2-9 span the disc
    above): 12 levels, 10 vertebrae; two discs are inferred, each within 2 slices (4 mm) of the true one, the four
    pieces flagged `incomplete` with a note, the names right and confirmed."""
    discs, heads, lo, hi = _column(missed=("T7", "T3"), head_at=0.95)
    segments, found, info = _recut(discs, heads, lo, hi)
    added = sorted(set(found) - set(discs))
    true = sorted((NAMES.index(n) + 1) * PITCH for n in ("T7", "T3"))
    assert len(added) == 2 and all(abs(a - t) <= 2 for a, t in zip(added, true)), (added, true)
    assert info["agree"] and [s.name for s in segments] == list(NAMES)
    assert [s.name for s in segments if "incomplete" in s.flags] == ["T7", "T6", "T3", "T2"]


def test_a_false_disc_and_a_missed_one_are_not_recut():
    """A false disc in T10 and the disc above T4 missed: the count matches (12 levels, 12 vertebrae) but the levels
    do not sit one per vertebra. A merge and a split are not paired (they would shift the levels by a vertebra
    between the two places): nothing changes, the first-pair anchor stays uncounted."""
    discs, heads, lo, hi = _column(missed=("T4",), extra=(_false("T10"),), head_at=0.95)
    segments, found, info = _recut(discs, heads, lo, hi)
    assert found == discs and not info["agree"]


def test_three_false_discs_are_not_recut():
    """Three false discs (T3, T7, T10): three edits would be needed; only two are tried (each edit is a disc the
    CT showed taken out or one it did not show put in: the more, the less the count rests on what was seen), so
    nothing changes and the first-pair anchor stays uncounted."""
    discs, heads, lo, hi = _column(extra=(_false("T3"), _false("T7"), _false("T10")))
    segments, found, info = _recut(discs, heads, lo, hi)
    assert found == discs and not info["agree"]


@pytest.mark.parametrize("rib_bearers", [THORACIC[:-1], THORACIC + ("L1",)], ids=["11 pairs", "13 pairs"])
def test_a_rib_count_variant_with_two_false_discs_is_not_recut(rib_bearers):
    """11 or 13 rib pairs with two false discs: not twelve levels, nothing changes."""
    discs, heads, lo, hi = _column(rib_bearers=rib_bearers, extra=(_false("T4"), _false("T9")))
    segments, found, info = _recut(discs, heads, lo, hi)
    assert found == discs and not info["agree"]


@pytest.mark.parametrize("seed, case_id, fov, phase", [(101, 4, "chest", "arterial"),
                                                       (101, 37, "chest_abdomen", "arterial"),
                                                       (71, 32, "chest", "native")])
def test_dev_cts_refused_for_two_false_discs(tmp_path, seed, case_id, fov, phase):
    """Seed 101 CT 4 (chest, 3 mm: false discs in T5 and T11), CT 37 (chest + abdomen, 5 mm: T7/T8 in three
    pieces, T11 cut) and seed 71 CT 32 (chest, 3 mm: false discs in T6 and T11), all 24 heads found, "one anchor
    only (the lowest rib-bearing vertebra (T12))" before. Now confirmed by both rib anchors, nothing confirmed
    wrong, T1-T12 identified."""
    _, report, score = label_benchmark_ct(tmp_path, seed, case_id, fov, phase)
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert score["confirmed_wrong"] == [], score["confirmed_wrong"]
    assert {f"T{k}" for k in range(1, 13)} <= set(score["identified"]), score["identified"]

"""The top split at 5 mm counts the vertebra over the new C7/T1 disc as seen as far as the scan shows no rib over
the column's top (issue 20, branch `top`, `spine.top_split`, `ribs.clear_above`), as `levels.find_anchors` does.

The constructed scene of `test_top_split_c7t1_over_heads`: T1 with C7 over it as one segment at the column's top, a
shallow dip over rib 1's heads. Here the column's track ends two slabs over that dip (C7's body followed for 10 mm,
under `levels.NEIGHBOUR_SEEN_MM`), while the scan shows no rib for one slab more.
"""
from jmedseg.spine.levels import assign_names
from jmedseg.spine.top_split import split_top_at_first_heads
from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_top_split_c7t1_over_heads import DZ, LUMBAR, RIBS, _prepare, _scene

DISC = 5 * (LUMBAR + RIBS) - 1       # the slice of the C7/T1 disc placed over rib 1's heads
TOP = DISC + 2                       # the column's followed top: 10 mm of C7 over that disc


def _split(clear_to):
    segs, discs, arcs, heads, profile, arc = _scene()
    segs[-1].hi = TOP
    return segs, split_top_at_first_heads(segs, discs, arcs, heads, profile, arc, 0, TOP, DZ,
                                          lambda t: _prepare(t, heads), {}, clear_to)


def test_split_where_the_scan_shows_no_rib_over_the_column_top():
    """C7 followed 10 mm over the disc and the scan rib-free one slab more (15 mm in all): split, C7 rib-free over
    T1, and both rib anchors count (the top piece seen as far as `find_anchors` reads it)."""
    segs, (after, new, _) = _split(TOP + 1)
    assert len(after) == len(segs) + 1 and new[-1] == DISC
    assert not after[-1].ribs and len(after[-2].ribs) == 2
    info = assign_names(after, dz=DZ, ribs_clear_to=TOP + 1)
    assert info["summary"] == "confirmed by ribs and first rib pair"
    assert [s.name for s in after[LUMBAR:]] == [f"T{k}" for k in range(12, 0, -1)] + ["C7"]


def test_no_split_where_the_vertebra_over_the_disc_is_seen_too_short():
    """No rib-free scan over the column's top (`clear_to` at the top or not given): 10 mm of C7 could be T1 with its
    own rib out of view; nothing changes."""
    for clear_to in (None, TOP):
        segs, (after, new, _) = _split(clear_to)
        assert after is segs and len(new) == len(segs) - 1


def test_seed_71_ct_53_first_pair_under_c7_at_the_scan_top(tmp_path):
    """Seed 71 CT 53 (chest + abdomen, arterial, 5 mm): C7 followed 10 mm over the C7/T1 disc placed over rib 1's
    heads, the scan rib-free one slab more. Before: confirmed by sacrum and ribs, no C7. Now the first pair counts
    too: C7 rib-free at the top (flagged, cut by the edge) over T1, nothing confirmed wrong."""
    _, report, score = label_benchmark_ct(tmp_path, 71, 53, "chest_abdomen", "arterial")
    assert report["summary"] == "confirmed by sacrum and ribs and first rib pair", report["summary"]
    assert report["anchors"]["t1_first_rib_pair"] and score["confirmed_wrong"] == [] and not score["refused"]
    names = [e["name"] for e in report["levels"]]
    assert names[:2] == ["C7", "T1"] and not report["levels"][0]["ribs"], names
    assert "uncertain_level" not in report["levels"][1]["flags"]

"""The vertebra cut by the scan's top edge over the first rib pair (`ribs.ribs_clear_above`, issue 20).

The first-pair anchor (T1) needs C7 above it seen without a rib: `NEIGHBOUR_SEEN_MM` (15 mm) above its lower disc.
When the scan's top edge cuts C7 near its top, less than that is in view, although C7's transverse processes and
the band beside them, where a rib of C7 would lie, are (synthetic benchmark seed 2026, dev CTs 5, 3 mm; 9 and 89,
5 mm: 10-12 mm of C7 in view, every rib level right, only the lowest-rib anchor counted). The top vertebra then
counts as seen when the scan reaches within `RIB_HALF_HEIGHT_MM` of the next rib level up, both transverse
processes show and no bone in the band reaches `FIRST_RIB_REACH_MM`. Grids: 3 mm pixels, 2 mm slices (the
labeller's); rib pairs at 40 and 60 mm, so the next level would lie at 80 mm.
"""
import numpy as np

from jmedseg.spine.levels import NEIGHBOUR_SEEN_MM
from jmedseg.spine.ribs import RIB_HALF_HEIGHT_MM, ribs_clear_above
from tests.spine.test_discs_and_ribs import _column_with_bones, _rod
from tests.spine.test_first_rib_clear_above import _first_rib

SP = (3.0, 3.0, 2.0)
CLEAR_SLICES = int(np.ceil(NEIGHBOUR_SEEN_MM / SP[2]))
NEXT_LEVEL_MM = 80.0                                  # one pitch (20 mm) above the highest pair's heads


def _cut_column(edge_mm, processes=True):
    """Rib pairs at 40 and 60 mm, the column's track up to the scan's top slice, whose top edge lies at `edge_mm`;
    with `processes`, the top vertebra's transverse processes 12 mm above the highest pair, 40 mm out."""
    nz = int(round(edge_mm / SP[2]))
    col = _column_with_bones(nz=nz)
    for z in (40.0, 60.0):
        _first_rib(col.bone, z)
    if processes:
        for side in (-1, 1):
            _rod(col.bone, [side * 22, side * 40], [-15, -18], [72, 72])
    return col, nz - 1


def test_a_cut_top_vertebra_with_its_processes_and_no_rib_counts_as_seen():
    """The edge 1 mm below the next rib level: its lower half would show, the band holds only the transverse
    processes (40 mm out): the top vertebra counts as seen `NEIGHBOUR_SEEN_MM` (on main it counted as far as the
    scan, 10 mm above its lower disc, and the first pair was not counted)."""
    col, hi = _cut_column(NEXT_LEVEL_MM - 2.0)
    assert (NEXT_LEVEL_MM - (hi + 0.5) * SP[2]) <= RIB_HALF_HEIGHT_MM
    assert ribs_clear_above(col, SP, hi) == hi + CLEAR_SLICES


def test_a_rib_cut_by_the_edge_keeps_the_top_vertebra_unseen():
    """A rib whose head and neck lie above the scan (its shaft runs out and down from 40 mm out at the edge): the
    top vertebra may bear it, so it counts only as far as the scan shows it."""
    col, hi = _cut_column(NEXT_LEVEL_MM - 2.0)
    _rod(col.bone, [40, 60, 90], [-20, -30, -40], [hi * SP[2], hi * SP[2] - 4, hi * SP[2] - 10])
    assert ribs_clear_above(col, SP, hi) == hi


def test_an_edge_below_the_next_rib_level_or_without_processes_is_not_enough():
    """The edge 6 mm below the next level (under half a rib would show), or no transverse process in view (only the
    top vertebra's lower endplate): not seen."""
    col, hi = _cut_column(NEXT_LEVEL_MM - 6.0)
    assert ribs_clear_above(col, SP, hi) == hi
    col, hi = _cut_column(NEXT_LEVEL_MM - 2.0, processes=False)
    assert ribs_clear_above(col, SP, hi) == hi


def test_benchmark_ct_9_counts_its_first_pair_under_a_cut_c7(tmp_path):
    """Benchmark CT 9 (chest and abdomen, portal venous, 5 mm, seed 2026): the scan's top edge leaves 10 mm of C7 in
    view, its transverse processes 31-35 mm out and no rib. Before, "one anchor only (the lowest rib-bearing
    vertebra (T12))"; now both rib anchors are counted and agree, C7 bears no rib and T1 both, every name from C7 to
    T12 within 10 mm of its vertebra's true centre (half the shortest upper thoracic pitch). About 10 s."""
    from benchmarks.spine_labelling import design
    from jmedseg.data.io import load_volume
    from jmedseg.data.synth.trunk import save_case, synth_trunk_case
    from jmedseg.spine import label_vertebrae

    fov, phase = design(9)
    case = synth_trunk_case(np.random.default_rng([2026, 9]), phase=phase, fov=fov, max_voxels=12e6,
                            cap_coarsens="pixels")
    save_case(case, str(tmp_path / "ct9.nii"))
    _, report = label_vertebrae(load_volume(str(tmp_path / "ct9.nii")))
    assert (fov, report["summary"]) == ("chest_abdomen", "confirmed by ribs and first rib pair"), report["summary"]
    found = {e["name"]: (e["centroid_mm"][2], sorted(e["ribs"])) for e in report["levels"]}
    assert (found["C7"][1], found["T1"][1]) == ([], ["left", "right"])
    errors = {name: abs(found[name][0] - case.levels[name]["centroid_mm"][2])
              for name in ["C7"] + [f"T{n}" for n in range(1, 13)]}
    assert max(errors.values()) <= 10.0, errors

"""13-rib phantom subjects with the scan's top at T1's centre: confirmed one level off on main (issue 20, branch
`apex12`, docs/spine.md "The lung apex as a cue ...").

The danger `cut_top`'s band test guards against: a rib on L1 and T1 cut under its own rib's heads, so ribs 2-13
count twelve from the lowest rib. Found while measuring the lung apex cue (2026-12-06 day): of 17 such crops
(11 subjects, 1.5-5 mm), three are confirmed with T2-L1 named T1-T12, each level one off. 9011 (2.5 mm) and 9010
(2 mm) through `cut_top.count_first_pair_by_rib_count` (its band over T2's heads empty: the phantom's first rib runs
out nearly level at its tubercle's height, 0.15 of T1's height over its centre, so a top at T1's centre holds at most
its lower edge); 9020 (3 mm) through the first pair counted by `levels.find_anchors` itself, the two rib anchors
outvoting the sacrum. 9011 and 9010 are mended by the wall veto (`rib_over_wall`, branch `wall12`); 9020 by
`pair_under_cut_t1` (branch `anchor13`: the piece over T2's pair, T2's upper half, the T1/T2 disc and T1's lower
half, is 15 mm from the disc read under it to the scan's top, but the scan is rib-free only 8.1 mm over T2's heads,
under the 19 mm where T1's own head would show, and the sacrum counts the pair as T2: the pair is not counted, sacrum
and ribs disagree, every level flagged and named right from the sacrum). 9009 (5 mm, found with them: a 10 mm
piece, `ribs.clear_above` 15 mm past the scan's top, the same path) likewise: the scan rib-free 14.3 mm over T2's
heads.
9019 (5 mm, cut 2.5 mm under T1's centre, found by branch `neck13`; no sacrum in view, the scan ending in L3) went
by `find_anchors` too: the T1/T2 disc read a slab low, T2's heads 5.4 mm over it inside the piece over the pair
(15.0 mm from that disc, cut by the scan's top), the scan rib-free 9.6 mm over them; `piece_over_heads` (branch
`cut14`) reads the piece from the heads and counts nothing (one anchor, every level flagged).
"""
from dataclasses import replace

import numpy as np
import pytest


def _label_cut_at_t1_centre(tmp_path, key, slice_mm, under_mm=0.0):
    from jmedseg.data import io
    from jmedseg.data.synth import trunk
    from jmedseg.data.synth.trunk import scoring
    from jmedseg.spine import label_vertebrae

    acquisition = {} if slice_mm is None else {"slice_mm": slice_mm}
    case = trunk.synth_trunk_case(np.random.default_rng([key]), fov="chest_abdomen",
                                  variant=trunk.Variant(rib_pairs=13), max_voxels=12_000_000,
                                  cap_coarsens="pixels", **acquisition)
    path = str(tmp_path / f"ct_13ribs_{key}.nii")
    trunk.save_case(case, path)
    volume = io.load_volume(path)
    top = int(np.floor((case.all_centroids["T1"][2] - under_mm - volume.affine[2, 3]) / volume.affine[2, 2]))
    report = label_vertebrae(replace(volume, array=volume.array[:, :, :top + 1].copy()))[1]
    return case, report, scoring.score_labelling(case, report)


@pytest.mark.parametrize("key, slice_mm", [(9011, None), (9010, 2.0), (9020, None), (9009, None)])
def test_thirteen_ribs_cut_at_t1_centre_confirms_no_level_wrongly(tmp_path, key, slice_mm):
    """rng [key], chest + abdomen, a rib on L1, the volume cut at T1's centre (9011: 2.5 mm, 9010: 2 mm, 9020:
    3 mm, 9009: 5 mm): no level may be named without `uncertain_level` and be wrong."""
    case, report, score = _label_cut_at_t1_centre(tmp_path, key, slice_mm)
    assert case.variant["rib_pairs"] == 13
    assert score["confirmed_wrong"] == [], (report["summary"], report["anchors"])


def test_thirteen_ribs_cut_under_t1_centre_without_sacrum_confirm_no_level_wrongly(tmp_path):
    """rng [9019], chest + abdomen, a rib on L1, 5 mm, the volume cut 2.5 mm under T1's centre (no sacrum in view:
    nothing else can disagree with the two rib anchors): no level confirmed; on main T2-L1 were confirmed as
    T1-T12. The levels stay named from the lowest rib (L1 named T12), each flagged."""
    case, report, score = _label_cut_at_t1_centre(tmp_path, 9019, None, under_mm=2.5)
    assert case.variant["rib_pairs"] == 13 and not report["anchors"]["sacrum"]
    assert score["confirmed_wrong"] == [] and score["confirmed"] == 0, (report["summary"], report["anchors"])
    assert report["summary"].startswith("one anchor only")

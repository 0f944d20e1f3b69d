"""Vertebra label schemes: the id tables, explicit mappings, detection by ids and anatomical order."""
import numpy as np
import pytest

from jmedseg.data.io import load_labels
from jmedseg.data.label_schemes import (SCHEMES, detect_schemes, fit_problem, get_scheme, level_ids,
                                        parse_explicit, to_scheme)
from tests.datasets.real_trees import TOTALSEG, TPTBOX_VERT, TOTALSEG_VERT


def test_id_tables_match_the_published_numberings():
    v2, v1, verse = (SCHEMES[n].levels for n in ("totalseg_v2", "totalseg_v1", "verse"))
    assert (v2["S1"], v2["L5"], v2["L1"], v2["T12"], v2["T1"], v2["C7"], v2["C1"]) == (26, 27, 31, 32, 43, 44, 50)
    assert (v1["L5"], v1["L1"], v1["T12"], v1["T1"], v1["C7"], v1["C1"]) == (18, 22, 23, 34, 35, 41)
    assert (verse["C1"], verse["C7"], verse["T1"], verse["T12"], verse["L1"], verse["L5"]) == (1, 7, 8, 19, 20, 24)
    assert (verse["L6"], verse["T13"]) == (25, 28)


def test_explicit_mappings():
    assert parse_explicit("L1=20, L2=21") == {"L1": 20, "L2": 21}
    assert get_scheme("L1=20,L2=21").levels == {"L1": 20, "L2": 21}
    for bad, message in (("L1=x", "bad level mapping"), ("L1=20,L1=21", "twice"), ("L1=20,L2=20", "two levels"),
                         ("L1=0", "bad level mapping"), ("", "no levels")):
        with pytest.raises(ValueError, match=message):
            parse_explicit(bad)
    with pytest.raises(ValueError, match="unknown label scheme 'totalseg'"):
        get_scheme("totalseg")


def _two_blobs(upper_id, lower_id):
    """Two vertebrae on a [x, y, z] grid whose z axis points to the head: `upper_id` above `lower_id`."""
    m = np.zeros((6, 6, 20), np.int32)
    m[1:5, 1:5, 12:18] = upper_id
    m[1:5, 1:5, 2:8] = lower_id
    return m


def test_detection_by_order_along_the_body():
    # ids 20 above 21: VerSe reads L1 above L2 (right); TotalSegmentator v1 reads L3 above L2 (wrong order);
    # in v2 neither id is a vertebra (20 colon, 21 urinary bladder)
    assert detect_schemes(_two_blobs(20, 21)) == ["verse"]
    assert detect_schemes(_two_blobs(21, 20)) == ["totalseg_v1"]
    assert "lies below" in fit_problem(_two_blobs(21, 20), "verse")
    # the same map seen with z pointing to the feet reads the other way
    assert detect_schemes(_two_blobs(20, 21), z_axis_superior=False) == ["totalseg_v1"]


def test_detection_on_the_bundled_real_maps():
    assert detect_schemes(load_labels(TPTBOX_VERT).array) == ["verse"]
    # a vertebra-only TotalSegmentator map (ids 26-33) reads as v1 or v2: the ids alone cannot tell
    assert detect_schemes(load_labels(TOTALSEG_VERT).array) == ["totalseg_v2", "totalseg_v1"]
    # the 117-class map holds ids above v1's 104 classes
    assert detect_schemes(load_labels(f"{TOTALSEG}/example_seg.nii.gz").array) == ["totalseg_v2"]


def test_level_ids_checks_the_map_and_names_the_scheme_that_fits():
    verse_map = load_labels(TPTBOX_VERT).array
    assert level_ids("verse", ["L2", "L3"], verse_map) == {"L2": 21, "L3": 22}
    assert level_ids("totalseg_v2", ["L1", "L2"]) == {"L1": 31, "L2": 30}
    with pytest.raises(ValueError, match="does not fit label scheme totalseg_v2.*it fits verse: pass --label-scheme "
                                         "verse"):
        level_ids("totalseg_v2", ["L1", "L2"], verse_map)
    with pytest.raises(ValueError, match=r"level\(s\) \['L9'\] have no id"):
        level_ids("verse", ["L9"])


def test_renumbering_drops_levels_the_target_lacks():
    m = np.array([0, 20, 21, 24, 28, 25])  # VerSe L1, L2, L5, T13, L6
    out, dropped = to_scheme(m, "verse")
    assert out.tolist() == [0, 31, 30, 27, 0, 0] and dropped == ["L6", "T13"]

"""Thoracic levels of the bundled contrast-enhanced chest CT, named from its ribs (issue 20, section 2).

How the truth was established (no reference labels ship with this CT): the lowest vertebra,
cut by the lower edge, is T12 (TotalSegmentator's note on this scan, NOTICE.md). On a
straightened sagittal and coronal reformat along the found centre line, 14 disc bands were
counted by eye (at 14, 44, 68, 91, 116, 138, 159, 180, 198, 218, 237, 256, 276 and 291 mm of
arc from the lower edge; the one at 68 mm lies under a depressed endplate), so T1 is the 12th
vertebra up, between the discs at 237 and 256 mm; on a posterior coronal maximum-intensity
projection with the found rib heads marked, the rib heads pair up level by level from T11 to
T1, and above T1 only a one-sided bone (C7's transverse process against the first rib's neck)
is found. The labeller does not use the T12 fact: it names T1 from the highest rib pair and
counts down, and its T12 lands on the vertebra at the lower edge.
"""
import os

import numpy as np
import pytest
from scipy import ndimage

from jmedseg.data.io import load_volume
from jmedseg.spine import label_vertebrae
from jmedseg.spine.pipeline import vertebrae_for_measure

from tests.conftest import DATA

CTA = os.path.join(DATA, "totalseg_chest_cta", "chest_cta.nii.gz")
THORACIC = [f"T{i}" for i in range(1, 13)]


@pytest.fixture(scope="module")
def chest_cta():
    ct = load_volume(CTA)
    return ct, *label_vertebrae(ct)


def _named(report):
    return {e["name"]: e for e in report["levels"] if e["name"]}


def test_twelve_thoracic_vertebrae_counted_down_from_the_first_rib_pair(chest_cta):
    ct, labels, report = chest_cta
    named = _named(report)
    assert report["anchors"]["t1_first_rib_pair"], report["summary"]
    assert set(THORACIC) <= set(named), [e["name"] for e in report["levels"]]
    order = [e["name"] for e in report["levels"] if e["name"] in THORACIC]     # top to bottom
    assert order == THORACIC, order
    # T1 bears a rib on both sides; the vertebra above it has no pair (C7)
    assert named["T1"]["ribs"] == ["left", "right"]
    assert len(named["C7"]["ribs"]) < 2
    # T1 to T11 each bear a rib found on at least one side (rib 12's head lies below the scan)
    assert all(named[n]["ribs"] for n in THORACIC[:-1]), {n: named[n]["ribs"] for n in THORACIC}


def test_t12_is_the_vertebra_at_the_lower_edge(chest_cta):
    ct, labels, report = chest_cta
    lowest = report["levels"][-1]
    assert lowest["name"] == "T12" and "incomplete" in lowest["flags"]
    assert np.argwhere(labels == lowest["id"])[:, 2].min() <= 2


def test_thoracic_pitch_is_one_vertebra_between_neighbours(chest_cta):
    """Centroids of neighbouring thoracic bodies lie 12-36 mm apart along z.

    Thoracic body plus disc is 18-30 mm (T1-T12, adult); a missed disc would put about twice
    that between two names, a spurious one under 12 mm. The margins take the body
    outlines' own errors (a body cut short by the blood-pool removal moves its centroid).
    """
    ct, labels, report = chest_cta
    named = _named(report)
    z = [named[n]["centroid_mm"][2] for n in THORACIC[:-1]]          # T12 is cut: its centroid is not its middle
    steps = -np.diff(z)
    assert ((steps >= 12.0) & (steps <= 36.0)).all(), dict(zip(THORACIC[1:], steps.round(1)))


def test_named_bodies_are_cancellous_bone_not_blood(chest_cta):
    """Median HU of each named thoracic body: cancellous bone (100-250 HU); this scan's blood pool is 300-500 HU."""
    ct, labels, report = chest_cta
    for name, entry in _named(report).items():
        if name in THORACIC:
            median = float(np.median(ct.array[labels == entry["id"]]))
            assert 100.0 <= median <= 250.0, (name, median)


def _blood_lumen(ct):
    """The contrast-filled lumen of the heart and the aorta, found here without the labeller: voxels above 250 HU
    (this arterial phase's blood reads 300-500 HU, the bodies' cancellous bone 130-190 HU) that survive an
    opening by a 6 mm ball (a lumen is 15-35 mm across; cortex and endplates, as bright, are 1-3 mm thick)."""
    r = int(round(6.0 / ct.spacing[0]))
    grid = np.ogrid[-r:r + 1, -r:r + 1, -r:r + 1]
    ball = sum(g * g for g in grid) <= r * r
    return ndimage.binary_opening(ct.array > 250.0, structure=ball)


def test_no_body_reaches_into_the_aorta_or_its_wall(chest_cta):
    """Every body stays behind its own cortex: its voxels keep clear of the blood pool's lumen.

    The descending aorta (a stent graft in an aneurysm sac) lies against the left of T4-T8. The aortic wall is
    1.5-2.5 mm thick and the body's cortex lies outside it, so a body voxel within 3 mm of the lumen is wall,
    sac or blood; within 6 mm, the body's own rim where it touches the aorta (a few % of a body). Measured at
    5a89377 (before the body was kept out of tissue that blood encloses): T7 had 5.0 % of its voxels within
    3 mm and 16.0 % within 6 mm of the lumen (median 109 HU: the sac's tissue, 50-75 HU, was in it), T6 1.4 %
    and 6.9 %, T4 and T5 0.6-0.7 % and 5.1-5.5 %; after: at most 0.4 % within 3 mm (T6) and 4.1 % within 6 mm
    (T6), T7 0.0 % and 1.0 %. The bounds (1 % and 6 %) lie between the two; the outline moves by whole
    working-grid pixels (3 mm, 4 voxels per slice), so the margins are tens of such pixels.
    """
    ct, labels, report = chest_cta
    near = ndimage.distance_transform_edt(~_blood_lumen(ct), sampling=ct.spacing)
    for entry in report["levels"]:
        body = labels == entry["id"]
        share_3, share_6 = (100.0 * np.mean(near[body] <= d) for d in (3.0, 6.0))
        assert share_3 < 1.0 and share_6 < 6.0, (entry["name"], entry["id"], round(share_3, 1), round(share_6, 1))
    t7 = labels == _named(report)["T7"]["id"]
    assert 130.0 <= np.median(ct.array[t7]) <= 190.0      # cancellous bone (was 109 HU with the sac in it)


def test_one_anchor_only_so_levels_are_flagged_and_l1_is_not_in_the_scan(chest_cta):
    """The sacrum is out of view and no rib-free vertebra lies below the lowest rib: the first rib pair is the
    only anchor, every level stays `uncertain_level`, and asked for L1/L2 `measure` says they are not there."""
    ct, labels, report = chest_cta
    assert report["summary"] == "one anchor only (the first rib pair (T1))"
    assert all("uncertain_level" in e["flags"] for e in report["levels"])
    with pytest.raises(ValueError, match="L1: missing.*not in the scan"):
        vertebrae_for_measure(ct, "cta", ("L1", "L2"))

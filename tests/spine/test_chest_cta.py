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


def test_one_anchor_only_so_levels_are_flagged_and_l1_is_not_in_the_scan(chest_cta):
    """The sacrum is out of view and no rib-free vertebra lies below the lowest rib: the first rib pair is the
    only anchor, every level stays `uncertain_level`, and asked for L1/L2 `measure` says they are not there."""
    ct, labels, report = chest_cta
    assert report["summary"] == "one anchor only (the first rib pair (T1))"
    assert all("uncertain_level" in e["flags"] for e in report["levels"])
    with pytest.raises(ValueError, match="L1: missing.*not in the scan"):
        vertebrae_for_measure(ct, "cta", ("L1", "L2"))

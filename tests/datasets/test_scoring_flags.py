"""The benchmark's confirmed-but-wrong list says which wrong levels carry `incomplete` (no density measured in them).

Issue 20: a level named right between its discs but whose body was lost (its label a piece nearer a neighbour) is
flagged `incomplete` by `jmedseg.spine.bodies`; the issue counts it as confirmed-but-wrong (no `uncertain_level`),
and the list tells a reader that `measure` refuses it. The case below is plain data: two true body centres 30 mm
apart, so distances are computed by hand.
"""
from types import SimpleNamespace

from jmedseg.data.synth.trunk.scoring import score_labelling

CENTRES = {"T3": [0.0, 0.0, 330.0], "T4": [0.0, 0.0, 300.0]}
CASE = SimpleNamespace(levels={n: {"centroid_mm": c} for n, c in CENTRES.items()}, all_centroids=CENTRES,
                       anchors_in_view=["first_rib", "last_rib"])


def _entry(name, z, flags=()):
    return {"name": name, "centroid_mm": [0.0, 0.0, z], "flags": list(flags)}


def test_a_wrong_level_flagged_incomplete_is_counted_and_said_apart():
    report = {"levels": [_entry("T3", 331.0), _entry("T4", 319.0, ["incomplete"])]}   # "T4" 11 mm from T3's centre
    score = score_labelling(CASE, report)
    assert score["confirmed"] == 2
    assert score["confirmed_wrong"] == ["T4 -> T3 (11 mm, flagged incomplete: no density)"]
    assert score["identified"] == ["T3", "T4"]         # 19 mm from T4's centre: within VerSe's 20 mm


def test_a_wrong_level_without_the_flag_reads_as_before():
    report = {"levels": [_entry("T4", 319.0)]}
    assert score_labelling(CASE, report)["confirmed_wrong"] == ["T4 -> T3 (11 mm)"]


def test_an_uncertain_level_is_never_confirmed_wrong():
    report = {"levels": [_entry("T4", 330.0, ["uncertain_level", "incomplete"])]}
    score = score_labelling(CASE, report)
    assert score["confirmed"] == 0 and score["confirmed_wrong"] == []

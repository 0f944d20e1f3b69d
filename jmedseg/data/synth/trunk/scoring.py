"""A vertebra labelling scored against a synthetic case's truth (VerSe's identification criterion).

- identified: a true vertebra in the scan for which the labelling has an entry of the same
  name whose centroid lies within `IDENTIFICATION_MM` (20 mm, VerSe) of the true body centre;
- a named entry is *confirmed* when it carries no `uncertain_level` flag, and
  *confirmed-but-wrong* when it is confirmed and the true vertebra nearest to its centroid
  (any vertebra, also one whose centre lies outside the scan) has another name, or none
  lies within `NOT_A_VERTEBRA_MM` (e.g. a heart chamber named as a vertebra); one also flagged
  `incomplete` (no density is measured in it) is counted and said so. A right name
  on a body found 20-35 mm off (a vertebra cut by the scan's edge, posterior elements taken
  in) is not identified, but it is not a wrong level either;
- a CT is *refused* when the labelling confirms no level at all.
Centroids compared: the labelling's body centroid against the true body centre (world mm).
"""
import numpy as np

IDENTIFICATION_MM = 20.0
NOT_A_VERTEBRA_MM = 35.0   # a body height plus a disc: further from every body centre is on no vertebra


def _nearest(centroids, point):
    """(name, distance mm) of the vertebra whose body centre is nearest to `point`."""
    name = min(centroids, key=lambda n: np.linalg.norm(np.subtract(centroids[n], point)))
    return name, float(np.linalg.norm(np.subtract(centroids[name], point)))


def score_labelling(case, report):
    """Per-CT scores of a `label_vertebrae` report against `case.levels`.

    Returns a dict: levels_in_view, identified (names), centroid_errors_mm (of the
    identified), named, confirmed, confirmed_wrong (list of 'said -> truth' strings),
    refused (bool), anchors (count in view).
    """
    truth = case.levels
    entries = [e for e in report.get("levels", []) if e.get("centroid_mm") is not None]
    identified, errors = [], []
    for name, level in truth.items():
        for e in entries:
            dist = float(np.linalg.norm(np.subtract(e["centroid_mm"], level["centroid_mm"])))
            if e.get("name") == name and dist <= IDENTIFICATION_MM:
                identified.append(name)
                errors.append(dist)
                break
    named = [e for e in entries if e.get("name")]
    confirmed = [e for e in named if "uncertain_level" not in e.get("flags", [])]
    wrong = []
    for e in confirmed:
        near, dist = _nearest(case.all_centroids, e["centroid_mm"])
        if dist > NOT_A_VERTEBRA_MM or near != e["name"]:
            # `incomplete` keeps a level out of the density (jmedseg.density.safety): said apart, still counted
            said = near if dist <= NOT_A_VERTEBRA_MM else "no vertebra"
            refused = ", flagged incomplete: no density" if "incomplete" in e.get("flags", []) else ""
            wrong.append(f"{e['name']} -> {said} ({dist:.0f} mm{refused})")
    return {"levels_in_view": sorted(truth), "identified": identified, "centroid_errors_mm": errors,
            "named": len(named), "confirmed": len(confirmed), "confirmed_wrong": wrong,
            "refused": not confirmed, "anchors": len(case.anchors_in_view)}

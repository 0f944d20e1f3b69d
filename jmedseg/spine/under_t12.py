"""L1 and L2 confirmed under a confirmed T12, one lumbar pitch each, where the ribs and the first pair are the anchors
(issue 20, 2026-12-06 late, branch `lumbar16`).

Why: `levels` confirms only the levels between two agreeing anchors. In a chest + abdomen CT without the sacrum,
confirmed by the first rib pair (T1) and the lowest rib (T12), L1 and L2 lie under T12, outside the anchors, and
stay `uncertain_level` ("outside T1-T12: counted by discs from one anchor"): `jmedseg measure` gives them no
density, though they are the levels clinical researchers measure. 47 of 193 normal CTs with L1/L2 in view (seed
2026 and the fresh 197/199, night rows) were this case. Anatomically L1 is the first vertebra under T12 and L2 the
next: the count is settled by T12; what can go wrong is the segmentation under it. Over every night row confirmed by
the ribs and the first pair with T12 confirmed, the whole labels under T12 were named right in L1 262 of 263 and L2
170 of 172; the three wrong (chest + abdomen, portal venous, 3 mm) were cuts: a false disc cutting L1 in two (193/41,
179/73: "L1" and "L2" 10-18 mm apart, both within L1) and a missed L1/L2 disc (191/89: "L1" 48 mm under T12, between
the true L1 and L2).

Rule (`confirm_under_t12`): with the ribs and the first pair the only anchors, agreeing and undoubted, no sacrum
counted (where one is, it is an anchor and decides the lumbar count) and T12 confirmed with no flag at all, the
vertebra directly under T12 is confirmed as L1 when its only flag is `uncertain_level` for the one reason that it
lies outside the anchors (not cut by the field of view's edge, no other flag or note) and its body's centre lies one lumbar pitch from T12's (3D, `LUMBAR_PITCH_MM` to `LUMBAR_PITCH_MAX_MM`,
24-46 mm: L1's body is 24-27 mm tall with a 6-10 mm disc; T12/L1 half a T12 plus half an L1 and a disc). A false
disc leaves a centre under 24 mm from the one over it, or the label under under 24 mm from it (then the level's
label holds part of its body only, and stays flagged); a missed disc one over 46 mm. Then L2 the same under a
confirmed L1. It stops at L2: the density paper measures L1/L2, and the further a level lies from the anchor the more
cuts a count crosses unchecked (the rows were measured for L1 and L2 only).

A sacral base found but not counted (`SacrumFinding.pelvis`, its base cut by the scan's edge) gives no count to
decide by, and it was read so at the lowest vertebra of chest CTs ending at L2 (2026/164): it does not stop the rule.

The summary line is left as `levels` wrote it ("confirmed by ribs and first rib pair"); each level confirmed here
says why in its own note.
"""
import numpy as np

from jmedseg.spine.sacrum import LUMBAR_PITCH_MAX_MM, LUMBAR_PITCH_MM

UNDER_T12 = ("L1", "L2")       # the levels the density is measured in (see the docstring: why not further)
OUTSIDE_NOTE = ("outside ", ": counted by discs from one anchor")    # `levels._assign_names`' note, start and end


def confirm_under_t12(segments, centroids_mm, info):
    """Clear `uncertain_level` (in place) on L1 and then L2 under a confirmed T12 (segments bottom to top,
    `centroids_mm` each body's centre in world mm or None, `info` from `levels.assign_names`) where the docstring's
    conditions hold. Returns the names confirmed."""
    if not _ribs_and_first_pair_only(info):
        return []
    confirmed = []
    over = info["t12_segment"]
    if segments[over].name != "T12" or segments[over].flags:
        return []
    for name in UNDER_T12:
        under = over - 1
        if under < 0 or segments[under].name != name or not _outside_anchors_only(segments[under]):
            break
        pitch = _centre_distance(centroids_mm[under], centroids_mm[over])
        if pitch is None or not LUMBAR_PITCH_MM <= pitch <= LUMBAR_PITCH_MAX_MM or _false_cut_below(
                segments, centroids_mm, under):
            break
        seg = segments[under]
        seg.flags.clear()
        seg.notes[:] = [f"the first vertebra under a confirmed {segments[over].name}, its centre {pitch:.0f} mm "
                        f"under {segments[over].name}'s (one lumbar pitch, {LUMBAR_PITCH_MM:.0f}-"
                        f"{LUMBAR_PITCH_MAX_MM:.0f} mm)"]
        confirmed.append(name)
        over = under
    return confirmed


def _ribs_and_first_pair_only(info):
    """The ribs and the first pair the only anchors, agreeing, nothing doubted (a sacrum counted is an anchor)."""
    return (info["agree"] is True and info["t12_segment"] is not None and info["t1_segment"] is not None
            and info["sacrum_segment"] is None and not info["doubts"])


def _false_cut_below(segments, centroids_mm, index):
    """The whole named label under segment `index` lies less than a lumbar pitch under it: the disc between them is
    false and `index`'s label holds part of its body only (193/41: "L1" 24 mm under T12, "L2" 19 mm under it, both
    within L1)."""
    if index == 0 or not segments[index - 1].name or "incomplete" in segments[index - 1].flags:
        return False
    gap = _centre_distance(centroids_mm[index - 1], centroids_mm[index])
    return gap is not None and gap < LUMBAR_PITCH_MM


def _outside_anchors_only(seg):
    """Flagged `uncertain_level` for lying outside the anchors and for nothing else."""
    notes = set(seg.notes)
    return (set(seg.flags) == {"uncertain_level"} and len(notes) == 1
            and all(n.startswith(OUTSIDE_NOTE[0]) and n.endswith(OUTSIDE_NOTE[1]) for n in notes))


def _centre_distance(a, b):
    if a is None or b is None:
        return None
    return float(np.linalg.norm(np.asarray(a, float) - np.asarray(b, float)))

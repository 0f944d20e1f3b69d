"""A confirmed level whose label's centre lies twice as near one neighbour's centre as the other's: flagged
`uncertain_level` (issue 20, 2026-12-06 evening, lead).

Why: the count can be right while the cut of one vertebra is not. A label that holds only part of its own body, or
part of its neighbour's, moves its centre towards one neighbour; past half a pitch the level is scored as the
neighbour (VerSe's criterion: the nearest true centre), a confirmed-but-wrong level. Two of a fresh series' levels
were such (seed 173, held out, main 2b89c5b):
- CT 45 (chest + abdomen, delayed, 3 mm): T1's label held its lower endplate only (three slices, 384 voxels; T2's
  1044), the body over it unlabelled; its centre 8 mm from T2's true centre, 27 mm under C7's label and 12 mm over
  T2's (ratio 2.3);
- CT 69 (chest + abdomen, arterial, 2.5 mm): L5's label held L5's lower half and the top of the sacrum; its centre
  43 mm under L4's and 18 mm over S1's (ratio 2.6), 17 mm from L5's true centre.
The discs cannot tell this: they placed the cut. The centres of the neighbours can, as long as the neighbours are
whole: adjacent vertebrae of a region differ in height by a quarter at most, so a body cut at its own discs lies
between its neighbours' centres at distances within about 1.3 of each other (the development series' confirmed
levels within 10 mm of their truth: median 1.09, 95 % within 1.5, 99 % within 1.85). At twice, the centre lies a sixth of the two pitches (a third of a pitch) off the
middle: a third of a body missing or taken from the neighbour.

Measured (the afternoon round's rows, main 9dbc78d, 25 series; distances between label centres in 3D): of the
confirmed levels with two named neighbours not cut by the scan's edge, 43 of about 7300 within 10 mm of their truth
would be flagged (0.6 %; no L1 or L2), and 6 of the 39 more than 10 mm off; the one confirmed-but-wrong level of
those rows (151/30, L4 named L5, ratio 1.45) is not caught: there both discs are cut low together and the centres
stay evenly spaced. Figures on the merged code: docs/spine.md, the section of the lead in the evening round.
"""
import numpy as np

MAX_GAP_RATIO = 2.0    # a third of a pitch off the middle (see the docstring); 99 % of right cuts within 1.85


def flag_off_centre(segments, centroids_mm):
    """Flag `uncertain_level` (in place) on each confirmed segment (no flag yet; bottom to top, `centroids_mm` its
    body's centre in world mm, None where it has none) whose centre lies `MAX_GAP_RATIO` times as far from one named
    neighbour's centre as from the other's; both neighbours named and not cut by the field of view's edge (a cut
    neighbour's centre is not its body's: `body_voxels.flag_cut_by_edge` runs first). Returns the names flagged."""
    flagged = []
    levels = list(zip(segments, centroids_mm))
    for below, (seg, centroid), above in zip(levels, levels[1:], levels[2:]):
        if seg.flags or not _whole_named(*below) or not _whole_named(*above) or centroid is None:
            continue
        centre = np.asarray(centroid)
        gaps = sorted(float(np.linalg.norm(centre - np.asarray(n[1]))) for n in (below, above))
        if gaps[0] > 0 and gaps[1] / gaps[0] < MAX_GAP_RATIO:
            continue
        seg.flags.append("uncertain_level")
        seg.notes.append(f"its centre lies {gaps[1]:.0f} mm from one neighbour's and {gaps[0]:.0f} mm from the "
                         "other's: the cut holds part of a neighbour or misses part of its body")
        flagged.append(seg.name)
    return flagged


def _whole_named(seg, centroid):
    return bool(seg.name) and "incomplete" not in seg.flags and centroid is not None

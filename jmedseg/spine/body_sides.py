"""A slice's body kept within its narrower side's reach from the spinal canal: the aorta along its side is cut off.

Issue 20 (2026-12-06 late, branch `aorta16`). In enhanced chest CTs the descending aorta (150-500 HU, as bright as
the bodies' cancellous bone) lies against the left side of T4-T12 over their whole height and is joined to their
bodies: in seed 113 CT 8 (chest, portal venous, 2.5 mm) the labels of T5-T12 reach 30 mm to the left of their true
centres and 12-19 mm to the right, their centroids 5-11 mm to the left (seed 7 CT 9, chest + abdomen, portal venous,
2 mm: T3-T10 the same, 23-31 mm against 13-19 mm). `body_outline` cannot cut it: the aorta is in every slice, so the
neighbours' typical outline holds it, and its centre line is pulled 4-10 mm towards it.

A vertebral body is symmetric left to right about its spinal canal, and the canal does not move with the leak, so
each side's reach is judged from the canal's centre: in each slice, a side reaching further than the typical reach
of the narrower side over `body_outline.OUTLINE_WINDOW_MM` of column, plus `SIDE_MARGIN_MM`, is cut there. Only
the side holding something the other side lacks is cut: a body with rib heads on both sides or a symmetric lumbar
or sacral body keeps its width. Effect: 113/8 T5-T10 11.8, 7.6, 10.7, 11.8, 6.6, 6.9 -> 7.3, 4.6, 8.2, 9.1, 5.3,
5.4 mm; seeds 7 (40 CTs) and 181 (100): 18 enhanced CTs' thoracic levels move, none lost, no refusal or flag
changed, confirmed wrong 0, native rows identical; the real CTs' tables unchanged (docs/spine.md). A 6 or 9 mm
margin cut more of the leak but also the real chest CTA's bodies' left edge (up to 2 % of T7, T8).
"""
import numpy as np

from jmedseg.spine.body_outline import OUTLINE_WINDOW_MM

SIDE_MARGIN_MM = 12.0   # a vertebra rotated by 15 degrees about its canal moves its body's centre (20-25 mm in front of
                        # the canal's centre) 5-6 mm aside: one side reaches that much further, the other that much less


def within_canal_sides(body, canal_centre, spacing):
    """`body` (working grid, [x, y, z]) with each slice's pixels further to either side of the canal's centre
    (`canal_centre`, [nz, 2] working voxels, NaN off the canal's track) than the typical narrower side's reach plus
    `SIDE_MARGIN_MM` removed; slices off the canal's track, and a column given without its canal (None: one built
    in a test from bodies alone), are left as they are."""
    if canal_centre is None:
        return body
    sp = np.asarray(spacing, float)
    narrower = _typical_narrower_side(_side_reaches(body, canal_centre, sp), sp[2])
    out = body.copy()
    x = np.arange(body.shape[0])
    for k in np.flatnonzero(np.isfinite(narrower)):
        out[np.abs(x - canal_centre[k, 0]) * sp[0] > narrower[k] + SIDE_MARGIN_MM, :, k] = False
    return out


def _side_reaches(body, canal_centre, sp):
    """[nz, 2] per slice: its body's reach (mm) from the canal's centre to -x and to +x; NaN where the slice has no
    body or no canal."""
    reaches = np.full((body.shape[2], 2), np.nan)
    for k in range(body.shape[2]):
        xs = np.flatnonzero(body[:, :, k].any(axis=1))
        if len(xs) == 0 or not np.isfinite(canal_centre[k, 0]):
            continue
        reaches[k] = [(canal_centre[k, 0] - xs.min()) * sp[0], (xs.max() - canal_centre[k, 0]) * sp[0]]
    return reaches


def _typical_narrower_side(reaches, dz):
    """[nz] per slice with a reach: the smaller of the two sides' median reaches over the slices within half of
    `OUTLINE_WINDOW_MM` (a vessel along one side lies there in every slice; a body's own width changes slowly)."""
    half = int(round(OUTLINE_WINDOW_MM / 2 / dz))
    seen = np.isfinite(reaches[:, 0])
    narrower = np.full(len(reaches), np.nan)
    for k in np.flatnonzero(seen):
        near = reaches[max(0, k - half):k + half + 1][seen[max(0, k - half):k + half + 1]]
        narrower[k] = np.median(near, axis=0).min()
    return narrower

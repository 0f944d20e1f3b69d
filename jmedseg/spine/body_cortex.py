"""T11-L5's labels cut at their own cortex on the CT's grid: the tissue round the body is not the body.

Issue 20 (2026-12-07 early, branch `cortex17`). The body is found on the working grid (1.5 mm block means above
120 HU) and copied back nearest-neighbour at factors 2-4, so on the CT's grid its outline lies about one working pixel
(2-3 mm, up to 12 mm where the enhanced liver leaks in) outside the body's cortex. The label's outer 2 mm then holds
soft tissue, not cortex: in native CTs it reads dark and only pulls the density's mode 1-6 HU low, but in enhanced CTs
the liver, aorta, IVC and the fat between aorta and body read 150-270 HU there, and `density.region_check` (a body's
edge must read 30 HU over its inside, in each anterior sector) rightly refuses the level: seed 2026, 21 of 34 named
enhanced L1/L2 pairs (docs/spine.md, "Diagnosis of the CT-alone density's errors", B). The true labels pass.

What bounds a vertebral body in an axial slice is its cortex: a shell of compact bone (700-1300 HU, about a
millimetre) that reads `CORTEX_HU` or more at the CT's own pixels (as at the working grid's, `body_front`), brighter
than the cancellous core on its inside and than any soft tissue outside it but the arterial aorta. So in each slice of
a level, along `RAYS` rays from the slice's label centre, the outermost pixel reading `CORTEX_HU` or more, brighter
than the slice's core by `CORTEX_DROP_HU` and falling by `CORTEX_DROP_HU` within `DROP_REACH_MM` outside it, is the
cortex; the label beyond it is cut. The search runs `DROP_REACH_MM` past the label's edge, so a cortex lying at or
outside the edge (a label short of its cortex, a rib head or pedicle against it) cuts nothing: the cut never lies
inside the cortex. A ray with no such peak (a faint osteoporotic cortex, the arterial aorta as bright as bone) is left
as it is; each ray's cut is the median of `MEDIAN_RAYS` neighbouring rays', so one noisy pixel neither cuts nor
spares a direction alone. CTs with pixels coarser than the working grid's (`MAX_PIXEL_MM`) are not cut: there the
cortex is a fraction of its pixel and the cut took the real 3 mm native example's L1 inside its body. The names, flags and centroids are read on the working grid before this cut and stay as
they are; the report's voxel counts are counted after it.
"""
import numpy as np
from scipy import ndimage

from jmedseg.spine.body_front import CORTEX_DROP_HU, CORTEX_HU, DROP_REACH_MM

CUT_LEVELS = ("T11", "T12", "L1", "L2", "L3", "L4", "L5")   # the levels a density may be measured on, and their
                                                          # neighbours the liver, IVC and aorta lie against
RAYS = 72                # 5 degrees: at a lumbar body's 15-25 mm radius one ray per 1.3-2.2 mm of outline
MEDIAN_RAYS = 5          # 25 degrees of outline: a noisy pixel or a gap in the cortex spans one or two rays
MAX_PIXEL_MM = 1.5       # the working grid's pixel; in coarser pixels the 1 mm cortex is under half a pixel, read with
                         # marrow and soft tissue: the real native example (3 mm) lost 11 % of L1, its density +6.4 HU


def level_boxes(segments, ids, bodies, factors):
    """{label id: (first, last) voxel index on the CT's grid} of the `CUT_LEVELS` bodies (ids as `label_vertebrae`
    gives them: segment j has ids[j + 1]), from their working-grid boxes times the block `factors`."""
    f = np.asarray(factors)
    return {ids[j + 1]: (bodies.first[j] * f, (bodies.last[j] + 1) * f - 1) for j, seg in enumerate(segments)
            if seg.name in CUT_LEVELS and bodies.count[j]}


def cut_at_own_cortex(labels, hu, spacing, boxes):
    """Cut (in place) each level's label in `labels` (CT grid, [x, y, z]) beyond its own cortex, slice by slice,
    within its box from `level_boxes`; CTs with pixels over `MAX_PIXEL_MM` are left as they are."""
    sp = np.asarray(spacing, float)
    if sp[:2].max() > MAX_PIXEL_MM + 1e-3:
        return
    pad = int(np.ceil(DROP_REACH_MM / sp[:2].min())) + 1
    for label_id, (first, last) in boxes.items():
        lo = np.maximum(np.asarray(first) - [pad, pad, 0], 0)
        hi = np.minimum(np.asarray(last) + [pad, pad, 0], np.array(labels.shape) - 1) + 1
        for k in range(lo[2], hi[2]):
            window = (slice(lo[0], hi[0]), slice(lo[1], hi[1]), k)
            body = labels[window] == label_id
            if body.sum() < MEDIAN_RAYS:
                continue
            beyond = beyond_cortex(body, np.asarray(hu[window], np.float32), sp[:2])
            if beyond.any():
                labels[window][beyond] = 0


def beyond_cortex(body, hu, sp):
    """The pixels of one slice's `body` lying beyond its cortex along their ray from the body's centre."""
    x, y = np.nonzero(body)
    cx, cy = x.mean(), y.mean()
    step = sp.min()
    angles = np.arange(RAYS) * 2 * np.pi / RAYS
    dx, dy = np.cos(angles) / sp[0], np.sin(angles) / sp[1]          # one mm along each ray, in pixels
    radius = np.hypot((x - cx) * sp[0], (y - cy) * sp[1])
    ray = np.round(np.arctan2((y - cy) * sp[1], (x - cx) * sp[0]) / (2 * np.pi / RAYS)).astype(int) % RAYS
    edge = np.zeros(RAYS)
    np.maximum.at(edge, ray, radius)
    r = np.arange(0, edge.max() + DROP_REACH_MM + step, step)
    px, py = cx + np.outer(dx, r), cy + np.outer(dy, r)
    profile = ndimage.map_coordinates(hu, [px, py], order=1, mode="nearest")
    core = float(np.median(hu[body]))
    cuts = _circular_median(_cortex_radii(profile, r, edge, core, step))
    cut = radius > cuts[ray] + step / 2          # half a step: the peak's own pixel stays
    out = np.zeros_like(body)
    out[x[cut], y[cut]] = True
    return out


def _cortex_radii(profile, r, edge, core, step):
    """Each ray's radius of its outermost cortex peak (rows of `profile`, sampled at radii `r`), searched to
    `DROP_REACH_MM` past the label's `edge` on that ray; inf where none is found (nothing is cut)."""
    reach = max(1, int(round(DROP_REACH_MM / step)))
    n = profile.shape[1]
    padded = np.concatenate([profile[:, :1], profile, np.repeat(profile[:, -1:], reach, axis=1)], axis=1)
    inner, outer = padded[:, :n], padded[:, 2:n + 2]
    ahead = padded[:, 2:n + 2].copy()
    for s in range(2, reach + 1):
        np.minimum(ahead, padded[:, 1 + s:n + 1 + s], out=ahead)
    peak = ((profile >= max(CORTEX_HU, core + CORTEX_DROP_HU)) & (profile >= inner) & (profile >= outer)
            & (profile - ahead >= CORTEX_DROP_HU) & (r[None, :] <= edge[:, None] + DROP_REACH_MM))
    peak[:, 0] = peak[:, -1] = False      # the centre, and a peak whose fall lies past the profile's end
    last = n - 1 - np.argmax(peak[:, ::-1], axis=1)
    return np.where(peak.any(axis=1) & (edge > 0), r[last], np.inf)   # a ray holding no pixel cuts nothing


def _circular_median(cuts):
    """Each ray's cut radius as the median of `MEDIAN_RAYS` rays round it (inf where most find no cortex)."""
    half = MEDIAN_RAYS // 2
    ring = np.concatenate([cuts[-half:], cuts, cuts[:half]])
    return np.sort([ring[s:s + RAYS] for s in range(MEDIAN_RAYS)], axis=0)[half]

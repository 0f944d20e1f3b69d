"""The kidneys' cortex and medulla, for the contrast phase (issue 22 section 2).

Iodine reaches the renal cortex first: in the arterial (corticomedullary) phase, 25-40 s after
injection, the cortex is bright and the medulla still dark; from about 80 s (nephrographic,
portal venous) the parenchyma enhances evenly; unenhanced, both read about 30 HU. So the
medulla's enhancement relative to the cortex's tells an arterial CT from a portal venous one
where the vena cava is missed or ambiguous.

Where: the kidneys lie behind and beside the upper lumbar column (T12-L3), 30-120 mm to either
side of the vertebral body's centre, their hilum facing forward and inward. An enhanced kidney
is the largest iodine-bright (ENHANCED_HU) region there, of a kidney's cross-section (KIDNEY_AREA_MM2),
its outline filled (a dark medulla inside a bright cortex is still the kidney): the cortex is its
outer CORTEX_MM, the medulla the rest above 0 HU (the renal sinus is fat). A region too thin for a
kidney is left out (the iliac wings read 100-300 HU at 3 mm but are plates 10-20 mm thick). The
posterior iliac bone and sacral ala with the muscle they enclose can still pass for a kidney when the
pelvis is searched (no vertebra labels). Unenhanced kidneys are not looked for (they read like
muscle). So the kidneys only refine an enhanced CT's phase (jmedseg.calibration.phase).
"""
import numpy as np
from scipy import ndimage

from jmedseg.spine.column import disk

ENHANCED_HU = (100.0, 600.0)
BESIDE_MM = (30.0, 120.0)         # |x| from the column centre
DEPTH_MM = (-70.0, 40.0)          # y from the column centre (RAS+: anterior positive)
KIDNEY_AREA_MM2 = (500.0, 6000.0)
CORTEX_MM = 6.0                   # renal cortex 5-8 mm thick
MIN_PIXELS = 10
MIN_RADIUS_MM = 12.0
MIN_SLICES = 2                    # per kidney: one slice may be a bowel loop or the spleen


def _thick_enough(region, sp):
    """A kidney is a bean 40-60 mm across (its largest inscribed disc at least MIN_RADIUS_MM); the iliac wing's
    marrow, which reads 100-300 HU with its cortex at 3 mm, is a curved plate 10-20 mm thick."""
    return float(ndimage.distance_transform_edt(region, sampling=sp[:2]).max()) >= MIN_RADIUS_MM


class KidneySearch:
    """Per searched abdominal slice, the cortex and medulla working-grid values of both kidneys."""

    def __init__(self):
        self.finds = []      # (k, side, cortex values, medulla values)

    def add_slice(self, s, body, column, k, sp):
        cx, cy = column.centre[k]
        dx = (np.arange(s.shape[0]) - cx)[:, None] * sp[0]
        dy = (np.arange(s.shape[1]) - cy)[None, :] * sp[1]
        in_y = (dy >= DEPTH_MM[0]) & (dy <= DEPTH_MM[1])
        bright = body & (s >= ENHANCED_HU[0]) & (s <= ENHANCED_HU[1])
        for side, sign in (("right", 1.0), ("left", -1.0)):
            box = in_y & (sign * dx >= BESIDE_MM[0]) & (sign * dx <= BESIDE_MM[1])
            kidney = self._kidney(box & bright, sp)
            if kidney is None:
                continue
            inner = ndimage.binary_erosion(kidney, structure=disk(CORTEX_MM, sp[:2]))
            cortex = kidney & ~inner & (s >= ENHANCED_HU[0])
            medulla = inner & (s > 0.0)
            if cortex.sum() >= MIN_PIXELS and medulla.sum() >= MIN_PIXELS:
                self.finds.append((k, side, s[cortex], s[medulla]))

    @staticmethod
    def _kidney(mask, sp):
        closed = ndimage.binary_closing(mask, structure=disk(3.0, sp[:2]))
        filled = ndimage.binary_fill_holes(closed)
        parts, n = ndimage.label(filled)
        areas = ndimage.sum(filled, parts, index=np.arange(1, n + 1)) * sp[0] * sp[1]
        sized = [i for i in range(n) if KIDNEY_AREA_MM2[0] <= areas[i] <= KIDNEY_AREA_MM2[1]
                 and _thick_enough(parts == i + 1, sp)]
        # the largest of a kidney's size: an enhanced liver or spleen joined to it is larger and is left out
        return parts == max(sized, key=lambda i: areas[i]) + 1 if sized else None

    def cortex_medulla_hu(self, below=None):
        """(cortex, medulla) median HU over both kidneys, NaN unless each was found in MIN_SLICES slices.

        Only slices under `below` (the lowest chest slice) count: the kidneys lie under the diaphragm,
        and in the neck or the chest an enhanced vessel or muscle of a kidney's size can sit in the box.
        """
        finds = [f for f in self.finds if below is None or f[0] < below]
        if any(sum(f[1] == side for f in finds) < MIN_SLICES for side in ("right", "left")):
            return float("nan"), float("nan")
        return tuple(float(np.median(np.concatenate([f[i] for f in finds]))) for i in (2, 3))

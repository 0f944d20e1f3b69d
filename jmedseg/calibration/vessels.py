"""The aorta and the inferior vena cava beside the spinal column, enhanced or not (for the contrast phase).

Anatomy used (not HU cut-offs fitted to a scan):
- the aorta is a round tube 15-30 mm across that runs straight along the column: in front of
  the lumbar bodies, slightly to the patient's left, and beside the thoracic ones on the left;
- the inferior vena cava is a round or flat tube on the body's right, at the aorta's depth and
  about 25 mm to its right (VENA_CAVA_FROM_AORTA_MM);
- blood with iodine is the lumen: where a bright (iodine) round region and a 0-100 HU one are the
  same vessel (their tracks within SAME_VESSEL_MM), the 0-100 HU one is its wall, a mural thrombus
  or the sac of a stented aneurysm (the bundled chest CTA), so the bright one is the blood.

Per searched slice and HU window (enhanced: iodine; native: unenhanced blood), each component of
the window inside the vessel's box gives its largest inscribed discs (_round_components): the
candidates. Per window, a vessel is the longest chain of candidates, one per slice, each within
VESSEL_STEP_MM + VESSEL_SLOPE x the z gap of the previous one (it runs continuously along the column
and drifts slowly; of equal chains the nearer to where the vessel lies). A chain counts when it
covers MIN_TRACK_SHARE of the searched slices (the aorta runs through all of them); of two counting
chains the bright one wins when they are the same vessel, otherwise the longer one (a bowel loop with
oral contrast runs along the column for a few centimetres, the aorta through the whole slab), or of
two about as long the one nearer the vessel's expected place. Below the chest a vessel's centre lies
in front of the body's anterior edge less ABDOMINAL_FRONT_MM, which leaves out the psoas (round,
0-100 HU, beside the body behind its anterior edge).
"""
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from jmedseg.spine.column import disk

NATIVE_BLOOD_HU = (0.0, 100.0)
ENHANCED_HU = (100.0, 800.0)        # blood with any iodine (delayed phase at 140 kVp: about 90-130 HU)
WINDOWS = {"enhanced": ENHANCED_HU, "native": NATIVE_BLOOD_HU}
VESSEL_RADIUS_MM = (4.0, 22.0)       # the lumen's inscribed disc (less half a pixel): a flat vena cava 10 mm
# thick to an aneurysmal aorta 45 mm across
MAX_CORES = 4                        # vessel-sized discs taken from one merged component at most
BOX_FRONT_MM = (-35.0, 45.0)         # from the body's anterior edge (y); the thoracic aorta lies beside the body
ABDOMINAL_FRONT_MM = -10.0           # below the chest a vessel's centre lies in front of this (anterior edge - 10)
BOX_SIDE_MM = 55.0
AORTA_X_MM = (-BOX_SIDE_MM, 10.0)    # RAS+: the patient's left is -x
VENA_CAVA_X_MM = (5.0, BOX_SIDE_MM)
AORTA_AHEAD_MM = 15.0                # expected centre: this far in front of the body's anterior edge
VENA_CAVA_FROM_AORTA_MM = 25.0       # the vena cava's centre lies about this far right of the aorta's
OPENING_MM = 4.0                     # detaches a vessel from thin contacts (a crus, a bowel wall)
SPLIT_OPENING_MM = 7.0               # splits an enhanced aorta from an enhanced vena cava it touches
VERTEBRA_MARGIN_MM = 2.0             # the body's cortex, at least one working pixel: its partial-volume rim
# (200-400 HU outside a vertebra label) would join an aorta lying against the body and make it non-round
VESSEL_STEP_MM = 8.0                 # a vessel's centre moves at most this much between neighbouring searched slices
VESSEL_SLOPE = 0.3                   # ... plus this per mm of z between them (the aorta runs within ~15 deg of z)
MAX_SKIPPED = 1                      # searched slices a track may skip (a slice where the vessel touches bowel)
MIN_TRACK_SHARE = 1.0 / 3.0          # a track counts when it covers this share of the searched slices
LUNG_HU = -400.0
LUNG_SHARE = 0.10                    # bowel gas or a stomach bubble: a few % of the abdomen's cross-section
SAME_VESSEL_MM = 15.0                # two tracks this close are one vessel (its radius: 8-15 mm)
COMPARABLE_LENGTH = 0.8              # two tracks this close in length: the one nearer the vessel's place wins


@dataclass
class Find:
    k: int
    offset_mm: np.ndarray    # centre minus the column's centre, mm (x, y)
    mask: np.ndarray


def _round_components(candidates, sp, opening_mm=OPENING_MM):
    """[(core mask, centre pixel)] of the components of `candidates` thick enough to hold a vessel.

    A vessel's lumen is the largest disc that fits in its component (its distance-transform peak):
    a round vessel is all disc, and a bowel loop, the pancreas or a mesenteric vessel that touches it
    only adds a side lobe, which the disc leaves out. The core is that disc less half a pixel, so the
    partial-volume rim is left out too. Thin structures (a crus, a bowel wall) hold no such disc.
    """
    opened = ndimage.binary_opening(candidates, structure=disk(opening_mm, sp[:2]))
    parts, n = ndimage.label(opened)
    out = []
    for i in range(1, n + 1):
        comp = parts == i
        for _ in range(MAX_CORES):      # unenhanced, the aorta can merge with the psoas or bowel: one disc each
            # the field of view's edge bounds the disc: a component cut by it is not known to be round, and
            # unpadded, the transform would count the unseen part beyond the edge as vessel (a 110 mm crop
            # around one vertebra showed psoas at its edge as a 44 HU "aorta")
            depth = ndimage.distance_transform_edt(np.pad(comp, 1), sampling=sp[:2])[1:-1, 1:-1]
            peak = np.unravel_index(int(np.argmax(depth)), comp.shape)
            radius = float(depth[peak]) - 0.5 * min(sp[:2])
            if radius < VESSEL_RADIUS_MM[0]:
                break
            dx = (np.arange(comp.shape[0]) - peak[0])[:, None] * sp[0]
            dy = (np.arange(comp.shape[1]) - peak[1])[None, :] * sp[1]
            distance = np.hypot(dx, dy)
            if radius <= VESSEL_RADIUS_MM[1]:
                out.append((comp & (distance <= radius), np.array(peak, float)))
            comp = comp & (distance > radius + max(sp[:2]))
    return out


def _thoracic(s, body):
    """A slice through the chest: the lungs (air inside the body outline) fill over LUNG_SHARE of it."""
    return np.mean(s[body] < LUNG_HU) > LUNG_SHARE if body.any() else False


class VesselSearch:
    """Collects per slice the round candidates of both vessels in both windows, then picks each vessel's track."""

    def __init__(self, n_slices, slice_mm, step_mm):
        self.n_slices = n_slices
        self.slice_mm = slice_mm       # working-grid slice thickness, mm
        self.step_mm = step_mm         # largest z gap between neighbouring searched slices, mm
        self.candidates = {(name, w): [] for name in ("aorta", "ivc") for w in WINDOWS}   # (k, [Find])
        self.thoracic = []     # slices through the chest
        self.front = {}        # k -> y of the body's anterior edge from the column centre (mm)

    def position(self, k):
        return k * self.slice_mm

    def add_slice(self, s, body, column, k, sp):
        cx, cy = column.centre[k]
        front = np.flatnonzero(column.body[:, :, k].any(axis=0))
        y_front = (front.max() - cy) * sp[1] if front.size else 20.0
        self.front[k] = y_front
        margin = disk(max(VERTEBRA_MARGIN_MM, max(sp[:2])), sp[:2])
        vertebra = ndimage.binary_dilation(column.body[:, :, k], structure=margin)
        dx = (np.arange(s.shape[0]) - cx)[:, None] * sp[0]
        dy = (np.arange(s.shape[1]) - cy)[None, :] * sp[1]
        in_y = (dy >= y_front + BOX_FRONT_MM[0]) & (dy <= y_front + BOX_FRONT_MM[1])
        chest = _thoracic(s, body)
        if chest:
            self.thoracic.append(k)
        # below the diaphragm the aorta and vena cava lie in front of the bodies; the psoas (round, 0-100 HU)
        # beside and behind their anterior edge. In the chest the descending aorta runs beside the body.
        y_min = y_front + (BOX_FRONT_MM[0] if chest else ABDOMINAL_FRONT_MM)
        for name, (x_lo, x_hi) in (("aorta", AORTA_X_MM), ("ivc", VENA_CAVA_X_MM)):
            region = (dx >= x_lo) & (dx <= x_hi) & in_y & body & ~vertebra
            for window, (lo, hi) in WINDOWS.items():
                inside = region & (s >= lo) & (s <= hi)
                comps = _round_components(inside, sp)
                if not comps and window == "enhanced":     # an enhanced aorta touching an enhanced vena cava
                    comps = _round_components(inside, sp, SPLIT_OPENING_MM)
                finds = [Find(k, (c - (cx, cy)) * sp[:2], m) for m, c in comps]
                finds = [f for f in finds if f.offset_mm[1] >= y_min]
                if finds:
                    self.candidates[(name, window)].append((k, finds))

    def _track(self, name, window, target_of):
        """The longest chain of finds, one per slice, each within a step of the previous one (at most one searched
        slice skipped): the vessel runs continuously along z and drifts only slowly beside the column (the
        descending aorta by a few mm per cm; the arch leaves it). Of equally long chains, the nearer to
        `target_of(k)`."""
        slices = self.candidates[(name, window)]
        best = []            # per slice, per find: (length, -summed miss, previous (i, j) or None)
        for i, (k, finds) in enumerate(slices):
            row = []
            for f in finds:
                miss = float(np.hypot(*(f.offset_mm - target_of(k))))
                score, prev = (1, -miss), None
                for i0 in range(max(0, i - 1 - MAX_SKIPPED), i):
                    k0, finds0 = slices[i0]
                    if self.position(k) - self.position(k0) > (MAX_SKIPPED + 1) * self.step_mm + 1e-6:
                        continue
                    allowed = VESSEL_STEP_MM + VESSEL_SLOPE * (self.position(k) - self.position(k0))
                    for j0, f0 in enumerate(finds0):
                        if np.hypot(*(f.offset_mm - f0.offset_mm)) <= allowed:
                            cand = (best[i0][j0][0][0] + 1, best[i0][j0][0][1] - miss)
                            if cand > score:
                                score, prev = cand, (i0, j0)
                row.append((score, prev))
            best.append(row)
        ends = [(row[j][0], i, j) for i, row in enumerate(best) for j in range(len(row))]
        if not ends:
            return []
        _, i, j = max(ends)
        chain, at = [], (i, j)
        while at is not None:
            chain.append(slices[at[0]][1][at[1]])
            at = best[at[0]][at[1]][1]
        return chain[::-1]

    def _choose(self, name, target_of):
        tracks = {w: self._track(name, w, target_of) for w in WINDOWS}
        enough = max(2, MIN_TRACK_SHARE * self.n_slices)
        counting = [w for w, t in tracks.items() if len(t) >= enough]
        if len(counting) == 2:
            native = {f.k: f.offset_mm for f in tracks["native"]}
            apart = [np.hypot(*(f.offset_mm - native[f.k])) for f in tracks["enhanced"] if f.k in native]
            if apart and np.median(apart) <= SAME_VESSEL_MM:
                return tracks["enhanced"]     # one vessel: the iodine is in its lumen
            lengths = sorted(len(t) for t in tracks.values())
            if lengths[0] < COMPARABLE_LENGTH * lengths[1]:     # the aorta runs through the whole slab
                return max(tracks.values(), key=len)
            miss = {w: np.median([np.hypot(*(f.offset_mm - target_of(f.k))) for f in tracks[w]]) for w in WINDOWS}
            return tracks[min(WINDOWS, key=lambda w: miss[w])]
        return tracks[counting[0]] if counting else []   # a few scattered finds are not a vessel along the spine

    def aorta_and_vena_cava(self):
        """{name: [Find]} of the chosen tracks; the vena cava is looked for relative to the aorta found."""
        def aorta_target(k):
            return np.array([np.mean(AORTA_X_MM), self.front[k] + AORTA_AHEAD_MM])

        aorta = self._choose("aorta", aorta_target)
        if aorta:
            def ivc_target(k):
                nearest = min(aorta, key=lambda f: abs(f.k - k))
                return nearest.offset_mm + (VENA_CAVA_FROM_AORTA_MM, 0.0)
        else:
            def ivc_target(k):
                return np.array([np.mean(VENA_CAVA_X_MM), self.front[k] + AORTA_AHEAD_MM])
        if self.thoracic:   # the vena cava is the abdominal one, below every chest slice: in the chest and neck
            # the vessels on the body's right (right atrium, superior vena cava, the veins the contrast is injected
            # into) fill with undiluted contrast first and read like the vena cava in no phase
            for key in [("ivc", w) for w in WINDOWS]:
                self.candidates[key] = [(k, f) for k, f in self.candidates[key] if k < min(self.thoracic)]
        return {"aorta": aorta, "ivc": self._choose("ivc", ivc_target)}

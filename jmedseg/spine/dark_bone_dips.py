"""Lumbar dips in the middles of dark bodies: moved to the discs that the endplate pairs show.

`jmedseg.spine.discs.find_area_discs` takes a dip of the body's cross-section for a thick disc: the body found in
a slice (bone over 120 HU and what it encloses) vanishes where disc tissue fills it. Where the cancellous bone
itself is as dark as disc tissue (osteoporotic bone, 40-120 HU in the phantom's range; a disc reads 60-110) and the
cortical ring does not close round it (noise, 3-4 mm pixels), the body vanishes in its own middle as well, and a
body's middle gives the dip while its discs, held between two bright endplates, keep their area (issue 20, seed
151 CT 30, abdomen + pelvis, delayed, 3 mm, noise 21 HU, trabecular 56-62 HU against a 108 HU disc: the dips of
L2/L3, L3/L4 and L4/L5 lay in the middles of L3, L4 and L5, 13-19 mm under their discs; the count stayed right by
chance, one disc missed and one body split, and L4's label was confirmed as "L5", the one confirmed-but-wrong
level of the afternoon round's 840 CTs).

The core's profile (`jmedseg.spine.discs.core_hu_profile`) reads such a column plainly: each disc is a pair of
endplate bands (`ENDPLATE_BUMP_HU` over the running level) as far apart as the disc is thick plus its plates
(8-16 mm, `PLATE_PAIR_MIN_MM` to `PLATE_PAIR_MAX_MM`; 11-12 mm in CT 30), and each body a dark stretch a body's
height long (20-24 mm in CT 30) between two such pairs. So where the core over the lumbar dips reads as no bone (its median under
`DISC_TISSUE_MAX_HU`) and the slices resolve a disc's two plates (at most half the thinnest lumbar disc: the bound
`discs.arc_profile` uses), a lumbar dip lying on no plate pair lies in a body. A run of such dips between two
discs that stay (the lowest disc, read by `jmedseg.spine.sacrum`; a dip on a plate pair; a thin disc) is replaced by
the plate pairs' middles between those discs, only where there are as many of them as dips (the count of
vertebrae does not change: only where the cut falls), each at least `MIN_PITCH_MM` from the next disc and within
`LUMBAR_PITCH_MM` of the dip it replaces (a dip inside a body lies no farther than that from one of its discs).
Anything else (a plate missed in noise, a pair more or fewer than the dips) leaves the dips as they are.
"""
import numpy as np

from jmedseg.spine.discs import (DISC_TISSUE_MAX_HU, ENDPLATE_BUMP_HU, ENDPLATE_SMOOTH_MM, MIN_PITCH_MM, SAMPLE_MM,
                                 THINNEST_THICK_DISC_MM, core_departure)
from jmedseg.spine.lumbar_short import THICKEST_DISC_MM
from jmedseg.spine.profile_extremes import local_extremes
from jmedseg.spine.sacrum import LUMBAR_PITCH_MM

PLATE_PAIR_MAX_MM = THICKEST_DISC_MM + 2.0   # a disc's two bands peak on its plates (1 mm of cortex each side)
PLATE_PAIR_MIN_MM = THINNEST_THICK_DISC_MM   # nearer bands are one plate's band split by noise (seed 47 CT 6: 5 mm)


def at_plate_pairs(discs, dips, s, core_hu, dz):
    """`discs` (arc mm) with each run of lumbar dips (`dips`) that lies in dark bodies' middles replaced by the
    discs the core's plate pairs show (module docstring); `dz` the working slice (mm)."""
    ordered = sorted(discs)
    lumbar = [d for d in ordered if d in dips]
    if dz > 0.5 * THINNEST_THICK_DISC_MM or len(ordered) < 3 or not lumbar or not len(s):
        return discs
    s, core_hu = np.asarray(s, float), np.asarray(core_hu, float)
    span = (s >= ordered[0]) & (s <= lumbar[-1])
    if not span.any() or np.median(core_hu[span]) >= DISC_TISSUE_MAX_HU:   # bone the body's mask holds
        return discs
    pairs = plate_pairs(s, core_departure(core_hu))
    off = [d for d in lumbar if not any(a - SAMPLE_MM <= d <= b + SAMPLE_MM for a, b in pairs)]
    middles = [0.5 * (a + b) for a, b in pairs]
    out = list(ordered)
    for run in _runs(ordered, off):
        j = ordered.index(run[0])
        if j == 0 or j + len(run) >= len(ordered):   # a run needs a disc that stays on each side
            continue
        lower, upper = ordered[j - 1], ordered[j + len(run)]
        found = [m for m in middles if lower + MIN_PITCH_MM <= m <= upper - MIN_PITCH_MM]
        if len(found) == len(run) and _spaced(found) and \
                all(abs(m - d) <= LUMBAR_PITCH_MM for m, d in zip(found, run)):
            out = [x for x in out if x not in run] + found
    return sorted(out) if out != ordered else discs


def plate_pairs(s, departure):
    """(lower, upper) arc positions (mm) of neighbouring endplate bands (maxima of `departure` at
    `ENDPLATE_BUMP_HU` or more, one per `2 * ENDPLATE_SMOOTH_MM`) `PLATE_PAIR_MIN_MM` to `PLATE_PAIR_MAX_MM` apart:
    one disc's plates, taken from below, each band in one pair at most."""
    interior = np.arange(1, len(s) - 1)
    peaks = []
    for i in local_extremes(departure, interior[np.asarray(departure)[interior] >= ENDPLATE_BUMP_HU]):
        if peaks and s[i] - s[peaks[-1]] < 2 * ENDPLATE_SMOOTH_MM:   # one band split by noise
            if departure[i] > departure[peaks[-1]]:
                peaks[-1] = i
        else:
            peaks.append(i)
    pairs, k = [], 0
    while k + 1 < len(peaks):
        a, b = float(s[peaks[k]]), float(s[peaks[k + 1]])
        if PLATE_PAIR_MIN_MM <= b - a <= PLATE_PAIR_MAX_MM:
            pairs.append((a, b))
            k += 2
        else:
            k += 1
    return pairs


def _runs(ordered, off):
    """The runs of consecutive discs of `ordered` (sorted, distinct) that are in `off`."""
    inside = np.flatnonzero(np.isin(ordered, off))
    return [[ordered[k] for k in run] for run in np.split(inside, np.flatnonzero(np.diff(inside) > 1) + 1) if len(run)]


def _spaced(positions):
    return all(b - a >= MIN_PITCH_MM for a, b in zip(positions, positions[1:]))

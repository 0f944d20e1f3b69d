"""A thick-disc dip checked against the body's core: a disc leaves a mark there, a false split does not.

`jmedseg.spine.discs.find_area_discs` takes a dip of the body's cross-section for a disc. The
cross-section also dips where the body found in a slice narrows for another reason (a solid arch
or a vessel grown over the body's back wall, issue 20: synthetic CT 190 of the 200-CT series, seed
2026, its L1 split into two 20 mm pieces and the sacrum's count refused). A real disc leaves a
mark on the body's core (`jmedseg.spine.discs.core_hu_profile`): its tissue (70-100 HU) lowers
the median HU of the core below the cancellous level, or, where the bone is as dark as the disc
(osteopenia), its two cortical endplates raise it in bands either side. A false split crosses
cancellous bone only: the core's profile stays flat there.

A dip is dropped only when both hold (`unmarked_splits`):
- its core is flat: within `DISC_WINDOW_MM` of the dip the core's profile (`jmedseg.spine.discs.core_departure`)
  has no peak or trough departing from the running cancellous level by `ENDPLATE_BUMP_HU` or more (the threshold
  by which `find_endplate_discs` finds a thin disc's band: 4-10 times the median's noise over the core); the
  rising shoulder of a band outside the window is not a mark;
- the two pieces it leaves are together shorter than the tallest lumbar vertebra
  (`jmedseg.spine.sacrum.LUMBAR_PITCH_MAX_MM`, disc to disc), so they can be one vertebra.
  Two real lumbar vertebrae are each at least a lumbar pitch (`jmedseg.spine.sacrum.LUMBAR_PITCH_MM`,
  24 mm) tall and are never joined, whatever their core shows; two mid-thoracic ones (18-23 mm) can
  add up to less, and there a real (thin) disc is kept by its endplate band.
"""
import numpy as np

from jmedseg.spine.discs import ENDPLATE_BUMP_HU, core_departure
from jmedseg.spine.profile_extremes import local_extremes
from jmedseg.spine.sacrum import LUMBAR_PITCH_MAX_MM

DISC_WINDOW_MM = 6.0     # half the thickest lumbar disc (10-12 mm): the disc's middle lies this near its dip


def has_disc_mark(position, s, departure):
    """Whether the core shows a disc within `DISC_WINDOW_MM`: a dip or a band of `ENDPLATE_BUMP_HU` or more whose
    extreme lies there (`profile_extremes.local_extremes`).

    A band's shoulder reaching into the window from outside is not a mark here: it is the neighbouring disc's
    endplate, 9-12 mm from the middle of a lumbar body 22-27 mm tall, whose smoothed band rises past
    `ENDPLATE_BUMP_HU` 5-6 mm from that middle (issue 20: synthetic CT 114 of the 200-CT series, seed 2026, native,
    2.5 mm slices, L4 split at a dip where its body was lost in three slices; its core flat to 1 HU there, the
    L3/L4 band rising to 21 HU at the window's edge, and the count from the sacrum dropped as one too high).
    Where the profile does not reach the position (the column's end), a mark cannot be ruled out: True.
    """
    near = np.flatnonzero(np.abs(s - position) <= DISC_WINDOW_MM)
    if not len(near):
        return True
    return bool(any(abs(departure[j]) >= ENDPLATE_BUMP_HU for j in local_extremes(departure, near)))


def unmarked_splits(discs, checked, s, core_hu):
    """The discs of `checked` (arc mm, a subset of the sorted `discs`) that split one vertebra: no disc mark
    on the core (`has_disc_mark`) and the pieces either side together under `LUMBAR_PITCH_MAX_MM`.

    A disc at either end of `discs` has a piece of unknown length beyond it and is kept.
    The check is made against the discs as found (not after earlier drops), so the result does not
    depend on the order of the dips.
    """
    discs = sorted(discs)
    s, departure = np.asarray(s, float), core_departure(core_hu)
    dropped = []
    for j in range(1, len(discs) - 1):
        d = discs[j]
        if d not in checked:
            continue
        if discs[j + 1] - discs[j - 1] < LUMBAR_PITCH_MAX_MM and not has_disc_mark(d, s, departure):
            dropped.append(d)
    return dropped

"""The samples of a profile where its departure from zero is a local extreme: a band's peak or a dip's bottom (issue
20, 2026-12-06 night, branch `review15`).

Why one function: `disc_check.has_disc_mark` (a disc's mark near a dip: an endplate band's peak or a dip's bottom on
the core's departure from its running level) and `dark_bone_dips.plate_pairs` (the endplate bands' peaks that pair
into a disc's two plates) each had a loop of their own for the same test; a peak found one way and not the other
would let the two rules read the same profile differently. Same samples as both loops gave (docs/spine.md, the
section of branch `review15`).
"""
import numpy as np


def local_extremes(values, idx):
    """The samples of `idx` where |values| is at least as large as at both neighbours on the same side of zero (a
    positive sample at least as high as each neighbour, a negative one at least as low); a profile's end counts as
    a neighbour no larger. NaN is no extreme, and no neighbour is passed by a NaN sample."""
    values, idx = np.asarray(values, float), np.asarray(idx, int)
    sign = np.where(values[idx] >= 0, 1.0, -1.0)
    own = sign * values[idx]
    last = len(values) - 1
    below = (idx == 0) | (own >= sign * values[np.maximum(idx - 1, 0)])
    above = (idx == last) | (own >= sign * values[np.minimum(idx + 1, last)])
    return idx[below & above]

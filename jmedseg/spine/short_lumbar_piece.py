"""A lumbar piece shorter than the smallest lumbar vertebra cut off by a dip the core shows no disc at: the dip goes.

No lumbar vertebra measures under `LUMBAR_PITCH_MM` disc to disc (24 mm: L1 of a small adult, less two discs'
placement error), so of the two discs bounding a shorter lumbar segment at least one is false or placed off. A real
disc leaves a mark on the body's core (`disc_check.has_disc_mark`: disc tissue under the cancellous level, or its
two endplates' bands); a false split crosses cancellous bone only. Where the piece's one disc leaves no mark and
its other disc does, the unmarked one is the false one, and the piece is the rest of its neighbour across it.
`disc_check.unmarked_splits` drops an unmarked dip only where the two pieces together measure under the tallest
lumbar vertebra (`LUMBAR_PITCH_MAX_MM`, 46 mm), a bound for two pieces of any length; with one piece under the
smallest vertebra the two together are one vertebra up to `MAX_PITCH_MM` (50 mm, the tallest vertebra and a disc:
the bound over which a segment is taken to hide a disc), since a neighbouring disc found a few mm off (the marked one
here) lengthens the sum. `lumbar_short.lengthen_short` moves a disc where both pieces can be lumbar vertebrae; it
runs first, and what it leaves under 24 mm against an unmarked dip is joined here.

Issue 20, seed 181 CT 6 (abdomen + pelvis, arterial, 2.5 mm, noise 14 HU): L3 cut at a dip
(110 mm) whose core is flat (departures within 5 HU), into 27 and 20 mm pieces (47 mm together, the disc over it
found 4 mm over the core's, whose endplate bands at 304 and 318 mm of arc read 170 and 199 HU); the 20 mm piece
made `sacrum.check_count_above_sacrum` drop the sacrum ("one anchor only (T12)") and the ribs named L3-S1 one level
off (not confirmed). Joined, the sacrum counts and agrees with the ribs.
"""
import numpy as np

from jmedseg.spine.disc_check import has_disc_mark
from jmedseg.spine.discs import core_departure
from jmedseg.spine.levels import MAX_PITCH_MM
from jmedseg.spine.sacrum import LUMBAR_PITCH_MM


def unmarked_by_short_pieces(discs, lumbar, s, core_hu):
    """The dips of `lumbar` (arc mm, a subset of the sorted `discs`) with no disc mark on the core that bound a
    segment shorter than `LUMBAR_PITCH_MM` whose other disc has one, the two segments either side of the dip
    together no longer than `MAX_PITCH_MM` (module docstring). A disc at either end of `discs` is kept (a piece of
    unknown length beyond it). Judged against the discs as given, so the result does not depend on their order."""
    discs = sorted(discs)
    s, departure = np.asarray(s, float), core_departure(core_hu)
    marked = {d: has_disc_mark(d, s, departure) for d in discs}
    dropped = []
    for j in range(1, len(discs) - 1):
        d = discs[j]
        if d not in lumbar or marked[d] or discs[j + 1] - discs[j - 1] > MAX_PITCH_MM:
            continue
        short_sides = [k for k in (j - 1, j + 1) if abs(discs[k] - d) < LUMBAR_PITCH_MM and marked[discs[k]]]
        if short_sides:
            dropped.append(d)
    return dropped

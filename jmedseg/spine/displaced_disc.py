"""A lumbar disc found off its place, not missed: a tall segment beside a short one that together hold two vertebrae.

`jmedseg.spine.levels.segments_between` marks a segment taller than a vertebra and a disc (`MAX_PITCH_MM`) as
a gap where a disc may have been missed, and `levels._assign_names` then confirms nothing between two anchors
that agree across it: a missed disc and a false one elsewhere would agree by a compensating error. Where a
lumbar disc is found 10-15 mm off its place (its dip read at a vessel or an endplate), the vertebra on one side
grows past `MAX_PITCH_MM` and the one on the other side shrinks under the smallest lumbar vertebra; the disc is
placed off, not missed (issue 20: synthetic CTs seed 11 CT 42, L2 20 mm and L3 54 mm disc to disc, and seed 97
CT 6, L2 55 mm and L3 20 mm, 2-2.5 mm slices; both named right by sacrum and ribs, refused).

The count over such a pair is fixed by anatomy (`displaced_not_missed`): one adult's lumbar vertebrae measure
near-equal pitches disc to disc (bodies 25-29 mm, discs 8-12 mm: 33-40 mm, within about 10 % of their mean), so a
pair shorter than three vertebrae of `1 - PITCH_SPREAD` of the column's other lumbar pitches holds at most two, and
one over the tallest lumbar vertebra (`LUMBAR_PITCH_MAX_MM`, 46 mm) at least two. The mean is read outside the pair:
were a disc missed there and a lumbar rib moving the rib anchor with it, the anchors would agree one level off with
one segment fewer than vertebrae between them, and a mean over all of them would be a third too long; the others,
one vertebra each, are not. The rule then asks the pair's outer discs to be real: each neighbour outside the pair
measures at least `LUMBAR_PITCH_MM` (24 mm, L1 of a small adult: neither outer disc cuts a body into a piece), and
the short segment with its outer neighbour measures more than the tallest vertebra (the short one is no piece of
that neighbour's body split by a false disc, the reading `jmedseg.spine.sacrum.check_count_above_sacrum` guards
against). The short segment is one shorter than the smallest lumbar vertebra of an adult (`LUMBAR_PITCH_MM`) or of
this column (the least pitch above): at 3 mm, seed 157 CT 31 (lumbar, noise 18 HU) has its L2/L3 disc found 15 mm
low, L3 24 mm and L2 60 mm along the column beside L5, L4, L1 of 42, 48 and 36 mm (least 34 mm); 24 mm is an
adult's smallest L1 but no vertebra of a column whose others measure 36-48 mm (issue 20, 2026-12-06 evening, branch
`pelvis14`). The control that bound keeps out: seed 2026 CT 138 (eleven rib pairs, L1 and T12 in one 61 mm segment
under the lowest rib, L2 45 mm beside it; the anchors agree one level off) is no short neighbour of its column
(least 27 mm) and the pair (106 mm) holds three vertebrae. Only segments strictly between the counted sacrum and the lowest rib-bearing vertebra are read, where
every vertebra is lumbar; the T12 segment and the thoracic column, whose vertebrae (18-25 mm) are shorter, are left
as they are.
"""
from jmedseg.spine.sacrum import LUMBAR_PITCH_MAX_MM, LUMBAR_PITCH_MM, segment_pitch

PITCH_SPREAD = 0.2   # one adult's lumbar pitches (body 25-29 mm + disc 8-12 mm, 33-40 mm) lie within 10 % of
#                      their mean; twice that leaves room for two outer discs each found half a slice off
MIN_OTHERS = 2       # the column's mean lumbar pitch read from at least two vertebrae besides the pair


def displaced_not_missed(segments, sacrum, disc_arcs, arc, dz):
    """Clear `disc_missed` (in place) on a lumbar segment whose missed-disc reading a short neighbour explains:
    the two hold exactly two vertebrae, their shared disc found off its place. Returns the indices cleared.

    `segments`: inferior to superior; `sacrum`: the `SacrumFinding` (its `segment` the counted S1, or None);
    `disc_arcs` and `arc` as for `sacrum.segment_pitch`; `dz` (mm): the slice spacing, each sum's measuring error (the
    outer discs of a pair are each found within half a slice). The tall segment keeps its `uncertain_level`
    flag (its disc is off, so its extent is) and gets the reason in its notes; the anchors are then counted
    across it."""
    s1 = sacrum.segment if sacrum is not None else None
    rib_bearing = [j for j, seg in enumerate(segments) if seg.ribs]
    if s1 is None or not rib_bearing or min(rib_bearing) <= s1:
        return []
    lowest = min(rib_bearing)
    pitches = [segment_pitch(seg, disc_arcs, arc) for seg in segments]
    cleared = []
    for j in range(s1 + 1, lowest):
        if not segments[j].disc_missed or pitches[j] is None:
            continue
        for n, step in ((j - 1, -1), (j + 1, 1)):
            if _two_vertebrae(pitches, j, n, step, s1, lowest, dz):
                segments[j].disc_missed = False
                segments[j].notes.append(
                    f"{pitches[j]:.0f} mm with the {pitches[n]:.0f} mm vertebra beside it: two lumbar vertebrae "
                    "(three would each be shorter than this column's other lumbar vertebrae allow), the disc "
                    "between them found off its place, none missed")
                cleared.append(j)
                break
    return cleared


def _two_vertebrae(pitches, j, n, step, s1, lowest, dz):
    """Whether tall segment j and short neighbour n (on side `step`) hold exactly two lumbar vertebrae, both
    outer discs real.

    n lies strictly between S1 (`s1`) and the lowest rib-bearing segment (`lowest`) and is shorter than the
    smallest lumbar vertebra of an adult (`LUMBAR_PITCH_MM`) or of this column (the least pitch below); each outer neighbour measures at least the smallest vertebra, n with its outer
    neighbour more than the tallest one plus a slice; and the pair measures under three vertebrae of the least
    pitch this column allows, `1 - PITCH_SPREAD` of the mean of its other lumbar vertebrae (at least
    `MIN_OTHERS`, whole and bounded by discs). No slice is taken off that bound: `PITCH_SPREAD` already holds the
    outer discs' placement (twice the anatomical 10 %), and three vertebrae of this column measure at least
    3 x 0.9 of its mean less those two half slices, over the bound by 0.3 of a mean pitch less a slice (6 mm at a
    36.7 mm mean and 5 mm slices). Taking a slice off as well missed seed 193 CT 98 (5 mm: L3 25 mm and L2 60 mm
    beside L5, L4, L1 of 40, 35, 35 mm; the pair's 85 mm against 88 - 5 mm; issue 20, branch `pelvis17`)."""
    m, p = n + step, j - step                  # the outer neighbours: beyond n, beyond j
    if not (s1 < n < lowest) or not (s1 < m <= lowest) or not (s1 < p <= lowest):
        return False
    if any(pitches[k] is None for k in (n, m, p)):
        return False
    others = [pitches[k] for k in range(s1 + 1, lowest) if k not in (j, n)]
    if len(others) < MIN_OTHERS or any(q is None for q in others):
        return False
    least = (1.0 - PITCH_SPREAD) * sum(others) / len(others)
    return (pitches[n] < max(LUMBAR_PITCH_MM, least) and pitches[j] + pitches[n] < 3 * least
            and pitches[m] >= LUMBAR_PITCH_MM and pitches[p] >= LUMBAR_PITCH_MM
            and pitches[n] + pitches[m] > LUMBAR_PITCH_MAX_MM + dz)

"""Whether the thoracic segments under a first rib pair are cut where their rib heads say (issue 20, branch `thick5`).

At slices of `jmedseg.spine.levels.THICK_SLICE_MM` or more the first pair under a column end past its upper disc
(`levels._end_over_disc_seen`) confirms every thoracic level it agrees on, and a mid-thoracic vertebra whose disc was
placed inside its neighbour (a body lost to the contrast pool in most of its slabs, a disc averaged with an endplate
over one 5 mm slab) is then confirmed on a segment nearer that neighbour. The rib heads say where such a segment is
mis-cut, independently of the discs: the heads of ribs 2-8 articulate across the disc above their own body (a
demifacet on its upper endplate and one on the lower endplate of the vertebra above), so each lies in the upper half
of its vertebra's span between the discs below and above it. A head in the lower half means the upper disc lies too
high (inside the vertebra above: the segment holds part of it, and its centre moves towards it) or the lower disc too
high (inside the own body). Rib 9 is left out: its head lies lower, at or under its body's middle in many spines (its
inferior demifacet is often missing, as the 10th-12th ribs' are), and in the phantom too (0.31-0.56 of the span in
the CTs measured). Ribs 10-12 articulate with their own body alone, and the first with T1 alone.
"""
import numpy as np

UPPER_HALF = 0.5    # a head of ribs 2-8 lies in its vertebra's upper half between the discs


def heads_in_upper_half(segments, lowest, top):
    """Whether every segment from the eighth rib-bearing vertebra over `lowest` (T12's segment index: T8) up to the one
    under `top` (T1's: T2) has its rib heads' mean height in the upper half of its span from the disc below to the
    disc above (a disc slice is the slice between two segments; the span runs lo - 1 to hi + 1).

    Measured on the chest + abdomen CTs at 5 mm whose first pair lies under a column end past its disc (issue 20,
    `_notes/thick5` probe, the lowest share over T2-T8): every level right, 0.53-0.60 (seed 53 CT 49, seed 61 CT 1,
    seed 67 CT 85, seed 73 CTs 41, 89, seed 79 CT 81); a mid-thoracic level confirmed 12-14 mm off once the pair
    counted, 0.43 (seed 59 CT 45: T8, seed 31 CT 12: T7 and T8, whose segments hold the lower part of the vertebra
    above); seed 59 CT 97 (every level right) 0.37 at T8, refused as before.
    """
    chain = upper_chain(segments, lowest, top)
    if chain is None:
        return False
    return all(seg.rib_z and seg.lower_disc and seg.upper_disc and head_share(seg) > UPPER_HALF for seg in chain)


def upper_chain(segments, lowest, top):
    """T8 .. T2 (segments `lowest` + 4 .. `top` - 1, `lowest` T12's index and `top` T1's), or None where the chain
    does not hold seven vertebrae."""
    chain = segments[lowest + 4:top]
    return chain if chain and len(chain) == top - lowest - 4 else None


def head_share(seg):
    """Where the mean rib head of `seg` lies between its lower disc (0) and its upper disc (1); a disc slice is the
    slice between two segments, so the span runs lo - 1 to hi + 1."""
    return (float(np.mean(seg.rib_z)) - seg.lo + 1) / (seg.hi - seg.lo + 2)

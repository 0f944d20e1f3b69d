"""The first rib pair at thick slices over a chain with rib heads low in their vertebrae: counted, and the low
vertebrae with their neighbours left unconfirmed (issue 20, 2026-12-06 day, branch `top12`).

At slices of `levels.THICK_SLICE_MM` or more the first pair was counted only where every vertebra T2-T8 holds its
rib heads in the upper half of its span between its discs (`thick_chain.heads_in_upper_half`), at the three routes to
the first pair (`levels._thick_chain_seen`, `top_split`, `top_heads`). That condition kept two mid-thoracic levels
from being confirmed on a neighbour (seed 59 CT 45: T9 13 mm off, T8's heads at 0.43 of its span; seed 31 CT 12: T7
12 mm off, T7 0.47 and T8 0.43), but it refused the whole CT for one low segment, and the heads of ribs 6-8 lie at
or under their body's middle in right chains too (seed 131 CT 80: T7 and T8 at 0.36 and 0.35, every level within
4 mm of its truth; seed 131 CT 41: T6-T8 0.46-0.48; seed 103 CT 52: T8 0.43). It was the most frequent refusal
with C7 and L1 whole in the scan at 5 mm (131/80, 131/41, 103/52, 31/12, measured on this branch): with it passed,
the first pair counts and agrees with T12.

A low head says where the discs may be wrong, not that the rib count is: the twelve levels, one to each vertebra
(`levels.rib_anchor_doubt`), count the vertebrae whatever the discs' places. So the count stands and only the places
lose their confirmation: a rib level of ribs 2-8 in the lower half of its span means its upper disc lies inside the
vertebra above (that one loses its lower part) or its lower disc inside its own body (the vertebra below holds part
of it); which is not known, so the segment and both its neighbours are flagged `uncertain_level` (seed 59 CT 45: T9
is T8's lower neighbour; 31/12: T7 itself). The rib count's own checks stay conditions of every route: each of T2-T8
bounded by discs with its heads found (`chain_bounded`), one rib level per vertebra (`levels.rib_anchor_doubt`).
"""
from jmedseg.spine.thick_chain import UPPER_HALF, head_share, heads_in_upper_half, upper_chain

LOW_HEAD_NOTE = ("its rib level lies {0:.2f} of the way from its lower disc to its upper one, in the lower half where "
                 "the heads of ribs 2-8 do not (thick slices): a disc of it may lie inside a body, its place and its "
                 "neighbours' are not confirmed")
NEXT_TO_LOW_NOTE = ("the rib level of the vertebra next to it lies {0:.2f} of the way from that one's lower disc to "
                    "its upper one (thick slices): the disc between them may lie inside a body, its place is not "
                    "confirmed")


def chain_bounded(segments, lowest, top):
    """Whether each of T2-T8 (over `lowest`, T12's index, under `top`, T1's) bears rib heads between two discs found:
    the part of `thick_chain.heads_in_upper_half` that checks the count, not the places."""
    chain = upper_chain(segments, lowest, top)
    return chain is not None and all(seg.rib_z and seg.lower_disc and seg.upper_disc for seg in chain)


def chain_counts(segments, lowest, top, dz, thick_mm):
    """Whether a first pair on `top` may be counted over the chain from `lowest` (T12's index): at slices of
    `thick_mm` or more where T2-T8 are bounded by discs and bear heads (`chain_bounded`; low heads are flagged after
    the naming, `flag_low_heads`), at thinner slices where their heads lie in their upper halves as well
    (`thick_chain.heads_in_upper_half`, as before: no flag is set there)."""
    if dz >= thick_mm:
        return chain_bounded(segments, lowest, top)
    return heads_in_upper_half(segments, lowest, top)


def flag_low_heads(segments, t1, dz, thick_mm):
    """Flag `uncertain_level` on each of T2-T8 whose rib level lies in the lower half of its span, and on its two
    neighbours, where the first pair lies on segment `t1` at slices of `thick_mm` or more (T8-T2 counted from the
    lowest rib-bearing segment, as the routes to the first pair count them). Returns the indices flagged.

    Called where a route counted the first pair over such a chain: `top_split` and `top_heads` on the re-cut they
    keep, `levels.assign_names` where the pair lies on the column's top segment (`levels._end_over_disc_seen`). A pair
    counted under a rib-free vertebra the column shows over it (`levels.find_anchors`) never asked for the heads'
    places and is left as it was (seed 2026 CT 16, T8 at 0.44, every level right and confirmed)."""
    lowest = next((i for i, s in enumerate(segments) if s.ribs), None)
    if t1 is None or lowest is None or dz < thick_mm:
        return []
    chain = upper_chain(segments, lowest, t1)
    if chain is None:
        return []
    flagged = set()
    for j, seg in enumerate(chain, start=lowest + 4):
        if seg.rib_z and head_share(seg) <= UPPER_HALF:
            share = head_share(seg)
            for k in (j - 1, j, j + 1):
                if k not in flagged:
                    flagged.add(k)
                    segments[k].flags.append("uncertain_level")
                    segments[k].notes.append((LOW_HEAD_NOTE if k == j else NEXT_TO_LOW_NOTE).format(share))
    return sorted(flagged)

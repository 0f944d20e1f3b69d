"""T1-T4 re-cut from the first four rib pairs' heads where the T1-T3 re-cut stops at its T3 height check because
the T3/T4 disc was read inside T3 (issue 20, 2026-12-07 early, branch `top17`).

The refusal it mends (seed 193 CT 97, chest + abdomen, 5 mm; seed 229 CT 60, chest, 3 mm; C7 whole over the first
pair): the upper chain's discs read off, two or three of the first three rib levels on one segment, so the first
pair is not counted ("12 rib levels but 11 vertebrae") and `top_three_heads` applies, but the T3/T4 disc, the one it
keeps under its re-cut, was read 5 mm into T3 (193/97: 447 mm, truth about 442; 229/60: 425 mm, truth about 420),
and T3 from it to the third pair's heads is shorter than `MIN_HEIGHT_SHARE` of a pitch (3 slices against 3.05; 4
against 5.2): its check against seed 73 CT 61 (every disc from T3 up in a body's middle) stops it.

The heads of ribs 1-4 lie at the disc above their body and their necks run out nearly level
(`rib_split.UPPER_LEVELS`: the head found is the disc's height), so the fourth pair places the T3/T4 disc as the
second and third place T1/T2 and T2/T3 (`top_three_heads`): in the first slice at or over its heads. So where the
first pair is still refused after `top_three_heads`, the first four levels lie a thoracic pitch apart
(`MIN_PITCH_SHARE`-`MAX_PITCH_SHARE` of the fourth-fifth pitch), two of them on one segment, and T4 spans at least
`MIN_HEIGHT_SHARE` of that pitch from its lower disc (the one disc kept under the re-cut: the check moves one level
down with the re-cut, so a chain read half a vertebra off under T4 as well is still left), the discs over T4's lower
disc are replaced by the four the heads say, under `top_heads.recut_over`'s checks (no rib level lost, the first
pair counted under a rib-free C7, T12 eleven segments under it, one level on each, T2-T8 bounded by discs, low
heads flagged by `low_heads`). Measured (docs/spine.md, branch `top17`): 193/97 and 229/60 refused -> confirmed
(11 levels each, none wrong; 193/97's T1-T4 within 2 mm of their truths along z), 211/57 (2.5 mm) as well (13);
seed 73 CT 61 still refused; every other CT of seeds 229 and 7, the 13-rib subjects and the real chest CTA unchanged.
"""
from jmedseg.spine.rib_split import UPPER_LEVELS
from jmedseg.spine.top_three_heads import recut_from_first_heads

TOP_FOUR_NOTE = ("T1-T4 re-cut from the first four rib pairs' heads, two of which lay on one segment (T1/T2 and "
                 "C7/T1 at {:.0f} and {:.0f} mm of arc): the T3/T4 disc read inside T3; ribs 2-4 articulate across "
                 "the disc over their own body, the first rib with T1 alone under the C7/T1 disc")


def recut_top_four_from_heads(segments, discs, disc_arcs, heads, arc, lo, hi, dz, prepare, sacrum=None,
                              clear_to=None, processes=False):
    """(segments, discs, disc_arcs) with T1-T4 re-cut from the first four rib pairs' heads where the module's
    conditions hold; else unchanged. Arguments as `top_heads.recut_top_from_heads` takes them."""
    return recut_from_first_heads(UPPER_LEVELS, TOP_FOUR_NOTE, segments, discs, disc_arcs, heads, arc, lo, hi, dz,
                                  prepare, sacrum, clear_to, processes)

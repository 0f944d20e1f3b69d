"""S1's label against its own anchors: a label centred at the alae's top, a disc's height under L5's centre, holds
the L5/S1 disc and L5's lower part, not S1's body; it is left unconfirmed (issue 20, 2026-12-06 night, branch
`sacrum15`).

Why: the sacrum names S1 below the L5/S1 disc, and where the body-area profile shows no dip there
`sacrum.find_sacrum` adds that disc over the top of the sacral base's wide run (the alae, over `SACRUM_WIDTH_MM`).
The alae rise as high as the tilted S1 endplate's back edge; at a steep sacrum and 5 mm slices that slice lies 12 mm
over the endplate's middle, and the disc goes into L5's lower body (fresh seed 179 CT 1, chest + abdomen, native,
5 mm, sacral slope 46 degrees: the disc added at z 16.8 mm, the S1 endplate's middle at 0 and L5's lower endplate's
at 10.9; the real disc's area dip, 1062 mm^2 against L5's 1593-1791, lies beside the base's 4700-10000 and was no
dip). S1's label then starts with L5's lower part, whose front lies 10-15 mm forward of S1's, so `s1_body` takes
L5's lower front corner for the promontory and keeps the 24 mm under it: L5's lower part, the disc and S1's top.
Its centre lay 15 mm from L5's true centre and 22.5 mm from S1's: confirmed one level off. `off_centre` cannot
judge S1 (it has no neighbour under it).

Two readings place S1's body, and a label of this cause fails both:
- under the alae's top: S1's body centre lies under its endplate's back edge, level with the alae's top, by half its
  height along its axis and half its depth across it, h/2 cos(s) + d/2 sin(s): 16-18 mm for the smallest adult S1
  (21 mm tall, 28 mm deep) at a 30-50 degree slope (the phantom's truth: 16.5-22 mm). The wide run's top slice is
  read from 34 mm under to 30 mm over that edge (the alae's thin top under the 200 HU bone threshold, the band in
  front of the centre line, a cut base), so right labels read as little as 3.9 mm under it (2026/1, cut by the scan's
  bottom; whole ones 5.3 mm and more), 179/1's 1.9 mm;
- under L5's centre: S1's centre lies half L5's body, the L5/S1 disc and half S1's body under L5's (30 mm or more in
  adults); in the evening round's 442 CTs with both labelled, right S1s lie at least 24.1 mm from a right L5's label,
  179/1's 19.9 (173/69's right S1 19.0 from an L5 holding S1's top, which `off_centre` flags).
Neither alone tells 179/1 from right labels; of the 89 CTs measured with both readings only 179/1 fails both (the
nearest: 173/69, 6.9 mm under the alae's top and 19.0 mm from L5's label; 2026/1 3.9 and 31.1 mm; 179/81 5.0 and
25.4 mm).

Measured: docs/spine.md, the section of branch `sacrum15`.
"""
import numpy as np

from jmedseg.spine.sacrum import SACRUM_WIDTH_MM

MIN_UNDER_ALAE_TOP_MM = 5.0   # one 5 mm slab: a label centred within it of the alae's top slice holds the slices
                              # around the disc (179/1's 1.9; right whole labels 5.3 mm and more)
MIN_FROM_L5_MM = 22.0         # the smallest S1-L5 centre distance of right labels beside a right L5 (24.1 mm)
                              # less a 1 mm placement error of each centre; 179/1's 19.9


def flag_s1_at_alae_top(segments, bodies, widths, spacing):
    """Flag `uncertain_level` (in place) on a confirmed S1 whose body (`bodies`: `body_voxels.BodyVoxels` of the
    working grid's label map after `s1_body.keep_s1_body`) has its centre less than `MIN_UNDER_ALAE_TOP_MM` under the
    highest slice of its segment where the sacral base reads as wide as the alae (`widths`: `SacrumFinding.widths_mm`
    per working slice) and less than `MIN_FROM_L5_MM` from the centre of the body over it. Returns the names
    flagged (S1 or none)."""
    j = next((j for j, seg in enumerate(segments) if seg.name == "S1"), None)
    if j is None or j + 1 >= len(segments) or widths is None or "uncertain_level" in segments[j].flags:
        return []
    seg = segments[j]
    wide = [k for k in range(seg.lo, seg.hi + 1) if widths[k] >= SACRUM_WIDTH_MM]
    if not wide or bodies.count[j] == 0 or bodies.count[j + 1] == 0:
        return []
    centre, above = (bodies.centre[n] * np.asarray(spacing, float) for n in (j, j + 1))
    under_mm = max(wide) * spacing[2] - centre[2]
    from_above_mm = float(np.linalg.norm(above - centre))
    if under_mm >= MIN_UNDER_ALAE_TOP_MM or from_above_mm >= MIN_FROM_L5_MM:
        return []
    seg.flags.append("uncertain_level")
    seg.notes.append(f"its body's centre lies {under_mm:.0f} mm under the alae's top and {from_above_mm:.0f} mm from "
                     "the centre of the body over it: the cut holds the L5/S1 disc and L5's lower part")
    return ["S1"]

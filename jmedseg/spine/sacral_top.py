"""Where the sacral base's top lies when the wide run found at the column's bottom is not S1's top.

`jmedseg.spine.sacrum.find_sacrum` takes the wide run (bone over `SACRUM_WIDTH_MM` across, the alae) that starts at
the bottom of the column for the sacral base, and adds the L5/S1 disc over it when the lowest segment goes on for a
whole L5 body above it (`split_at`). Two readings of the same anatomy go wrong in abdomen + pelvis CTs of normal
anatomy (issue 20), each naming every level one too low and the anchors disagreeing:

- **a narrow slab inside the sacrum** (seed 53 CT 62, delayed, 5 mm): the pelvic ring filled as one region and the
  track's centre in a small part of it make 10-15 mm of S1's lower part read narrow; the run stops below them and
  the L5/S1 disc is added 30 mm down in the sacrum. But the segment's own top, under its found upper disc, is wide
  in every slice with the iliac wings beside it: the alae reach up to the L5/S1 disc (their top is level with the
  tilted S1 endplate's back edge) and S1 is joined to the ilia, while L5, even a winged transitional one, is a
  body 40-55 mm wide at its lower endplate (its transverse processes arise at the pedicles, level with the body's
  upper half). Then no disc is added (`wide_under_top_disc`).
- **a disc found inside the sacrum** (seed 59 CT 50, native, 3 mm): a body-area dip at the S1/S2 junction (the
  rudimentary S1/S2 disc, 25-35 mm below the promontory) leaves a 12 mm piece of S2 as the lowest segment and S1
  above it as "L5". The wide run goes on through that dip and the whole segment above it up to its upper disc:
  wide bone in every slice from the dip to that disc is the sacrum (S1-S2 with the alae), not a disc with L5 over
  it (the L5/S1 disc, 10-14 mm, is soft tissue with only the alae's tops beside its back part, and L5 is narrow
  at its lower endplate). The dip is not a level (`disc_inside_sacrum`).

Both ask for the vertebra above the sacral base to read narrow (not `WIDE_RUN_MM` of wide slices): the lowest
segment of a chest CT can read wide with "wings" beside it (the lower ribs), but there the vertebrae above it carry
rib necks and read wide too (issue 20, seed 23 CT 56, chest, 5 mm: a rule that raised the base without that check
lifted the rib floor and lost the lower eight rib heads).
"""
import jmedseg.spine.sacrum as sacrum     # its constants and measures (it calls this module: imported as a module)


def _with_wings(column, spacing, ks):
    """Whether the iliac wings lie beside at least `ILIAC_SLICE_FRACTION` of slices `ks`."""
    return sum(sacrum.iliac_wings_beside(column, spacing, k) for k in ks) >= sacrum.ILIAC_SLICE_FRACTION * len(ks)


def wide_under_top_disc(column, spacing, widths, segments):
    """Whether the lowest segment's top, under its found upper disc, is a run of at least `WIDE_RUN_MM` of slices
    all over `SACRUM_WIDTH_MM` wide with the iliac wings beside at least half of them, and the vertebra above that
    disc reads narrow: S1's alae under the L5/S1 disc, so no L5/S1 disc is added lower in the segment."""
    dz = spacing[2]
    if len(segments) < 2 or not segments[0].upper_disc or sacrum._segment_is_wide(widths, segments[1], dz):
        return False
    lowest = segments[0]
    k = lowest.hi
    while k >= lowest.lo and widths[k] >= sacrum.SACRUM_WIDTH_MM:
        k -= 1
    top = list(range(k + 1, lowest.hi + 1))
    return len(top) * dz >= sacrum.WIDE_RUN_MM and _with_wings(column, spacing, top)


def disc_inside_sacrum(column, spacing, widths, segments):
    """The slice of a disc found inside the sacral base, or None: the lowest segment (the column's bottom, no disc
    under it) is shorter than a vertebra (`LUMBAR_PITCH_MM`), and every slice from it up to the upper disc of the
    segment above it is wide (over `SACRUM_WIDTH_MM`, the disc's own slices too) with the iliac wings beside,
    under a vertebra that reads narrow (L5)."""
    dz = spacing[2]
    if len(segments) < 3:
        return None
    low, base, above = segments[0], segments[1], segments[2]
    if low.lower_disc or not (base.lower_disc and base.upper_disc) or \
            (low.hi - low.lo + 1) * dz >= sacrum.LUMBAR_PITCH_MM:
        return None
    through = range(low.hi + 1, base.hi + 1)        # the dip's slices and the whole segment above it
    if not all(widths[k] >= sacrum.SACRUM_WIDTH_MM for k in through) or \
            not _with_wings(column, spacing, list(through)):
        return None
    if sacrum._segment_is_wide(widths, above, dz):
        return None
    return (low.hi + base.lo) // 2

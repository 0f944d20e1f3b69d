"""Ribs: which vertebrae bear one, counted from the top (T1) and from the bottom (T12).

A rib is a long curved bone tube that articulates with a vertebra (its head at the
costovertebral joint, beside the body) and runs around the trunk. On the working grid,
bone above `BONE_HU` in a band beside the column (`CUT_MM` to `BAND_MM` from the body's
centre, behind its centre by `BEHIND_MM`; at thick slices, beyond `AORTA_MM` where the shaft curves
forward, up to `FORWARD_MM` in front of it) is split into connected parts; a rib is a part that
- reaches more than `RIB_REACH_MM` from the midline (further than any lumbar transverse
  process), so across most of the band,
- has its medial end within `RIB_HEAD_MM` of the midline (the costovertebral joint): a
  kidney, renal vessel, contrast-filled bowel loop or the ilium does not end at the column;
- reaches that far within half `MAX_RIB_HEIGHT_MM` of z from its head: a part also holding an
  enhanced kidney or a neighbouring rib (joined by the threshold) is judged by the rib at its head.
  At slices over `DIAGONAL_SLICE_MM` the reach is also followed through edge and corner contacts (over the lowest rib
  level found, also through partial-volume bone: `faint_ribs`), down
  from the head only (the thin, steep twelfth rib), when no other medial end joined to it lies above it or is
  a rib near its height (`_shaft_is_its_own`).
The head is the highest run of slices of a part's medial end, where the shaft meets the column (`_head_run`); two
consecutive ribs whose heads the body's margin at the cut joins into one run are two heads (`_bridged_heads`); a part
free in the band (not crossing the cut) whose medial edge runs on up and out from its inner end is a piece of a
shaft come down from a head above, no rib (`_runs_up_and_out`).
At thinner slices a part followed forward as at thick slices is a rib too when its head lies between two rib levels
found behind (`_forward_ribs_between`: T4-T6 at the kyphosis). Over a sacral base cut by the scan's edge the ribs are
looked for from two vertebrae above it unless a rib pair lies just above that floor (`heads_over_cut_base`); so over
a sacrum counted with its iliac wings, where the floor is the same.
The clavicle and sternum lie in front of the band, the scapula mostly lateral to it and
the contrast-filled aorta in front of the body's centre.
The vertebra at the height of its medial end bears it. In most adults the first rib
articulates with T1 and the twelfth with T12: the highest rib-bearing vertebra is T1, the
lowest T12, two anchors that `jmedseg.spine.levels.assign_names` compares.
"""
import numpy as np
from scipy import ndimage

from jmedseg.spine.levels import (NEIGHBOUR_SEEN_MM, RIB_HALF_HEIGHT_MM, RIB_LEVEL_GAP_MM, THICK_SLICE_MM,
                                  rib_level_groups)
from jmedseg.spine.faint_ribs import faint_ribs_over_lowest
from jmedseg.spine.pair_heads import level_reach_z
from jmedseg.spine.rib_below import pair_below_lowest

RIB_REACH_MM = 60.0              # lumbar transverse processes end within 45-55 mm of the midline
BAND_MM = 65.0                   # looked for up to here: the scapula's medial border lies further out
                                 # (arms down), and a rib breaks up at 3 mm pixels further round
CUT_MM = 25.0                    # bone this far to the side of the body's centre: rib, transverse process,
                                 # ilium; nearer: the body (12-25 mm half-width) and its pedicles
RIB_HEAD_MM = 35.0               # a rib's neck crosses the cut within 10 mm of it (head against the body's
                                 # side, neck to the transverse process); the sacroiliac joints and the
                                 # posterior iliac crests lie 40-60 mm from the midline
MAX_RIB_HEIGHT_MM = 60.0         # within the band a rib descends 10-40 mm (the lowest ones the most): its
                                 # reach is judged within half of this above and below its head
BEHIND_MM = -5.0                 # rib heads and necks lie beside and behind the body's centre; the
                                 # descending aorta, as bright with contrast, lies beside and in front
AORTA_MM = 45.0                  # the descending aorta lies against the body's left side (centre 20-30 mm,
                                 # radius 10-15 mm from the midline): further out, at thick slices, the band
FORWARD_MM = 15.0                # reaches forward to the body's front half (half-depth 15-20 mm): past the
                                 # costotransverse joint the shaft curves forward round the cavity, and thinned
                                 # its part behind `BEHIND_MM` ends short of `RIB_REACH_MM`. Not at thinner slices:
                                 # there the rib stays whole behind it, and forward of it C7's transverse process
                                 # joined to the first rib's neck would reach out along the first rib's shaft
                                 # (it turns forward within 45 mm) and pass for a rib (the bundled chest CTA, 1.5 mm)
HEAD_TOLERANCE_MM = 6.0          # the medial end's voxels: within this of the most medial one
DIAGONAL_SLICE_MM = 2.5          # at thicker slices (3-5 mm) a thin rib (7-8 mm) descending 45 degrees or more can
                                 # meet the next slice only at an edge; at 2 mm and thinner it overlaps face to face
SHAFT_RISE_MM = 3.0              # a rib's shaft runs out level with its head's centre or below it (its neck
                                 # rises at most a head's half-height, 5 mm, over the first 20 mm)
FIRST_RIB_REACH_MM = 50.0        # the first rib's shaft behind the body's centre: it turns forward within 45-55 mm
                                 # of the midline; C7's and T1's transverse processes end 35-45 mm out
FIRST_RIB_PITCH_MM = 30.0        # the first rib's head above the second's: T1's body and disc (14-17 + 4 mm) and
                                 # the heads' spread on the bodies
RIB_FREE_OVER_BASE_MM = 45.0     # over a cut sacral base's floor (the L3/L4 disc) the lowest possible rib head (a
                                 # 13th rib, L1's upper half) lies L3 and L2 higher: 55-75 mm (lumbar bodies
                                 # 25-30 mm, discs 8-12 mm); over the third vertebra of a chest CT's bottom the
                                 # next rib level lies within a thoracic pitch (20-30 mm)
SINGLE_FACET_LEVELS = 3          # ribs 10-12: the lowest three rib levels articulate with one vertebra each


def find_rib_heads(column, spacing, lo, hi):
    """[(z slice of the rib's medial end, 'left'|'right')] for every rib found between slices lo..hi.

    `hu > BONE_HU` voxels more than `CUT_MM` to the side of the column's centre
    (which cuts each rib from the vertebra's transverse process and body) and not in front of the
    body's centre (at thick slices, beyond `AORTA_MM`, of its front half) are split into connected parts;
    each part that passes the tests in the module docstring is a rib.
    """
    heads, firsts, _ = _rib_heads(column, spacing, lo, hi)
    return sorted(heads + firsts)


def _rib_heads(column, spacing, lo, hi):
    """`find_rib_heads`'s ribs as (heads reaching `RIB_REACH_MM`, the first pair's short shafts (`first_ribs`),
    {26- or 6-connected part label: its highest slice} of the parts holding the short shafts)."""
    bone = column.bone
    dx_mm, dy_mm = offsets_from_centre(column, spacing)
    forward = FORWARD_MM if spacing[2] >= THICK_SLICE_MM else BEHIND_MM
    cand = rib_band(bone, dx_mm, dy_mm, forward, lo, hi)
    parts, n = ndimage.label(cand)
    diagonal = spacing[2] > DIAGONAL_SLICE_MM       # thinner: an extension would only join other bones to a rib
    shafts = _shaft_reach_by_slice(cand, dx_mm) if diagonal else (parts, None)
    ends = medial_ends(parts, dx_mm, spacing, shafts[0])    # (head slice, side, reach mm, 26-connected part)
    heads = _reaching(ends, shafts, spacing, diagonal)
    if diagonal and column.dense is not None:       # thin ribs averaged under `BONE_HU` (`faint_ribs`)
        faint = _shaft_reach_by_slice(cand | rib_band(column.dense, dx_mm, dy_mm, forward, lo, hi), dx_mm)
        heads = heads + faint_ribs_over_lowest(
            heads, _reaching(medial_ends(parts, dx_mm, spacing, faint[0]), faint, spacing, True), spacing[2])
    if spacing[2] < THICK_SLICE_MM:
        heads = heads + _forward_ribs_between(bone, dx_mm, dy_mm, lo, hi, heads, spacing)
    firsts = first_ribs(ends, heads, spacing[2])
    labels = {shaft for z, side, _, shaft in ends if (z, side) in firsts}
    boxes = ndimage.find_objects(shafts[0]) if labels else []
    return heads, firsts, {i: boxes[i - 1][2].stop - 1 for i in labels}


def _reaching(ends, shafts, spacing, diagonal):
    """[(z, side)] of the medial ends `ends` that reach `RIB_REACH_MM`, at slices over `DIAGONAL_SLICE_MM`
    (`diagonal`) also along their shaft in `shafts` (`_shaft_reach_by_slice`)."""
    return [(z, side) for z, side, reach, shaft in ends
            if reach >= RIB_REACH_MM or (diagonal and _shaft_is_its_own(ends, z, shaft, spacing) and
                                         _shaft_reach(shafts, shaft, z, spacing) >= RIB_REACH_MM)]


def offsets_from_centre(column, spacing):
    """(dx_mm [nx, nz], dy_mm [ny, nz]): each working-grid column's and row's offset from the column's centre in
    each slice, in mm (+ dy = anterior)."""
    nx, ny = column.bone.shape[:2]
    dx_mm = (np.arange(nx)[:, None] - column.centre[None, :, 0]) * spacing[0]
    dy_mm = (np.arange(ny)[:, None] - column.centre[None, :, 1]) * spacing[1]
    return dx_mm, dy_mm


def rib_band(bone, dx_mm, dy_mm, forward, lo, hi):
    """The rib band's bone between slices lo..hi: `CUT_MM` to `BAND_MM` to the side of the column's centre,
    behind `BEHIND_MM` and, beyond `AORTA_MM`, behind `forward` mm (+ = anterior of the body's centre)."""
    band = (np.abs(dx_mm) > CUT_MM) & (np.abs(dx_mm) <= BAND_MM)
    front = np.where(np.abs(dx_mm) > AORTA_MM, forward, BEHIND_MM)                   # [nx, nz]
    cand = bone & band[:, None, :] & (dy_mm[None, :, :] < front[:, None, :])
    cand[:, :, :lo] = False
    cand[:, :, hi + 1:] = False
    return cand


def medial_ends(parts, dx_mm, spacing, shafts):
    """[(z slice of the medial end, side, reach mm near its height, its part in `shafts` or 0)] of each labelled
    part of `parts` whose medial end lies within `RIB_HEAD_MM` of the midline."""
    ends = []
    for i, sl in enumerate(ndimage.find_objects(parts), start=1):
        vox = np.argwhere(parts[sl] == i) + [s.start for s in sl]
        d = np.abs(dx_mm[vox[:, 0], vox[:, 2]])
        if d.min() > RIB_HEAD_MM:
            continue
        head = _head_run(vox[d <= d.min() + HEAD_TOLERANCE_MM])
        if d.min() > CUT_MM + spacing[0] and _runs_up_and_out(vox[:, 2], d, int(head[:, 2].max()), spacing[2]):
            continue        # free in the band, below the shaft it came down by: no head (`_runs_up_and_out`)
        shaft = int(shafts[tuple(vox[0])]) if shafts is not None else 0
        bridged = _bridged_heads(vox, d, head, spacing)
        if bridged:         # two ribs' heads joined by the body's margin at the cut: one end each
            ends.extend((z, "left" if np.mean(dx_mm[h[:, 0], h[:, 2]]) < 0 else "right", reach, shaft)
                        for z, h, reach in bridged)
            continue
        z_head = float(np.mean(head[:, 2]))
        # the rib itself: the part near its head's height (a kidney enhanced by contrast or a neighbouring rib
        # may be joined to it further down or up, and reach out as far)
        near = np.abs(vox[:, 2] - z_head) * spacing[2] <= 0.5 * MAX_RIB_HEIGHT_MM
        side = "left" if np.mean(dx_mm[head[:, 0], head[:, 2]]) < 0 else "right"
        ends.append((z_head, side, float(d[near].max()), shaft))
    return ends


def _bridged_heads(vox, d, head, spacing):
    """[(z, head voxels, reach mm)] of the ribs whose heads one part's medial end `head` (from `_head_run`) holds,
    when it holds two or more joined by bridge slices; [] for one head. `vox`: the part's voxels, `d`: their distances
    from the midline (mm).

    A bridge slice holds the part's bone only within `HEAD_TOLERANCE_MM` of `CUT_MM`: the lateral margin of the body
    (or of its disc's bulge) just past the cut, no head (8-12 mm across, its centre 25-30 mm out) and no neck (out
    to the transverse process, 40-45 mm). Between two consecutive ribs' heads, a pitch apart (18-30 mm), such bone
    joins both ribs into one part, and their medial ends into one run of slices, whose mean put one "head" half way
    between the two levels and lost both (issue 20, seed 101 CT 53 and seed 61 CT 68, 3 mm: ribs 4 and 5 on the
    right, heads 24 and 23 mm apart, bridged over 4 slices by bone 25-27 mm out; left 12 and right 11 one-sided
    levels for 12 pairs, "13 rib levels" and the first pair refused). Each run of head slices either side of the
    bridge is a head where its own slices reach `RIB_REACH_MM` (a rib, never a transverse process, which ends
    45-55 mm out), the runs' centres more than `RIB_LEVEL_GAP_MM` apart (two rib levels, not one head's partial
    slices); otherwise the run stays one head.
    """
    zs = np.unique(head[:, 2])
    far = {int(z): float(d[vox[:, 2] == z].max()) for z in zs}
    bridge = [far[int(z)] <= CUT_MM + HEAD_TOLERANCE_MM for z in zs]
    runs, cur = [], []
    for z, is_bridge in zip(zs, bridge):
        if is_bridge:
            if cur:
                runs.append(cur)
            cur = []
        else:
            cur.append(int(z))
    if cur:
        runs.append(cur)
    if len(runs) < 2 or any(max(far[z] for z in run) < RIB_REACH_MM for run in runs):
        return []
    centres = [float(np.mean(head[np.isin(head[:, 2], run), 2])) for run in runs]
    if any((b - a) * spacing[2] <= RIB_LEVEL_GAP_MM for a, b in zip(centres, centres[1:])):
        return []
    return [(c, head[np.isin(head[:, 2], run)], max(far[z] for z in run)) for c, run in zip(centres, runs)]


def _head_run(inner):
    """The voxels `inner` (n, 3) of a part's medial end in the highest run of consecutive slices.

    A rib's head is where its shaft meets the column, at the top of its course: the shaft runs out and down
    from it. A part whose innermost voxels lie in two runs at different heights holds a rib and, below it,
    bone joined to its descending shaft (an enhanced kidney beside L1, a transverse process); the mean of
    both put the twelfth rib's head on L1 (issue 20, seed 2026 dev CT 41, 3 mm: 136-148 and 178-184 mm).
    """
    zs = np.unique(inner[:, 2])
    breaks = np.flatnonzero(np.diff(zs) > 1)
    top = zs[breaks[-1] + 1] if len(breaks) else zs[0]
    return inner[inner[:, 2] >= top]


def _runs_up_and_out(z, d, top, dz):
    """Whether a part's medial end, whose highest slice is `top`, is the lower end of a shaft that runs up and out
    from it (`z`, `d`: the part's voxels' slices and distances from the midline, mm): its bone rises more than
    `SHAFT_RISE_MM` (and a slice) above `top`, and its innermost bone in the slice above lies within
    `HEAD_TOLERANCE_MM` of that in `top`, so the medial edge goes on up without a break.

    Asked only of a part whose innermost voxel lies more than a pixel beyond `CUT_MM`: one that crosses the cut (a
    rib's neck joined to its head or transverse process) has a voxel within a pixel of it. A piece split from the
    twelfth rib's descending shaft ends free in the band, its inner end at its bottom, and rises outward from it
    (issue 20, seed 2026 dev CT 88, 2 mm: inner end 31 mm out at L1, the edge 31-36 mm over 16 mm of height and up to
    51 mm 8 mm higher: a one-sided "rib" on L1, the T12 anchor lost). The rise alone is no cue: the necks of the
    upper ribs of the bundled chest CTA (1.5 mm) rise 6-8 mm to their tubercles with such an edge from heads 26-27 mm
    out, and a neighbouring rib's shaft touching a rib's shaft 50-65 mm out rises above its head too (dev CT 8,
    1.25 mm: the step from the head's edge is 24 mm).
    """
    if (z.max() - top) * dz <= max(SHAFT_RISE_MM, dz):
        return False
    return d[z == top + 1].min() - d[z == top].min() <= HEAD_TOLERANCE_MM


def _forward_ribs_between(bone, dx_mm, dy_mm, lo, hi, heads, spacing):
    """[(z, side)] of ribs at slices thinner than `THICK_SLICE_MM` whose shaft reaches `RIB_REACH_MM` only when
    followed forward to `FORWARD_MM` beyond `AORTA_MM` (as at thick slices), with their head between the lowest
    and the highest rib level of `heads` and no rib of `heads` on that side at that level.

    Where the thoracic kyphosis puts a body's centre further back against the cavity (T4-T6), the shaft curves
    forward of `BEHIND_MM` 55-58 mm out at any slice thickness (issue 20, seed 2026 CTs 69, 3 mm, and 104,
    1.25 mm: T5's pair missed, the first-rib anchor doubted: "11 rib levels but 12 vertebrae"). Only between
    rib levels found on the same side: above the highest, C7's transverse process joined to the first rib's neck
    would reach out along that rib's shaft (the bundled chest CTA), and below the lowest lie the lumbar
    transverse processes; a side whose ribs above were not found (cut by the scan's top) gains none (held-out
    CT 122: a completed pair under a one-sided top vertebra was claimed as the first rib pair).
    """
    if not heads:
        return []
    gap = RIB_LEVEL_GAP_MM / spacing[2]
    parts, _ = ndimage.label(rib_band(bone, dx_mm, dy_mm, FORWARD_MM, lo, hi))
    found, ends = [], medial_ends(parts, dx_mm, spacing, None)
    for z, side, reach, _ in ends:
        own = [w for w, other in heads if other == side]
        if reach >= RIB_REACH_MM and own and min(own) + gap < z < max(own) - gap and \
                not any(abs(z - w) <= gap for w in own):
            found.append((z, side))
    # the twelfth rib's pair turning forward, one rib pitch under the lowest level (`rib_below`)
    return found + pair_below_lowest([(z, s) for z, s, reach, _ in ends if reach >= RIB_REACH_MM], heads + found,
                                     spacing[2])


def heads_over_cut_base(column, spacing, floor, lo, hi):
    """`find_rib_heads` from `floor` (`jmedseg.spine.sacrum.rib_floor` for a sacral base, counted as S1 or cut by the
    scan's edge: two vertebrae above it), or from the column's bottom `lo` when a rib pair (both sides at one level)
    has its heads within `RIB_FREE_OVER_BASE_MM` above `floor`.

    Over a true sacral base the floor is the L3/L4 disc and L3 and L2 above it bear no rib (a 13th pair
    articulates with L1); a lumbar transverse process does not reach `RIB_REACH_MM`: a rib pair there says the
    wide bone at the bottom was no sacrum. A height, not the two vertebrae above the floor: these come from
    the thick discs only and one of them may hold L2 to T12 (seed 7 CT 11, a lumbar crop: T12's pair 74 mm
    above a true cut base's floor lifted it, a crest below was taken for a rib and L4 split).
    At the bottom of a chest CT the lowest ribs beside L1 or T12, joined to the body by the fill, look like a
    cut sacral base with iliac wings, and the floor then dropped the lowest two or three rib levels (issue 20,
    seed 2026 dev CTs 8, 1.25 mm: ribs 11-12, and 60, 2 mm: ribs 10-12 missed; the lowest-rib anchor
    disagreed with a right first pair).
    The same holds over a base counted as S1 (its iliac wings beside it): the floor is the same L3/L4 disc, and the
    wide bone a chest CT's lowest ribs make at its bottom was taken for S1 with wings just as for a cut base (issue 20,
    seed 59 CT 88, chest, 1.25 mm: T11's and T12's pairs 14-42 mm under the floor dropped, T10 taken for T12, "ribs
    and first rib pair disagree"; the ribs found on the vertebrae over that "S1" then drop it,
    `sacrum._ribs_on_lumbar`). The pair over the floor asks for both sides at one level: a lone one-sided head there
    is a lumbar transverse process prolonged by what touches its tip (`sacrum.without_lone_process`, applied after).
    """
    heads = find_rib_heads(column, spacing, floor, hi)
    if floor <= lo:
        return heads
    near = [(z, side) for z, side in heads if (z - floor) * spacing[2] <= RIB_FREE_OVER_BASE_MM]
    if any(a != b and abs(z - w) * spacing[2] <= RIB_LEVEL_GAP_MM for z, a in near for w, b in near):
        # searched again, not taken from one search from `lo` and kept above the floor: that would not give the
        # same heads. The band is cut at the floor, so a rib whose head lies just above it and whose shaft descends
        # below it reaches `RIB_REACH_MM` only when searched from lower down (tests/spine/test_ribs_floor_search.py:
        # a pair 4 mm over the floor, descending 20 mm, is found from `lo`, not from the floor); the ends below
        # the floor also decide heads above it (`_shaft_is_its_own`, the lowest level of `_forward_ribs_between`).
        # Searching from `lo` first would also cost every cut base the longer band, where the lift is rare
        # (issue 20, review)
        return find_rib_heads(column, spacing, lo, hi)
    return heads


def first_ribs(ends, heads, dz):
    """[(z, side)] of the first rib pair's short shafts: medial ends `ends` ((z, side, reach mm, _)) that reach
    `FIRST_RIB_REACH_MM` but not `RIB_REACH_MM`, on both sides at one height, one rib level above the highest
    rib of `heads` (more than `RIB_LEVEL_GAP_MM`, up to `FIRST_RIB_PITCH_MM`).

    The first rib is the shortest and most curved: past its tubercle it turns forward round the narrow apex of the
    thorax within 45-55 mm of the midline, so in the band behind the body's centre it ends short of
    `RIB_REACH_MM` (issue 20, seed 2026 dev CTs 40, 41: 53-56 mm, the first pair missed and the second taken for
    it). `RIB_REACH_MM` is set for the lumbar transverse processes, which lie below the lowest rib, never above
    the highest; above it the bones beside the column are C7's and T1's transverse processes (35-45 mm out) and
    the first rib. A pair only: a one-sided short bone there is a transverse process joined to the first rib's
    neck or to the clavicle, and completing a one-sided rib at the highest level with one made a false first
    pair on C7 (the bundled chest CTA, tests/spine/test_chest_cta.py).
    """
    if not heads:
        return []
    top = max(z for z, _ in heads)
    above = [(z, side) for z, side, reach, _ in ends
             if FIRST_RIB_REACH_MM <= reach < RIB_REACH_MM and RIB_LEVEL_GAP_MM < (z - top) * dz <= FIRST_RIB_PITCH_MM]
    return [(z, side) for z, side in above
            if any(other != side and abs(z - w) * dz <= RIB_LEVEL_GAP_MM for w, other in above)]


def _shaft_is_its_own(ends, z_head, shaft, spacing):
    """Whether the shaft of the 26-connected part `shaft` is the rib of the medial end at `z_head`: no other medial
    end joined to it lies above (within half `MAX_RIB_HEIGHT_MM`; the shaft running out below would descend from
    that higher head: rib 12's past L1's transverse process, synthetic CT 41 of seed 2026), and none near its
    height is a rib on its own part (this end is then a piece of that rib's neck broken off at 5 mm slices, or a
    bone beside it: a second head there added a rib level, CTs 24 and 25)."""
    half = 0.5 * MAX_RIB_HEIGHT_MM
    return not any(other == shaft and (0 < (z - z_head) * spacing[2] <= half or
                                       reach >= RIB_REACH_MM and abs(z - z_head) * spacing[2] <= half)
                   for z, _, reach, other in ends)


def _shaft_reach_by_slice(cand, dx_mm):
    """(the rib band's bone labelled with 26-connectivity, [label, slice] -> farthest |dx| mm of that part there)."""
    shafts, n = ndimage.label(cand, structure=np.ones((3, 3, 3)))
    vox = np.argwhere(cand)
    far = np.zeros((n + 1, cand.shape[2]))
    np.maximum.at(far, (shafts[cand], vox[:, 2]), np.abs(dx_mm[vox[:, 0], vox[:, 2]]))
    return shafts, far


def _shaft_reach(shafts, shaft, z_head, spacing):
    """How far from the midline (mm) the 26-connected part `shaft` runs out (`shafts`: from
    `_shaft_reach_by_slice`), when followed through voxels that touch only at an edge or a corner, no higher
    than `SHAFT_RISE_MM` above its head `z_head` and no lower than half `MAX_RIB_HEIGHT_MM` below it.

    The lowest ribs (11, 12) are thin (7-8 mm) and descend the most steeply as they run out (rib 12 drops 10-20 mm
    in its first 30 mm). At 3-5 mm voxels the cross-sections of consecutive slices then meet only diagonally and
    the part that holds the head ends 50-59 mm out (issue 20, synthetic CTs 21 and 37 of seed 2026: rib 12 missed,
    the lowest rib-bearing vertebra taken for T12 was T11, "sacrum and ribs disagree" on normal anatomy).
    Not at slices of `DIAGONAL_SLICE_MM` or thinner: there the shaft stays face-connected, and the extension only
    joined a lumbar transverse process to other bone (CT 185, 2 mm: a false lowest rib on L2).
    A rib descends as it runs out from its head: bone joined diagonally above the head (a rib above, a
    transverse process's neighbour) is not its shaft, so a transverse process below a rib does not borrow it.
    """
    far = shafts[1]
    ks = np.arange(far.shape[1])
    rise = (ks - z_head) * spacing[2]
    ok = (rise <= SHAFT_RISE_MM) & (rise >= -0.5 * MAX_RIB_HEIGHT_MM)
    return float(far[shaft, ok].max()) if ok.any() else 0.0


def ribs_clear_above(column, spacing, hi):
    """`clear_above`'s slice alone."""
    return clear_above(column, spacing, hi)[0]


def clear_above(column, spacing, hi):
    """(The highest slice up to which the scan shows no rib above the column's top slice `hi` (`hi`: none seen
    clear), whether the vertebra over the highest rib level shows its transverse processes and no rib).

    The first-pair anchor (T1) needs a vertebra above the highest rib pair that would show a rib if it
    bore one: `NEIGHBOUR_SEEN_MM` of it above its lower disc (`jmedseg.spine.levels.find_anchors`). When
    that vertebra is the column's top end, its body may be followed for less than that while the scan
    goes on above it: the body's track stops where the next vertebra is not found (above C7 in the
    synthetic trunk, which has no cervical spine, or where a real one's body is not followed), not where
    a rib could be seen. The slices above `hi`, up to `NEIGHBOUR_SEEN_MM` and within the scan, are
    searched for rib heads as below it, with the ribs' descent below `hi` in view (a rib whose head lies
    above `hi` runs down past it); none there means the top vertebra bears none as far as that
    (issue 20: in 6 of the 37 synthetic dev chest CTs of seed 2026 that missed the T1 anchor every rib
    and disc was right, C7 was followed for 10-14 mm and the scan went on 16-32 mm above it).
    Where the scan's top edge ends that stretch short of `NEIGHBOUR_SEEN_MM` and the vertebra it cuts shows no rib
    where its own would lie (`_edge_vertebra_rib_free`), or the highest rib level is the first pair by its short
    shafts, ending inside the scan (`_first_pair_whole`: no rib pair lies above the first), it counts as seen that
    far: the slice returned then lies past the scan's top.
    The second value is read at slices of `THICK_SLICE_MM` or more only (`_processes_over_top_level`, by
    `jmedseg.spine.levels._thick_chain_seen`); it is False at thinner slices and where a rib lies over `hi`.
    """
    nz = column.bone.shape[2]
    seen = int(np.ceil(NEIGHBOUR_SEEN_MM / spacing[2]))
    top = min(nz - 1, hi + seen)
    below = max(0, hi - int(np.ceil(0.5 * MAX_RIB_HEIGHT_MM / spacing[2])))
    if top > hi and any(z > hi for z, _ in find_rib_heads(column, spacing, below, top)):
        return hi, False
    if top < hi + seen and (_edge_vertebra_rib_free(column, spacing, hi) or _first_pair_whole(column, spacing, hi)):
        clear = hi + seen
    else:
        clear = top
    return clear, bool(spacing[2] >= THICK_SLICE_MM and _processes_over_top_level(column, spacing, hi, top))


def _processes_over_top_level(column, spacing, hi, top):
    """Whether the rib band between the highest rib level's own bone and slice `top` (the scan's slices over the
    column's top slice `hi` looked at by `ribs_clear_above`) holds bone on both sides within `RIB_HEAD_MM` of the
    midline and none as far out as `FIRST_RIB_REACH_MM` (`_processes_and_no_rib`).

    That is the vertebra over the first rib pair seen by its own level: C7's transverse processes are the longest of
    the cervical spine (their tips 30-45 mm from the midline, under the first rib's 45-55 mm and every lower rib's
    60 mm and more), at the height of its body's middle, and a rib of its own (a cervical rib) or of T1 (were the
    highest pair found T2's) would run out past `FIRST_RIB_REACH_MM` from beside them. At 4-5 mm slices the column's
    end over the top pair's upper disc is one slab that averages the disc with the endplate over it and shows no body
    of the vertebra above (`jmedseg.spine.levels._end_over_disc_seen`), but the processes are 10-15 mm tall bars in
    the band beside the canal, one or two whole slabs. Issue 20, seed 53 CT 49, seed 61 CT 1, seed 67 CT 85
    (chest + abdomen, 5 mm; every rib level right): processes 34-48 mm out on both sides in the one to three slices
    over T1's rib level, nothing further out.
    The band is read as `_edge_vertebra_rib_free` reads it at thick slices (behind `FORWARD_MM` past `AORTA_MM`),
    with the bone mask only: the lower threshold also takes the halo of the first rib and of the clavicle.
    """
    dz, nz = spacing[2], column.bone.shape[2]
    lo = max(0, hi - int(np.ceil((FIRST_RIB_PITCH_MM + MAX_RIB_HEIGHT_MM) / dz)))
    levels = rib_level_groups([z for z, _ in find_rib_heads(column, spacing, lo, nz - 1)], dz)
    if not levels:
        return False
    above = int(np.floor(float(np.mean(levels[-1])) + RIB_LEVEL_GAP_MM / dz)) + 1   # past that level's own bone
    if above > top:
        return False
    dx_mm, dy_mm = offsets_from_centre(column, spacing)
    return _processes_and_no_rib(rib_band(column.bone, dx_mm, dy_mm, FORWARD_MM, above, top), dx_mm)


def _first_pair_whole(column, spacing, hi):
    """Whether the highest rib level is a pair of first ribs by their shape (`first_ribs`: short shafts, both sides,
    one level over the highest rib reaching `RIB_REACH_MM`), each ending below the scan's top slice.

    The first rib is the highest: no rib pair lies over it (a cervical rib aside, a variant like an 11th or 13th
    pair), so the vertebra over it bears none whether or not the scan shows that vertebra's own level. Its shaft
    turns forward round the narrow apex of the thorax within 45-55 mm of the midline, while every rib below it runs
    on behind the body's centre past `RIB_REACH_MM`; a pair found short is the first, not the second, only when its
    shafts end in the scan: a rib whose posterior part rises through the scan's top slice (the upper ribs' necks and
    tubercles lie over their heads in the kyphosis) is cut short by the edge, not by its shape. Issue 20, seed 11 CT
    77 (chest + abdomen, 3 mm): the scan ends 10 mm over T1's heads, cutting C7 near its centre with its transverse
    processes above the edge; T1's shafts end 50 mm out, two slices under the top, those of T2-T12 63-65 mm out.
    `hi`: the column's top slice; the search starts `FIRST_RIB_PITCH_MM` + `MAX_RIB_HEIGHT_MM` below it.
    """
    dz, nz = spacing[2], column.bone.shape[2]
    lo = max(0, hi - int(np.ceil((FIRST_RIB_PITCH_MM + MAX_RIB_HEIGHT_MM) / dz)))
    _, firsts, tops = _rib_heads(column, spacing, lo, nz - 1)
    return bool(firsts) and all(top < nz - 1 for top in tops.values())


def _edge_vertebra_rib_free(column, spacing, hi):
    """Whether the vertebra cut by the scan's top edge, over the highest rib level found, is in view where its rib
    would lie and shows none: the scan reaches within `RIB_HALF_HEIGHT_MM` of the next rib level up (one pitch of the
    two highest levels above the highest), the rib band there holds bone on both sides (the vertebra's transverse
    processes, within `RIB_HEAD_MM` of the midline: its own level is in the scan, not only its lower endplate) and
    none as far out as `FIRST_RIB_REACH_MM` (no rib, whole or with its head cut off by the edge).

    A rib runs out from its head past the tip of its vertebra's transverse process and descends as it goes: in the
    band it lies at its head's height or lower, so the lower half of a rib one pitch above the highest shows in such
    a scan. `NEIGHBOUR_SEEN_MM` of a C7 above its lower disc asks for more than the scan holds when the edge cuts C7
    near its top (issue 20, seed 2026 dev CTs 5, 3 mm; 9 and 89, 5 mm: 10-12 mm of C7 in view, its transverse
    processes 31-42 mm out and nothing further, every rib level right, the first pair not counted). `hi`: the
    column's top slice; the slices from half `MAX_RIB_HEIGHT_MM` below the highest rib level to the scan's top are
    searched.

    At slices of `THICK_SLICE_MM` or more the scan's top slice is a 4-5 mm slab that a process or rib cut by the edge
    fills only in part, and partial volume averages it with the soft tissue above: the band above the highest level is
    read there at `column.SOFT_TISSUE_MAX_HU` (bone filling a fifth of the slab reads over it, muscle with noise does
    not), for the processes and for any bone reaching `FIRST_RIB_REACH_MM` alike (a rib just entering the slab shows
    too), and the next level may lie half a slice further past the edge (the levels' heights are means of whole-slice
    head runs). Issue 20, seed 11 dev CT 45 (5 mm): the edge 4 mm above C7's centre, its transverse processes centred
    near or above the edge read 100-150 HU in the top slab and nothing reached beyond 38 mm; the next level lay 4.2 mm
    past the edge. The bone mask (`BONE_HU`) is read first, as at thinner slices, and the lower reading only where it
    finds no processes: bone at the lower threshold is also the halo of the highest rib level's own rib and of
    processes near `FIRST_RIB_REACH_MM`, and taken alone it lost a first pair the bone mask counts (seed 23 CT 49, 5
    mm, held out: two voxels over 120 HU at 51 and 64 mm, none over 200 HU; every level right).
    """
    dz, nz = spacing[2], column.bone.shape[2]
    lo = max(0, hi - int(np.ceil((FIRST_RIB_PITCH_MM + MAX_RIB_HEIGHT_MM) / dz)))
    levels = rib_level_groups([z for z, _ in find_rib_heads(column, spacing, lo, nz - 1)], dz)
    if len(levels) < 2:
        return False
    z_top = float(np.mean(levels[-1]))
    pitch = z_top - float(np.mean(levels[-2]))
    thick = dz >= THICK_SLICE_MM
    if (z_top + pitch - (nz - 0.5)) * dz > RIB_HALF_HEIGHT_MM + (0.5 * dz if thick else 0.0) or \
            pitch * dz > FIRST_RIB_PITCH_MM:
        return False
    above = int(np.floor(z_top + RIB_LEVEL_GAP_MM / dz)) + 1      # past the highest rib level's own bone
    if above >= nz:
        return False
    dx_mm, dy_mm = offsets_from_centre(column, spacing)
    forward = FORWARD_MM if thick else BEHIND_MM
    slabs = [column.bone] + ([column.dense] if thick and column.dense is not None else [])
    return any(_processes_and_no_rib(rib_band(slab, dx_mm, dy_mm, forward, above, nz - 1), dx_mm) for slab in slabs)


def _processes_and_no_rib(band, dx_mm):
    """Whether `band` (bone in the rib band above the highest rib level) holds bone on both sides within
    `RIB_HEAD_MM` of the midline (transverse processes) and none as far out as `FIRST_RIB_REACH_MM` (a rib)."""
    vox = np.argwhere(band)
    d = dx_mm[vox[:, 0], vox[:, 2]]
    processes = all(((side * d > 0) & (np.abs(d) <= RIB_HEAD_MM)).any() for side in (-1, 1))
    return processes and not (np.abs(d) >= FIRST_RIB_REACH_MM).any()


def mark_rib_bearing(segments, heads, dz, pitch_mm):
    """Add each rib's side (and its head's slice, `seg.rib_z`) to the segment at the height of its head.

    A head may sit up to half a pitch above its body (the heads of ribs 2-9 span the disc above
    their vertebra), so a head just above a disc goes to the segment below it. The lowest
    `SINGLE_FACET_LEVELS` rib levels do not: ribs 10-12 articulate with their own body only
    (a single costal facet), so their heads go to the segment that holds them (issue 20: handed
    to the segment below, the T12 anchor was doubted or counted one level low, and rib 11 on
    T12 left T11 without a rib); a head of theirs in a disc's slice goes with its pair's other head
    where one segment holds that (`_own_body_levels`). A head that no segment holds (in a disc slice, above the
    column's top) keeps the rule of the others, and `jmedseg.spine.levels.rib_anchor_doubt`
    then finds the lowest one above its segment and does not count it.
    """
    single = _lowest_levels(sorted(z for z, _ in heads), dz, SINGLE_FACET_LEVELS)
    reach_from = level_reach_z([z for z, _ in heads], dz)     # a pair's heads go together (`pair_heads`)
    own = _own_body_levels(segments, [z for z, _ in heads if z <= single], dz)
    for z_head, side in heads:
        seg = own.get(z_head, _segment_at(segments, z_head, 0.0)) if z_head <= single else None
        if seg is None:
            seg = _segment_at(segments, reach_from[z_head], 0.5 * pitch_mm / dz)
        if seg is not None:
            seg.ribs = tuple(sorted(set(seg.ribs) | {side}))
            seg.rib_z = sorted(seg.rib_z + [float(z_head)])


def _own_body_levels(segments, z_heads, dz):
    """{head slice: segment} for the single-facet rib levels among `z_heads` (`rib_level_groups`) that one segment
    holds a head of, and no other segment holds one of: the level's heads in a disc slice go to that segment too.

    Ribs 10-12 articulate with their own body only, and a pair's two heads articulate at one level (`pair_heads`):
    where a disc found at the heads' height (the T12/L1 disc read a slice or two up, at the twelfth rib's heads)
    leaves one head in a segment and the other in the disc's slice, the other went by the half-pitch reach to the
    segment below, and the pair was cut in two: two one-sided rib levels, the T12 anchor not counted (issue 20,
    seed 47 CT 61, 5 mm: the twelfth pair's heads at 168 and 169 mm, the disc at 166 mm between them).
    """
    own = {}
    for group in rib_level_groups(sorted(z_heads), dz):
        held = {id(seg): seg for seg in (_segment_at(segments, z, 0.0) for z in group) if seg is not None}
        if len(held) == 1:
            own.update((z, next(iter(held.values()))) for z in group)
    return own


def _lowest_levels(z_heads, dz, n):
    """The highest head slice of the lowest `n` rib levels (-inf without heads)."""
    heads = [z for level in rib_level_groups(z_heads, dz)[:n] for z in level]
    return heads[-1] if heads else -np.inf


def _segment_at(segments, z, above):
    """The lowest segment whose slices lo..hi (each +-0.5), extended `above` slices upwards, hold slice `z`."""
    return next((seg for seg in segments if seg.lo - 0.5 <= z <= seg.hi + 0.5 + above), None)

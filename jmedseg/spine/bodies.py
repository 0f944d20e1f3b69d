"""Vertebral bodies per level: body cross-sections split by the disc planes.

Each disc is a plane through the column's centre line at the disc, perpendicular
to the centre line there (lordosis tilts the lower lumbar discs by 10-30 degrees
against the axial slices, so splitting by slice number alone would cut L5/S1
bodies obliquely). A body pixel belongs to the vertebra between the two disc
planes that enclose it; of each vertebra's pixels the largest 3D connected part
is kept (a neighbour's corner crossing the plane is dropped), with the pieces stacked
on it between its discs where the column lost the body in a slice or two (`_stacked_pieces`).

Below the canal's end the column's body region of a sacral slice can hold the whole
pelvis (the alae joined to the iliac wings, 200-290 mm across); an oblique disc plane
gives the vertebra above S1 some of those slices, and the largest part of it could be a
wing far from any vertebra (synthetic CT 166 of seed 2026, 5 mm slices, whose L5 body the
column saw in few slices: "L5" centred in the right iliac wing, 132 mm off the spine). A
body is no wider than 55 mm, so above the lowest vertebra (S1, or the column's bottom) only
pixels within `LINE_HALF_WIDTH_MM` of the centre line count, and of a vertebra's 3D parts
the largest one on the centre line is kept when the largest of all lies off it (`_part_to_keep`).
"""
import numpy as np
from scipy import ndimage

from jmedseg.spine.body_front import within_front_cortex
from jmedseg.spine.body_outline import within_outline
from jmedseg.spine.body_sides import within_canal_sides
from jmedseg.spine.column import BODY_HALF_WIDTH_MM, TRACK_TOLERANCE_MM

LINE_HALF_WIDTH_MM = BODY_HALF_WIDTH_MM + TRACK_TOLERANCE_MM   # half the widest body, margin, and the track's
                                                              # distance from the body's centre
MIN_BODY_SHARE = 1 / 3     # a body seen in fewer of its segment's slices is lost over most of its height: flagged
PIECE_OFF_CENTRE_SHARE = 0.25   # a body is centred between its discs: a label centred further than this share of its
                                # segment's height from the segment's middle lies in the outer quarter, by a disc
ADJACENT_BODY_MM = 12.0    # a disc's neighbours read this far on each side: half a lumbar body (22-30 mm tall), so
                            # each side's mean lies near its body's own centre, not the next disc's
MAX_DISC_TILT_DEG = 45.0   # the steepest L5/S1 disc: halfway between L5's lower endplate (10-25 degrees) and S1's
                            # upper one (sacral slope 30-50, up to 65 in the steepest pelves)
OFF_LINE_MM = 20.0          # half a lumbar body's depth (35-45 mm): a part whose mean lies further from the centre
                            # line is outside the body the line runs through


def disc_planes(column, disc_arcs, arc, spacing, sacral=None):
    """[(point_mm, unit_normal)] per disc at arc position (mm): the plane through the centre line at the disc,
    perpendicular to it; for the L5/S1 disc (index `sacral` of `disc_arcs`, or None) the plane through the line
    joining the centres of the bodies either side of it, perpendicular to that line.

    A disc lies between two bodies and faces along the line joining them. The smoothed centre line follows the
    column's curves and is used wherever it runs through the bodies (on the real native example, joining the raw
    centres at every disc tilted the thoracolumbar planes: T12's Dice 0.87 -> 0.83), but it does not follow the
    sacrum's step back: S1's body lies 10-25 mm behind L5's (sacral slope 30-50 degrees;
    `jmedseg.spine.sacrum.extend_to_sacral_base` adds it off the smoothed line), so a plane perpendicular to the
    smoothed line at the L5/S1 disc is tilted the wrong way and hands the upper sacrum's back to L5 (synthetic
    benchmark, seed 47, CTs 26 and 34: "L5" centred 16 mm behind and 11 mm below its body, nearer S1's centre).
    Each body is read over `ADJACENT_BODY_MM` on its side of the disc (its slices' own centres of mass); where a
    side has no body seen, the smoothed line's local tangent is used. The line's tilt is kept within
    `MAX_DISC_TILT_DEG` of the long axis (a thin disc between a body and a sacrum far behind it reads steeper).
    """
    sp = np.asarray(spacing, float)
    pts = np.column_stack([column.centre * sp[:2], np.arange(len(arc)) * sp[2]])
    planes = []
    for i, s in enumerate(disc_arcs):
        k = float(np.interp(s, arc, np.arange(len(arc))))
        k0 = int(np.clip(np.floor(k), 0, len(arc) - 2))
        f = k - k0
        point = (1 - f) * pts[k0] + f * pts[k0 + 1]
        a, b = max(0, k0 - 1), min(len(arc) - 1, k0 + 2)
        tangent = pts[b] - pts[a]
        if i == sacral:
            point, tangent = _line_between_bodies(column, pts, k, k0, sp) or (point, tangent)
        planes.append((point, tangent / np.linalg.norm(tangent)))
    return planes


def _line_between_bodies(column, pts, k, k0, sp):
    """(point at slice `k` on the line joining the bodies either side of the disc at k, that line's direction within
    `MAX_DISC_TILT_DEG`), or None where a side has no body seen within `ADJACENT_BODY_MM` (`disc_planes`). `pts`: the
    smoothed centre line (mm), whose left-right position is kept."""
    raw = np.column_stack([column.raw_centre * sp[:2], np.arange(len(pts)) * sp[2]])
    seen = np.asarray(column.seen, bool) & np.isfinite(raw).all(axis=1)
    reach = max(1, int(round(ADJACENT_BODY_MM / sp[2])))
    below = np.arange(max(0, k0 - reach + 1), k0 + 1)
    above = np.arange(k0 + 1, min(len(pts), k0 + 1 + reach))
    below, above = below[seen[below]], above[seen[above]]
    if not len(below) or not len(above):
        return None
    lower, upper = raw[below].mean(axis=0), raw[above].mean(axis=0)
    # left-right from the smoothed line: the sacrum steps back, not sideways, and the centre of mass of the sacral
    # base's middle leans to whichever ala holds more bone (seed 2026 CT 174: 22 degrees)
    lower[0], upper[0] = pts[below, 0].mean(), pts[above, 0].mean()
    line = upper - lower
    point = lower + np.clip((k * sp[2] - lower[2]) / line[2], 0.0, 1.0) * line     # on the line, at the disc
    return point, _within_tilt(line)


def _within_tilt(tangent):
    """`tangent` (pointing up the column) with its tilt from the z axis limited to `MAX_DISC_TILT_DEG`."""
    horizontal = np.hypot(tangent[0], tangent[1])
    limit = tangent[2] * np.tan(np.radians(MAX_DISC_TILT_DEG))
    if horizontal > limit > 0:
        tangent = np.array([tangent[0] * limit / horizontal, tangent[1] * limit / horizontal, tangent[2]])
    return tangent


def split_bodies(column, segments, discs, disc_arcs, arc, spacing, lo, hi, hu=None):
    """Label array on the working grid: segment index + 1 for each body voxel (0 elsewhere); with the working grid's
    `hu`, each slice's body is also cut at its front cortex (`body_front`)."""
    body = column.body
    out = np.zeros(body.shape, np.int16)
    s1 = next((seg for seg in segments if seg.name == "S1"), None)
    planes = disc_planes(column, disc_arcs, arc, spacing,
                         sacral=sum(d <= s1.hi for d in discs) if s1 is not None else None)   # the disc above S1
    gap_of_segment = {}
    for j, seg in enumerate(segments):
        gap_of_segment[sum(d < seg.lo for d in discs)] = j
    sp = np.asarray(spacing, float)
    margin = int(np.ceil(15.0 / spacing[2]))    # an oblique disc plane reaches this far from its centre slice
    wide_ok = np.array([j == 0 or seg.name == "S1" for j, seg in enumerate(segments)] + [True])  # [-1]: none
    outlined = within_outline(body, column.centre, sp)    # a vessel joined in front or aside cut off (`body_outline`)
    outlined = within_canal_sides(outlined, column.canal_centre, sp)   # the aorta along T5-T12's side (`body_sides`)
    if hu is not None:
        outlined = within_front_cortex(outlined, hu, column.centre, sp)   # liver and vessels against T12-L2
    for k in range(max(0, lo - margin), min(body.shape[2], hi + margin + 1)):
        pts = np.argwhere(body[:, :, k])
        if len(pts) == 0:
            continue
        xyz = np.column_stack([pts * sp[:2], np.full(len(pts), k * sp[2])])
        gap = np.zeros(len(pts), int)
        for p, n in planes:
            gap += ((xyz - p) @ n > 0).astype(int)
        seg_idx = np.array([gap_of_segment.get(g, -1) for g in gap])
        on_line = np.abs(xyz[:, 0] - column.centre[k, 0] * sp[0]) <= LINE_HALF_WIDTH_MM
        in_outline = outlined[pts[:, 0], pts[:, 1], k]
        keep = (seg_idx >= 0) & ((on_line & in_outline) | wide_ok[seg_idx])
        out[pts[keep, 0], pts[keep, 1], k] = seg_idx[keep] + 1
    for j in range(len(segments)):
        mask = out == j + 1
        parts, n = ndimage.label(mask)
        if n > 1:
            keep = _part_to_keep(parts, n, column.centre, sp, on_line_only=not wide_ok[j])
            kept = [keep] if wide_ok[j] else [keep] + _stacked_pieces(parts, n, keep, segments[j], column.centre, sp)
            out[mask & ~np.isin(parts, kept)] = 0
    lost = _flag_lost_bodies(out, segments, spacing[2])
    _flag_pieces_off_centre(out, segments, lost, spacing[2])
    return out


def _flag_lost_bodies(labels, segments, dz):
    """Flag `incomplete` each vertebra whose body holds fewer than `MIN_BODY_SHARE` (a third) of the slices between its
    discs.

    Its name is counted from the discs and may be right, but its label (what the density is measured in) is then a
    piece: a slice or two of body left at one end or past it, whose centroid can lie nearer a neighbour's centre
    (synthetic CTs of seed 2026: 45, 5 mm, "T6" in one slice below its segment, 9 mm from T7's centre; 105, 3 mm,
    "T4" in one slice of seven, 11 mm from T3's; seed 7's CT 4, "T5" in one of nine). Issue 20 section 1: such a
    level is not confirmed; the density refuses an `incomplete` level (jmedseg.density.safety). A half would also
    flag bodies lost over their upper half only, named right (seed 7's CT 34: L1 in 4 of 9 slices). Returns the
    indices of the segments flagged.
    """
    held = labels.any(axis=(0, 1))
    lost = []
    for j, seg in enumerate(segments):
        ks = np.arange(seg.lo, seg.hi + 1)
        with_body = int(sum((labels[:, :, k] == j + 1).any() for k in ks if held[k]))
        if with_body < MIN_BODY_SHARE * len(ks):
            seg.flags.append("incomplete")
            seg.notes.append(f"its body was found in {with_body} of the {len(ks)} slices ({len(ks) * dz:.0f} mm) "
                             "between its discs: the label may be a piece of it or of a neighbour")
            lost.append(j)
    return lost


def _flag_pieces_off_centre(labels, segments, lost, dz):
    """Flag `uncertain_level` each vertebra of `lost` (its body lost, `_flag_lost_bodies`) whose label is centred more
    than `PIECE_OFF_CENTRE_SHARE` of its segment's height from the segment's middle.

    A vertebral body fills the height between its two discs and is centred between them, so its label is too. A piece
    of a slice or two in the outer quarter lies against a disc, where the column's body can as well be the neighbour's
    endplate seen through the oblique disc plane or at partial volume; the report's centroid, the QC figure's name and
    any density taken from it are then of a point nearer the neighbour's centre than its own (synthetic benchmark,
    seed 11: CTs 25, 64, 97, the label 10-12 mm from its true centre, 1-3 mm from the neighbour's disc). The name,
    counted from the discs, may be right; the label cannot be vouched for as that vertebra, which is what
    `uncertain_level` tells a reader (issue 20 section 1: such a level is not confirmed).
    """
    for j in lost:
        seg = segments[j]
        ks = np.nonzero(labels == j + 1)[2]          # the label's voxels' slices: its centroid's height, as reported
        if not len(ks):
            continue
        offset = (float(np.mean(ks)) - 0.5 * (seg.lo + seg.hi)) * dz
        height = (seg.hi - seg.lo + 1) * dz
        if abs(offset) > PIECE_OFF_CENTRE_SHARE * height:
            seg.flags.append("uncertain_level")
            seg.notes.append(f"its label lies {abs(offset):.0f} mm {'above' if offset > 0 else 'below'} the middle "
                             f"of its {height:.0f} mm segment, against a disc: it may be a piece of the neighbour")


def _part_to_keep(parts, n, centre, sp, on_line_only):
    """Label (1..n) of the 3D part that is the vertebra's body: the largest, or, above the lowest vertebra when the
    largest lies on average more than `OFF_LINE_MM` from the centre line (outside the body the line runs
    through), the largest whose voxels lie on average within `TRACK_TOLERANCE_MM` of it, when one does.

    At thin slices the oblique L5/S1 disc's plane leaves the sacrum's top (its back rising 10-20 mm above the
    plane's point on the line: sacral slope 30-50 degrees) on L5's side, while L5's own body, seen with a gap
    slice or two at 2 mm, falls apart into pieces each smaller than it (synthetic CTs 50 and 158 of seed 2026,
    2 mm slices: "L5" confirmed 26 mm behind and 15 mm below L5's centre, inside S1). The sacrum's top lies
    26-30 mm behind the line, L5's pieces 1-4 mm from it. A largest part nearer than `OFF_LINE_MM` stays: at a
    column's end the track may lag its body by 15-20 mm (synthetic CT 151, L1 at the top of a lumbar scan,
    17 mm off, beside a 6 times smaller piece of L2 11 mm off). The lowest vertebra (S1, whose body leaves the line
    backwards by the same slope, or the column's bottom) keeps its largest part.
    """
    index = np.arange(1, n + 1)
    sizes = ndimage.sum_labels(np.ones(parts.shape), parts, index=index)
    if on_line_only:
        off = _offset_from_line(parts, n, centre, sp)
        on_line = off <= TRACK_TOLERANCE_MM
        if on_line.any() and off[np.argmax(sizes)] > OFF_LINE_MM:
            return int(index[on_line][np.argmax(sizes[on_line])])
    return int(index[np.argmax(sizes)])


def _stacked_pieces(parts, n, keep, seg, centre, sp):
    """Labels (1..n, not `keep`) of the other pieces of the same body: parts lying wholly within the segment's own
    slices (`seg.lo`..`seg.hi`, between its two discs), on the centre line (their voxels on average within
    `TRACK_TOLERANCE_MM` of it) and sharing no slice with the part kept.

    A vertebral body is one block of bone filling the height between its two discs (thoracic 18-25 mm, lumbar
    25-30 mm, four to six 5 mm slices). Where the column loses it in a slice or two inside that height (an
    osteopenic interior of 40-60 HU, like muscle, inside a shell that reads under 120 HU at partial volume beside
    the lung), its label falls apart into pieces stacked along the line, and keeping only the largest leaves the
    label at one end of the body, by a disc (seed 107 CT 1, native, 5 mm: T10's body seen at 251 mm and at
    266-276 mm, lost at 256-261 mm; the 266-276 mm piece alone centred the label 15 mm from T9's centre, nearer it
    than T10's). Such a piece lies between the disc planes and on the line; a neighbour's corner that crosses an
    oblique disc plane lies in the slices past its disc (`seg.lo`/`seg.hi` exclude the disc's slice) or beside
    the body in the same slices, and stays dropped, as do pieces off the line (ribs, the aorta's wall) and pieces
    not stacked on the part kept (their mean further than `TRACK_TOLERANCE_MM` from its mean across the slices:
    where the track lags a body at a column's end, a piece on the line is something else, synthetic CT 151)."""
    vox = np.argwhere(parts > 0)
    lab = parts[tuple(vox.T)]
    index = np.arange(1, n + 1)
    k_lo = ndimage.minimum(vox[:, 2], lab, index)
    k_hi = ndimage.maximum(vox[:, 2], lab, index)
    xy = np.stack([ndimage.mean(vox[:, a] * sp[a], lab, index) for a in (0, 1)], axis=1)
    apart = np.hypot(*(xy - xy[keep - 1]).T)
    off = _offset_from_line(parts, n, centre, sp)
    taken = set(range(int(k_lo[keep - 1]), int(k_hi[keep - 1]) + 1))
    pieces = []
    for i in sorted(range(n), key=lambda i: k_lo[i]):
        ks = set(range(int(k_lo[i]), int(k_hi[i]) + 1))
        if (i + 1 == keep or k_lo[i] < seg.lo or k_hi[i] > seg.hi or off[i] > TRACK_TOLERANCE_MM
                or apart[i] > TRACK_TOLERANCE_MM or ks & taken):
            continue
        pieces.append(i + 1)
        taken |= ks
    return pieces


def _offset_from_line(parts, n, centre, sp):
    """Per part (1..n), the distance (mm) of its mean voxel from the centre line, each voxel taken against the
    line's point in its own slice."""
    vox = np.argwhere(parts > 0)
    lab = parts[tuple(vox.T)]
    d = (vox[:, :2] - centre[vox[:, 2]]) * np.asarray(sp[:2], float)
    mean = np.stack([ndimage.mean(d[:, a], lab, np.arange(1, n + 1)) for a in (0, 1)], axis=1)
    return np.hypot(mean[:, 0], mean[:, 1])

"""Intervertebral discs along the column, and the level names from anatomical anchors.

Discs: an intervertebral disc (70-100 HU) holds no bone, so the vertebral-body
cross-section found by `jmedseg.spine.column` shrinks or vanishes there. Along z
the body area is a train of plateaus (bodies, 20-35 mm tall) separated by dips
(discs, 5-12 mm). A dip counts as a disc when the area falls below
`DISC_DEPTH` of the smaller of its neighbouring plateaus; two discs are at least
`MIN_PITCH_MM` apart (the shortest body plus disc of T10-S1 in a small adult).

Anchors (counted independently, then compared):
- sacrum: the lowest segment of the column is S1 when it holds the sacral base (alae over
  `SACRUM_WIDTH_MM` wide) with the iliac wings beside it: `jmedseg.spine.sacrum`;
- ribs: a rib is a long bone (reaching more than `RIB_REACH_MM` from the column's
  midline, further than any lumbar transverse process, whose tips lie within
  about 50 mm) whose medial end comes within `RIB_HEAD_MM` of the midline; the
  segment at the height of that medial end bears it. The lowest rib-bearing
  segment is T12.
Both anchors present and consistent: the level names are confirmed. One anchor
only (the other outside the field of view), or anchors that disagree (11 or 13
rib pairs, a lumbosacral transitional vertebra): every level is flagged
`uncertain_level` with the reason. No anchor: no names at all.
"""
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from jmedseg.data.label_schemes import TOTALSEG_V2
from jmedseg.spine.sacrum import SACRUM_WIDTH_MM

# Inferior to superior; TotalSegmentator v2 ids.
LEVEL_NAMES = ("S1", "L5", "L4", "L3", "L2", "L1", "T12", "T11", "T10", "T9", "T8")
TOTALSEG_IDS = {name: TOTALSEG_V2[name] for name in LEVEL_NAMES}
UNIDENTIFIED_BASE = 100          # an unnamed vertebra k (1 = highest in the scan) gets id 100 + k

DISC_DEPTH = 0.7                 # disc: body area below 70 % of the neighbouring plateaus
MIN_PITCH_MM = 20.0
MAX_PITCH_MM = 50.0              # tallest body plus disc (L5 of a tall adult) is about 45 mm
MIN_SEGMENT_MM = 9.0             # a column end shorter than this is a sliver of a vertebra, not counted
RIB_REACH_MM = 75.0
RIB_HEAD_MM = 50.0


@dataclass
class Segment:
    """One vertebra between two discs: z range on the working grid (slices lo..hi inclusive)."""

    lo: int
    hi: int
    lower_disc: bool          # a disc was found below (else the column ends: field of view or sacrum)
    upper_disc: bool
    width_mm: float = 0.0
    ribs: tuple = ()          # sides ('left', 'right') with a rib whose head is at this segment
    name: str = None
    flags: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def column_range(column, spacing, max_gap_mm=25.0):
    """(first, last) slice of the longest run of body seeds without a gap taller than a disc (the column)."""
    ks = np.flatnonzero(column.seen)
    if len(ks) == 0:
        return None
    runs, start = [], 0
    for i in range(1, len(ks)):
        if (ks[i] - ks[i - 1]) * spacing[2] > max_gap_mm:
            runs.append((ks[start], ks[i - 1]))
            start = i
    runs.append((ks[start], ks[-1]))
    return max(runs, key=lambda r: r[1] - r[0])


def arc_profile(column, spacing, lo, hi):
    """Body cross-section (mm^2) along the centre line, perpendicular to it, and each slice's arc position.

    Every body voxel is projected onto the local tangent of the centre line, so an
    oblique disc (L5/S1 in lordosis) still shows as a dip. Returns
    (area per arc bin, bin width mm, arc position of each slice k in mm).
    """
    sp = np.asarray(spacing, float)
    c = column.centre * sp[:2]
    z = np.arange(len(c)) * sp[2]
    pts = np.column_stack([c, z])
    tangent = np.gradient(pts, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))])
    width = sp[2]
    nbins = int(np.ceil(arc[hi] / width)) + 2
    area = np.zeros(nbins)
    for k in range(lo, hi + 1):
        vox = np.argwhere(column.body[:, :, k])
        if len(vox) == 0:
            continue
        xyz = np.column_stack([vox * sp[:2], np.full(len(vox), z[k])])
        s_pos = arc[k] + (xyz - pts[k]) @ tangent[k]
        np.add.at(area, np.clip(np.round(s_pos / width).astype(int), 0, nbins - 1), sp[0] * sp[1] * sp[2] / width)
    return area, width, arc


def find_discs(area, lo, hi, dz):
    """Bins of disc centres between lo and hi, from the dips of the body-area profile."""
    a = ndimage.gaussian_filter1d(area[lo:hi + 1].astype(float), max(0.5, 1.5 / dz), mode="nearest")
    reach = max(2, int(round(20.0 / dz)))
    cands = []
    for i in range(1, len(a) - 1):
        if a[i] > a[i - 1] or a[i] > a[i + 1]:
            continue
        left, right = a[max(0, i - reach):i].max(), a[i + 1:i + 1 + reach].max()
        plateau = min(left, right)
        if plateau > 0 and a[i] < DISC_DEPTH * plateau:
            cands.append((1.0 - a[i] / plateau, i))
    chosen = []
    for depth, i in sorted(cands, reverse=True):
        if all(abs(i - j) * dz >= MIN_PITCH_MM for j in chosen):
            chosen.append(i)
    return sorted(lo + i for i in chosen)


def segments_between(discs, lo, hi, dz):
    """Vertebrae between consecutive discs, plus the column's two ends when they are tall enough."""
    edges = [lo] + list(discs) + [hi]
    segs = []
    for j in range(len(edges) - 1):
        a, b = edges[j], edges[j + 1]
        lower, upper = j > 0, j < len(edges) - 2
        s0, s1 = a + (1 if lower else 0), b - (1 if upper else 0)
        if (s1 - s0 + 1) * dz < MIN_SEGMENT_MM:
            continue
        seg = Segment(s0, s1, lower, upper)
        if (b - a) * dz > MAX_PITCH_MM:
            seg.flags.append("uncertain_level")
            seg.notes.append(f"{(b - a) * dz:.0f} mm between discs: a disc may have been missed")
        segs.append(seg)
    return segs


def measure_widths(segments, column, spacing):
    """Typical left-right extent (mm) of the body cross-section in each segment (sacral alae are wide)."""
    for seg in segments:
        body = column.body[:, :, seg.lo:seg.hi + 1]
        per_slice = [np.ptp(np.flatnonzero(body[:, :, k].any(axis=1))) + 1 for k in range(body.shape[2])
                     if body[:, :, k].any()]
        # the median of the widest 10 mm of slices: robust to one stray slice, and the alae span more than
        # 10 mm of the sacrum's height
        n = max(3, int(round(10.0 / spacing[2])))
        seg.width_mm = float(np.median(sorted(per_slice)[-n:]) * spacing[0]) if per_slice else 0.0


def find_ribs(column, segments, spacing, lo, hi):
    """Mark each segment with the sides of the ribs whose heads lie at its height.

    Only above a sacrum-like lowest segment (wide alae): the iliac crests there are long lateral bones too.
    """
    if segments and segments[0].width_mm >= SACRUM_WIDTH_MM:
        lo = max(lo, segments[0].hi + 1)
    bone = column.bone
    nx, ny, nz = bone.shape
    cx = column.centre[:, 0]
    dx_mm = (np.arange(nx)[:, None] - cx[None, :]) * spacing[0]          # [nx, nz]
    lateral = np.abs(dx_mm) > 0.5 * RIB_HEAD_MM
    cand = bone & lateral[:, None, :]
    cand[:, :, :lo] = False
    cand[:, :, hi + 1:] = False
    parts, n = ndimage.label(cand)
    if n == 0:
        return []
    found = []
    for i, sl in enumerate(ndimage.find_objects(parts), start=1):
        comp = parts[sl] == i
        vox = np.argwhere(comp) + [s.start for s in sl]
        d = np.abs(dx_mm[vox[:, 0], vox[:, 2]])
        if d.max() < RIB_REACH_MM or d.min() > RIB_HEAD_MM:
            continue
        z_extent = np.ptp(vox[:, 2]) * spacing[2]
        if z_extent > 150.0:          # an iliac wing or a rib cage fused by the threshold, not one rib
            continue
        head = vox[d <= d.min() + 6.0]
        z_head = float(np.mean(head[:, 2]))
        side = "left" if np.mean(dx_mm[head[:, 0], head[:, 2]]) < 0 else "right"
        found.append((z_head, side))
        for seg in segments:
            if seg.lo - 0.5 <= z_head <= seg.hi + 0.5 + 0.5 * MIN_PITCH_MM / spacing[2]:
                seg.ribs = tuple(sorted(set(seg.ribs) | {side}))
                break
    return found


def assign_names(segments, sacrum_finding=None):
    """Name segments from the sacrum and the lowest rib-bearing vertebra; flag what cannot be confirmed.

    `sacrum_finding`: a `jmedseg.spine.sacrum.SacrumFinding` (where S1 is; a transitional
    vertebra above it makes the count from the sacrum unconfirmed). Returns a dict with the
    anchors found and a one-line summary.
    """
    n = len(segments)          # segments are ordered inferior to superior
    sacrum = sacrum_finding.segment if sacrum_finding is not None and n else None
    rib_idx = [i for i, s in enumerate(segments) if s.ribs]
    t12 = rib_idx[0] if rib_idx else None
    from_sacrum = {i: LEVEL_NAMES[i] for i in range(n) if i < len(LEVEL_NAMES)} if sacrum is not None else None
    from_ribs = None
    if t12 is not None:
        base = LEVEL_NAMES.index("T12")
        from_ribs = {i: LEVEL_NAMES[base + i - t12] for i in range(n) if 0 <= base + i - t12 < len(LEVEL_NAMES)}
    info = {"sacrum_segment": sacrum, "t12_segment": t12, "agree": None}
    if from_sacrum and from_ribs:
        agree = from_sacrum == from_ribs
        info["agree"] = agree
        names = from_sacrum
        if not agree:
            lumbar = t12 - 1 if t12 else 0
            reason = (f"the sacrum and the lowest rib pair disagree: {lumbar} vertebrae between the rib-bearing "
                      "one and S1 instead of 5 (11 or 13 rib pairs, or a lumbosacral transitional vertebra); "
                      "names counted up from the sacrum")
            for s in segments:
                s.flags.append("uncertain_level")
                s.notes.append(reason)
        if agree:
            # the two anchors confirm the count between them; above the lowest rib-bearing vertebra the
            # levels are counted by discs from one anchor only (a missed or spurious thoracic disc shifts them)
            for s in segments[t12 + 1:]:
                s.flags.append("uncertain_level")
                s.notes.append("above T12: counted by discs from the lowest rib pair alone")
        info["summary"] = "confirmed by sacrum and ribs" if agree else "sacrum and ribs disagree"
    elif from_sacrum or from_ribs:
        names = from_sacrum or from_ribs
        which = "the sacrum" if from_sacrum else "the lowest rib-bearing vertebra (T12)"
        other = "no rib-bearing vertebra" if from_sacrum else "no sacrum"
        reason = f"named from {which} alone: {other} in the field of view to confirm the count"
        for s in segments:
            s.flags.append("uncertain_level")
            s.notes.append(reason)
        info["summary"] = f"one anchor only ({which})"
    else:
        names = {}
        for s in segments:
            s.flags.append("uncertain_level")
            s.notes.append("no sacrum and no rib-bearing vertebra in the field of view: the level cannot be "
                           "counted; give a vertebra label map with --mask")
        info["summary"] = "no anchor: levels not identified"
    if sacrum is not None and sacrum_finding.transitional:
        for s in segments:
            s.flags.append("uncertain_level")
            s.notes.extend(sacrum_finding.notes)
        info["agree"] = False if info["agree"] else info["agree"]
        info["summary"] += "; a lumbosacral transitional vertebra is possible"
    for i, s in enumerate(segments):
        s.name = names.get(i)
    return info

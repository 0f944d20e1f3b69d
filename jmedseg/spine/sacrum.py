"""The sacrum as a level anchor: the sacral base (S1 with its alae) at the bottom of the column, iliac wings beside it.

S1 is the one vertebra that is wider than any lumbar body and joined to the pelvis:
- **sacral base with alae**: in an axial slice through S1 the bone joined to the body
  spreads sideways into the alae, 100-120 mm across (`SACRUM_WIDTH_MM`); a lumbar body is
  40-55 mm wide. Measured per slice as the left-right extent of the bone (above 200 HU) in the
  filled region that holds the body, within `BAND_MM` in front of and behind the body's centre: the transverse
  processes of L5 (80-90 mm tip to tip) arise behind the body, at the pedicles, and a rib
  head meets a thoracic body at its back corner, both outside the band;
- **iliac wings beside it**: lateral to the sacral base (`ILIAC_NEAR_MM`..`ILIAC_FAR_MM`
  from the column's midline) each side holds more than `ILIAC_AREA_MM2` of bone (the ilium
  from the sacroiliac joint out, 6-10 mm thick, 60-150 mm long in an axial cut). A weak test
  on its own (the lower ribs beside L1 can hold as much): what tells the pelvis from the
  lower thorax is the width, measured on bone above 200 HU, which the portal-phase kidneys
  and liver beside T12-L2 (150-220 HU) do not reach, and no run of wide vertebrae above;
- **the S1 body below the L5/S1 disc**: the wide run begins at the bottom of the column
  and its top is the sacral base; where the disc finder left the L5/S1 disc out (the
  oblique lumbosacral disc seen in 5 mm slices together with the promontory), the
  segment is split where the width drops from the sacrum's to a body's.

A lumbosacral transitional vertebra (L5 with wing-like transverse processes joined to
the sacrum, Castellvi II-IV) is wide too: when the segment above S1 is also wide in its upper half (where the
transverse processes arise; `_wide_at_processes`), the
count from the sacrum is not trusted (`transitional` is set and the names get
`uncertain_level`); a sacralised L5 or a lumbarised S1 changes the count between the
sacrum and the lowest ribs, and those two anchors disagree (`jmedseg.spine.levels`).
"""
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import ndimage

from jmedseg.spine.column import BODY_HALF_WIDTH_MM, WIDE_SHELL_GAP_MM, disk

SACRUM_WIDTH_MM = 100.0     # sacral base with alae 100-120 mm; a lumbar body 40-55 mm
BAND_MM = 20.0              # alae lie beside the body (the S1 body is 30-40 mm deep); L5's transverse processes
                            # and the rib heads lie behind this band
WIDE_RUN_MM = 8.0           # the wide run spans the alae's height (20-30 mm); a stray slice is not a sacrum
RUN_GAP_MM = 6.0            # narrower slices inside the run (the alae's thin shell open at partial volume),
                            # at least two slices
SPLIT_BODY_MM = 21.0        # above the wide run, a whole L5 body (22-27 mm tall; at 5 mm slices 25 mm show)
                            # before the L5/S1 disc is added there: a thinner part is the sacrum's own top
                            # (or half an L5 whose other half a spurious dip has cut off)
SACRAL_SEARCH_MM = 25.0     # below the lowest body: the L5/S1 disc (10-15 mm) and the promontory's slant
SACRAL_BACK_MM = 35.0       # the S1 body lies up to this far behind L5's centre (sacral slope)
ILIAC_NEAR_MM = 45.0        # the sacroiliac joint lies 45-50 mm from the midline ...
ILIAC_FAR_MM = 150.0        # ... and the wing sweeps out to the iliac crest, 125-150 mm from it
ILIAC_AREA_MM2 = 450.0      # bone per side and slice: an iliac plate 60-150 mm x 6-10 mm, a low rib 100-300 mm^2
ILIAC_SLICE_FRACTION = 0.5  # of the sacral base's slices, at least this many show both wings
CUT_BASE_MM = 20.0          # a sacral base cut by the scan's lower edge counts when this much of it is wide: the
                            # alae's top lies level with the tilted S1 endplate's back edge, 8-15 mm above its
                            # middle (sacral slope 30-50 degrees, S1 30-40 mm deep), so 20 mm holds S1's upper
                            # 5-12 mm; less is the alae's tops under L5, whose split from S1 cannot be placed
LUMBAR_PITCH_MM = 24.0      # disc to disc along the column: the smallest lumbar vertebra (L1 of a small adult,
                            # body 22 mm + disc 6 mm) less the placement error of two discs (2 mm each at 5 mm
                            # slices); a shorter "vertebra" counted from the sacrum is a body split by a false disc
LUMBAR_PITCH_MAX_MM = 46.0  # disc to disc, the tallest lumbar vertebra (L3/L4 body 28-30 mm + disc 11-12 mm of a
                            # tall adult) and two discs' placement error (2 mm each): a short vertebra and its
                            # neighbour longer than this together are two vertebrae with a disc placed off between
LUMBAR_BODY_MIN_MM = 40.0   # the narrowest lumbar body (L1 of a small adult, 40-55 mm across): a slice under a
                            # found L5/S1 disc narrower than this holds no body (the disc's soft tissue)
HALF_LS_DISC_MM = 6.0       # half the L5/S1 disc (10-14 mm tall, the tallest): its lower half lies under the slice
                            # where the disc is found
LS_DISC_MAX_MM = 14.0      # the tallest L5/S1 disc (10-14 mm): soft tissue under its found slice lies within it
RIB_FREE_ABOVE_S1 = 3        # the fewest lumbar vertebrae (four), less a thirteenth rib's on the top one


@dataclass
class SacrumFinding:
    """Where S1 is: `segment` index (0 = lowest) or None; `split_at` a slice to add the L5/S1 disc at, or None."""

    segment: int = None
    split_at: int = None
    inner_disc: int = None            # a disc's slice inside the sacral base, to be taken out (`disc_inside_sacrum`)
    transitional: bool = False
    pelvis: bool = False              # a sacral base with iliac wings at the column's bottom, counted or not
    widths_mm: np.ndarray = None      # per working-grid slice, the sacral-base width measure (0 outside)
    notes: list = field(default_factory=list)


def base_widths(column, spacing, lo, hi):
    """Per slice lo..hi: left-right extent (mm) of the bone (above 200 HU) in the filled region holding the body,
    within `BAND_MM` of the body's centre front to back (0 where no body centre is known).

    The filled region (120 HU, shells closed) keeps the alae whole where their thin cortex is open (noise,
    partial volume); its bone pixels keep out what is dense but not bone: the kidneys (150-220 HU) and the
    liver in the portal phase, which touch the lowest thoracic bodies' region."""
    widths = np.zeros(column.bone.shape[2])
    band = max(1, int(round(BAND_MM / spacing[1])))
    for k in range(lo, hi + 1):
        cx, cy = column.centre[k]
        if not np.isfinite(cx):
            continue
        y0, y1 = max(0, int(round(cy)) - band), int(round(cy)) + band + 1
        parts, _ = ndimage.label(column.filled[:, y0:y1, k])
        here = parts[int(round(cx)), min(int(round(cy)) - y0, parts.shape[1] - 1)]
        if here == 0:
            hits = np.unique(parts[column.body[:, y0:y1, k] & (parts > 0)])
            if not len(hits):
                continue
            here = hits
        xs = np.flatnonzero((np.isin(parts, here) & column.bone[:, y0:y1, k]).any(axis=1))
        if len(xs):
            widths[k] = (xs.max() - xs.min() + 1) * spacing[0]
    return widths


def extend_to_sacral_base(column, spacing):
    """Add the sacral base below the column's lowest body when the body track stopped above it (in place).

    The sacrum tilts backwards (sacral slope 30-50 degrees): the S1 body's centre lies 10-25 mm
    behind L5's, beyond the track's tolerance, and the sacral canal under the alae is often
    open, so the column can end at L5. Below the lowest body (within `SACRAL_SEARCH_MM`: a
    disc and the promontory) each slice's bone regions (shells filled) are searched for one that lies
    on the column's left-right centre, at most `SACRAL_BACK_MM` behind and `BAND_MM` in front
    of the lowest body's centre, is wider than `SACRUM_WIDTH_MM` (the alae) and has the iliac
    wings beside it. Its central part (the width of a body) becomes the column's body there,
    so the L5/S1 disc and S1 are found like any other level. Returns the slices added.
    """
    seen = np.flatnonzero(column.seen)
    if not len(seen):
        return []
    k0, dz = seen[0], spacing[2]
    cx, cy = column.raw_centre[k0]
    half = max(1, int(round(BODY_HALF_WIDTH_MM / spacing[0])))
    first = next((k for k in range(k0 - 1, max(-1, k0 - 1 - int(round(SACRAL_SEARCH_MM / dz))), -1)
                  if _sacral_region(column, spacing, k, cx, cy) is not None), None)
    added = []
    k = first if first is not None else -1
    while k >= 0:
        region = _sacral_region(column, spacing, k, cx, cy)
        if region is None:
            break
        part = region.copy()                  # the body-wide middle of the sacral base: S1's body
        part[:max(0, int(round(cx)) - half)] = False
        part[int(round(cx)) + half + 1:] = False
        column.body[:, :, k] = part
        column.raw_centre[k] = np.argwhere(part).mean(axis=0)
        column.seen[k] = True
        column.area_mm2[k] = part.sum() * spacing[0] * spacing[1]
        added.append(k)
        k -= 1
    if len(added) * dz < WIDE_RUN_MM:         # a stray slice: not a sacral base
        for k in added:
            column.body[:, :, k] = False
            column.raw_centre[k] = np.nan
            column.seen[k] = False
            column.area_mm2[k] = 0.0
        return []
    return sorted(added)


def _sacral_region(column, spacing, k, cx, cy):
    """The filled region of slice k that is a sacral base on the column's line (see above), or None."""
    parts, n = ndimage.label(_bone_filled(column.bone[:, :, k], spacing))
    if n == 0:
        return None
    xs = (np.arange(parts.shape[0]) - cx) * spacing[0]
    ys = (np.arange(parts.shape[1]) - cy) * spacing[1]
    on_line = (np.abs(xs)[:, None] <= 10.0) & (ys[None, :] >= -SACRAL_BACK_MM) & (ys[None, :] <= BAND_MM)
    for label in np.unique(parts[on_line & (parts > 0)]):
        region = parts == label
        rows = np.flatnonzero(region.any(axis=1))
        if (rows.max() - rows.min() + 1) * spacing[0] < SACRUM_WIDTH_MM:
            continue
        if iliac_wings_beside(column, spacing, k):
            return region
    return None


def _bone_filled(bone_k, spacing):
    """Bone (above 200 HU) of one slice and what its shells enclose. Not the column's 120 HU fill: kidneys
    (150-220 HU) and liver in the portal phase are that dense and lie beside the lowest thoracic bodies."""
    closed = ndimage.binary_closing(bone_k, structure=disk(WIDE_SHELL_GAP_MM, spacing[:2])) | bone_k
    return ndimage.binary_fill_holes(closed)


def iliac_wings_beside(column, spacing, k):
    """True when both sides of slice k hold more than `ILIAC_AREA_MM2` of bone `ILIAC_NEAR_MM`..`ILIAC_FAR_MM`
    from the column's centre (an iliac wing each side; at 3 mm a real ilium shows as several pieces)."""
    cx = column.centre[k, 0]
    dx = (np.arange(column.bone.shape[0]) - cx) * spacing[0]
    per_row = column.bone[:, :, k].sum(axis=1) * spacing[0] * spacing[1]
    lateral = (np.abs(dx) >= ILIAC_NEAR_MM) & (np.abs(dx) <= ILIAC_FAR_MM)
    return all(per_row[lateral & (side * dx > 0)].sum() >= ILIAC_AREA_MM2 for side in (-1, 1))


def _wide_run_at_bottom(widths, lo, hi, dz):
    """(first, last) slice of the wide run that starts within a body's height of the column's bottom, or None."""
    wide = widths >= SACRUM_WIDTH_MM
    start = next((k for k in range(lo, min(hi, lo + int(round(30.0 / dz))) + 1) if wide[k]), None)
    if start is None:
        return None
    end, k = start, start + 1
    gap = max(2, int(round(RUN_GAP_MM / dz)))      # slices where the alae's shell is open (two at 5 mm)
    while k <= hi and k - end - 1 <= gap:
        if wide[k]:
            end = k
        k += 1
    if (end - start + 1) * dz < WIDE_RUN_MM:
        return None
    return start, end


def find_sacrum(column, segments, spacing, lo, hi, widths=None):
    """A `SacrumFinding` for the column's segments (inferior to superior, `jmedseg.spine.levels.Segment`);
    `widths`: the sacral-base width per slice where a caller read it otherwise (`base_in_bone`), else `base_widths`."""
    dz = spacing[2]
    widths = base_widths(column, spacing, lo, hi) if widths is None else widths
    finding = SacrumFinding(widths_mm=widths)
    run = _wide_run_at_bottom(widths, lo, hi, dz)
    if run is None:
        widths = np.maximum(widths, _base_behind_line(column, spacing, lo, hi))
        finding.widths_mm = widths
        run = _wide_run_at_bottom(widths, lo, hi, dz)
    if run is None and segments:
        run = _run_over_lower_sacrum(column, spacing, widths, segments)
    if run is None or not segments:
        finding.notes.append("no sacral base (no bone over "
                             f"{SACRUM_WIDTH_MM:.0f} mm wide at the bottom of the column)")
        return finding
    if not _with_wings(column, spacing, range(run[0], run[1] + 1)):
        finding.notes.append("a wide bone at the bottom of the column without iliac wings beside it: not taken "
                             "for the sacrum")
        return finding
    finding.pelvis = True
    if lo <= 1 and run[0] <= lo + 1 and (run[1] - run[0] + 1) * dz < CUT_BASE_MM and \
            not (_disc_over_cut_base(widths, segments, run, dz) or _sacrum_up_to_disc(widths, segments, run, dz)):
        finding.notes.append(f"the sacral base is cut by the lower edge of the scan ({(run[1] - run[0] + 1) * dz:.0f} "
                             f"mm of it in view, under {CUT_BASE_MM:.0f} mm): where S1 ends and L5 begins cannot be "
                             "told, the sacrum is not counted")
        return finding
    inner = disc_inside_sacrum(column, spacing, widths, segments)
    if inner is not None:       # S1-S2 read as two vertebrae: the dip between them is no disc
        finding.inner_disc = inner
        finding.notes.append("a disc found inside the sacral base (wide bone with the iliac wings beside it from "
                             "the column's bottom through the dip up to the next disc): not a level")
        segments = [replace(segments[1], lo=segments[0].lo, lower_disc=False)] + list(segments[2:])
    lowest = segments[0]
    if lowest.lower_disc and not _base_over_lower_piece(widths, lowest, run, lo, dz):
        finding.notes.append("a disc below the lowest vertebra: the sacrum is below the field of view")
        return finding
    top = run[1]
    if top < lowest.hi and (lowest.hi - top) * dz >= SPLIT_BODY_MM and \
            not wide_under_top_disc(column, spacing, widths, segments):
        finding.split_at = top + 1          # the L5/S1 disc: the body above the wide run is L5, not S1
    finding.segment = 0
    above = segments[1:3] if finding.split_at is None else segments[1:2]
    if finding.split_at is not None and above and _segment_is_wide(widths, above[0], dz) or \
            len(above) == 2 and all(_segment_is_wide(widths, seg, dz) for seg in above):
        # wide, narrow, wide (a split body under a wide one), or three wide vertebrae: the rib necks and the
        # lowest ribs of the lower thorax, not the alae (a transitional vertebra makes one more wide, not two)
        finding.segment = finding.split_at = None
        finding.notes.append("the vertebrae above the wide lowest one are wide too: ribs, not a sacral base")
        return finding
    if above and _wide_at_processes(widths, above[0], dz):
        finding.transitional = True
        finding.notes.append("the vertebra above the sacrum is as wide as the sacral base (a lumbosacral "
                             "transitional vertebra?): the count from the sacrum is not confirmed")
    return finding


def _base_behind_line(column, spacing, lo, hi):
    """Per slice, the width (mm) of the sacral base found as `extend_to_sacral_base` finds it (`_sacral_region`:
    a bone region over `SACRUM_WIDTH_MM` wide on the column's left-right line, up to `SACRAL_BACK_MM` behind
    the body's centre, iliac wings beside) in the slices from the column's bottom up while one is found; 0
    elsewhere. Only slices whose body lies at least half `BAND_MM` behind the line are read so: where the body
    lies on the line (every vertebra above the sacrum, a chest CT's lowest thoracic ones with their rib necks)
    the band holds it and `base_widths` stands.

    `base_widths` measures within `BAND_MM` of the smoothed centre line, drawn before the sacral base was added
    and carried down from L5 where the track saw few sacral slices. The sacrum tilts backwards (sacral slope
    30-50 degrees): S1's body lies 10-25 mm behind L5's, more where the promontory juts forward, so the band
    holds only S1's front edge (issue 20, seed 107 CT 14, abdomen + pelvis, delayed, 3 mm: S1 30-50 mm behind
    the line, the base read 64-67 mm wide, the sacrum not found). The slices `extend_to_sacral_base` added
    (and the lowest tracked ones over them) were found wide with the wings beside by this test; read by it,
    they are not read narrow by the other."""
    widths = np.zeros(column.bone.shape[2])
    for k in range(lo, hi + 1):
        cx, cy = column.raw_centre[k]
        behind = (column.centre[k, 1] - cy) * spacing[1]
        if not (np.isfinite(cx) and behind >= BAND_MM / 2):
            break           # no body found, or found where the band holds it: `base_widths` reads it
        widths[k] = sacral_region_width(column, spacing, k, cx, cy)
        if not widths[k]:
            break
    return widths


def sacral_region_width(column, spacing, k, cx, cy):
    """The left-right extent (mm) of slice k's sacral-base region on the line through (cx, cy) (`_sacral_region`),
    0 where there is none."""
    region = _sacral_region(column, spacing, k, cx, cy)
    if region is None:
        return 0.0
    rows = np.flatnonzero(region.any(axis=1))
    return (rows.max() - rows.min() + 1) * spacing[0]


def _run_over_lower_sacrum(column, spacing, widths, segments):
    """(first, last) slice of the sacral base's wide run at the top of the lowest segment when the column goes on
    below it into the lower sacrum, or None: the lowest segment is the column's bottom (no disc under it), its top
    under its found upper disc is S1's alae (`wide_under_top_disc`: `WIDE_RUN_MM` of slices over `SACRUM_WIDTH_MM`
    with the iliac wings beside, a narrow vertebra above), and the iliac wings lie beside at least half of the
    segment's slices under that run too.

    `_wide_run_at_bottom` looks for the run within a body's height (30 mm) of the column's bottom, as where the
    track ends in S1. The sacrum goes on below its base: S2-S4 (a body 30-40 mm wide, the lateral masses behind
    the band, 25-30 mm per segment) with the ilia beside them down the sacroiliac joints (S1-S3), and where the
    track follows it the alae's run starts 40-70 mm above the column's bottom (issue 20, seed 109 CT 90, abdomen +
    pelvis, 5 mm, noise 29 HU: S1 107-135 mm wide in the four slices under the L5/S1 disc, 72-86 mm read in the
    lower sacrum's slices below it, the column 65 mm under the disc; the sacrum not found, the iliac wings beside
    S1 taken for a twelfth rib pair). A lumbar or thoracic vertebra at the bottom of a chest + abdomen CT has no
    ilia beside its lower slices (the iliac crests reach L4, and a low rib is 100-300 mm^2 a slice, under
    `ILIAC_AREA_MM2`), and the checks after it (the vertebrae above narrow, `_ribs_on_lumbar`, the count check)
    stand as for any run."""
    lowest = segments[0]
    if lowest.lower_disc or not wide_under_top_disc(column, spacing, widths, segments):
        return None
    k = lowest.hi
    while k >= lowest.lo and widths[k] >= SACRUM_WIDTH_MM:
        k -= 1
    below = range(lowest.lo, k + 1)
    if len(below) and not _with_wings(column, spacing, below):
        return None
    return k + 1, lowest.hi


def _base_over_lower_piece(widths, lowest, run, lo, dz):
    """Whether a disc found under the lowest segment cuts off only the sacrum's lower part: the wide run (the
    alae, checked for the iliac wings beside) spans the whole segment, from within a slice of its bottom to within
    a slice of its top, and under the disc lies less than a vertebra (`LUMBAR_PITCH_MM`), at the scan's lower edge,
    narrower than the alae in every slice.

    S1 with its alae is wide from the L5/S1 disc down to where the lateral masses narrow into S2 (25-35 mm); under
    it the sacrum tapers (S2 30-40 mm of body, its lateral masses behind the band), and at 5 mm slices that step
    reads as a body-area dip with a short piece under it (issue 20, seed 103 CT 41, chest + abdomen, 5 mm: S1
    123-135 mm wide over its whole 55 mm segment, 27-36 mm read in the two slices under the dip; "the sacrum is
    below the field of view", one anchor only). L5 over a found L5/S1 disc is not wide over its whole height (40-55
    mm at its lower endplate; a transitional one wide at its processes, its upper half), and S1 under a disc reads
    wide (the alae reach up to the L5/S1 disc); a segment wide from bottom to top over a narrow piece is S1."""
    piece = range(lo, lowest.lo - 1)
    if not len(piece) or lo > 1 or (len(piece) + 1) * dz >= LUMBAR_PITCH_MM:
        return False
    if run[0] > lowest.lo + 1 or run[1] < lowest.hi - 1:
        return False
    return bool((widths[lo:lowest.lo] < SACRUM_WIDTH_MM).all())


def _disc_over_cut_base(widths, segments, run, dz):
    """Whether the L5/S1 disc is found over a sacral base cut by the scan's edge: the lowest segment ends at a disc
    that the wide run reaches (within a slice), and the vertebra above that disc is a whole lumbar one: bounded by
    discs, at least `LUMBAR_PITCH_MM` disc to disc, and not wide (`_segment_is_wide`).

    `CUT_BASE_MM` stands for the case where nothing in the scan tells S1 from L5: the alae's tops beside the
    bottom of L5 with the disc between them not found (synthetic CT 147 of seed 2026, S1 named on L5's bottom).
    The alae reach up to the L5/S1 disc and no higher (their top is level with the tilted S1 endplate's back
    edge), so a disc found at the top of the wide run, under a narrow vertebra as tall as a lumbar one, is the
    L5/S1 disc and the wide bone under it is S1, however little of S1 the scan holds. A false disc in L5's body
    lies above the alae's top (the run does not reach it) and leaves a piece of L5 shorter than a lumbar
    vertebra above it. The run must be wide in every slice up to the disc: the alae are one bone mass, while a
    chest CT's lowest rib necks at its bottom edge are wide in alternate slices (seed 2026 CT 164, 2.5 mm, a
    false cut base counted and the rib search lifted over T12's ribs). The run's length is no measure of how much
    of S1 is in view: at 2 mm slices 10 mm of S1 give 18 mm of wide bone, at 5 mm 7 mm of S1 give 20 mm (partial
    volume; issue 20, seed 31 CTs 47 and 59).
    """
    lowest = segments[0]
    if len(segments) < 2 or not lowest.upper_disc or run[1] + 1 < lowest.hi:
        return False
    if not (widths[run[0]:min(run[1], lowest.hi) + 1] >= SACRUM_WIDTH_MM).all():
        return False        # the alae are wide in every slice; rib necks in a few (seed 2026 CT 164)
    return _whole_lumbar_above(widths, segments, dz)


def _whole_lumbar_above(widths, segments, dz):
    """Whether the vertebra over the lowest segment's upper disc is a whole lumbar one: bounded by discs, at least
    `LUMBAR_PITCH_MM` disc to disc, and not wide (`_segment_is_wide`)."""
    above = segments[1]
    return bool(above.upper_disc and (above.hi - above.lo + 2) * dz >= LUMBAR_PITCH_MM
                and not _segment_is_wide(widths, above, dz))


def _sacrum_up_to_disc(widths, segments, run, dz):
    """Whether a sacral base cut by the scan's lower edge reaches up to the L5/S1 disc found over it when the
    alae's width is not read in every slice: from the wide run's bottom to the segment's top every slice is wider
    than any lumbar body (over twice `BODY_HALF_WIDTH_MM`), or, within `HALF_LS_DISC_MM` under the disc's slice,
    narrower than the narrowest lumbar body (`LUMBAR_BODY_MIN_MM`: the disc's lower half, soft tissue); the
    segment's last slice, next to the disc, as in `_disc_over_cut_base`. The vertebra above is a whole, narrow
    lumbar one (`_whole_lumbar_above`).

    S1 with its lateral masses is wider than any lumbar body (40-55 mm) in every slice from its base down to S2,
    while the region holding the tracked centre can miss the alae in a few slices (the body track thinning where
    the sacrum tilts back: 72 mm read in 8 mm of S1, issue 20, seed 61 CT 43, lumbar, 1 mm); and the L5/S1 disc,
    the tallest (10-14 mm), reaches 5-7 mm under the slice where its dip is found, with no body there (seed 67
    CT 35, lumbar, 1 mm: 15 mm and 0 mm read in the 6 mm under it). The counter-case stays refused: a slice under
    the disc as wide as a body (40-55 mm) can be L5's bottom over the alae's tops with the L5/S1 disc missed and a
    false disc found in L5 (`tests/spine/test_sacrum_cut_base_disc.py`), and a chest CT's lowest rib necks read
    wide in alternate slices with the bodies' width between (seed 2026 CT 164)."""
    lowest = segments[0]
    if len(segments) < 2 or not lowest.upper_disc:
        return False
    disc = lowest.hi + 1
    soft = _soft_under_disc(widths, disc, run[0], dz)
    for k in range(run[0], lowest.hi):
        if widths[k] > 2 * BODY_HALF_WIDTH_MM or k >= soft or \
                (disc - k) * dz <= HALF_LS_DISC_MM and widths[k] < LUMBAR_BODY_MIN_MM:
            continue
        return False
    return _whole_lumbar_above(widths, segments, dz)


def _soft_under_disc(widths, disc, bottom, dz):
    """The lowest slice of the run of slices narrower than the narrowest lumbar body (`LUMBAR_BODY_MIN_MM`)
    directly under the disc's slice `disc`, down to `bottom` and, with the disc's slice, within the tallest L5/S1
    disc (`LS_DISC_MAX_MM`); `disc` where the slice under it is not narrow.

    The disc is found at the body-area dip's least slice, which lies anywhere inside the soft disc where the area
    reads 0 in several slices, not only at its middle: at 3 mm a 12 mm L5/S1 disc found at its top slice leaves
    three slices under it with no body (issue 20, seed 113 CT 85, chest + abdomen, 3 mm: 21, 10 and 0 mm read 9-3
    mm under the dip, the alae 128 mm wide under them; `HALF_LS_DISC_MM` took only two, the cut base not counted).
    A slice as wide as a body (40-55 mm) ends the run: L5's bottom over the alae's tops is not soft tissue."""
    k = disc
    while k - 1 >= bottom and widths[k - 1] < LUMBAR_BODY_MIN_MM and (disc - k + 2) * dz <= LS_DISC_MAX_MM:
        k -= 1
    return k


# Where the sacral base's top lies when the wide run found at the column's bottom is not S1's top.
#
# `find_sacrum` takes the wide run (bone over `SACRUM_WIDTH_MM` across, the alae) that starts at
# the bottom of the column for the sacral base, and adds the L5/S1 disc over it when the lowest segment goes on for a
# whole L5 body above it (`split_at`). Two readings of the same anatomy go wrong in abdomen + pelvis CTs of normal
# anatomy (issue 20), each naming every level one too low and the anchors disagreeing:
#
# - **a narrow slab inside the sacrum** (seed 53 CT 62, delayed, 5 mm): the pelvic ring filled as one region and the
#   track's centre in a small part of it make 10-15 mm of S1's lower part read narrow; the run stops below them and
#   the L5/S1 disc is added 30 mm down in the sacrum. But the segment's own top, under its found upper disc, is wide
#   in every slice with the iliac wings beside it: the alae reach up to the L5/S1 disc (their top is level with the
#   tilted S1 endplate's back edge) and S1 is joined to the ilia, while L5, even a winged transitional one, is a
#   body 40-55 mm wide at its lower endplate (its transverse processes arise at the pedicles, level with the body's
#   upper half). Then no disc is added (`wide_under_top_disc`).
# - **a disc found inside the sacrum** (seed 59 CT 50, native, 3 mm): a body-area dip at the S1/S2 junction (the
#   rudimentary S1/S2 disc, 25-35 mm below the promontory) leaves a 12 mm piece of S2 as the lowest segment and S1
#   above it as "L5". The wide run goes on through that dip and the whole segment above it up to its upper disc:
#   wide bone in every slice from the dip to that disc is the sacrum (S1-S2 with the alae), not a disc with L5 over
#   it (the L5/S1 disc, 10-14 mm, is soft tissue with only the alae's tops beside its back part, and L5 is narrow
#   at its lower endplate). The dip is not a level (`disc_inside_sacrum`).
#
# Both ask for the vertebra above the sacral base to read narrow (not `WIDE_RUN_MM` of wide slices): the lowest
# segment of a chest CT can read wide with "wings" beside it (the lower ribs), but there the vertebrae above it carry
# rib necks and read wide too (issue 20, seed 23 CT 56, chest, 5 mm: a rule that raised the base without that check
# lifted the rib floor and lost the lower eight rib heads).


def _with_wings(column, spacing, ks):
    """Whether the iliac wings lie beside at least `ILIAC_SLICE_FRACTION` of slices `ks`."""
    return sum(iliac_wings_beside(column, spacing, k) for k in ks) >= ILIAC_SLICE_FRACTION * len(ks)


def wide_under_top_disc(column, spacing, widths, segments):
    """Whether the lowest segment's top, under its found upper disc, is a run of at least `WIDE_RUN_MM` of slices
    all over `SACRUM_WIDTH_MM` wide with the iliac wings beside at least half of them, and the vertebra above that
    disc reads narrow: S1's alae under the L5/S1 disc, so no L5/S1 disc is added lower in the segment."""
    dz = spacing[2]
    if len(segments) < 2 or not segments[0].upper_disc or _segment_is_wide(widths, segments[1], dz):
        return False
    lowest = segments[0]
    k = lowest.hi
    while k >= lowest.lo and widths[k] >= SACRUM_WIDTH_MM:
        k -= 1
    top = list(range(k + 1, lowest.hi + 1))
    return len(top) * dz >= WIDE_RUN_MM and _with_wings(column, spacing, top)


def disc_inside_sacrum(column, spacing, widths, segments):
    """The slice of a disc found inside the sacral base, or None: the lowest segment (the column's bottom, no disc
    under it) is shorter than a vertebra (`LUMBAR_PITCH_MM`), and every slice from it up to the upper disc of the
    segment above it is wide (over `SACRUM_WIDTH_MM`; the disc's own slices in every slice, the segment wherever
    its body was found, `_wide_where_measured`) with the iliac wings beside, under a vertebra that reads narrow
    (L5)."""
    dz = spacing[2]
    if len(segments) < 3:
        return None
    low, base, above = segments[0], segments[1], segments[2]
    if low.lower_disc or not (base.lower_disc and base.upper_disc) or \
            (low.hi - low.lo + 1) * dz >= LUMBAR_PITCH_MM:
        return None
    through = range(low.hi + 1, base.hi + 1)        # the dip's slices and the whole segment above it
    if not all(widths[k] >= SACRUM_WIDTH_MM for k in range(low.hi + 1, base.lo)) or \
            not _wide_where_measured(_open_shell_unmeasured(widths), range(base.lo, base.hi + 1), dz) or \
            not _with_wings(column, spacing, list(through)):
        return None
    if _segment_is_wide(widths, above, dz):
        return None
    return (low.hi + base.lo) // 2


def _open_shell_unmeasured(widths):
    """`widths` with the slices wider than any lumbar body (over twice `BODY_HALF_WIDTH_MM`, 60 mm) but under the
    alae's `SACRUM_WIDTH_MM` read as unmeasured (0), for `_wide_where_measured`.

    Such a slice is neither a lumbar body (40-55 mm at any level, L5 included, even a transitional one at its
    lower endplate) nor the whole sacral base: it is the sacrum with the alae's thin shell open at partial volume,
    as a slice next to the rudimentary S1/S2 disc reads (issue 20, seed 101 CT 34, 2.5 mm: 75 mm in the slice over
    the S1/S2 dip, 117-129 mm in every other slice of S1; S1-S2 read as L5 and S1, the sacrum's count one low).
    Like a slice where no body was found it says nothing against the sacrum, and it is counted in the same
    longest run of unmeasured slices (at most half `RUN_GAP_MM`)."""
    return np.where((widths > 2 * BODY_HALF_WIDTH_MM) & (widths < SACRUM_WIDTH_MM), 0.0, widths)


def _wide_where_measured(widths, ks, dz):
    """Whether slices `ks` are wide (over `SACRUM_WIDTH_MM`) wherever the body's region was found, over at least
    `WIDE_RUN_MM`, the slices without it (width 0: no body found there, nothing measured) none longer in a row than
    half the run's gap (`RUN_GAP_MM`, at least one slice).

    The width is measured in the filled region holding the body's centre; where the body track found no body in a
    slice (a lone slice of the sacrum's thin shell open at partial volume, or the segment's last slice against
    its upper disc) the slice says nothing about the width, and reading it as narrow made S1-S2 with a dip at the
    rudimentary S1/S2 disc two vertebrae (issue 20, seed 61 CT 46, 2 mm; seed 67 CT 18, 1.5 mm: one such slice
    inside S1 and one at its top, every other slice 105-130 mm wide with the iliac wings beside; S1 named "L5").
    A real disc is soft tissue: its slices read 0 or narrow, so the dip's own slices are still asked to be wide
    (`disc_inside_sacrum`), and so is L5 over it (40-55 mm at its lower endplate) not to be."""
    measured = [k for k in ks if widths[k] > 0]
    if len(measured) * dz < WIDE_RUN_MM or any(widths[k] < SACRUM_WIDTH_MM for k in measured):
        return False
    longest, run = 0, 0
    for k in ks:
        run = run + 1 if widths[k] <= 0 else 0
        longest = max(longest, run)
    return longest <= max(1, int(RUN_GAP_MM / 2 / dz))


def check_count_above_sacrum(finding, segments, disc_arcs, arc, dz):
    """Drop the sacrum as an anchor (in place) when a vertebra counted from it up to L1 is shorter, disc to disc
    along the column (`disc_arcs`, mm; `arc`: each slice's arc position), than `LUMBAR_PITCH_MM`, and it and a
    neighbour together are short enough to be one vertebra (`_may_be_split`).

    A false disc inside a lumbar body (a dip of the body profile where the body narrows or a vessel
    touches it) splits one vertebra into two, and every name above it counted from S1 is one too
    high; a lowest-rib anchor shifted the same way would then confirm it. A short vertebra whose
    neighbours are both long enough to make two vertebrae with it is a disc placed off (issue 20:
    synthetic CTs 90, 102, 194, the T12/L1 or L5/S1 disc 8-17 mm into the body): the count over
    the pair is unchanged. `dz` (mm): the slice spacing, the measuring error of a two-vertebra length
    (`_may_be_split`). The reason goes into every segment's note. Returns True when the sacrum was dropped.
    """
    if finding.segment is not None and _ribs_on_lumbar(finding, segments):
        return True
    if finding.segment is None or not disc_arcs:
        return False
    pitches = [segment_pitch(seg, disc_arcs, arc) for seg in segments]
    short = []
    for j in range(finding.segment + 1, min(len(segments), finding.segment + 6)):   # L5 .. L1 counted from S1
        if pitches[j] is not None and pitches[j] < LUMBAR_PITCH_MM and _may_be_split(pitches, j, finding.segment, dz):
            short.append(pitches[j])
    if not short:
        return False
    note = (f"a vertebra above the sacrum measures {min(short):.0f} mm disc to disc, under the "
            f"{LUMBAR_PITCH_MM:.0f} mm of the smallest lumbar vertebra: a false disc may split a body, so the count "
            "from the sacrum is not used")
    return _drop_sacrum(finding, segments, note)


def _rib_free_above(finding, segments):
    """The segments of the `RIB_FREE_ABOVE_S1` vertebrae over the sacrum's (`finding.segment`), none of which bears
    a rib (`_ribs_on_lumbar`)."""
    return segments[finding.segment + 1:finding.segment + 1 + RIB_FREE_ABOVE_S1]


def _ribs_on_lumbar(finding, segments):
    """Drop the sacrum (in place, the reason in every segment's note) when a vertebra fewer than
    `RIB_FREE_ABOVE_S1` above it bears a rib; True when dropped.

    At least four lumbar vertebrae lie between S1 and the lowest rib-bearing vertebra (a four-lumbar column is
    the fewest; a thirteenth rib pair sits on the top lumbar one), so no rib articulates with the three vertebrae
    above S1. A rib pair there means a wide bone at the bottom of a chest CT taken for the sacrum: the twelfth
    ribs' necks beside T12 are as wide as the alae and the lower ribs' shafts lie where the iliac wings would
    (issue 20, seed 31 CT 88: T12 named S1, T9 the lowest rib-bearing vertebra above the rib search's floor).
    The iliac crests, which reach L4, are kept out of the rib search (`rib_floor`), so they cannot cause this.
    """
    above = _rib_free_above(finding, segments)
    if not any(seg.ribs for seg in above):
        return False
    note = (f"a vertebra {next(j for j, seg in enumerate(above, 1) if seg.ribs)} above the wide lowest one bears "
            f"ribs, where S1 has four or more lumbar vertebrae above it, the lowest {RIB_FREE_ABOVE_S1} never "
            "rib-bearing: the wide bone is not taken for the sacrum")
    return _drop_sacrum(finding, segments, note)


def _drop_sacrum(finding, segments, note):
    """The sacrum is no anchor (in place): `note` (why) into the finding's and every segment's notes. True."""
    finding.notes.append(note)
    finding.segment = None
    for seg in segments:
        seg.notes.append(note)
    return True


def segment_pitch(seg, disc_arcs, arc):
    """Disc-to-disc length (mm along the column) of a segment bounded by two discs, else None."""
    if not (seg.lower_disc and seg.upper_disc):
        return None
    below = max((a for a in disc_arcs if a <= arc[seg.lo]), default=None)
    above = min((a for a in disc_arcs if a >= arc[seg.hi]), default=None)
    return None if below is None or above is None else above - below


def _may_be_split(pitches, j, sacrum, dz):
    """True when short segment j and a neighbour could together be one vertebra split by a false disc: their
    pitches add up to under `LUMBAR_PITCH_MAX_MM` plus one slice `dz` (mm), or the neighbour's pitch is unknown
    (cut by the scan's edge, or no disc found), so a split cannot be ruled out. The S1 segment below is not a
    neighbour: a false disc joining part of L5 to the sacral segment leaves the count from S1 unchanged.

    The slice: each disc is found at a slice, up to half a slice from where it lies, so the length over the
    pair's two outer discs is known to within one slice either way. Without it, at 5 mm a 13th-rib L1 split
    into a 17 mm and a 30 mm piece (47 mm over both, the vertebra itself about 37 mm) was read as a misplaced
    disc, and the sacrum's count, one too high above the split, agreed with the lowest-rib anchor moved by
    the lumbar rib: "confirmed" with L1's upper half named T12 (issue 20, synthetic CT 26 of `--seed 23`)."""
    for n in (j - 1, j + 1):
        if n == sacrum:
            continue
        if n < 0 or n >= len(pitches) or pitches[n] is None or pitches[j] + pitches[n] < LUMBAR_PITCH_MAX_MM + dz:
            return True
    return False


def without_lone_process(heads, segments, finding):
    """`heads` ([(z slice, side)], from `jmedseg.spine.ribs.find_rib_heads`) less a lone one-sided head on a
    vertebra fewer than `RIB_FREE_ABOVE_S1` above a counted sacrum with iliac wings, where the vertebra above it
    holds no head (segments: the thick-disc segments, inferior to superior). The reason goes into the finding's
    notes.

    Ribs are borne by consecutive vertebrae from T1 down (an 11th or 13th pair changes the run at its lower end,
    never leaves a vertebra out), and a lumbar rib articulates with L1, directly under T12's pair, never within
    three vertebrae of S1 (`_ribs_on_lumbar`). A one-sided "rib" there, cut off from the rib run by a rib-free
    vertebra, is a lumbar transverse process (L3's is the longest, its tip 45-55 mm from the midline) prolonged by
    what touches its tip at a thick slice: at 5 mm slices the shaft's diagonal contacts join it to the enhanced
    renal cortex of the arterial phase (issue 20, seed 53 CT 70, abdomen + pelvis, arterial, 5 mm: a right head
    on L3). Kept, it made L3 the lowest rib-bearing vertebra, the thin-disc search began there and split L1 at its
    endplate bands, and the sacrum was dropped as a chest CT's T12. A chest CT's T12 taken for the sacrum has
    T11's ribs directly above and on both sides: its heads are kept and `_ribs_on_lumbar` drops that "sacrum".
    """
    if finding.segment is None or not finding.pelvis or len(segments) <= finding.segment + RIB_FREE_ABOVE_S1:
        return heads
    near = _rib_free_above(finding, segments)
    on = [(z, side) for z, side in heads if z <= near[-1].hi + 0.5]
    if not on or len({side for _, side in on}) > 1:
        return heads
    j = next((j for j, seg in enumerate(near) if all(seg.lo - 1 <= z <= seg.hi + 1 for z, _ in on)), None)
    if j is None or finding.segment + 2 + j >= len(segments):
        return heads                        # heads on two vertebrae (a run), or no vertebra above to see rib-free
    above = segments[finding.segment + 2 + j]
    if any(above.lo - 1 <= z <= above.hi + 1 for z, _ in heads):
        return heads
    finding.notes.append(f"a one-sided rib head ({on[0][1]}) {j + 1} vertebra(e) above the sacrum with a rib-free "
                         "vertebra above it is cut off from the rib run: a lumbar transverse process, not a rib")
    return [h for h in heads if h not in on]


def rib_floor(segments, finding, lo):
    """Lowest slice where a rib head may be counted: two vertebrae above the sacral base when one is seen
    (counted as S1 or, cut by the scan's edge, not), else `lo`.

    The iliac crests reach up to the L4 body (the intercristal line crosses L4 or L4/L5), and
    a crest cut by the field of view or by a thick slice's partial volume is a long lateral
    bone like a rib; no rib articulates below L1 (a 13th pair), so nothing is lost.
    """
    base = finding.segment if finding.segment is not None else (0 if finding.pelvis else None)
    if base is None or len(segments) <= base + 2:
        return lo
    return max(lo, segments[base + 2].hi + 1)


def _wide_at_processes(widths, seg, dz):
    """Whether the upper half of segment `seg` (from its middle slice up) holds `WIDE_RUN_MM` of wide slices.

    A transitional vertebra is wide where its transverse processes are: they arise at the pedicles, level with
    the body's middle and upper half, and a winged one (Castellvi II-III, 19 mm or more tall) reaches down from
    there to the ala. The alae beside an L5/S1 disc placed low (into the sacrum's top) widen only the lower part
    of the segment above it (issue 20: synthetic CT 18 of the 200-CT series, seed 2026, 3 mm slices, the disc
    8 mm low, L5's lowest 12 mm as wide as the base and the count from the sacrum not confirmed).
    """
    middle = (seg.lo + seg.hi + 1) // 2
    return (widths[middle:seg.hi + 1] >= SACRUM_WIDTH_MM).sum() * dz >= WIDE_RUN_MM


def _segment_is_wide(widths, seg, dz):
    wide = widths[seg.lo:seg.hi + 1] >= SACRUM_WIDTH_MM
    return wide.sum() * dz >= WIDE_RUN_MM

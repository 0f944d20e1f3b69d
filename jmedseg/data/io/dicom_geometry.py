"""Is a DICOM series one regular 3D grid? Checks of the slices' geometry, from headers alone (issue 21).

A CT volume assumes equally spaced, parallel slices of one size, spacing and orientation. A DICOM series is a
bag of slices that need not be: a deleted or truncated file leaves a gap (19 slices stacked at 2.11 mm instead
of 2 mm with a hole), two series exported with the same (or a blank) SeriesInstanceUID interleave, a tilted
gantry shears the slices (each slice shifted in-plane against the previous one), a scanner may change the step
mid-series. `series_geometry` measures all of this from the headers (ImageOrientationPatient,
ImagePositionPatient, PixelSpacing, Rows, Columns) and lists every problem with its reason;
`check_geometry` refuses a series that is not one grid, unless the problem can be resampled safely and the
caller asked for it (`resample=True`), in which case `resample_to_grid` builds the regular grid and says what it did.

Safe to resample (and said in the volume's `geometry_note`): a gantry tilt (each slice is shifted back in-plane;
no value is invented), at most one missing slice in a row and steps that vary by at most a factor of two
(linear interpolation between two real neighbouring slices). Never resampled: mixed orientation, spacing or
size, duplicate positions, and gaps of two slices or more.
"""
from dataclasses import dataclass, field

import numpy as np

from jmedseg.errors import InputError

ORIENTATION_TOL = 1e-3        # direction cosines: DICOM writes them with ~6 decimals
SPACING_TOL_MM = 1e-3
# Slice positions are decimal strings rounded to 0.01 mm or finer by scanners; 1 % of the step on top covers
# exporters that round the step itself (2.0 mm written as 1.99 / 2.01), far below a missing slice (100 %).
STEP_TOL_MM = 0.02
STEP_TOL_FRACTION = 0.01
DUPLICATE_TOL_MM = 1e-3
# In-plane drift between the first and the last slice beyond this fraction of a pixel is a sheared (tilted) grid.
SHEAR_TOL_PIXELS = 0.25
MAX_RESAMPLED_STEP_RATIO = 2.0   # one missing slice at most, interpolated between its two real neighbours
REQUIRED_TAGS = ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "Rows", "Columns")


@dataclass
class GeometryProblem:
    kind: str              # 'orientation', 'spacing', 'size', 'duplicate', 'gap', 'steps', 'tilt', 'tags'
    text: str              # the reason, for messages and series_choice.csv
    resamplable: bool = False


@dataclass
class SeriesGeometry:
    """The series' slices in position order and what is wrong with their geometry (empty `problems`: one grid)."""

    order: list                    # indices of the given headers, sorted along the slice normal
    row_dir: np.ndarray            # LPS direction of increasing column index
    col_dir: np.ndarray            # LPS direction of increasing row index
    normal: np.ndarray
    pixel_spacing: tuple           # (between rows, between columns) mm, DICOM's order
    shape: tuple                   # (rows, columns)
    positions_mm: np.ndarray       # along the normal, sorted
    origins: np.ndarray            # ImagePositionPatient of each sorted slice, LPS mm
    step_mm: float                 # the median step along the normal
    problems: list = field(default_factory=list)

    @property
    def extent_mm(self):
        return float(self.positions_mm[-1] - self.positions_mm[0]) if len(self.positions_mm) else 0.0

    @property
    def in_plane_offsets(self):
        """Each slice's in-plane shift from the first, in pixels (column, row): non-zero on a tilted gantry."""
        delta = self.origins - self.origins[0]
        return np.stack([delta @ self.row_dir / self.pixel_spacing[1], delta @ self.col_dir / self.pixel_spacing[0]],
                        axis=1)

    def reasons(self):
        return "; ".join(p.text for p in self.problems)

    def fatal(self):
        return [p for p in self.problems if not p.resamplable]


def _floats(ds, tag):
    return np.asarray([float(v) for v in ds.get(tag)], float)


def _distinct(values, tol):
    """Groups of indices whose values agree within tol (values: list of arrays)."""
    groups = []
    for i, v in enumerate(values):
        for g in groups:
            if np.allclose(values[g[0]], v, atol=tol):
                g.append(i)
                break
        else:
            groups.append([i])
    return groups


def _mixed(values, tol, kind, what, fmt):
    groups = _distinct(values, tol)
    if len(groups) == 1:
        return None
    listing = ", ".join(f"{len(g)} slice(s) {fmt(values[g[0]])}" for g in sorted(groups, key=len, reverse=True))
    return GeometryProblem(kind, f"mixed {what} ({listing}): two series stacked as one (a shared or blank "
                                 "SeriesInstanceUID?); export each series on its own")


def series_geometry(headers):
    """SeriesGeometry of the given slice headers: pydicom datasets (pixels not needed) or dicts with the same keys."""
    missing = sorted({t for ds in headers for t in REQUIRED_TAGS if t not in ds})
    if missing or not headers:
        empty = np.zeros((0, 3))
        return SeriesGeometry([], np.zeros(3), np.zeros(3), np.zeros(3), (0.0, 0.0), (0, 0), np.zeros(0), empty, 0.0,
                              [GeometryProblem("tags", f"slices without {missing}: cannot place them in space")])
    iops = [_floats(ds, "ImageOrientationPatient") for ds in headers]
    spacings = [_floats(ds, "PixelSpacing") for ds in headers]
    sizes = [np.asarray([int(ds.get("Rows")), int(ds.get("Columns"))], float) for ds in headers]
    problems = [p for p in (
        _mixed(iops, ORIENTATION_TOL, "orientation", "orientation", lambda v: f"[{', '.join(f'{x:.3g}' for x in v)}]"),
        _mixed(spacings, SPACING_TOL_MM, "spacing", "pixel spacing", lambda v: f"{v[0]:g} x {v[1]:g} mm"),
        _mixed(sizes, 0.5, "size", "image size", lambda v: f"{int(v[0])} x {int(v[1])}")) if p]
    row_dir, col_dir = iops[0][:3], iops[0][3:]
    normal = np.cross(row_dir, col_dir)
    origins = np.asarray([_floats(ds, "ImagePositionPatient") for ds in headers])
    along = origins @ normal
    order = [int(i) for i in np.argsort(along, kind="stable")]
    positions, origins = along[order], origins[order]
    steps = np.diff(positions)
    step = float(np.median(steps)) if len(steps) else 0.0
    geometry = SeriesGeometry(order, row_dir, col_dir, normal, tuple(spacings[0]), tuple(int(v) for v in sizes[0]),
                              positions, origins, step, problems)
    if problems:  # the position checks below assume one orientation and spacing
        return geometry
    problems += _position_problems(positions, steps, step)
    problems += _tilt_problems(geometry, headers)
    return geometry


def _position_problems(positions, steps, step):
    if not len(steps):
        return []
    dup = np.flatnonzero(steps < DUPLICATE_TOL_MM)
    if dup.size:
        return [GeometryProblem("duplicate", f"{dup.size + 1 if dup.size == 1 else dup.size} slices at the same "
                                             f"position ({positions[dup[0]]:.2f} mm along the normal): the folder "
                                             "mixes series or holds duplicates; keep one copy of each slice")]
    tol = STEP_TOL_MM + STEP_TOL_FRACTION * step
    off = np.flatnonzero(np.abs(steps - step) > tol)
    if not off.size:
        return []
    # a step that is a whole multiple of the usual one is a hole: n - 1 slices missing there
    multiples = np.rint(steps[off] / step)
    holes = [(i, int(m) - 1) for i, m in zip(off, multiples) if m >= 2 and abs(steps[i] - m * step) <= tol * m]
    problems = []
    if holes:
        where = ", ".join(f"{n} between {positions[i]:.2f} and {positions[i + 1]:.2f} mm" for i, n in holes[:5])
        missing = sum(n for _, n in holes)
        problems.append(GeometryProblem(
            "gap", f"{missing} slice(s) missing ({where}; the step is {step:g} mm): a deleted or unreadable file",
            resamplable=max(n for _, n in holes) == 1))
    uneven = sorted(set(off.tolist()) - {i for i, _ in holes})
    if uneven:
        ratio = float(steps.max() / max(steps.min(), DUPLICATE_TOL_MM))
        problems.append(GeometryProblem(
            "steps", f"non-uniform slice steps ({steps.min():.3g} to {steps.max():.3g} mm, usually {step:g} mm)",
            resamplable=ratio <= MAX_RESAMPLED_STEP_RATIO))
    return problems


def _tilt_problems(geometry, headers):
    drift = geometry.in_plane_offsets
    if len(drift) < 2 or np.abs(drift).max() <= SHEAR_TOL_PIXELS:
        return []
    shift_mm = float(np.linalg.norm(geometry.origins[-1] - geometry.origins[0]
                                    - geometry.normal * geometry.extent_mm))
    angle = float(np.degrees(np.arctan2(shift_mm, geometry.extent_mm))) if geometry.extent_mm else 90.0
    stated = headers[0].get("GantryDetectorTilt")
    said = f", the header says {float(stated):g} degrees" if stated not in (None, "") else ""
    return [GeometryProblem("tilt", f"gantry tilt: the slices are sheared by {angle:.1f} degrees (each shifted "
                                    f"in-plane against the previous one{said})", resamplable=True)]


def check_geometry(geometry, where, resample=False):
    """Raise InputError naming every problem unless each is resamplable and `resample` was asked for."""
    if not geometry.problems:
        return
    fatal = geometry.fatal()
    if fatal:
        raise InputError(f"{where}: the slices are not one regular grid: {'; '.join(p.text for p in fatal)}")
    if resample:
        return
    raise InputError(f"{where}: the slices are not one regular grid: {geometry.reasons()}. The series can be "
                     "resampled onto a regular grid (no gap longer than one slice): pass resample=True "
                     "(`jmedseg import --format dicom --resample-geometry`), or re-export the series complete")


def resample_to_grid(stack, geometry, fill):
    """(array [rows, columns, k] on the regular grid, z positions, note) from the sorted slices `stack`.

    Tilt: each slice is shifted in-plane onto the first slice's grid (linear interpolation in-plane;
    uncovered pixels get `fill`). Gaps and uneven steps: each grid position is interpolated linearly between
    the two real slices around it.
    """
    from scipy import ndimage

    notes = [p.text for p in geometry.problems]
    drift = geometry.in_plane_offsets
    if any(p.kind == "tilt" for p in geometry.problems):
        # slice k's pixel (r, c) lies at slice 0's pixel (r + drift_row, c + drift_col): move the content there
        stack = np.stack([ndimage.shift(stack[..., k], (drift[k, 1], drift[k, 0]), order=1, mode="constant",
                                        cval=fill) for k in range(stack.shape[-1])], axis=-1)
    positions = geometry.positions_mm
    count = int(round(geometry.extent_mm / geometry.step_mm)) + 1
    grid = positions[0] + geometry.step_mm * np.arange(count)
    upper = np.clip(np.searchsorted(positions, grid), 1, len(positions) - 1)
    lower = upper - 1
    weight = np.clip((grid - positions[lower]) / (positions[upper] - positions[lower]), 0.0, 1.0).astype(np.float32)
    out = stack[..., lower] * (1 - weight) + stack[..., upper] * weight
    note = f"resampled onto a regular {geometry.step_mm:g} mm grid because: {'; '.join(notes)}"
    return out.astype(np.float32), grid, note

"""The quality-control picture of one CT: which vertebra was measured, where, and what its pixels gave.

Top: a plain mid-sagittal and mid-coronal slice of the whole scan (not following the
track), with every labelled body's outline projected onto it and named, so a reader
sees in one glance whether the spine or something else (the heart, the aorta) was
followed. Bottom left: a curved sagittal and a curved coronal reformat through the labelled bodies
(each z row is taken through that height's body centre, so a lordotic column stays
in the picture), each level outlined and named, the measured cancellous regions
outlined in green. Right: the pooled L1+L2 cancellous histogram with its Johnson SU
fit and the density line (paper section 3, Figures 2 and 6).
"""
import numpy as np

from jmedseg.utils.plotting import pyplot, save_figure
from jmedseg.density.measure import draw_histogram_fit, level_regions, regions_mask
from jmedseg.spine.levels import TOTALSEG_IDS, UNIDENTIFIED_BASE

_NAMES = {v: k for k, v in TOTALSEG_IDS.items()}


def _track(labels, step=4):
    """Per z: the (x, y) centre of the labelled voxels (every `step`-th row and column), interpolated."""
    nz = labels.shape[2]
    xs, ys, ok = np.zeros(nz), np.zeros(nz), np.zeros(nz, bool)
    sub = labels[::step, ::step] > 0
    for k in range(nz):
        pts = np.argwhere(sub[:, :, k])
        if len(pts):
            xs[k], ys[k], ok[k] = pts[:, 0].mean() * step, pts[:, 1].mean() * step, True
    if not ok.any():
        return np.full(nz, labels.shape[0] // 2), np.full(nz, labels.shape[1] // 2)
    ks = np.flatnonzero(ok)
    return (np.rint(np.interp(np.arange(nz), ks, xs[ks])).astype(int),
            np.rint(np.interp(np.arange(nz), ks, ys[ks])).astype(int))


def _reformats(array, cx, cy):
    k = np.arange(array.shape[2])
    sagittal = array[cx, :, k]        # [z, y]
    coronal = array[:, cy, k].T       # [z, x] (adjacent advanced indices keep their place: [x, z])
    return sagittal, coronal


def _outline(ax, mask, extent, colour):
    """The 0.5 contour of boolean `mask` (drawn with `extent`, origin lower), traced only around its pixels.

    Marching squares is local, so the crop (one empty pixel around the mask) gives the line the whole
    image gives, at pixel centres x0 + (j + 0.5) dx as contour(..., extent=...) places them; a level
    is a few % of a 512 x 300 reformat, and tracing whole reformats took most of the QC figure's
    drawing (docs/throughput.md).
    """
    rows, cols = np.nonzero(mask)
    r = slice(max(0, rows.min() - 1), rows.max() + 2)
    c = slice(max(0, cols.min() - 1), cols.max() + 2)
    x0, x1, y0, y1 = extent
    xs = x0 + (np.arange(mask.shape[1])[c] + 0.5) * (x1 - x0) / mask.shape[1]
    ys = y0 + (np.arange(mask.shape[0])[r] + 0.5) * (y1 - y0) / mask.shape[0]
    ax.contour(xs, ys, mask[r, c].astype(float), levels=[0.5], colors=colour, linewidths=0.8)
    return rows, cols


def _draw(ax, image, lab, regions, extent, title, levels_report, fontsize=8):
    ax.imshow(image, origin="lower", cmap="gray", vmin=-250, vmax=1000, extent=extent, aspect="equal")
    for value in np.unique(lab):
        if value == 0:
            continue
        mask = lab == value
        rows, cols = _outline(ax, mask, extent, "orange")
        name = _NAMES.get(int(value), f"?{int(value) - UNIDENTIFIED_BASE}")
        flags = levels_report.get(int(value), [])
        text = name + (" ?" if "uncertain_level" in flags else "") + (" (cut)" if "incomplete" in flags else "")
        x0, x1, y0, y1 = extent
        px = x0 + (cols.max() + 1.5) * (x1 - x0) / mask.shape[1]
        py = y0 + (rows.mean() + 0.5) * (y1 - y0) / mask.shape[0]
        ax.text(px, py, text, color="yellow", fontsize=fontsize, va="center", fontweight="bold")
    if regions is not None and regions.any():
        _outline(ax, regions, extent, "lime")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def _plain_views(hu, labels):
    """A plain sagittal slice through the scan's middle and a plain coronal slice through the found column's
    median depth (the scan's middle when nothing was found), with the label map projected onto each."""
    nx, ny, _ = hu.shape
    ys = np.flatnonzero(labels[::4, :, ::4].any(axis=(0, 2)))
    y = int(np.median(ys)) if len(ys) else ny // 2
    sagittal, coronal = hu[nx // 2].T, hu[:, y].T                       # [z, y], [z, x]
    return sagittal, coronal, labels.max(axis=0).T, labels.max(axis=1).T


def qc_figure(hu, labels, spacing, path, title="", regions=None, histogram=None, fit=None, report=None):
    """Write the QC PNG. `regions`: boolean map of the measured cancellous voxels (any level)."""
    hu, labels = np.asarray(hu), np.asarray(labels)
    cx, cy = _track(labels)
    flags = {e["id"]: e["flags"] for e in (report or {}).get("levels", [])}
    sag_hu, cor_hu = _reformats(hu, cx, cy)
    sag_lab, cor_lab = _reformats(labels, cx, cy)
    sag_reg, cor_reg = _reformats(regions, cx, cy) if regions is not None else (None, None)
    nx, ny, nz = hu.shape
    sag_extent, cor_extent = (0, ny * spacing[1], 0, nz * spacing[2]), (0, nx * spacing[0], 0, nz * spacing[2])
    plt = pyplot()
    fig = plt.figure(figsize=(14, 13))
    grid = fig.add_gridspec(2, 3, height_ratios=[1.25, 1], width_ratios=[1, 1, 1.3])
    plain_sag, plain_cor, proj_sag, proj_cor = _plain_views(hu, labels)
    _draw(fig.add_subplot(grid[0, 0:1]), plain_sag, proj_sag, None, sag_extent,
          "whole scan, mid-sagittal slice (anterior to the right);\noutlines: labelled bodies seen from the side",
          flags, fontsize=11)
    _draw(fig.add_subplot(grid[0, 1:3]), plain_cor, proj_cor, None, cor_extent,
          "whole scan, coronal slice at the found column's depth (patient's right to the right);\n"
          "outlines: labelled bodies seen from the front",
          flags, fontsize=11)
    _draw(fig.add_subplot(grid[1, 0]), sag_hu, sag_lab, sag_reg, sag_extent, "curved sagittal through the bodies",
          flags)
    _draw(fig.add_subplot(grid[1, 1]), cor_hu, cor_lab, cor_reg, cor_extent, "curved coronal through the bodies",
          flags)
    ax = fig.add_subplot(grid[1, 2])
    if histogram is not None and fit is not None and histogram.n:
        draw_histogram_fit(ax, histogram, fit, pixels="L1+L2 cancellous pixels")
    else:
        ax.text(0.5, 0.5, "no density measured\n(see densities.csv note)", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
    summary = (report or {}).get("summary", "")
    fig.suptitle(f"{title}  levels: {summary}" if summary else title, fontsize=12)
    fig.tight_layout()
    save_figure(fig, path)


def qc_for_measure(ct, vertebrae, tissue, levels, person, report, path, title="", box=(slice(None),) * 3):
    """The QC figure of a `jmedseg measure` run: the measured regions are those the density used (in `box`)."""
    regions = measured_regions(vertebrae, tissue, levels, person, ct.spacing, box)
    qc_figure(ct.array, vertebrae, ct.spacing, path, title, regions, person.histogram, person.fit, report)


def measured_regions(vertebrae, tissue, levels, person, spacing, box=(slice(None),) * 3):
    """Boolean map (the CT's shape) of the cancellous voxels of the levels the density used (`levels_used`).

    Derived as the measurement derived them, each inside its own level's box
    (jmedseg.density.measure.level_regions: the same voxels as on the whole `box`, in about half the
    time on a 512 x 512 x 300 CT, docs/throughput.md); a level the measurement left out gets no outline.
    """
    used = {name: levels[name] for name in person.row.get("levels_used", "").split("+") if name in levels}
    regions = np.zeros(np.shape(vertebrae), bool)
    if used:    # allow_truncated: a used level passed the measurement's checks, or the user let it through
        found, _, _ = level_regions(vertebrae[box], used, None if tissue is None else tissue[box], spacing,
                                    allow_truncated=True)
        regions[box] = regions_mask(found, regions[box].shape)
    return regions

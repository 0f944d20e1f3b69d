"""The quality-control picture of one CT: which vertebra was measured, where, and what its pixels gave.

Left: a curved sagittal and a curved coronal reformat through the labelled bodies
(each z row is taken through that height's body centre, so a lordotic column stays
in the picture), each level outlined and named, the measured cancellous regions
outlined in green. Right: the pooled L1+L2 cancellous histogram with its Johnson SU
fit and the density line (paper section 3, Figures 2 and 6).
"""
import numpy as np

from jmedseg.utils.plotting import pyplot, save_figure
from jmedseg.density.measure import cancellous_masks, draw_histogram_fit
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


def _draw(ax, image, lab, regions, extent, title, levels_report):
    ax.imshow(image, origin="lower", cmap="gray", vmin=-250, vmax=1000, extent=extent, aspect="equal")
    for value in np.unique(lab):
        if value == 0:
            continue
        mask = (lab == value).astype(float)
        ax.contour(mask, levels=[0.5], colors="orange", linewidths=0.8, origin="lower", extent=extent)
        rows, cols = np.nonzero(mask)
        name = _NAMES.get(int(value), f"?{int(value) - UNIDENTIFIED_BASE}")
        flags = levels_report.get(int(value), [])
        text = name + (" ?" if "uncertain_level" in flags else "") + (" (cut)" if "incomplete" in flags else "")
        x0, x1, y0, y1 = extent
        px = x0 + (cols.max() + 1.5) * (x1 - x0) / mask.shape[1]
        py = y0 + (rows.mean() + 0.5) * (y1 - y0) / mask.shape[0]
        ax.text(px, py, text, color="yellow", fontsize=8, va="center")
    if regions is not None and regions.any():
        ax.contour(regions.astype(float), levels=[0.5], colors="lime", linewidths=0.8, origin="lower",
                   extent=extent)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def qc_figure(hu, labels, spacing, path, title="", regions=None, histogram=None, fit=None, report=None):
    """Write the QC PNG. `regions`: boolean map of the measured cancellous voxels (any level)."""
    hu, labels = np.asarray(hu), np.asarray(labels)
    cx, cy = _track(labels)
    flags = {e["id"]: e["flags"] for e in (report or {}).get("levels", [])}
    sag_hu, cor_hu = _reformats(hu, cx, cy)
    sag_lab, cor_lab = _reformats(labels, cx, cy)
    sag_reg, cor_reg = _reformats(regions, cx, cy) if regions is not None else (None, None)
    nx, ny, nz = hu.shape
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(13, 5.5), gridspec_kw={"width_ratios": [1, 1, 1.3]})
    _draw(axes[0], sag_hu, sag_lab, sag_reg, (0, ny * spacing[1], 0, nz * spacing[2]),
          "sagittal (anterior to the right)", flags)
    _draw(axes[1], cor_hu, cor_lab, cor_reg, (0, nx * spacing[0], 0, nz * spacing[2]),
          "coronal (patient's right to the right)", flags)
    ax = axes[2]
    if histogram is not None and fit is not None and histogram.n:
        draw_histogram_fit(ax, histogram, fit, pixels="L1+L2 cancellous pixels")
    else:
        ax.text(0.5, 0.5, "no density measured\n(see densities.csv note)", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
    summary = (report or {}).get("summary", "")
    fig.suptitle(f"{title}  levels: {summary}" if summary else title, fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)


def qc_for_measure(ct, vertebrae, tissue, levels, person, report, path, title="", box=(slice(None),) * 3):
    """The QC figure of a `jmedseg measure` run: the measured regions are those the density used (in `box`)."""
    masks = cancellous_masks(vertebrae[box], levels, None if tissue is None else tissue[box], ct.spacing)
    regions = np.zeros(vertebrae.shape, bool)
    regions[box] = np.any(np.stack(list(masks.values())), axis=0)
    qc_figure(ct.array, vertebrae, ct.spacing, path, title, regions, person.histogram, person.fit, report)

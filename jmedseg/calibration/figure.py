"""The calibration's QC picture: where the reference tissues were measured, outlined on an axial slice."""
import numpy as np
from matplotlib.lines import Line2D

from jmedseg.utils.plotting import pyplot, save_figure

COLOURS = {"air": "cyan", "fat": "yellow", "muscle": "red", "blood": "magenta", "aorta": "magenta",
           "ivc": "deepskyblue"}


def _best_slice(tissues):
    """The searched slice with the most tissues outlined (ties: the most voxels)."""
    scores = []
    for k in tissues.slices:
        present = [m[:, :, k].sum() for m in tissues.masks.values()]
        scores.append((sum(p > 0 for p in present), sum(present), k))
    return max(scores)[2] if scores else tissues.grid.hu.shape[2] // 2


def calibration_figure(tissues, path, title=""):
    """Write a PNG of one working-grid slice with each tissue's voxels outlined and its median HU in the legend."""
    grid = tissues.grid
    k = _best_slice(tissues)
    sp = grid.spacing
    extent = (0, grid.hu.shape[0] * sp[0], 0, grid.hu.shape[1] * sp[1])
    fig, ax = pyplot().subplots(figsize=(6, 6))
    ax.imshow(grid.hu[:, :, k].T, origin="lower", cmap="gray", vmin=-250, vmax=350, extent=extent)
    handles = []
    for name, mask in tissues.masks.items():
        if name == "blood" and "aorta" in tissues.masks:
            continue
        colour = COLOURS.get(name, "white")
        if mask[:, :, k].any():
            ax.contour(mask[:, :, k].T.astype(float), levels=[0.5], colors=colour, linewidths=0.8, origin="lower",
                       extent=extent)
        value = tissues.value(name)
        handles.append(Line2D([], [], color=colour, label=f"{name} {value:.0f} HU" if np.isfinite(value)
                                       else f"{name}: not found"))
    ax.legend(handles=handles, fontsize=8, loc="lower right")
    ax.set_title(f"{title} calibration tissues (slice {k * grid.factors[2]})", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    save_figure(fig, path)

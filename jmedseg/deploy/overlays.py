"""PNG overlays of predicted tissue on the CT, a few axial slices per vertebra, so a user sees what was measured.

Each panel shows the CT (window -200..1000 HU) around one vertebra, the
predicted cortical bone in blue and cancellous bone in red, and, when given,
the outline of the reference body (from the vertebra mask or sub-region labels)
in yellow.
"""
import numpy as np

from jmedseg.utils.plotting import pyplot, save_figure

WINDOW_HU = (-200.0, 1000.0)
HALF_FOV_MM = 50.0


def _slices_of(mask, n):
    ks = np.flatnonzero(mask.any(axis=(0, 1)))
    if not len(ks):
        return []
    return sorted({int(ks[int(i)]) for i in np.round(np.linspace(0, len(ks) - 1, n + 2)[1:-1])})


def _panel(ax, hu2d, tissue2d, ref2d, spacing, title):
    from jmedseg.data.geometry import radiological_view

    view = lambda a: radiological_view(a[:, :, None])[0]  # rows anterior->posterior, columns right->left
    ax.imshow(view(hu2d), cmap="gray", vmin=WINDOW_HU[0], vmax=WINDOW_HU[1],
              aspect=spacing[1] / spacing[0], interpolation="nearest")
    rgba = np.zeros(view(tissue2d).shape + (4,), np.float32)
    t = view(tissue2d)
    rgba[t == 1] = (0.1, 0.4, 1.0, 0.45)
    rgba[t == 2] = (1.0, 0.1, 0.1, 0.45)
    ax.imshow(rgba, aspect=spacing[1] / spacing[0], interpolation="nearest")
    if ref2d is not None and ref2d.any():
        ax.contour(view(ref2d.astype(np.uint8)), levels=[0.5], colors="yellow", linewidths=0.8)
    ax.set_title(title, fontsize=8)
    ax.axis("off")


def write_overlay(path, hu, tissue, vertebra_mask, spacing, title, reference=None, n_slices=3):
    """One PNG: `n_slices` axial slices through `vertebra_mask` ([x, y, z] arrays), zoomed on the vertebra."""
    ks = _slices_of(vertebra_mask, n_slices)
    if not ks:
        raise ValueError(f"{title}: the vertebra mask is empty, no overlay to draw")
    xs, ys = np.flatnonzero(vertebra_mask.any(axis=(1, 2))), np.flatnonzero(vertebra_mask.any(axis=(0, 2)))
    cx, cy = 0.5 * (xs[0] + xs[-1]), 0.5 * (ys[0] + ys[-1])
    hx, hy = HALF_FOV_MM / spacing[0], HALF_FOV_MM / spacing[1]
    sx = slice(max(0, int(cx - hx)), int(cx + hx) + 1)
    sy = slice(max(0, int(cy - hy)), int(cy + hy) + 1)
    plt = pyplot()
    fig, axes = plt.subplots(1, len(ks), figsize=(3 * len(ks), 3.3))
    for ax, k in zip(np.atleast_1d(axes), ks):
        ref = reference[sx, sy, k] if reference is not None else None
        _panel(ax, hu[sx, sy, k], tissue[sx, sy, k], ref, spacing, f"slice {k}")
    fig.suptitle(title, fontsize=9)
    save_figure(fig, path)
    plt.close(fig)
    return path


def write_level_overlays(out_dir, subject_id, hu, tissue, vertebrae, spacing, level_ids):
    """`out_dir/overlays/<subject>_<level>.png` for each level present; returns the paths written."""
    import os

    paths = []
    for name, lid in level_ids.items():
        mask = np.asarray(vertebrae) == lid
        if mask.any():
            path = os.path.join(out_dir, "overlays", f"{subject_id}_{name}.png")
            paths.append(write_overlay(path, hu, tissue, mask, spacing, f"{subject_id} {name}: predicted "
                                       "cortical (blue), cancellous (red)"))
    return paths


def write_worst_slices(run_dir, model, dataset, slice_rows, n=6, key="fg_dice"):
    """`run_dir/overlays/worst_slices.png`: the `n` test slices with the lowest `key`, worst first.

    Each panel: the slice, the predicted tissue (blue cortical, red cancellous) and the reference
    cancellous outline (yellow). Returns the path, or None when there is no slice.
    """
    import math
    import os

    from jmedseg.backend import jt

    scored = [r for r in slice_rows if key in r]
    if not scored:
        return None
    worst = sorted(scored, key=lambda r: (math.isnan(r[key]), r[key]))[:n]  # NaN (nothing to score) last
    idx = [int(r["dataset_index"]) for r in worst]
    model.eval()
    with jt.no_grad():
        x = np.stack([dataset[i][0] for i in idx])
        pred = np.argmax(model(jt.array(x)).numpy(), axis=1)
    plt = pyplot()
    fig, axes = plt.subplots(1, len(idx), figsize=(3 * len(idx), 3.3))
    for ax, i, p, r in zip(np.atleast_1d(axes), idx, pred, worst):
        ax.imshow(dataset.images_hu[i], cmap="gray", vmin=WINDOW_HU[0], vmax=WINDOW_HU[1])
        rgba = np.zeros(p.shape + (4,), np.float32)
        rgba[p == 1] = (0.1, 0.4, 1.0, 0.45)
        rgba[p == 2] = (1.0, 0.1, 0.1, 0.45)
        ax.imshow(rgba)
        if (dataset.labels[i] == 2).any():
            ax.contour((dataset.labels[i] == 2).astype(np.uint8), levels=[0.5], colors="yellow", linewidths=0.8)
        ax.set_title(f"{r['subject_id']} slice {r['slice']}: {key} {r[key]:.2f}", fontsize=7)
        ax.axis("off")
    fig.suptitle("worst test slices: predicted cortical (blue), cancellous (red); reference cancellous (yellow)",
                 fontsize=8)
    path = os.path.join(run_dir, "overlays", "worst_slices.png")
    save_figure(fig, path)
    return path

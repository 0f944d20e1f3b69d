"""Shape masks on a grid of mm coordinates (u right->left, v anterior->posterior).

The grids are affine (a possibly rotated raster), so each shape is evaluated
only inside the index window that can hold it: most shapes are small.
"""
import numpy as np


def _window(uu, vv, cu, cv, radius):
    """Index slices of the grid cells within `radius` mm of (cu, cv), or None when outside the grid."""
    if uu.shape[0] < 2 or uu.shape[1] < 2:
        return (slice(None), slice(None))
    m = np.array([[uu[1, 0] - uu[0, 0], uu[0, 1] - uu[0, 0]], [vv[1, 0] - vv[0, 0], vv[0, 1] - vv[0, 0]]])
    r, c = np.linalg.solve(m, [cu - uu[0, 0], cv - vv[0, 0]])
    step = min(np.hypot(*m[:, 0]), np.hypot(*m[:, 1]))
    n = radius / step + 2
    r0, r1 = int(max(0, np.floor(r - n))), int(min(uu.shape[0], np.ceil(r + n) + 1))
    c0, c1 = int(max(0, np.floor(c - n))), int(min(uu.shape[1], np.ceil(c + n) + 1))
    if r0 >= r1 or c0 >= c1:
        return None
    return slice(r0, r1), slice(c0, c1)


def ellipse(uu, vv, cu, cv, a, b, angle=0.0, power=2.0):
    """Inside an ellipse (or a superellipse for power > 2) centred at (cu, cv), rotated by `angle` (rad)."""
    out = np.zeros(uu.shape, bool)
    win = _window(uu, vv, cu, cv, max(a, b) * (1.42 if power > 2 else 1.0))
    if win is None:
        return out
    du, dv = uu[win] - cu, vv[win] - cv
    if angle:
        c, s = np.cos(angle), np.sin(angle)
        du, dv = c * du + s * dv, -s * du + c * dv
    if power == 2.0:
        out[win] = (du / a) ** 2 + (dv / b) ** 2 <= 1.0
    else:
        out[win] = np.abs(du / a) ** power + np.abs(dv / b) ** power <= 1.0
    return out


def annulus_arc(uu, vv, cu, cv, a, b, half_thickness, theta0, theta1):
    """A band of `half_thickness` mm along an ellipse's outline between two angles (rad, atan2(v, u))."""
    out = np.zeros(uu.shape, bool)
    win = _window(uu, vv, cu, cv, max(a, b) + half_thickness)
    if win is None:
        return out
    du, dv = (uu[win] - cu) / a, (vv[win] - cv) / b
    r = np.hypot(du, dv)
    theta = np.arctan2(dv, du)
    lo, hi = min(theta0, theta1), max(theta0, theta1)
    mean_radius = 0.5 * (a + b)
    out[win] = (np.abs(r - 1.0) * mean_radius <= half_thickness) & (theta >= lo) & (theta <= hi)
    return out


def shell(mask, depth_mm, thickness_mm):
    """The outer layer of `mask` whose depth (mm from outside) is at most `thickness_mm` (scalar or array)."""
    return mask & (depth_mm <= thickness_mm)

"""A coarse 3D canvas in world millimetres on which shapes are painted with partial volume.

Shapes are signed distance functions (mm, negative inside) evaluated only inside their
bounding box. A voxel's fill fraction is `clip(0.5 - d / step, 0, 1)` (a linear
ramp over one voxel), and painting composites `hu += fill * (value - hu)`, so a
1 mm cortex on a 2 mm grid shows as the partial-volume rim a scanner sees. Label
maps take a shape's code where it fills at least half the voxel (later shapes win).

World axes are RAS+ like `jmedseg.data.io`: x to the patient's right, y anterior, z superior.
"""
import numpy as np

from jmedseg.data.synth.trunk.tissues import AIR, TISSUE_CODES


class Canvas:
    """HU, tissue codes and vertebra ids on a grid of `step` mm whose voxel (0, 0, 0) centre is `origin`."""

    def __init__(self, origin, shape, step, air_hu):
        self.origin = np.asarray(origin, float)
        self.shape = tuple(int(n) for n in shape)
        self.step = float(step)
        self.hu = np.full(self.shape, air_hu, np.float32)
        self.tissue = np.full(self.shape, TISSUE_CODES[AIR], np.uint8)
        self.vertebra = np.zeros(self.shape, np.uint8)

    def window(self, lo, hi):
        """(index slices, broadcastable world coordinates x, y, z) of the box [lo, hi] mm, or None if outside."""
        i0 = np.maximum(np.floor((np.asarray(lo) - self.origin) / self.step).astype(int), 0)
        i1 = np.minimum(np.ceil((np.asarray(hi) - self.origin) / self.step).astype(int) + 1, self.shape)
        if (i1 <= i0).any():
            return None
        sl = tuple(slice(a, b) for a, b in zip(i0, i1))
        x, y, z = (self.origin[k] + self.step * np.arange(i0[k], i1[k], dtype=np.float32) for k in range(3))
        return sl, x[:, None, None], y[None, :, None], z[None, None, :]

    def fill(self, distance):
        return np.clip(0.5 - distance / self.step, 0.0, 1.0)

    def composite(self, sl, distance, value, tissue, vertebra_id=None):
        """Paint `value` (a number or an array of the window's shape) where `distance` < 0, with partial volume."""
        frac = self.fill(distance)
        if not frac.any():
            return
        hu = self.hu[sl]
        hu += frac * (np.asarray(value, np.float32) - hu)
        solid = frac >= 0.5
        self.tissue[sl][solid] = TISSUE_CODES.get(tissue, tissue) if isinstance(tissue, str) else tissue
        if vertebra_id is not None:
            self.vertebra[sl][solid] = vertebra_id

    def paint(self, shape, value, tissue, vertebra_id=None):
        """Paint a `Shape` (see below) with one value or a callable value(x, y, z)."""
        win = self.window(*shape.bounds())
        if win is None:
            return
        sl, x, y, z = win
        d = np.broadcast_to(shape.distance(x, y, z), tuple(s.stop - s.start for s in sl))
        v = value(x, y, z) if callable(value) else value
        self.composite(sl, d, v, tissue, vertebra_id)

    def paint_bone(self, shape, cortex_mm, cortical_hu, marrow_hu, vertebra_id=None, marrow_tissue=None):
        """A bone: the shape in cortical HU, its interior deeper than `cortex_mm` in marrow HU."""
        from jmedseg.data.synth.trunk.tissues import CORTICAL_BONE, TRABECULAR_BONE

        self.paint(shape, cortical_hu, CORTICAL_BONE, vertebra_id)
        self.paint(Inset(shape, cortex_mm), marrow_hu, marrow_tissue or TRABECULAR_BONE, vertebra_id)


def _rotation(yaw=0.0, pitch=0.0, roll=0.0):
    """World -> local rotation: `pitch` tilts about x (sagittal plane), `yaw` about z, `roll` about y."""
    cz, sz = np.cos(yaw), np.sin(yaw)
    cx, sx = np.cos(pitch), np.sin(pitch)
    cy, sy = np.cos(roll), np.sin(roll)
    rz = np.array([[cz, sz, 0], [-sz, cz, 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, cx, sx], [0, -sx, cx]])
    ry = np.array([[cy, 0, -sy], [0, 1, 0], [sy, 0, cy]])
    return ry @ rx @ rz


class Shape:
    """A signed distance (mm, < 0 inside) with a bounding box; subclasses define both."""

    def bounds(self):
        raise NotImplementedError

    def distance(self, x, y, z):
        raise NotImplementedError


class Posed(Shape):
    """Base of shapes defined in a local frame: centre plus rotation (yaw, pitch, roll in rad)."""

    def __init__(self, centre, radius, yaw=0.0, pitch=0.0, roll=0.0):
        self.centre = np.asarray(centre, float)
        self.rot = _rotation(yaw, pitch, roll)
        self.radius = float(radius)      # bounding radius (mm)

    def bounds(self):
        return self.centre - self.radius - 2.0, self.centre + self.radius + 2.0

    def local(self, x, y, z):
        dx, dy, dz = x - self.centre[0], y - self.centre[1], z - self.centre[2]
        r = self.rot
        return (r[0, 0] * dx + r[0, 1] * dy + r[0, 2] * dz, r[1, 0] * dx + r[1, 1] * dy + r[1, 2] * dz,
                r[2, 0] * dx + r[2, 1] * dy + r[2, 2] * dz)


class Ellipsoid(Posed):
    """Semi-axes (a, b, c) along the local axes; distance by the usual first-order bound."""

    def __init__(self, centre, axes, **pose):
        super().__init__(centre, max(axes), **pose)
        self.axes = np.asarray(axes, float)

    def distance(self, x, y, z):
        u, v, w = self.local(x, y, z)
        a, b, c = self.axes
        k0 = np.sqrt((u / a) ** 2 + (v / b) ** 2 + (w / c) ** 2)
        k1 = np.sqrt((u / a ** 2) ** 2 + (v / b ** 2) ** 2 + (w / c ** 2) ** 2)
        return k0 * (k0 - 1.0) / np.maximum(k1, 1e-6)


class EllipticCylinder(Posed):
    """Semi-axes (a, b) in the local u-v plane, height h along local w (centred), flat ends."""

    def __init__(self, centre, a, b, height, power=2.0, **pose):
        super().__init__(centre, np.hypot(max(a, b) * (1.42 if power > 2 else 1.0), height / 2), **pose)
        self.a, self.b, self.h, self.power = float(a), float(b), float(height), float(power)

    def distance(self, x, y, z):
        u, v, w = self.local(x, y, z)
        return np.maximum(ellipse_distance(u, v, self.a, self.b, self.power), np.abs(w) - 0.5 * self.h)


def ellipse_distance(u, v, a, b, power=2.0):
    """Approximate signed distance (mm) to an ellipse (or superellipse) of semi-axes a, b."""
    if power == 2.0:
        k = np.sqrt((u / a) ** 2 + (v / b) ** 2)
    else:
        k = (np.abs(u / a) ** power + np.abs(v / b) ** power) ** (1.0 / power)
    return (k - 1.0) * np.minimum(a, b)


class Tube(Shape):
    """A tube along a polyline of points (n, 3) with a radius per point (linear between points).

    The line is cut into segments of 2.5 tube radii (6-24 mm: a rib curving on a 100 mm
    radius departs from a 12 mm chord by 0.2 mm); each segment contributes its capsule
    distance inside its own box. The given points are kept, so sharp bends stay sharp.
    """

    def __init__(self, points, radii):
        pts, rad = np.asarray(points, float), np.broadcast_to(np.asarray(radii, float), (len(points),))
        seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
        s = np.concatenate([[0.0], np.cumsum(seg)])
        length = float(np.clip(2.5 * rad.min(), 6.0, 24.0))
        t = np.unique(np.concatenate([s, np.linspace(0.0, s[-1], max(2, int(np.ceil(s[-1] / length)) + 1))]))
        self.points = np.stack([np.interp(t, s, pts[:, k]) for k in range(3)], axis=1)
        self.radii = np.interp(t, s, rad)

    def bounds(self):
        r = self.radii.max() + 3.0
        return self.points.min(0) - r, self.points.max(0) + r

    def distance(self, x, y, z):
        shape = (x.shape[0], y.shape[1], z.shape[2])
        d = np.full(shape, 1e3, np.float32)
        step = float(x[1, 0, 0] - x[0, 0, 0]) if shape[0] > 1 else 1.0
        first = np.array([x[0, 0, 0], y[0, 0, 0], z[0, 0, 0]], float)
        for a, b, ra, rb in zip(self.points[:-1], self.points[1:], self.radii[:-1], self.radii[1:]):
            reach = max(ra, rb) + 2.0 * step
            lo = np.maximum(np.floor((np.minimum(a, b) - reach - first) / step).astype(int), 0)
            hi = np.minimum(np.ceil((np.maximum(a, b) + reach - first) / step).astype(int) + 1, shape)
            if (hi <= lo).any():
                continue
            px, py, pz = (first[k] + step * np.arange(lo[k], hi[k], dtype=np.float32) - a[k] for k in range(3))
            px, py, pz = px[:, None, None], py[None, :, None], pz[None, None, :]
            ab = b - a
            t = np.clip((px * ab[0] + py * ab[1] + pz * ab[2]) / max(float(ab @ ab), 1e-9), 0.0, 1.0)
            dist = np.sqrt((px - t * ab[0]) ** 2 + (py - t * ab[1]) ** 2 + (pz - t * ab[2]) ** 2) - (ra + t * (rb - ra))
            block = d[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
            np.minimum(block, dist, out=block)
        return d


class Inset(Shape):
    """`shape` shrunk by `mm` (its interior deeper than mm)."""

    def __init__(self, shape, mm):
        self.shape, self.mm = shape, float(mm)

    def bounds(self):
        return self.shape.bounds()

    def distance(self, x, y, z):
        return self.shape.distance(x, y, z) + self.mm


class Intersection(Shape):
    """Inside every one of `shapes` (bounds of the first)."""

    def __init__(self, *shapes):
        self.shapes = shapes

    def bounds(self):
        return self.shapes[0].bounds()

    def distance(self, x, y, z):
        d = self.shapes[0].distance(x, y, z)
        for s in self.shapes[1:]:
            d = np.maximum(d, s.distance(x, y, z))
        return d


class Difference(Shape):
    """Inside `shape` and outside `cut`."""

    def __init__(self, shape, cut):
        self.shape, self.cut = shape, cut

    def bounds(self):
        return self.shape.bounds()

    def distance(self, x, y, z):
        return np.maximum(self.shape.distance(x, y, z), -self.cut.distance(x, y, z))


class HalfSpace(Shape):
    """Points p with (p - point) . normal <= 0 (unbounded: use inside an Intersection)."""

    def __init__(self, point, normal):
        self.point = np.asarray(point, float)
        self.normal = np.asarray(normal, float) / np.linalg.norm(normal)

    def bounds(self):
        return self.point - 1e4, self.point + 1e4

    def distance(self, x, y, z):
        n = self.normal
        return (x - self.point[0]) * n[0] + (y - self.point[1]) * n[1] + (z - self.point[2]) * n[2]


class FieldShape(Shape):
    """A shape given by a distance function of (x, y, z) and explicit bounds (e.g. lungs over the diaphragm)."""

    def __init__(self, lo, hi, fn):
        self.lo, self.hi, self.fn = np.asarray(lo, float), np.asarray(hi, float), fn

    def bounds(self):
        return self.lo, self.hi

    def distance(self, x, y, z):
        return self.fn(x, y, z)


class Union(Shape):
    """Inside any one of `shapes`."""

    def __init__(self, *shapes):
        self.shapes = shapes

    def bounds(self):
        lo, hi = zip(*(s.bounds() for s in self.shapes))
        return np.min(lo, axis=0), np.max(hi, axis=0)

    def distance(self, x, y, z):
        d = self.shapes[0].distance(x, y, z)
        for s in self.shapes[1:]:
            d = np.minimum(d, s.distance(x, y, z))
        return d

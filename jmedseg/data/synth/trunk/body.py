"""The trunk's soft-tissue envelope: skin outline, subcutaneous fat, muscle wall, body cavity, back muscles, psoas.

Cross-sections are superellipses whose size follows the subject's outline knots
along z. The back is placed behind the spine (spinous processes, erector spinae
and fat), the cavity reaches back to the vertebral bodies (retroperitoneum and
posterior mediastinum), so organs and lungs lie around the column as in a patient.
"""
import numpy as np

from jmedseg.data.synth.trunk.canvas import FieldShape, Tube, ellipse_distance
from jmedseg.data.synth.trunk.tissues import FAT, MUSCLE

BACK_MM = 75.0      # spine body centre to posterior skin, without fat (body, canal, arch, spinous, muscle)


class Body:
    """Outline, fat and cavity of one subject as functions of z (all mm, world frame)."""

    def __init__(self, subject):
        self.s = subject
        knots = sorted(subject.half_width)
        self._z = np.array(knots)
        self._a = np.array([subject.half_width[k] for k in knots])
        self._b = np.array([subject.half_depth[k] for k in knots])
        self.power = 2.0      # plain ellipses: sqrt instead of pow over the whole canvas
        self.z_t10 = subject.z_of("T10")

    def half_width(self, z):
        return np.interp(z, self._z, self._a)

    def half_depth(self, z):
        return np.interp(z, self._z, self._b)

    def fat(self, z):
        """Subcutaneous fat: thinner over the chest than over the abdomen."""
        return self.s.fat_mm * np.where(np.asarray(z) > self.z_t10, 0.5, 1.0)

    def back_y(self, z):
        return self.s.spine_y(z) - self.s.scale * BACK_MM - self.fat(z)

    def centre_y(self, z):
        return self.back_y(z) + self.half_depth(z)

    def front_y(self, z):
        return self.back_y(z) + 2 * self.half_depth(z)

    def cavity(self, z):
        """(centre y, half width, half depth) of the body cavity: from the vertebral bodies' front to the wall."""
        inset = 0.7 * self.fat(z) + self.s.wall_mm
        back = self.s.spine_y(z) - 5.0 * self.s.scale
        front = self.front_y(z) - self.fat(z) - self.s.wall_mm
        return 0.5 * (front + back), self.half_width(z) - inset, 0.5 * (front - back)

    def outline_distance(self, x, y, z, shrink=0.0):
        zz = np.asarray(z, float)
        return ellipse_distance(x, y - self.centre_y(zz), self.half_width(zz) - shrink,
                                self.half_depth(zz) - shrink, self.power)

    def cavity_distance(self, x, y, z):
        cy, a, b = self.cavity(np.asarray(z, float))
        return ellipse_distance(x, y - cy, a, b, self.power)


def _shape(lo_z, hi_z, half_x, lo_y, hi_y, fn):
    return FieldShape((-half_x, lo_y, lo_z), (half_x, hi_y, hi_z), fn)


def paint_envelope(canvas, body, tissue_hu, z_range):
    """Skin outline filled with fat, the muscle wall inside it, and the cavity (visceral fat) inside that."""
    lo, hi = z_range
    half_x = float(body.half_width(np.linspace(lo, hi, 50)).max()) + 5
    zs = np.linspace(lo, hi, 50)
    ylo, yhi = float(body.back_y(zs).min()) - 5, float(body.front_y(zs).max()) + 5
    canvas.paint(_shape(lo, hi, half_x, ylo, yhi, body.outline_distance), tissue_hu[FAT], FAT)

    def wall(x, y, z):
        return body.outline_distance(x, y, z, shrink=0.7 * body.fat(np.asarray(z, float)))

    canvas.paint(_shape(lo, hi, half_x, ylo, yhi, wall), tissue_hu[MUSCLE], MUSCLE)
    canvas.paint(_shape(lo, hi, half_x, ylo, yhi, body.cavity_distance), tissue_hu[FAT], FAT)


def paint_back_muscles(canvas, subject, body, tissue_hu):
    """Erector spinae along the whole column, psoas along the lumbar spine, quadratus lumborum beside it."""
    vs = subject.vertebrae
    for side in (-1.0, 1.0):
        pts, rad = [], []
        for v in vs:
            c = v.canal_centre()
            r = 18.0 + 10.0 * (v.name[0] == "L")
            pts.append((side * (v.canal_a + r * 0.9), c[1] - 8.0, c[2]))
            rad.append(r * subject.scale)
        canvas.paint(Tube(pts, rad), tissue_hu[MUSCLE], MUSCLE)
        lumbar = [v for v in vs if v.name[0] == "L" or v.name == "T12"]
        pts, rad = [], []
        for k, v in enumerate(lumbar):
            r = (6.0 + 16.0 * k / max(1, len(lumbar) - 1)) * subject.scale
            pts.append((side * (v.half_width + r - 3.0), v.centre[1] - 4.0, v.centre[2]))
            rad.append(r)
        pts.append((side * 60.0 * subject.scale, 30.0, -110.0))
        rad.append(18.0 * subject.scale)
        canvas.paint(Tube(pts, rad), tissue_hu[MUSCLE], MUSCLE)
        ql = [(side * 55.0 * subject.scale, v.centre[1] - 28.0, v.centre[2]) for v in lumbar]
        canvas.paint(Tube(ql, 11.0 * subject.scale), tissue_hu[MUSCLE], MUSCLE)

"""The thoracic cage and shoulder girdle: ribs, costal cartilage, sternum, scapulae, clavicles, arms.

A rib is a curved bone tube (cortex about 1 mm round marrow) that starts at its
vertebra's body (costovertebral joint, upper half of the body), passes the tip of the
transverse process (costotransverse joint), and runs round the trunk just outside the
cavity, descending as it goes forward: ribs 1-7 reach the sternum by their cartilage,
8-10 end in front, 11-12 (and a 13th on L1) are short and float.
"""
import numpy as np

from jmedseg.data.synth.trunk.canvas import Ellipsoid, EllipticCylinder, Tube
from jmedseg.data.synth.trunk.tissues import CARTILAGE, CORTICAL_BONE, FAT, MUSCLE, TRABECULAR_BONE

RIB_CORTEX_MM = 1.0


def rib_end_angle(index):
    """How far round the trunk rib `index` (1..13) runs: angle from the back midline (rad, pi = front)."""
    if index <= 7:
        return np.pi - 0.45
    if index <= 10:
        return np.pi - 0.55 - 0.12 * (index - 8)
    return {11: 1.9, 12: 1.35}.get(index, 0.95)


def rib_path(v, index, body, side):
    """Points (n, 3) of one rib from the costovertebral joint round the trunk."""
    top = v.point(0.0, 0.0, 0.25 * v.height)
    head = v.point(side * 0.8 * v.half_width, -0.6 * v.half_depth, 0.25 * v.height)
    tubercle = v.point(side * (v.canal_a + 6.5 + v.transverse_mm + 2.0), -(v.half_depth + v.canal_b + 8.0),
                       0.15 * v.height)
    cy, a, b = (float(t) for t in body.cavity(top[2]))
    a, b = a + 6.0, b + 6.0
    theta0 = np.arcsin(np.clip(abs(tubercle[0]) / a, 0.1, 0.9)) + 0.15
    theta1 = rib_end_angle(index)
    drop = min(90.0, 20.0 + 6.0 * index) * (0.6 if index >= 11 else 1.0)
    thetas = np.linspace(theta0, theta1, 40)
    t = (thetas - theta0) / max(theta1 - theta0, 1e-3)
    shaft = np.stack([side * a * np.sin(thetas), cy - b * np.cos(thetas), tubercle[2] - drop * t ** 1.2], axis=1)
    return np.vstack([head, tubercle, shaft])


def paint_ribs(canvas, subject, body, tissue_hu):
    """Ribs on every rib-bearing vertebra (both sides), with cartilage to the sternum for ribs 1-7."""
    bearers = [v for v in subject.vertebrae if v.rib]
    ends = []
    for index, v in enumerate(bearers, start=1):
        radius = (4.5 if index < 11 else 3.8) * subject.scale
        for side in (-1.0, 1.0):
            path = rib_path(v, index, body, side)
            tube = Tube(path, radius)
            canvas.paint_bone(tube, RIB_CORTEX_MM, tissue_hu[CORTICAL_BONE], tissue_hu[TRABECULAR_BONE])
            if index <= 7:
                ends.append((path[-1], side))
    for end, side in ends:
        sternum_edge = (side * 14.0, end[1] + 12.0, end[2] - 4.0)
        canvas.paint(Tube([end, sternum_edge], 4.0), tissue_hu[CARTILAGE], CARTILAGE)
    return len(bearers)


def paint_sternum(canvas, subject, body, tissue_hu):
    """A flat bone in front of the mediastinum from T2 to T9 height (manubrium and body)."""
    z_top, z_bottom = subject.z_of("T2"), subject.z_of("T9")
    zc = 0.5 * (z_top + z_bottom)
    y = float(body.front_y(zc) - body.fat(zc) - 6.0)
    sternum = EllipticCylinder((0.0, y, zc), 16.0, 6.0, z_top - z_bottom)
    canvas.paint_bone(sternum, 1.2, tissue_hu[CORTICAL_BONE], tissue_hu[TRABECULAR_BONE])


def paint_shoulders(canvas, subject, body, tissue_hu):
    """Scapulae behind the upper ribs, clavicles from the sternum to the shoulder, and the arms (up or down)."""
    z1, z4 = subject.z_of("T1"), subject.z_of("T4")
    cort, marrow = tissue_hu[CORTICAL_BONE], tissue_hu[TRABECULAR_BONE]
    s = subject.scale
    for side in (-1.0, 1.0):
        back = float(body.back_y(z4) + body.fat(z4) + 14.0)
        scap = Ellipsoid((side * 85.0 * s, back, z4 - 10.0), (45.0 * s, 4.0, 65.0 * s), yaw=-side * 0.45)
        canvas.paint_bone(scap, 1.2, cort, marrow)
        front = float(body.front_y(z1 + 10) - body.fat(z1 + 10) - 8.0)
        shoulder = np.array([side * float(body.half_width(z1)) * 0.85, float(body.centre_y(z1)) - 15.0, z1 + 20.0])
        canvas.paint_bone(Tube([(side * 22.0, front, z1 + 5.0), shoulder], 7.0), 1.5, cort, marrow)
        canvas.paint_bone(Ellipsoid(shoulder + (side * 15.0, 0, -10), (24, 24, 24)), 1.5, cort, marrow)
        _arm(canvas, subject, body, tissue_hu, side, shoulder)


def _arm(canvas, subject, body, tissue_hu, side, shoulder):
    """An arm: a sleeve of fat and muscle round the humerus (and the forearm bones when down)."""
    s = subject.scale
    if subject.arms == "up":
        bones = [[shoulder + (side * 15.0, 0, -10), shoulder + (-side * 40.0, 10.0, 300.0)]]
    else:
        z_el = shoulder[2] - 300.0 * s
        x_out = side * (float(body.half_width(z_el)) + 45.0 * s)
        elbow = np.array([x_out, float(body.centre_y(z_el)) - 10.0, z_el])
        wrist = np.array([x_out * 0.95, float(body.centre_y(z_el - 250)) + 40.0, z_el - 250.0 * s])
        bones = [[shoulder + (side * 25.0, 0, -25), elbow], [elbow, wrist]]
    for a, b in bones:
        canvas.paint(Tube([a, b], 45.0 * s), tissue_hu[FAT], FAT)
        canvas.paint(Tube([a, b], 36.0 * s), tissue_hu[MUSCLE], MUSCLE)
    for k, (a, b) in enumerate(bones):
        for off in ((0.0,) if k == 0 else (-9.0, 9.0)):
            shift = np.array([0.0, off, 0.0])
            canvas.paint_bone(Tube([a + shift, b + shift], 11.0 if k == 0 else 7.0), 2.5,
                              tissue_hu[CORTICAL_BONE], tissue_hu[TRABECULAR_BONE])

"""Organs: lungs over the diaphragm, mediastinum (airway, oesophagus, heart), liver, spleen, stomach, kidneys,
bowel, bladder. Positions follow the vertebral levels (a textbook adult: the right dome of the diaphragm near
T9-T10, the left one lower; kidneys T12-L3, the right one lower; the heart on the diaphragm at T7-T10, to the left).
"""
import numpy as np

from jmedseg.data.synth.trunk.canvas import (Ellipsoid, FieldShape, HalfSpace, Inset, Intersection, Tube,
                                             Union, ellipse_distance)
from jmedseg.data.synth.trunk.tissues import (AIR, BLOOD, BOWEL, BOWEL_CONTRAST, FAT, KIDNEY_CORTEX,
                                              KIDNEY_MEDULLA, LIVER, LUNG, MUSCLE, MYOCARDIUM, SPLEEN, URINE,
                                              VENOUS_BLOOD)


class Landmarks:
    """Organ anchor points drawn once per subject (mm, world frame)."""

    def __init__(self, subject, body, rng):
        s = subject.scale
        self.dome_right = subject.z_of("T10") + rng.uniform(-10, 15)
        self.dome_left = self.dome_right - rng.uniform(5, 25)
        zh = subject.z_of("T8") + rng.uniform(-10, 10)
        cy, a, b = (float(t) for t in body.cavity(zh))
        self.heart = np.array([-rng.uniform(15, 35) * s, cy + 0.35 * b, zh])
        self.heart_axes = np.array([rng.uniform(55, 68), rng.uniform(42, 50), rng.uniform(45, 55)]) * s
        self.heart_yaw = rng.uniform(0.4, 0.8)
        self.kidney_z = {-1.0: subject.z_of("L1") - rng.uniform(0, 20), 1.0: 0.0}
        self.kidney_z[1.0] = self.kidney_z[-1.0] - rng.uniform(5, 25)
        self.kidney_x = rng.uniform(60, 80) * s
        self.carina = subject.z_of("T5") + rng.uniform(-10, 10)


def diaphragm_z(lm, body, x, y, z):
    """Height of the diaphragm under (x, y): two domes, lower at the back (costophrenic recesses)."""
    cy, _, b = body.cavity(np.asarray(z, float))
    dome = np.where(x > 0, lm.dome_right, lm.dome_left) - 0.0025 * (np.abs(x) - 55.0) ** 2
    return dome - 0.45 * np.maximum(0.0, cy - y)


def paint_chest(canvas, subject, body, lm, tissue_hu, z_range):
    """Lungs (cavity above the diaphragm, mediastinum excluded), airway, oesophagus, heart."""
    z_apex = subject.z_of("T1") + 25.0
    lo, hi = max(z_range[0], subject.z_of("L2")), min(z_range[1], z_apex + 10)
    if lo >= hi:
        return
    zs = np.linspace(lo, hi, 30)

    def lung(x, y, z):
        cy, a, b = body.cavity(np.asarray(z, float))
        d = ellipse_distance(x, y - cy, a, b, body.power)
        d = np.maximum(d, diaphragm_z(lm, body, x, y, z) - z)
        d = np.maximum(d, z - (z_apex - 0.003 * (np.abs(x) - 45.0) ** 2))
        mediastinum = ellipse_distance(x + 10.0, y - (cy + 0.25 * b), 30.0 * subject.scale, 1.1 * b)
        return np.maximum(d, -mediastinum)

    half_x = float(body.half_width(zs).max())
    canvas.paint(FieldShape((-half_x, float(body.back_y(zs).min()), lo), (half_x, float(body.front_y(zs).max()), hi),
                            lung), tissue_hu[LUNG], LUNG)
    t1, t5 = subject.level("T1"), subject.level("T5")
    trachea = [(0.0, t1.centre[1] + t1.half_depth + 22.0, z_apex + 60.0),
               (0.0, t5.centre[1] + t5.half_depth + 28.0, lm.carina)]
    canvas.paint(Tube(trachea, 11.0), tissue_hu[MUSCLE], MUSCLE)
    canvas.paint(Tube(trachea, 9.0), tissue_hu[AIR], AIR)
    for side in (-1.0, 1.0):
        bronchus = [trachea[-1], (side * 45.0, trachea[-1][1] - 5.0, lm.carina - 25.0)]
        canvas.paint(Tube(bronchus, 6.0), tissue_hu[AIR], AIR)
    oesophagus = [(-5.0, v.centre[1] + v.half_depth + 8.0, v.centre[2]) for v in subject.vertebrae
                  if v.name[0] in "CT"]
    canvas.paint(Tube(oesophagus, 7.0), tissue_hu[MUSCLE], MUSCLE)
    paint_heart(canvas, lm, tissue_hu)


def paint_heart(canvas, lm, tissue_hu):
    """Pericardial fat, myocardium, and the blood pools: left chambers arterial, right chambers venous."""
    heart = Ellipsoid(lm.heart, lm.heart_axes, yaw=lm.heart_yaw, pitch=0.3)
    canvas.paint(Ellipsoid(lm.heart, lm.heart_axes + 5.0, yaw=lm.heart_yaw, pitch=0.3), tissue_hu[FAT], FAT)
    canvas.paint(heart, tissue_hu[MYOCARDIUM], MYOCARDIUM)
    septum = np.array([np.cos(lm.heart_yaw), np.sin(lm.heart_yaw), 0.0])   # right-anterior normal
    inner = Inset(heart, 9.0)
    canvas.paint(Intersection(inner, HalfSpace(lm.heart - 3.0 * septum, septum)), tissue_hu[BLOOD], BLOOD)
    canvas.paint(Intersection(inner, HalfSpace(lm.heart + 3.0 * septum, -septum)), tissue_hu[VENOUS_BLOOD],
                 VENOUS_BLOOD)


def _below_diaphragm(lm, body, organ, margin=3.0):
    def fn(x, y, z):
        d = organ.distance(x, y, z)
        d = np.maximum(d, z - diaphragm_z(lm, body, x, y, z) + margin)
        return np.maximum(d, body.cavity_distance(x, y, z))
    lo, hi = organ.bounds()
    return FieldShape(lo, hi, fn)


def paint_abdomen(canvas, subject, body, lm, tissue_hu, rng):
    """Liver, spleen, stomach, kidneys with perirenal fat, bowel loops, bladder."""
    s = subject.scale
    zr, zl = lm.dome_right, lm.dome_left
    cy, a, b = (float(t) for t in body.cavity(zr - 60))
    liver = Union(Ellipsoid((0.45 * a, cy + 0.1 * b, zr - 70 * s), (0.62 * a, 0.9 * b, 80 * s), yaw=0.2),
                  Ellipsoid((-0.15 * a, cy + 0.5 * b, zr - 40 * s), (0.45 * a, 0.45 * b, 40 * s)))
    canvas.paint(_below_diaphragm(lm, body, liver), tissue_hu[LIVER], LIVER)
    spleen = Ellipsoid((-0.72 * a, cy - 0.35 * b, zl - 65 * s), (22 * s, 55 * s, 50 * s), yaw=-0.5)
    canvas.paint(_below_diaphragm(lm, body, spleen), tissue_hu[SPLEEN], SPLEEN)
    stomach = Ellipsoid((-0.35 * a, cy + 0.3 * b, zl - 45 * s), (45 * s, 38 * s, 50 * s))
    content = BOWEL_CONTRAST if subject.oral_contrast else BOWEL
    canvas.paint(_below_diaphragm(lm, body, stomach), tissue_hu[content], content)
    gas = Intersection(Inset(stomach, 4.0), HalfSpace(stomach.centre + (0, 15.0, 0), (0, -1.0, 0)))
    canvas.paint(_below_diaphragm(lm, body, gas, 6.0), tissue_hu[AIR], AIR)
    paint_kidneys(canvas, subject, lm, tissue_hu)
    paint_bowel(canvas, subject, body, tissue_hu, np.random.default_rng(subject.seeds["bowel"]))
    bcy, _, bb = (float(t) for t in body.cavity(-95.0))
    canvas.paint(Ellipsoid((0.0, bcy + 0.4 * bb, -95.0), (40 * s, 30 * s, 30 * s)), tissue_hu[URINE], URINE)


def kidney_shapes(subject, lm, side):
    """(kidney, hilum point) of one side: long axis tilted, hilum facing front and medially."""
    s = subject.scale
    l1 = subject.level("L1")
    centre = np.array([side * lm.kidney_x, l1.centre[1] + 5.0, lm.kidney_z[side]])
    kidney = Ellipsoid(centre, (26 * s, 30 * s, 55 * s), yaw=side * 0.5, roll=-side * 0.2)
    hilum = centre + np.array([-side * 22.0 * s, 12.0 * s, 0.0])
    return kidney, hilum


def paint_kidneys(canvas, subject, lm, tissue_hu):
    for side in (-1.0, 1.0):
        kidney, hilum = kidney_shapes(subject, lm, side)
        canvas.paint(Ellipsoid(kidney.centre, kidney.axes + 12.0, yaw=side * 0.5, roll=-side * 0.2),
                     tissue_hu[FAT], FAT)
        canvas.paint(kidney, tissue_hu[KIDNEY_CORTEX], KIDNEY_CORTEX)
        canvas.paint(Inset(kidney, 7.0), tissue_hu[KIDNEY_MEDULLA], KIDNEY_MEDULLA)
        sinus = Ellipsoid(0.5 * (hilum + kidney.centre), (9.0, 9.0, 22.0))
        canvas.paint(sinus, tissue_hu[FAT], FAT)
        canvas.paint(Inset(sinus, 3.0), tissue_hu[URINE], URINE)
        ureter = [hilum, hilum + (side * 5.0, -8.0, -60.0), (side * 45.0, 20.0, -40.0), (side * 30.0, 40.0, -95.0)]
        canvas.paint(Tube(ureter, 2.5), tissue_hu[URINE], URINE)


def paint_bowel(canvas, subject, body, tissue_hu, rng):
    """Colon round the abdomen (content with gas pockets) and small-bowel loops (oral contrast when given)."""
    s = subject.scale
    z1, z5 = subject.z_of("L1"), subject.z_of(subject.lumbar_names[-1])
    cy, a, b = (float(t) for t in body.cavity(0.5 * (z1 + z5)))
    colon = [(0.6 * a, cy, z5 - 10), (0.65 * a, cy, z1 - 15), (0.3 * a, cy + 0.6 * b, z1 - 25),
             (-0.3 * a, cy + 0.6 * b, z1 - 25), (-0.65 * a, cy - 0.1 * b, z1 - 5), (-0.68 * a, cy - 0.1 * b, z5),
             (-0.3 * a, cy + 0.2 * b, -40.0), (0.0, -25.0, -80.0)]
    radius = rng.uniform(18, 26) * s
    canvas.paint(Tube(colon, radius), tissue_hu[BOWEL], BOWEL)
    for k in range(len(colon) - 1):
        if rng.random() < 0.6:
            canvas.paint(Tube(colon[k:k + 2], radius - 5.0), tissue_hu[AIR], AIR)
    content = BOWEL_CONTRAST if subject.oral_contrast else BOWEL
    for _ in range(int(rng.integers(5, 11))):
        start = np.array([rng.uniform(-0.45, 0.45) * a, cy + rng.uniform(0.1, 0.6) * b, rng.uniform(z5, z1 - 20)])
        steps = rng.normal(0, 12.0, (8, 3))
        loop = start + np.cumsum(steps, axis=0)
        r = rng.uniform(9, 15) * s
        filled = content if rng.random() < 0.7 else BOWEL
        tube = Tube(loop, r)
        canvas.paint(Intersection(tube, FieldShape(*tube.bounds(), body.cavity_distance)), tissue_hu[filled], filled)

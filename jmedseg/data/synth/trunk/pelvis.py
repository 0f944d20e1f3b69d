"""The pelvis round the sacrum: iliac wings, acetabula with the femoral heads and necks, pubic and ischial rami.

An iliac wing is a curved bony plate (about 8 mm, cortex round marrow) on a vertical
cylinder: from the sacroiliac joint behind the sacral ala it sweeps laterally and
forwards to the anterior superior iliac spine, from the acetabulum up to the crest at
about L4-L5 height. Its medial (posterior) edge lies at the sacroiliac joint, 45-50 mm
from the midline, only below the sacral base; above it the crest's posterior end sits
65-75 mm out (the posterior iliac crest runs up and outwards from the posterior superior
iliac spine). With the sacral alae it makes the pelvis 200-280 mm wide.
"""
import numpy as np

from jmedseg.data.synth.trunk.canvas import Ellipsoid, FieldShape, Tube
from jmedseg.data.synth.trunk.tissues import CORTICAL_BONE, pelvic_marrow


def iliac_wing(side, s1, scale, crest_z):
    """The wing of one side as a distance field: |r - R| - half thickness inside an angular and z range."""
    cx, cy, radius = side * 70.0 * scale, s1.centre[1] + 20.0, 62.0 * scale
    half_t = 4.5
    a_joint, a_crest, a1 = np.radians(250.0), np.radians(272.0), np.radians(360.0 + 35.0)   # round to the front

    def angle(x, y):
        """Angle round the wing's axis in [pi/2, 5pi/2), the left side mirrored onto the right."""
        th = np.mod(np.arctan2(y - cy, side * (x - cx)), 2 * np.pi)
        return th + np.where(th < np.pi / 2, 2 * np.pi, 0.0)

    def fn(x, y, z):
        r = np.hypot(x - cx, y - cy)
        th = angle(x, y)
        a0 = a_joint + (a_crest - a_joint) * np.clip((z + 10.0) / 40.0, 0.0, 1.0)   # medial edge moves out upwards
        d = np.abs(r - radius) - half_t
        d = np.maximum(d, radius * np.maximum(a0 - th, th - a1))
        top = crest_z + 15.0 * np.sin(np.clip((th - a_joint) / (a1 - a_joint), 0, 1) * np.pi)
        return np.maximum(d, np.maximum(z - top, -95.0 * scale - z))

    lo = (cx - radius - 10, cy - radius - 10, -100.0 * scale)
    hi = (cx + radius + 10, cy + radius + 10, crest_z + 20)
    return FieldShape(lo, hi, fn)


def paint_pelvis(canvas, subject, tissue_hu):
    s1, s = subject.sacrum[0], subject.scale
    cort, marrow = tissue_hu[CORTICAL_BONE], pelvic_marrow(tissue_hu)
    crest = subject.z_of(subject.lumbar_names[-1]) + 10.0
    for side in (-1.0, 1.0):
        canvas.paint_bone(iliac_wing(side, s1, s, crest), 1.5, cort, marrow)
        acet = np.array([side * 82.0 * s, s1.centre[1] + 45.0, -105.0 * s])
        canvas.paint_bone(Ellipsoid(acet + (-side * 8.0, -5.0, 5.0), (22.0, 28.0, 30.0)), 2.0, cort, marrow)
        head = acet + (side * 8.0, 0.0, -5.0)
        canvas.paint_bone(Ellipsoid(head, (23.0 * s,) * 3), 1.5, cort, marrow)
        trochanter = head + (side * 40.0 * s, -12.0, -30.0 * s)
        canvas.paint_bone(Tube([head, trochanter, trochanter + (0.0, 5.0, -250.0)], 13.0 * s), 3.0,
                          cort, marrow)
        symphysis = (side * 4.0, s1.centre[1] + 95.0 * s, -125.0 * s)
        canvas.paint_bone(Tube([acet, symphysis], 8.0), 1.5, cort, marrow)
        canvas.paint_bone(Tube([acet, acet + (-side * 20.0, -30.0, -55.0)], 11.0), 1.5, cort, marrow)

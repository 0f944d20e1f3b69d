"""Great vessels: aorta (root, arch, descending, abdominal, iliac), IVC, renal arteries and veins, portal system.

Iodine reaches them by phase through the tissue names: arterial blood (`blood`: aorta,
renal arteries, left heart), venous blood (IVC, renal veins, right heart), portal blood
(portal, splenic and superior mesenteric veins). The descending aorta lies left and in
front of the thoracic spine and in front of the lumbar spine, the IVC right of it;
the left renal vein crosses in front of the aorta at L1-L2 (issue 20: enhanced renal
vessels run next to the lumbar transverse processes, where a labeller may take them for ribs).
"""
import numpy as np

from jmedseg.data.synth.trunk.canvas import Tube
from jmedseg.data.synth.trunk.tissues import BLOOD, PORTAL_BLOOD, VENOUS_BLOOD


def aorta_path(subject, lm, rng):
    """(points, radii) from the aortic root over the arch down to the iliac arteries' ends."""
    s = subject.scale
    root = lm.heart + np.array([15.0, 10.0, 0.8 * lm.heart_axes[2]])
    t4 = subject.level("T4")
    z_arch = subject.z_of("T3") + rng.uniform(-5, 10)
    front = t4.centre[1] + t4.half_depth + 45.0 * s
    pts = [root, (18.0, front, z_arch - 10), (5.0, front - 10, z_arch + 12), (-15.0, t4.centre[1] + 30, z_arch + 5),
           (-22.0, t4.centre[1] + 15.0, z_arch - 20)]
    radii = [16 * s, 15 * s, 14 * s, 13 * s, 12 * s]
    for v in subject.vertebrae[subject.vertebrae.index(subject.level("T5")):]:
        thoracic = v.name[0] == "T"
        r = (12.0 if thoracic else 10.0) * s
        x = -(v.half_width * (0.9 if thoracic else 0.45) + (r if thoracic else 0))
        y = v.centre[1] + (0.4 * v.half_depth + r * 0.5 if thoracic else v.half_depth + r + 3.0)
        pts.append((x, y, v.centre[2]))
        radii.append(r)
    return np.array(pts, float), np.array(radii)


def paint_vessels(canvas, subject, lm, tissue_hu, rng):
    """Aorta with iliac arteries, IVC with iliac veins, renal vessels, portal system."""
    s = subject.scale
    pts, radii = aorta_path(subject, lm, rng)
    z_bif = subject.z_of(subject.lumbar_names[min(3, len(subject.lumbar_names) - 1)])
    keep = pts[:, 2] >= z_bif
    pts, radii = pts[keep], radii[keep]
    canvas.paint(Tube(pts, radii), tissue_hu[BLOOD], BLOOD)
    bif = pts[-1]
    last = subject.vertebrae[-1]
    for side in (-1.0, 1.0):
        iliac = [bif, (side * 40.0 * s, last.centre[1] + 35.0, -20.0), (side * 75.0 * s, 45.0, -110.0)]
        canvas.paint(Tube(iliac, 6.0 * s), tissue_hu[BLOOD], BLOOD)
        vein = [(side * 15.0, last.centre[1] + 25.0, z_bif - 15), (side * 42.0 * s, last.centre[1] + 25.0, -25.0),
                (side * 72.0 * s, 38.0, -110.0)]
        canvas.paint(Tube(vein, 7.0 * s), tissue_hu[VENOUS_BLOOD], VENOUS_BLOOD)
    ivc = [(v.half_width * 0.8 + 12.0, v.centre[1] + v.half_depth + 12.0, v.centre[2]) for v in subject.vertebrae
           if v.centre[2] < lm.heart[2]]
    ivc.append(tuple(lm.heart + np.array([25.0, -10.0, -0.5 * lm.heart_axes[2]])))
    ivc_pts = np.array(ivc[::-1])
    ivc_pts = ivc_pts[ivc_pts[:, 2] >= z_bif - 20]
    canvas.paint(Tube(ivc_pts, 11.0 * s), tissue_hu[VENOUS_BLOOD], VENOUS_BLOOD)
    _renal(canvas, subject, lm, tissue_hu, pts, ivc_pts)
    _portal(canvas, subject, lm, tissue_hu)


def _nearest(path, z):
    return path[np.argmin(np.abs(path[:, 2] - z))]


def _renal(canvas, subject, lm, tissue_hu, aorta, ivc):
    from jmedseg.data.synth.trunk.organs import kidney_shapes

    for side in (-1.0, 1.0):
        _, hilum = kidney_shapes(subject, lm, side)
        a = _nearest(aorta, hilum[2] + 10.0)
        canvas.paint(Tube([a, hilum + (0, -3.0, 0)], 3.0), tissue_hu[BLOOD], BLOOD)
        v = _nearest(ivc, hilum[2] + 5.0)
        mid = (a + (0, 14.0, 0)) if side < 0 else v
        canvas.paint(Tube([hilum + (0, 4.0, 0), mid, v], 4.5), tissue_hu[VENOUS_BLOOD], VENOUS_BLOOD)


def _portal(canvas, subject, lm, tissue_hu):
    """Portal vein from the liver hilum to the confluence, splenic vein to the spleen, SMV down the mesentery."""
    l1 = subject.level("L1")
    front = l1.centre[1] + l1.half_depth + 45.0
    hilum = (45.0, front + 5.0, subject.z_of("T12") + 10.0)
    confluence = (5.0, front + 10.0, l1.centre[2])
    spleen = (-85.0 * subject.scale, l1.centre[1] + 10.0, subject.z_of("T12") + 5.0)
    smv = (12.0, front + 25.0, subject.z_of(subject.lumbar_names[2]))
    for path, r in (([hilum, confluence], 7.0), ([confluence, spleen], 4.5), ([confluence, smv], 5.0)):
        canvas.paint(Tube(path, r), tissue_hu[PORTAL_BLOOD], PORTAL_BLOOD)

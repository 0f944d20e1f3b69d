"""Ribs at thick (5 mm) slices, whose shaft curves forward past the costotransverse joint (issue 20).

Past the tubercle a rib's shaft curves forward round the thoracic cavity. At 5 mm slices partial volume
thins its cross-section, and what stays above `BONE_HU` behind the body's centre (`ribs.BEHIND_MM`) ended
44-59 mm from the midline on the synthetic benchmark's mid-thoracic ribs (seed 2026, CT 177: 7 of 12 rib
levels lost, T10 named T12), short of `RIB_REACH_MM` (60 mm, beyond any lumbar transverse process). At slices of
`ribs.THICK_SLICE_MM` or more, beyond `ribs.AORTA_MM` from the midline (outside the descending aorta) the band
reaches forward to `ribs.FORWARD_MM`, so the shaft is followed as far as it runs; the aorta beside the body and a
transverse process stay out. At thinner slices it does not (the bundled chest CTA's C7 transverse process,
joined to the first rib's neck, would reach out along that rib). Grids: 3 mm pixels, 5 mm or 2 mm slices.
"""
import numpy as np

from jmedseg.spine.ribs import AORTA_MM, BEHIND_MM, FORWARD_MM, RIB_REACH_MM, THICK_SLICE_MM, find_rib_heads
from tests.spine.test_discs_and_ribs import _column_with_bones, _rod

THIN = (3.0, 3.0, 2.0)
THICK = (3.0, 3.0, 5.0)
assert THICK[2] >= THICK_SLICE_MM > THIN[2]


def _heads(col, sp):
    """(head height mm rounded to 5 mm, side) of every rib found on the whole grid."""
    heads = find_rib_heads(col, sp, 0, col.bone.shape[2] - 1)
    return sorted((int(round(z * sp[2] / 5) * 5), side) for z, side in heads)


def _forward_rib(bone, z_mm, side, sp):
    """A rib leaving the column behind the body's centre and, from 45 mm out, running forward of `BEHIND_MM`
    (at the body's centre, 0 mm, by 55 mm out) as it descends 10 mm."""
    _rod(bone, [side * 22, side * 40, side * 48, side * 55, side * 64], [-14, -10, BEHIND_MM + 1, 0, 4],
         [z_mm, z_mm - 2, z_mm - 5, z_mm - 8, z_mm - 10], spacing=sp)


def test_a_rib_curving_forward_past_the_aorta_is_still_a_rib_at_5_mm():
    """The part behind `BEHIND_MM` ends about 45 mm out (less than `RIB_REACH_MM`); followed forward to the body's
    centre it reaches 64 mm: a rib pair, at its necks' height (100 mm)."""
    col = _column_with_bones(nz=40)
    for side in (-1, 1):
        _forward_rib(col.bone, 100, side, THICK)
    assert _heads(col, THICK) == [(100, "left"), (100, "right")]


def test_behind_the_body_centre_only_the_same_rib_falls_short():
    """Why the band reaches forward: cut at `BEHIND_MM` all the way out, the same rib reaches under 60 mm."""
    col = _column_with_bones(nz=40)
    _forward_rib(col.bone, 100, 1, THICK)
    dy = (np.arange(col.bone.shape[1]) - 45) * THICK[1]
    dx = (np.arange(col.bone.shape[0]) - 45) * THICK[0]
    behind = col.bone & (dy < BEHIND_MM)[None, :, None] & (np.abs(dx) <= 65)[:, None, None]
    assert np.abs(dx[np.argwhere(behind)[:, 0]]).max() < RIB_REACH_MM
    assert FORWARD_MM > 0 > BEHIND_MM and AORTA_MM < RIB_REACH_MM


def test_at_thin_slices_the_band_stays_behind_the_body_centre():
    """At 2 mm slices the same bone is not followed forward: a transverse process against a rib's neck that turns
    forward within 45 mm (C7's against the first rib in the bundled chest CTA) stays short of `RIB_REACH_MM`."""
    col = _column_with_bones()
    for side in (-1, 1):
        _forward_rib(col.bone, 70, side, THIN)
    assert _heads(col, THIN) == []


def test_the_aorta_beside_the_body_and_a_transverse_process_are_not_ribs_at_5_mm():
    """A contrast-filled descending aorta (a tube 25-40 mm left of the midline, 0-20 mm forward, all heights)
    reaches into the band only within `AORTA_MM`, in front of `BEHIND_MM`: left out. A transverse process (ends
    50 mm out, behind the body) is too short, and a bone 20 mm forward (the heart's contrast, a clavicle) running
    out to 90 mm lies in front of `FORWARD_MM`."""
    col = _column_with_bones(nz=40)
    for z in range(10, 190, 5):
        _rod(col.bone, [-25, -40], [0, 20], [z, z], spacing=THICK)
    _rod(col.bone, [22, 50], [-15, -18], [60, 60], spacing=THICK)
    _rod(col.bone, [22, 50, 90], [FORWARD_MM + 5, FORWARD_MM + 5, FORWARD_MM + 10], [150, 150, 145], spacing=THICK)
    assert _heads(col, THICK) == []


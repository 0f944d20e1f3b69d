"""Is a level's measured region trabecular bone inside a vertebral body? Checked against the CT before any fit.

The paper's density (section 3) is the Johnson SU mode of the cancellous bone of
the L1/L2 bodies. A fit returns a number for any voxels, so a vertebra mask that
lies on soft tissue (mirrored left-right, flipped in z as a mask built from
reverse-sorted DICOM slices is) or that has swallowed a contrast-filled vessel
glued to the spine (the aorta on the body's anterior left side) would give a
density with no warning. What physically marks a vertebral body:

- it is bone-bounded: its wall (the outer `WALL_MM` of each axial cross-section)
  holds cortex, which reads far above the trabecular interior and far above any
  soft tissue;
- blood, contrast, organs, fat and air have no such wall: their edge reads the
  same as their inside (a homogeneous fluid) or lower (partial volume with the
  surroundings), and a vessel glued to the body adds a part whose side has no wall.

So the wall is compared with the interior (the cancellous region that is measured)
as a whole and in each of `SECTORS` directions around the body's centre in every
slice: a direction where the interior reads as bright as its edge is a part of the
region that is not enclosed by cortex.

Thresholds, from HU physics (docs/references.md; REFERENCES section 7), not fitted to any scan here:
- `MIN_WALL_HU`: soft tissue reads at most about 60 HU (muscle 30-60, unenhanced
  blood 30-50, fat -120..-80). Vertebral cortex reads 500-1500 HU; even a 0.2 mm
  cortex about 1000 HU above marrow adds about 65 HU to a 3 mm voxel
  (0.2 / 3 x 1000), so a bony wall reads at least about 115 HU over marrow of
  about 50 HU. 100 HU separates the two.
- `MIN_WALL_CONTRAST_HU`: a wall-less region has a contrast (wall median minus
  interior median) of 0 or below; what noise adds to a difference of medians is
  about 1.25 sigma sqrt(2 / n). Noise sigma scales as voxel volume^-1/2 and a
  sector's voxel count n as voxel volume^-1, so this is about the same at any
  resolution: about 7 HU for 20 HU of noise in 3 mm voxels with `MIN_SECTOR_VOXELS`
  = 30 per side (thin slices: 50 HU of noise, ten times the voxels). 30 HU is over
  four such errors, and half the 65 HU the thinnest cortex adds.
- Direction by direction, only the anterior half of the body is asked for a wall
  (`CHECKED_SECTORS`): the posterior half joins the pedicles at its posterolateral
  corners, whose bases hold marrow, and the region's edge runs through them (on a
  1 mm scan the left-posterior sector of a correct T12 reads 4 HU of contrast), so
  no cortex need lie there. The large vessels that lie against lumbar and lower
  thoracic bodies (aorta: anterior left; inferior vena cava: anterior right) lie on
  the checked side; the whole-body comparison above covers the rest.
"""
import numpy as np
from scipy import ndimage

WALL_MM = 2.0
SECTORS = 8
MIN_SECTOR_VOXELS = 30
MIN_WALL_HU = 100.0
MIN_WALL_CONTRAST_HU = 30.0
# sector k spans angles [-180 + 45 k, -135 + 45 k) degrees of (x: right, y: anterior), canonical RAS+
SECTOR_NAMES = ("left (posterior half)", "posterior left", "posterior right", "right (posterior half)",
                "right (anterior half)", "anterior right", "anterior left", "left (anterior half)")
CHECKED_SECTORS = (4, 5, 6, 7)        # the anterior half
FIX = ("check that the mask belongs to this CT and is not mirrored or flipped (a mask built from reverse-sorted "
       "DICOM slices is flipped in z), and that it holds the vertebra only")


def wall_of(body, spacing, wall_mm=WALL_MM):
    """Voxels of `body` [x, y, z] within `wall_mm` of its outline in their own axial slice (in-plane, in mm)."""
    wall = np.zeros_like(body)
    for k in np.flatnonzero(body.any(axis=(0, 1))):
        inside = ndimage.distance_transform_edt(np.pad(body[:, :, k], 1), sampling=spacing[:2])[1:-1, 1:-1]
        wall[:, :, k] = body[:, :, k] & (inside - 0.5 * min(spacing[:2]) <= wall_mm)
    return wall


def sectors_of(body, spacing):
    """Sector index (0 .. SECTORS-1) of each body voxel by its direction from the slice's body centre; -1 outside."""
    sector = np.full(body.shape, -1, np.int8)
    for k in np.flatnonzero(body.any(axis=(0, 1))):
        x, y = np.nonzero(body[:, :, k])
        angle = np.arctan2((y - y.mean()) * spacing[1], (x - x.mean()) * spacing[0])
        sector[x, y, k] = np.minimum((angle + np.pi) / (2 * np.pi) * SECTORS, SECTORS - 1).astype(np.int8)
    return sector


def wall_problem(hu, body, region, spacing, what):
    """Why `region` (the measured voxels of vertebral body `body`, both [x, y, z]) is not bone in a cortical wall.

    None when it is; only slices holding region voxels are looked at (the
    endplates and a cut by the field of view have no in-plane wall to check).
    """
    body = np.asarray(body, bool)
    region = np.asarray(region, bool)
    if np.count_nonzero(region) < MIN_SECTOR_VOXELS:
        return None                       # too few voxels to judge: the fit refuses them ("too few pixels")
    slices = region.any(axis=(0, 1))
    body = body & slices[None, None, :]
    wall = wall_of(body, spacing) & ~region
    if np.count_nonzero(wall) < MIN_SECTOR_VOXELS:
        return None
    edge, inside = float(np.median(hu[wall])), float(np.median(hu[region]))
    if edge < MIN_WALL_HU or edge - inside < MIN_WALL_CONTRAST_HU:
        return (f"{what} is not enclosed by bone: its edge reads {edge:.0f} HU and its inside {inside:.0f} HU, "
                f"but a vertebral body's cortical wall reads above {MIN_WALL_HU:.0f} HU and at least "
                f"{MIN_WALL_CONTRAST_HU:.0f} HU above the marrow; the mask lies on soft tissue, fat or "
                f"contrast, not bone: {FIX}")
    sector = sectors_of(body, spacing)
    open_sides = []
    for k in CHECKED_SECTORS:
        at_edge, within = hu[wall & (sector == k)], hu[region & (sector == k)]
        if min(at_edge.size, within.size) < MIN_SECTOR_VOXELS:
            continue
        contrast = float(np.median(at_edge) - np.median(within))
        if contrast < MIN_WALL_CONTRAST_HU:
            open_sides.append(f"{SECTOR_NAMES[k]}: {np.median(within):.0f} HU inside, {np.median(at_edge):.0f} "
                              "HU at the edge")
    if open_sides:
        return (f"part of {what} has no bone wall ({'; '.join(open_sides)}): something that is not bone, "
                f"such as a contrast-filled vessel (the aorta lies against the body's anterior left side), "
                f"is part of the region; {FIX}")
    return None

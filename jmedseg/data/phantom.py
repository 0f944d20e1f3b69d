"""A synthetic lumbar CT phantom in HU: T12-L3 with tissue and vertebra-level labels.

The built-in data, so everything runs offline. One subject is a 3D volume
(axes x, y, z in RAS+, like `jmedseg.data.io.Volume`) holding:

- soft tissue (about 40 HU), muscles, subcutaneous and visceral fat (about
  -100 HU), air behind the back;
- four vertebrae (T12, L1, L2, L3) with sizes in mm close to published lumbar
  morphometry (Panjabi et al., Spine 1992): a kidney-shaped body with a
  cortical shell and endplates (1-1.5 mm, seen at partial volume), the
  cancellous interior, posterior elements (pedicles, arch, spinous and
  transverse processes) around the spinal canal, discs between the bodies;
- scanner settings per site (pixel size, slice thickness 3 or 5 mm, in-plane
  blur, noise SD) like the paper's two hospitals, and a small random pose
  (rotation, tilt, translation, scale) per subject.

The density truth is exact by construction (paper, section 3: density is the
mode of a Johnson SU fit to the cancellous voxels): each vertebra's pure
cancellous voxels take the Johnson SU quantiles of its subject's density,
assigned in the rank order of a smooth random field (trabecular texture), so
their empirical distribution is the distribution itself, before noise.

Partial volume: along z, each slice mixes body, endplate and disc by the
fraction of the slice slab each fills; in-plane, a Gaussian blur (the scanner's
point spread) mixes the shell with its neighbours. Only voxels made of
cancellous bone alone are labelled cancellous; body voxels that mix in cortex
or disc are labelled cortical.

Labels: `labels` holds tissue classes (BACKGROUND, CORTICAL, CANCELLOUS,
OTHER_BONE); `vertebrae` holds the level ids of TotalSegmentator v2.
"""
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage, special

from jmedseg.constants import CANCELLOUS, CORTICAL, OTHER_BONE
from jmedseg.data.label_schemes import TOTALSEG_V2
from jmedseg.density.johnson_su import johnson_su_mode

LEVEL_IDS = {name: TOTALSEG_V2[name] for name in ("L3", "L2", "L1", "T12")}  # labelled like TotalSegmentator


@dataclass(frozen=True)
class Vertebra:
    """Mean body size of one level in mm: half-width, half-depth, height, disc height below it."""

    name: str
    half_width: float
    half_depth: float
    height: float
    disc_below: float


# Adult lumbar means, rounded (Panjabi et al. 1992; Zhou et al. 2000): listed inferior to superior.
VERTEBRAE = (
    Vertebra("L3", 24.0, 17.0, 27.0, 10.0),
    Vertebra("L2", 22.5, 16.5, 26.0, 9.0),
    Vertebra("L1", 21.0, 15.5, 25.0, 8.0),
    Vertebra("T12", 20.0, 14.5, 23.0, 7.0),
)


@dataclass(frozen=True)
class Scanner:
    """Acquisition settings of a site: in-plane pixel, slice thickness, point spread, noise."""

    pixel_mm: float
    slice_mm: float
    blur_fwhm_mm: float
    noise_sd: float


# Two sites like the paper's hospitals (section 2): N hospital's CT had 3 mm slices, S hospital's 5 mm.
# Thin slices are the noisier ones (fewer photons per voxel), thick ones smoother; the paper also saw
# larger vertebrae at S in its figures, as smaller pixels make them.
SITES = {"N": Scanner(pixel_mm=0.78, slice_mm=3.0, blur_fwhm_mm=1.1, noise_sd=18.0),
         "S": Scanner(pixel_mm=0.70, slice_mm=5.0, blur_fwhm_mm=0.9, noise_sd=12.0)}


@dataclass
class PhantomSpec:
    """Tissue values (HU), shell thickness, cancellous distribution shape, field of view and pose range."""

    air_hu: float = -1000.0
    fat_hu: float = -100.0
    soft_tissue_hu: float = 40.0
    muscle_hu: float = 55.0
    disc_hu: float = 85.0
    csf_hu: float = 15.0
    cortical_hu: float = 1100.0   # shell at full volume; thin shells read 400-800 after blur
    posterior_hu: float = 420.0   # posterior elements: shell and marrow mixed at CT resolution
    cortical_mm: float = 1.5
    endplate_mm: float = 1.0
    jsu_a: float = -0.8           # Johnson SU shape of cancellous values (a < 0: tail to dense bone)
    jsu_b: float = 2.0
    jsu_scale: float = 45.0
    texture_mm: float = 0.8       # correlation length of the trabecular texture
    fov_mm: tuple = (192.0, 160.0)  # x (left-right), y (posterior-anterior)
    max_rotation_deg: float = 6.0
    max_tilt_deg: float = 3.0
    max_shift_mm: float = 6.0
    scale_range: tuple = (0.92, 1.08)
    vertebrae: tuple = field(default=VERTEBRAE)




def cancellous_values(rng, n, density_hu, spec):
    """Draw n Johnson SU values whose mode is exactly `density_hu`."""
    return jsu_from_normal(rng.standard_normal(n), density_hu, spec)


def jsu_from_normal(z, density_hu, spec):
    """Map standard-normal values through the Johnson SU whose mode is `density_hu`."""
    a, b, scale = spec.jsu_a, spec.jsu_b, spec.jsu_scale
    loc = density_hu - johnson_su_mode(a, b, 0.0, scale)
    return loc + scale * np.sinh((np.asarray(z) - a) / b)


def exact_jsu_values(field_values, density_hu, spec):
    """Johnson SU quantiles placed in the rank order of `field_values`: an exact sample of the law."""
    n = field_values.size
    ranks = np.empty(n, np.int64)
    ranks[np.argsort(field_values, kind="stable")] = np.arange(n)
    return jsu_from_normal(special.ndtri((ranks + 0.5) / n), density_hu, spec)


@dataclass
class Pose:
    rotation_rad: float = 0.0   # about z
    tilt: tuple = (0.0, 0.0)    # in-plane shift per mm of z (x, y)
    shift_mm: tuple = (0.0, 0.0, 0.0)
    scale: float = 1.0

    @classmethod
    def random(cls, rng, spec):
        return cls(np.deg2rad(rng.uniform(-1, 1) * spec.max_rotation_deg),
                   tuple(np.tan(np.deg2rad(rng.uniform(-1, 1, 2) * spec.max_tilt_deg))),
                   tuple(rng.uniform(-1, 1, 3) * spec.max_shift_mm),
                   float(rng.uniform(*spec.scale_range)))


@dataclass
class PhantomVolume:
    """One subject: `ct` (float32 HU), `labels` (tissue classes), `vertebrae` (level ids), all [x, y, z]."""

    ct: np.ndarray
    labels: np.ndarray
    vertebrae: np.ndarray
    affine: np.ndarray
    spacing: tuple


@dataclass
class _Level:
    """One vertebra placed in the volume: z range of its body and its in-plane sizes (mm)."""

    vertebra: Vertebra
    z0: float
    z1: float
    rx: float
    ry: float


def _stack_levels(spec, scale):
    """Bodies and discs from the bottom up, starting with half the lowest disc; returns (levels, top)."""
    levels, z = [], 0.5 * spec.vertebrae[0].disc_below
    for i, v in enumerate(spec.vertebrae):
        h = v.height * scale
        levels.append(_Level(v, z, z + h, v.half_width * scale, v.half_depth * scale))
        above = spec.vertebrae[i + 1].disc_below if i + 1 < len(spec.vertebrae) else v.disc_below
        z += h + above * scale
    return levels, z


def _overlap(a0, a1, b0, b1):
    return max(0.0, min(a1, b1) - max(a0, b0))


def _ellipse(u, v, rx, ry, cu=0.0, cv=0.0):
    return ((u - cu) / rx) ** 2 + ((v - cv) / ry) ** 2 <= 1.0


def _body(u, v, rx, ry, inset):
    """Kidney-shaped body cross-section shrunk by `inset` mm: an ellipse with a posterior notch."""
    notch = _ellipse(u, v, 0.55 * ry + inset, 0.55 * ry + inset, 0.0, 1.35 * ry)
    return _ellipse(u, v, rx - inset, ry - inset) & ~notch


def _posterior_elements(u, v, lev, z_rel):
    """Pedicles, arch, spinous and transverse processes (mm, v grows posteriorly) and the canal."""
    s = lev.rx / lev.vertebra.half_width
    cx, cy = 11.0 * s, 8.0 * s               # canal half-axes
    vc = 0.8 * lev.ry + cy + 1.5 * s         # canal centre, behind the notched posterior wall
    canal = _ellipse(u, v, cx, cy, 0.0, vc)
    arch = _ellipse(u, v, cx + 6 * s, cy + 6 * s, 0.0, vc) & (v > vc - 2 * s)
    pedicles = (np.abs(u) >= cx) & (np.abs(u) <= cx + 6 * s) & (v >= 0.5 * lev.ry) & (v <= vc)
    spinous = (np.abs(u) <= 3 * s) & (v >= vc + cy) & (v <= vc + cy + 32 * s) & (z_rel < 0.8)
    transverse = (np.abs(v - vc) <= 4 * s) & (np.abs(u) <= cx + 28 * s) & (z_rel > 0.35)
    bone = (arch | pedicles | spinous | transverse) & ~canal
    return bone, canal


def _soft_tissue(spec, x, y, rng):
    """z-invariant background: air, subcutaneous fat, soft tissue, muscles, visceral fat (HU map)."""
    hu = np.full(x.shape, spec.air_hu, np.float32)
    ay, fat_mm = rng.uniform(110, 125), rng.uniform(8, 25)
    cy = ay - rng.uniform(70, 80)  # posterior skin 70-80 mm behind the vertebral body's centre
    skin = _ellipse(x, y, 175.0, ay, 0.0, cy)
    hu[skin] = spec.fat_hu
    hu[_ellipse(x, y, 175.0 - fat_mm, ay - fat_mm, 0.0, cy)] = spec.soft_tissue_hu
    for side in (-1, 1):
        hu[_ellipse(x, y, 24.0, 20.0, side * 33.0, -48.0)] = spec.muscle_hu   # erector spinae
        hu[_ellipse(x, y, 12.0, 15.0, side * 32.0, 8.0)] = spec.muscle_hu     # psoas
    for _ in range(6):  # visceral fat pads in front of the spine
        r = rng.uniform(6, 18)
        hu[_ellipse(x, y, r, r * rng.uniform(0.6, 1.0), rng.uniform(-70, 70), rng.uniform(35, 90))] = spec.fat_hu
    hu[~skin] = spec.air_hu
    return hu


def render_subject(density_hu, scanner, rng, spec=None, pose=None):
    """Render one subject whose pure cancellous voxels have Johnson SU mode `density_hu` (before noise)."""
    spec = spec or PhantomSpec()
    pose = pose if pose is not None else Pose.random(rng, spec)
    px, dz = scanner.pixel_mm, scanner.slice_mm
    shrink = 2.0 * scanner.blur_fwhm_mm / 2.355  # pure cancellous stays 2 sigma of blur inside the shell
    levels, z_top = _stack_levels(spec, pose.scale)
    nx, ny = (int(round(f / px)) for f in spec.fov_mm)
    nz = int(np.ceil(z_top / dz))
    x = (np.arange(nx) - (nx - 1) / 2) * px
    y = (np.arange(ny) - (ny - 1) / 2) * px - 15.0  # vertebral body's centre 15 mm in front of the middle
    xx, yy = np.meshgrid(x, y, indexing="ij")
    base = _soft_tissue(spec, xx, yy, rng)
    ct = np.repeat(base[..., None], nz, axis=2)
    labels = np.zeros(ct.shape, np.uint8)
    vertebrae = np.zeros(ct.shape, np.uint8)
    pure = np.zeros(ct.shape, bool)
    marrow = np.zeros(ct.shape, np.float32)  # fraction of each voxel that is cancellous bone
    cos, sin = np.cos(pose.rotation_rad), np.sin(pose.rotation_rad)
    z_shift = pose.shift_mm[2]  # moves the slice grid against the anatomy: another partial-volume phase
    for k in range(nz):
        zc = (k + 0.5) * dz + z_shift
        lev = min(levels, key=lambda l: max(l.z0 - zc, 0.0, zc - l.z1))  # the body nearest the slice
        X = xx - pose.shift_mm[0] - pose.tilt[0] * (zc - 0.5 * z_top)
        Y = yy - pose.shift_mm[1] - pose.tilt[1] * (zc - 0.5 * z_top)
        u, v = cos * X + sin * Y, sin * X - cos * Y  # v grows posteriorly
        _render_slice(ct[:, :, k], labels[:, :, k], vertebrae[:, :, k], pure[:, :, k], marrow[:, :, k],
                      u, v, lev, zc - 0.5 * dz, zc + 0.5 * dz, density_hu, spec, shrink)
    sigma = scanner.blur_fwhm_mm / 2.355 / px
    ct = ndimage.gaussian_filter(ct, (sigma, sigma, 0.0), mode="nearest")
    _add_texture(ct, pure, marrow, vertebrae, density_hu, spec, px, rng)
    if scanner.noise_sd > 0:
        ct += np.float32(scanner.noise_sd) * rng.standard_normal(ct.shape, dtype=np.float32)
    affine = np.diag([px, px, dz, 1.0])
    affine[:3, 3] = (x[0], y[0], 0.5 * dz)
    return PhantomVolume(ct.astype(np.float32), labels, vertebrae, affine, (px, px, dz))


def _render_slice(hu, lab, lvl, pure, marrow, u, v, lev, s0, s1, density_hu, spec, shrink):
    """Draw one slab [s0, s1] (mm along z) of vertebra `lev` and its disc into the slice arrays."""
    t = s1 - s0
    zc = 0.5 * (s0 + s1)
    ep = spec.endplate_mm
    f_body = _overlap(s0, s1, lev.z0, lev.z1) / t
    f_int = _overlap(s0, s1, lev.z0 + ep, lev.z1 - ep) / t
    footprint = _body(u, v, lev.rx, lev.ry, 0.0)
    inner = _body(u, v, lev.rx, lev.ry, spec.cortical_mm)
    body_hu = np.where(inner, density_hu, spec.cortical_hu)  # cancellous at its mode; texture comes later
    marrow[inner] = f_int
    hu[footprint] = (f_int * body_hu + (f_body - f_int) * spec.cortical_hu
                     + (1.0 - f_body) * spec.disc_hu)[footprint]
    z_rel = (zc - lev.z0) / (lev.z1 - lev.z0)
    level_id = LEVEL_IDS[lev.vertebra.name]
    bone, canal = _posterior_elements(u, v, lev, z_rel)
    hu[canal] = spec.csf_hu
    if -0.1 <= z_rel <= 1.1:
        hu[bone & ~footprint] = spec.posterior_hu
        lab[bone & ~footprint] = OTHER_BONE
        lvl[bone | footprint if lev.z0 <= zc <= lev.z1 else bone] = level_id
    if lev.z0 <= zc <= lev.z1:
        lab[footprint] = CORTICAL
    if f_int > 1.0 - 1e-9:
        core = _body(u, v, lev.rx, lev.ry, spec.cortical_mm + shrink)
        lab[core] = CANCELLOUS
        pure[...] = core


def _add_texture(ct, pure, marrow, vertebrae, density_hu, spec, px, rng):
    """Trabecular texture: exact Johnson SU quantiles in pure voxels, a share of it in mixed ones."""
    if not marrow.any():
        return
    box = ndimage.find_objects((marrow > 0).astype(np.uint8))[0]
    sigma = spec.texture_mm / px
    z = ndimage.gaussian_filter(rng.standard_normal(ct[box].shape), (sigma, sigma, 0.0))
    z /= z.std()  # back to unit variance, so sinh maps it onto the Johnson SU law
    sub_ct, sub_pure, sub_lvl, weight = ct[box], pure[box], vertebrae[box], marrow[box]
    mixed = (weight > 0) & ~sub_pure
    sub_ct[mixed] += weight[mixed] * (jsu_from_normal(z[mixed], density_hu, spec) - density_hu)
    for level_id in np.unique(sub_lvl[sub_pure]):
        sel = sub_pure & (sub_lvl == level_id)
        sub_ct[sel] = exact_jsu_values(z[sel], density_hu, spec)

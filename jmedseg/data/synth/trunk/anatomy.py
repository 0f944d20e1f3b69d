"""One random subject's trunk: the spine from C7 to the sacrum (with its variants) and the body's outline.

Sizes are adult means in mm (vertebral bodies after Panjabi et al., Spine 1991/1992:
heights 15 mm at T1 to 26-27 mm at L3-L4, widths 24 to 50 mm; thoracic discs 4-7 mm,
lumbar discs 9-11 mm), scaled per subject by 0.88-1.12. The world frame is RAS+ in
mm with its origin at the centre of the S1 upper endplate.

Variants (issue 20): rib pairs 11 (no rib on T12) or 13 (a rib on L1) in about 5 % of
subjects; a lumbosacral transitional vertebra in about 5 %: 4 lumbar vertebrae (L5
sacralised: the sacrum starts one vertebra higher), 6 (S1 lumbarised: a free L6), or 5
with the lowest one's transverse processes grown into wings against the sacrum
(Castellvi type II/III). Names count from the top (C7, T1..T12, L1..Ln), as VerSe does.
"""
from dataclasses import dataclass, field

import numpy as np

from jmedseg.data.label_schemes import SCHEMES, TOTALSEG_V2

# A free 6th lumbar vertebra has no TotalSegmentator v2 id: it takes the first id above that class map.
L6_ID = SCHEMES["totalseg_v2"].max_id + 1
RIB_VARIANT_RATE = 0.05
TRANSITIONAL_RATE = 0.05

# (body height, half width, half depth, disc below, canal half width, canal half depth, transverse process length)
_T1 = (15.0, 12.0, 8.5, 4.0, 8.0, 7.5, 22.0)
_T12 = (23.0, 21.0, 15.5, 7.0, 10.0, 8.5, 8.0)
SIZES = {"C7": (14.0, 9.5, 7.5, 5.0, 12.0, 7.0, 25.0),
         **{f"T{k}": tuple(a + (b - a) * (k - 1) / 11 for a, b in zip(_T1, _T12)) for k in range(1, 13)},
         "L1": (25.0, 21.5, 15.5, 9.0, 11.0, 9.0, 15.0), "L2": (26.0, 22.5, 16.0, 10.0, 11.5, 9.0, 20.0),
         "L3": (26.5, 24.0, 16.5, 10.5, 12.0, 9.0, 26.0), "L4": (26.5, 25.0, 17.0, 10.5, 12.0, 9.0, 22.0),
         "L5": (26.0, 26.0, 17.0, 10.0, 13.0, 9.0, 19.0), "L6": (26.0, 26.0, 17.0, 10.0, 13.0, 9.0, 19.0)}


def level_id(name):
    """The label id of a vertebra name: TotalSegmentator v2's, or `L6_ID` for a free 6th lumbar."""
    return L6_ID if name == "L6" else TOTALSEG_V2[name]


@dataclass
class Vertebra:
    """One vertebra's body (an elliptic cylinder tilted in the sagittal plane) and its posterior elements."""

    name: str
    centre: np.ndarray        # body centre, world mm
    pitch: float              # sagittal tilt (rad); the body's up axis is (0, -sin, cos)
    height: float
    half_width: float
    half_depth: float
    disc_below: float
    canal_a: float
    canal_b: float
    transverse_mm: float
    cortex_mm: float
    rib: bool = False         # bears a rib pair
    wings: bool = False       # transitional: transverse processes grown into wings against the sacrum

    @property
    def label_id(self):
        return level_id(self.name)

    def axes(self):
        """World directions of the local (right, anterior, up) axes."""
        c, s = np.cos(self.pitch), np.sin(self.pitch)
        return np.array([1.0, 0, 0]), np.array([0, c, s]), np.array([0, -s, c])

    def point(self, u, v, w):
        """World position of local offsets (u right, v anterior, w up) from the body centre."""
        ex, ey, ez = self.axes()
        return self.centre + u * ex + v * ey + w * ez

    def canal_centre(self):
        return self.point(0.0, -(self.half_depth + 1.0 + self.canal_b), 0.0)


@dataclass
class Variant:
    rib_pairs: int = 12
    lumbar_count: int = 5
    transitional: bool = False   # a lumbosacral transitional vertebra (the count may still be 5)

    @property
    def normal(self):
        return self.rib_pairs == 12 and self.lumbar_count == 5 and not self.transitional


def draw_variant(rng):
    """Rib pairs and lumbosacral transition, each in about 5 % of subjects, independently."""
    v = Variant()
    if rng.random() < RIB_VARIANT_RATE:
        v.rib_pairs = int(rng.choice([11, 13]))
    if rng.random() < TRANSITIONAL_RATE:
        v.transitional = True
        v.lumbar_count = int(rng.choice([4, 5, 6], p=[0.4, 0.2, 0.4]))
    return v


@dataclass
class Subject:
    """Everything random about one body; painters read it, nothing else is drawn later except textures."""

    variant: Variant
    scale: float
    vertebrae: list                  # top (C7) to bottom (lowest lumbar)
    sacrum: list                     # sacral segments S1.. (Vertebra records, S1 first)
    lordosis_mm: float
    kyphosis_mm: float
    fat_mm: float                    # subcutaneous fat over the abdomen
    wall_mm: float                   # muscle wall (abdominal muscles, intercostals)
    half_width: dict                 # trunk outline half width (mm) at knots (z -> mm)
    half_depth: dict
    arms: str                        # "up" or "down"
    oral_contrast: bool
    seeds: dict = field(default_factory=dict)   # sub-seeds for textures and small random shapes

    def level(self, name):
        for v in self.vertebrae + self.sacrum:
            if v.name == name:
                return v
        raise KeyError(name)

    def z_of(self, name):
        return float(self.level(name).centre[2])

    @property
    def names(self):
        return [v.name for v in self.vertebrae] + ["S1"]

    def spine_y(self, z):
        """Anterior-posterior position of the body centre line at height z (lordosis, kyphosis)."""
        return curve_y(z, self.z_of(self.lumbar_names[0]), self.z_of("C7") + 10.0, self.lordosis_mm,
                       self.kyphosis_mm)

    @property
    def lumbar_names(self):
        return [v.name for v in self.vertebrae if v.name.startswith("L")]


def curve_y(z, z_l1, z_top, lordosis, kyphosis):
    """y of the body centre line at height z: a lordotic arc from S1 to L1, a kyphotic one from L1 up to C7."""
    z = np.asarray(z, float)
    lumbar = lordosis * np.sin(np.pi * np.clip(z / z_l1, 0, 1))
    thoracic = -kyphosis * np.sin(np.pi * np.clip((z - z_l1) / (z_top - z_l1), 0, 1))
    return np.where(z < z_l1, lumbar, thoracic)


def presacral_names(variant):
    thoracic = [f"T{k}" for k in range(1, 13)]
    return ["C7"] + thoracic + [f"L{k}" for k in range(1, variant.lumbar_count + 1)]


def _stack(names, scale, rng, lordosis, kyphosis):
    """Vertebrae stacked upwards from the S1 endplate (z = 0); y follows lordosis then kyphosis."""
    sizes = [np.array(SIZES[n]) * scale * rng.uniform(0.95, 1.05, 7) for n in names]
    heights = [s[0] for s in sizes]
    discs = [s[3] for s in sizes]
    z_centres, z = [], 0.0
    for h, d in zip(reversed(heights), reversed(discs)):
        z += d + h / 2
        z_centres.append(z)
        z += h / 2
    z_centres = z_centres[::-1]
    z_l1 = z_centres[13]   # first lumbar (below C7 + 12 thoracic)
    z_top = z_centres[0] + 10.0

    def y_at(zz):
        return float(curve_y(zz, z_l1, z_top, lordosis, kyphosis))

    out = []
    for name, s, zc in zip(names, sizes, z_centres):
        slope = (y_at(zc + 1.0) - y_at(zc - 1.0)) / 2.0
        out.append(Vertebra(name=name, centre=np.array([0.0, y_at(zc), zc]), pitch=float(-np.arctan(slope)),
                            height=s[0], half_width=s[1], half_depth=s[2], disc_below=s[3], canal_a=s[4],
                            canal_b=s[5], transverse_mm=s[6], cortex_mm=float(rng.uniform(0.6, 1.4))))
    return out


def _sacrum(scale, rng, segments):
    """Sacral segments along a curve going down and back from the S1 endplate (sacral slope 30-50 deg)."""
    slope = np.radians(rng.uniform(30, 50))
    heights = np.array([24.0, 19.0, 15.0, 12.0, 10.0])[:segments] * scale
    widths = np.array([24.0, 20.0, 16.0, 12.0, 9.0])[:segments] * scale
    depths = np.array([16.0, 13.0, 10.0, 8.0, 6.0])[:segments] * scale
    out, top = [], np.zeros(3)
    for k in range(segments):
        pitch = -(slope + np.radians(12.0) * k)         # the sacrum curves (kyphotic)
        up = np.array([0.0, -np.sin(pitch), np.cos(pitch)])
        centre = top - up * heights[k] / 2
        out.append(Vertebra(name=f"S{k + 1}", centre=centre, pitch=float(pitch), height=heights[k],
                            half_width=widths[k], half_depth=depths[k], disc_below=0.0,
                            canal_a=max(4.0, 12.0 - 2.5 * k), canal_b=max(3.0, 7.0 - 1.5 * k), transverse_mm=0.0,
                            cortex_mm=1.0))
        top = centre - up * heights[k] / 2
    return out


def draw_subject(rng, variant=None):
    """A random adult trunk; `variant` fixes the rib pairs / lumbar count (else drawn, see `draw_variant`)."""
    variant = variant or draw_variant(rng)
    scale = float(rng.uniform(0.88, 1.12))
    lordosis, kyphosis = float(rng.uniform(10, 30)), float(rng.uniform(15, 40))
    names = presacral_names(variant)
    vertebrae = _stack(names, scale, rng, lordosis, kyphosis)
    rib_bearers = [f"T{k}" for k in range(1, 13)]
    if variant.rib_pairs == 11:
        rib_bearers.remove("T12")
    elif variant.rib_pairs == 13:
        rib_bearers.append("L1")
    for v in vertebrae:
        v.rib = v.name in rib_bearers
    if variant.transitional and variant.lumbar_count == 5:
        vertebrae[-1].wings = True
    sacrum = _sacrum(scale, rng, 4 if variant.lumbar_count == 6 else 5)
    if variant.lumbar_count == 4:      # the sacralised 5th lumbar: fused with the sacrum, winged
        vertebrae[-1].wings = True
    fat = float(rng.uniform(5, 45))
    body = 1.0 + 0.1 * float(rng.standard_normal())
    z = {n: v.centre[2] for n, v in zip(names, vertebrae)}
    lumbar = [n for n in names if n.startswith("L")]
    knots = [(-180.0, 160, 105), (0.0, 165, 110), (z[lumbar[len(lumbar) // 2]], 145, 105), (z["L1"], 140, 105),
             (z["T10"], 145, 112), (z["T6"], 148, 110), (z["T2"], 160, 90), (z["C7"] + 40, 170, 80)]
    half_width = {k: w * scale * body + 0.7 * fat for k, w, _ in knots}
    half_depth = {k: d * scale * body + fat * (1.0 if k < z["T10"] else 0.5) for k, _, d in knots}
    return Subject(variant=variant, scale=scale, vertebrae=vertebrae, sacrum=sacrum, lordosis_mm=lordosis,
                   kyphosis_mm=kyphosis, fat_mm=fat, wall_mm=float(rng.uniform(8, 20)), half_width=half_width,
                   half_depth=half_depth, arms=str(rng.choice(["up", "down"])),
                   oral_contrast=bool(rng.random() < 0.3), seeds={k: int(rng.integers(2 ** 31)) for k in
                                                                  ("texture", "bowel", "organs")})

"""How a synthetic trunk is scanned: contrast phase, field of view, voxel size, noise, storage orientation.

Fields of view (the z range, from the subject's own levels):
- `chest`: neck (C7 + 10..40 mm) to the costophrenic recesses (T12-L2);
- `chest_abdomen`: neck to somewhere between L3 and below the sacral promontory;
- `abdomen_pelvis`: liver dome (T9-T10) to below the femoral heads;
- `lumbar`: a spine crop from T11-L1 down to L4-S2.
Slices 0.6-5 mm (clinical reconstruction thicknesses; a series over `MAX_VOXELS`, e.g. 0.6 mm
from neck to pelvis, is made at the next thicker one, or with `cap_coarsens="pixels"` first with
coarser pixels up to `CAP_PIXEL_MM` and then thicker slices; recorded in the case's spacing), in-plane
pixels 0.6-1.0 mm (at most 512 x 512: a wider body is cut at the sides), noise 5-40 HU SD (low-dose PET/CT up to 40).
Storage: a random axis order and direction (RAS, LPS, feet first, permuted axes) with
the affine that keeps every voxel's world position.
"""
from dataclasses import dataclass

import numpy as np

from jmedseg.data.synth.trunk.tissues import PHASES, check_phase

FIELDS_OF_VIEW = ("chest", "chest_abdomen", "abdomen_pelvis", "lumbar")
SLICE_MM = (0.625, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 5.0)
SLICE_WEIGHTS = (1, 1, 2, 1, 2, 1, 1, 2, 2)
PIXEL_MM = (0.6, 1.0)
NOISE_HU = (5.0, 40.0)
MAX_MATRIX = 512            # in-plane pixels: a wider body is cut at the edge of the reconstruction
MAX_VOXELS = 512 * 512 * 300  # a longer thin series is reconstructed at the next thicker slice (benchmark cost)
CAP_PIXEL_MM = 1.5          # the coarsest pixel the cap makes before thicker slices: a whole trunk at
                            # 1.5 x 1.5 x 2 mm is a clinical reconstruction
SPINE_CROP_MM = (160.0, 300.0)  # a lumbar crop's in-plane field: a square on the spine (targeted reconstruction)


@dataclass
class Acquisition:
    phase: str
    fov: str
    slice_mm: float
    pixel_mm: float
    noise_hu: float
    axcodes: tuple            # storage orientation, nibabel axis codes, e.g. ('L', 'P', 'S')
    z_draw: tuple             # two uniform numbers in [0, 1) that place the FOV's ends (see `z_range`)
    crop_mm: float            # in-plane side of a lumbar crop's square field (other fields fit the body)
    max_voxels: int = MAX_VOXELS  # a larger series is made at the next thicker slice (a benchmark lowers it)
    cap_coarsens: str = "slices"  # over max_voxels: "slices" thickens the slices; "pixels" first coarsens the
                                  # pixels (up to CAP_PIXEL_MM), then thickens the slices


def check_fov(fov):
    if fov not in FIELDS_OF_VIEW:
        from jmedseg.errors import InputError

        raise InputError(f"unknown field of view {fov!r}; choose one of {', '.join(FIELDS_OF_VIEW)}")
    return fov


def draw_axcodes(rng):
    """Storage axis codes: usually x, y, z in some direction (RAS, LPS, LAS, feet first), sometimes permuted."""
    pairs = [("R", "L"), ("A", "P"), ("S", "I")]
    order = list(rng.permutation(3)) if rng.random() < 0.25 else [0, 1, 2]
    return tuple(pairs[k][int(rng.random() < 0.5)] for k in order)


def draw_acquisition(rng, phase=None, fov=None):
    phase = check_phase(phase) if phase else str(rng.choice(PHASES))
    fov = check_fov(fov) if fov else str(rng.choice(FIELDS_OF_VIEW))
    weights = np.asarray(SLICE_WEIGHTS, float)
    return Acquisition(phase=phase, fov=fov, slice_mm=float(rng.choice(SLICE_MM, p=weights / weights.sum())),
                       pixel_mm=float(rng.uniform(*PIXEL_MM)), noise_hu=float(rng.uniform(*NOISE_HU)),
                       axcodes=draw_axcodes(rng), z_draw=(float(rng.random()), float(rng.random())),
                       crop_mm=float(rng.uniform(*SPINE_CROP_MM)))


def z_range(subject, acq):
    """(bottom, top) mm of the scan along z for the acquisition's field of view."""
    u, w = acq.z_draw
    z = subject.z_of
    last_lumbar = subject.lumbar_names[-1]
    if acq.fov == "chest":
        top, bottom = z("C7") + 10 + 30 * u, z("L2") + (z("T12") - z("L2")) * w
    elif acq.fov == "chest_abdomen":
        top, bottom = z("C7") + 40 * u, z("L3") + (-60.0 - z("L3")) * w
    elif acq.fov == "abdomen_pelvis":
        top, bottom = z("T10") + (z("T9") - z("T10")) * u + 10, -130.0 - 40.0 * w
    else:
        top = z("L1") + (z("T11") - z("L1")) * u
        bottom = z("L4") + (-30.0 - z("L4")) * w if last_lumbar != "L4" else z("L3") + (-30 - z("L3")) * w
    return float(bottom), float(top)

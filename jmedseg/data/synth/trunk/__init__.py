"""Synthetic whole-trunk CT (C7 to the pelvis) with exact vertebra labels, for the labelling benchmark (issue 20).

    from jmedseg.data.synth.trunk import synth_trunk_case, save_case
    case = synth_trunk_case(seed=0, phase="arterial", fov="chest_abdomen")
    case.hu, case.affine            # int16 HU [x, y, z] in canonical RAS+, 4x4 affine
    case.levels["L1"]               # id 31, body centroid (world mm), trabecular HU, rib, complete
    save_case(case, "ct.nii.gz")    # stored in the case's random orientation (case.axcodes)

A subject (`anatomy.draw_subject`: spine C7-sacrum with rib and lumbosacral variants,
outline, fat, arms) is scanned (`acquisition.draw_acquisition`: contrast phase, field of
view, slice and pixel size, noise, storage orientation) and painted with one mapping
`tissue_hu` (`tissues`: every tissue's mean HU; `default_tissue_hu` draws it from
physical ranges per phase; a per-scanner HU scale can pass its own). Painting is
analytic with partial volume on a coarse grid (`canvas`, `render`): a CT takes a few
seconds. Labels: vertebra ids of TotalSegmentator v2 (`jmedseg.data.label_schemes`),
tissue codes `tissues.TISSUE_CODES`. Phantom-only: no real anatomy's variability beyond
the drawn ranges; report results on it next to real-CT results. See docs/synthetic_trunk.md.
"""
import numpy as np

from jmedseg.data.synth.trunk.acquisition import FIELDS_OF_VIEW, Acquisition, draw_acquisition
from jmedseg.data.synth.trunk.anatomy import L6_ID, Subject, Variant, draw_subject, level_id
from jmedseg.data.synth.trunk.render import COARSE_MM, TrunkCase, render_case
from jmedseg.data.synth.trunk.storage import save_case, stored_image
from jmedseg.data.synth.trunk.tissues import PHASES, TISSUE_CODES, default_tissue_hu, trabecular_key

__all__ = ["FIELDS_OF_VIEW", "PHASES", "TISSUE_CODES", "L6_ID", "Acquisition", "Subject", "TrunkCase", "Variant",
           "default_tissue_hu", "draw_acquisition", "draw_subject", "level_id", "render_case", "save_case",
           "stored_image", "synth_trunk_case", "trabecular_key"]


def synth_trunk_case(seed, phase=None, fov=None, variant=None, tissue_hu=None, coarse_mm=COARSE_MM,
                     oral_contrast=None, **acq):
    """One synthetic CT from `seed` (an int or a numpy Generator).

    `phase` / `fov` fix the contrast phase and field of view (else drawn);
    `variant` a `Variant` (rib pairs, lumbar count); `oral_contrast` True/False fixes
    whether stomach and bowel hold oral contrast (else drawn, 30 %); `tissue_hu` a complete mapping,
    or a function (rng, phase, level names) -> mapping (a scanner's HU scale), else
    `default_tissue_hu`; further keywords override acquisition fields
    (slice_mm, pixel_mm, noise_hu, axcodes).
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    subject = draw_subject(rng, variant)
    if oral_contrast is not None:
        subject.oral_contrast = bool(oral_contrast)
    acquisition = draw_acquisition(rng, phase, fov)
    for key, value in acq.items():
        if not hasattr(acquisition, key):
            from jmedseg.errors import InputError

            raise InputError(f"unknown acquisition setting {key!r}; use one of {', '.join(Acquisition.__annotations__)}")
        setattr(acquisition, key, value)
    if tissue_hu is None:
        tissue_hu = default_tissue_hu(rng, acquisition.phase, subject.names)
    elif callable(tissue_hu):
        tissue_hu = tissue_hu(rng, acquisition.phase, subject.names)
    return render_case(subject, acquisition, tissue_hu, rng, coarse_mm)

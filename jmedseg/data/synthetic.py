"""A synthetic cohort: age, sex, site and a true density per subject, rendered as 3D phantoms.

True densities follow a linear law of age per sex x site; the defaults are the
paper's Equation 3 (per-person fits, ages 39-80) converted from the paper's
stored units to HU (HU = stored - 1024; docs/references.md), with the
residual SD of its Table 2.
"""
from dataclasses import dataclass, field, replace

import numpy as np

from jmedseg.constants import HU_OFFSET
from jmedseg.data.phantom import SITES, render_subject
from jmedseg.errors import ConfigError

# Paper Eq. 3 in HU: (slope per year, intercept at age 0), keyed "<sex>_<site>".
EQUATION_3_HU = {
    "M_N": (-2.34, 1296.30 - HU_OFFSET), "M_S": (-1.86, 1271.49 - HU_OFFSET),
    "F_N": (-3.54, 1354.93 - HU_OFFSET), "F_S": (-3.59, 1358.96 - HU_OFFSET),
}
RESIDUAL_SD_HU = 6.0  # paper Table 2: 5.7-6.2


@dataclass
class DensityLaw:
    """Density = slope * age + intercept + N(0, residual_sd), per sex x site."""

    lines: dict = field(default_factory=lambda: dict(EQUATION_3_HU))
    residual_sd: float = RESIDUAL_SD_HU
    age_range: tuple = (39, 80)

    def __post_init__(self):
        lo, hi = self.age_range
        if not 0 < lo <= hi:
            raise ConfigError(f"age_range must be (low, high) with 0 < low <= high, got {self.age_range}")
        if self.residual_sd < 0:
            raise ConfigError(f"residual_sd must be >= 0, got {self.residual_sd}")
        for key, line in self.lines.items():
            if key.count("_") != 1 or len(line) != 2:
                raise ConfigError(f"density law {key!r}: keys are '<sex>_<site>' (e.g. 'F_N') and values "
                                 f"(slope, intercept), got {line!r}")

    def groups(self):
        return sorted(tuple(k.split("_")) for k in self.lines)

    def expected(self, age, sex, site):
        slope, intercept = self.lines[f"{sex}_{site}"]
        return slope * age + intercept


@dataclass
class SubjectInfo:
    subject_id: str
    age: int
    sex: str
    site: str
    true_density_hu: float

    def as_dict(self):
        return dict(subject_id=self.subject_id, age=self.age, sex=self.sex, site=self.site,
                    true_density_hu=self.true_density_hu)


def draw_cohort(n_subjects, seed=0, law=None):
    """`n_subjects` subjects with a uniform age, a (sex, site) group and a density from `law`."""
    if n_subjects < 1:
        raise ConfigError(f"need at least one subject, got {n_subjects}")
    law = law or DensityLaw()
    rng = np.random.default_rng(seed)
    groups = law.groups()
    out = []
    for i in range(n_subjects):
        sex, site = groups[int(rng.integers(len(groups)))]
        age = int(rng.integers(law.age_range[0], law.age_range[1] + 1))
        density = law.expected(age, sex, site) + rng.normal(0.0, law.residual_sd)
        out.append(SubjectInfo(f"sub{i:03d}", age, sex, site, round(float(density), 3)))
    return out


def subject_rng(seed, index):
    """An independent stream per subject, so subject i is the same whatever the cohort size."""
    return np.random.default_rng([int(seed), int(index)])


def render_cohort(infos, seed=0, spec=None, scanners=None):
    """Yield `(info, PhantomVolume)` per subject; the scanner is the subject's site's."""
    scanners = scanners or SITES
    for i, info in enumerate(infos):
        if info.site not in scanners:
            raise ConfigError(f"{info.subject_id}: no scanner settings for site {info.site!r}; "
                             f"known sites: {sorted(scanners)}")
        yield info, render_subject(info.true_density_hu, scanners[info.site], subject_rng(seed, i), spec)


def site_scanners(pixel_mm=None, noise_sd=None, scanners=None):
    """The site scanners with the pixel size and/or noise SD overridden (None keeps each site's)."""
    out = {}
    for name, sc in (scanners or SITES).items():
        out[name] = replace(sc, pixel_mm=float(pixel_mm) if pixel_mm else sc.pixel_mm,
                            noise_sd=float(noise_sd) if noise_sd is not None else sc.noise_sd)
    return out


def write_phantom_cohort(out, n_subjects, seed=0, noise_sd=None, progress=True, spec=None):
    """Render `n_subjects` phantoms into the cohort folder `out` (replaced if it exists); returns the rows.

    `spec` (a PhantomSpec) changes the anatomy or field of view; None keeps the defaults. The CT
    stores whole HU; `phantom.json` beside cohort.csv records the seed and the sites' scanners.
    """
    from dataclasses import asdict

    from jmedseg.data.cohort import write_cohort_folder
    from jmedseg.data.io import Volume

    infos = draw_cohort(n_subjects, seed=seed, law=DensityLaw())
    scanners = site_scanners(noise_sd=noise_sd)

    def volumes():
        for info, vol in render_cohort(infos, seed=seed, spec=spec, scanners=scanners):
            yield info.as_dict(), Volume(vol.ct, vol.affine, vol.spacing), np.round(vol.ct), vol.vertebrae, vol.labels

    meta = {"seed": seed, "subjects": n_subjects, "scanners": {k: asdict(v) for k, v in scanners.items()}}
    return write_cohort_folder(out, volumes(), replace=True, extra_json={"phantom.json": meta}, progress=progress,
                               desc="phantom")

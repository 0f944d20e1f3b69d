"""A small synthetic cohort of subjects, each a stack of axial slices (the built-in data set).

True densities follow the paper's Equation 3 (per-person fits, ages 39-80),
converted from the paper's stored units to HU (HU = stored - 1024).
"""
from dataclasses import dataclass, field

import numpy as np

from jmedseg.data.phantom import SliceSpec, make_slice

# Paper Eq. 3 in HU: (slope per year, intercept at age 0), keyed "<sex>_<site>".
EQUATION_3_HU = {
    "M_N": (-2.34, 1296.30 - 1024), "M_S": (-1.86, 1271.49 - 1024),
    "F_N": (-3.54, 1354.93 - 1024), "F_S": (-3.59, 1358.96 - 1024),
}
RESIDUAL_SD_HU = 6.0  # paper Table 2: 5.7-6.2


@dataclass
class Subject:
    subject_id: str
    age: int
    sex: str
    site: str
    true_density_hu: float
    images: list = field(default_factory=list)   # HU slices
    labels: list = field(default_factory=list)


def make_cohort(n_subjects=24, slices_per_subject=6, seed=0, spec=None, age_range=(39, 80)):
    """Subjects with age, sex, site and a true density drawn from the paper's law."""
    if n_subjects < 1 or slices_per_subject < 1:
        raise ValueError("need at least one subject and one slice per subject")
    rng = np.random.default_rng(seed)
    spec = spec or SliceSpec()
    cohort = []
    for i in range(n_subjects):
        sex, site = rng.choice(["M", "F"]), rng.choice(["N", "S"])
        age = int(rng.integers(age_range[0], age_range[1] + 1))
        slope, intercept = EQUATION_3_HU[f"{sex}_{site}"]
        density = slope * age + intercept + rng.normal(0.0, RESIDUAL_SD_HU)
        subject = Subject(f"sub{i:03d}", age, str(sex), str(site), float(density))
        for _ in range(slices_per_subject):
            hu, lab = make_slice(rng, density, spec)
            subject.images.append(hu)
            subject.labels.append(lab)
        cohort.append(subject)
    return cohort

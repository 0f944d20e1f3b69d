"""Build train/val/test datasets from the `data` config group."""
from dataclasses import dataclass

from jmedseg.data.datasets import SliceDataset, split_subjects
from jmedseg.data.phantom import CLASS_NAMES, SliceSpec
from jmedseg.data.synthetic import make_cohort


@dataclass
class SplitData:
    dataset: SliceDataset
    subjects: list  # metadata dicts: subject_id, age, sex, site, true_density_hu


def _synthetic_subjects(cfg):
    spec = SliceSpec(size=int(cfg.image_size), pixel_mm=float(cfg.pixel_mm), noise_sd=float(cfg.noise_sd))
    return make_cohort(int(cfg.n_subjects), int(cfg.slices_per_subject), seed=int(cfg.seed), spec=spec)


BUILDERS = {"synthetic": _synthetic_subjects}


def class_names(cfg):
    return list(cfg.get("class_names") or CLASS_NAMES)


def build_splits(cfg, batch_size=4, seed=0, splits=("train", "val", "test")):
    """Datasets per split; subjects are split by id so none is in two splits."""
    if cfg.name not in BUILDERS:
        raise ValueError(f"unknown data set {cfg.name!r}; choose one of {sorted(BUILDERS)}")
    subjects = BUILDERS[cfg.name](cfg)
    members = split_subjects([s.subject_id for s in subjects], tuple(cfg.split), seed=int(cfg.seed))
    windows = [tuple(w) for w in cfg.windows]
    out = {}
    for name in splits:
        chosen = [s for s in subjects if s.subject_id in set(members[name])]
        images = [im for s in chosen for im in s.images]
        labels = [lab for s in chosen for lab in s.labels]
        ids = [s.subject_id for s in chosen for _ in s.images]
        ds = SliceDataset(images, labels, windows, ids, batch_size=batch_size,
                          shuffle=(name == "train"), seed=seed)
        meta = [dict(subject_id=s.subject_id, age=s.age, sex=s.sex, site=s.site,
                     true_density_hu=s.true_density_hu) for s in chosen]
        out[name] = SplitData(ds, meta)
    return out

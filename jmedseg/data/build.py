"""Build train/val/test datasets from the `data` config group.

`data=synthetic` renders the 3D phantom cohort in memory; `data=cohort` reads
a folder made by `jmedseg phantom` (or laid out the same way). Both cut 2D
axial slices through the chosen vertebrae (`jmedseg.data.slices`).
`data=paper` imports 2D slices in the paper code's layout
(`jmedseg.data.paper_layout`), with the split its json files give.
"""
from dataclasses import dataclass

from omegaconf import OmegaConf

from jmedseg.data.cohort import read_cohort, subject_paths
from jmedseg.data.datasets import SliceDataset, split_subjects
from jmedseg.data.phantom import CLASS_NAMES, PhantomSpec
from jmedseg.data.slices import axial_slices
from jmedseg.data.synthetic import DensityLaw, draw_cohort, render_cohort, site_scanners

CROP_MARGIN_MM = 30.0  # rendered field of view beyond the crop: room for the random pose


@dataclass
class SplitData:
    dataset: SliceDataset
    subjects: list  # metadata dicts: subject_id, age, sex, site, true_density_hu


@dataclass
class SubjectSlices:
    info: dict
    slices: list  # Slice2D


def _level_map(cfg):
    return {str(k): int(v) for k, v in cfg.level_map.items()} if cfg.get("level_map") else None


def _slicing(cfg):
    return dict(levels=tuple(cfg.levels), n_slices=int(cfg.slices_per_subject), size=int(cfg.image_size),
                pixel_mm=float(cfg.pixel_mm), num_classes=int(cfg.num_classes), level_map=_level_map(cfg))


def density_law(cfg):
    law = cfg.get("law") or {}
    lines = law.get("lines")
    kwargs = {}
    if lines:
        kwargs["lines"] = {k: tuple(v) for k, v in OmegaConf.to_container(lines).items()}
    if law.get("residual_sd") is not None:
        kwargs["residual_sd"] = float(law.residual_sd)
    if law.get("age_range") is not None:
        kwargs["age_range"] = tuple(law.age_range)
    return DensityLaw(**kwargs)


def _synthetic_subjects(cfg):
    infos = draw_cohort(int(cfg.n_subjects), seed=int(cfg.seed), law=density_law(cfg))
    fov = float(cfg.image_size) * float(cfg.pixel_mm) + 2 * CROP_MARGIN_MM  # only what the crops need
    spec = PhantomSpec(fov_mm=(fov, fov))
    scanners = site_scanners(pixel_mm=cfg.pixel_mm, noise_sd=cfg.get("noise_sd"))
    out = []
    for info, vol in render_cohort(infos, seed=int(cfg.seed), spec=spec, scanners=scanners):
        out.append(SubjectSlices(info.as_dict(), axial_slices(vol.ct, vol.labels, vol.vertebrae, vol.spacing,
                                                              **_slicing(cfg))))
    return out


def _cohort_subjects(cfg):
    from jmedseg.data.io import load_labels, load_volume

    if not cfg.get("root"):
        raise ValueError("data=cohort needs data.root=DIR (a folder made by `jmedseg phantom`)")
    out = []
    for row in read_cohort(cfg.root):
        paths = subject_paths(cfg.root, row["subject_id"])
        ct = load_volume(paths["ct"], units=cfg.get("units", "hu"))
        levels = load_labels(paths["vertebrae"])
        if levels.shape != ct.shape:
            raise ValueError(f"{levels.path}: shape {levels.shape} differs from the CT's {ct.shape}; "
                             f"run `jmedseg check-data {cfg.root}`")
        tissue = _tissue_labels(paths["labels"], levels, ct, cfg)
        try:
            slices = axial_slices(ct.array, tissue, levels.array, ct.spacing, **_slicing(cfg))
        except ValueError as err:
            raise ValueError(f"{row['subject_id']}: {err}") from None
        out.append(SubjectSlices(row, slices))
    return out


def _paper_subjects(cfg):
    from jmedseg.data.paper_layout import read_paper_layout

    if not cfg.get("root"):
        raise ValueError("data=paper needs data.root=DIR (data/, label/, train/val/test_label.json)")
    return [SubjectSlices(info, slices) for info, slices in read_paper_layout(
        cfg.root, int(cfg.image_size), tuple(cfg.export_window), float(cfg.pixel_mm))]


def _tissue_labels(path, levels, ct, cfg):
    """The subject's tissue labels, or, without a labels file, derived from its whole-vertebra masks."""
    import os

    from jmedseg.data.io import load_labels
    from jmedseg.data.labels import tissue_from_vertebrae

    if not os.path.isfile(path):
        return tissue_from_vertebrae(levels.array, ct.spacing, tuple(cfg.levels), _level_map(cfg),
                                     shell_mm=float(cfg.get("shell_mm", 2.0)))
    labels = load_labels(path)
    if labels.shape != ct.shape:
        raise ValueError(f"{path}: shape {labels.shape} differs from the CT's {ct.shape}; "
                         f"run `jmedseg check-data {cfg.root}`")
    return labels.array


def _synthetic_ct_subjects(cfg):
    from jmedseg.data.synth.builder import synthetic_ct_cohort

    return [SubjectSlices(info, slices) for info, slices in synthetic_ct_cohort(cfg)]


BUILDERS = {"synthetic": _synthetic_subjects, "cohort": _cohort_subjects, "paper": _paper_subjects,
            "synthetic_ct": _synthetic_ct_subjects}


def _members(subjects, cfg):
    """Subject ids per split: the data set's own split when it has one, else a seeded random one."""
    if all("split" in s.info for s in subjects):
        return {name: [s.info["subject_id"] for s in subjects if s.info["split"] == name]
                for name in ("train", "val", "test")}
    return split_subjects([s.info["subject_id"] for s in subjects], tuple(cfg.split), seed=int(cfg.seed))


def class_names(cfg):
    return list(cfg.get("class_names") or CLASS_NAMES[: int(cfg.num_classes)])


def build_splits(cfg, batch_size=4, seed=0, splits=("train", "val", "test"), augment=None):
    """Datasets per split; subjects are split by id so none is in two splits.

    `augment` (the `augment` config group) transforms the training split only.
    """
    from jmedseg.data.augment import build_augment

    if cfg.name not in BUILDERS:
        raise ValueError(f"unknown data set {cfg.name!r}; choose one of {sorted(BUILDERS)}")
    subjects = BUILDERS[cfg.name](cfg)
    members = _members(subjects, cfg)
    windows = [tuple(w) for w in cfg.windows]
    out = {}
    for name in splits:
        chosen = [s for s in subjects if s.info["subject_id"] in set(members[name])]
        slices = [(s.info["subject_id"], sl) for s in chosen for sl in s.slices]
        transform = build_augment(augment, seed=seed) if name == "train" else None
        ds = SliceDataset([sl.hu for _, sl in slices], [sl.labels for _, sl in slices], windows,
                          [sid for sid, _ in slices], batch_size=batch_size, shuffle=(name == "train"),
                          seed=seed, transform=transform, spacing_mm=[sl.spacing_mm for _, sl in slices])
        out[name] = SplitData(ds, [dict(s.info) for s in chosen])
    return out

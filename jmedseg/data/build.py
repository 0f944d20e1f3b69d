"""Build train/val/test datasets from the `data` config group.

`data=synthetic` renders the 3D phantom cohort in memory; `data=cohort` reads
a folder made by `jmedseg phantom` (or laid out the same way). Both cut 2D
axial slices through the chosen vertebrae (`jmedseg.data.slices`).
`data=paper` imports 2D slices in the paper code's layout
(`jmedseg.data.paper_layout`), with the split its json files give.

`data=cohort` also reads VerSe, TotalSegmentator and plain folder trees in
place (`data.format`, jmedseg/data/importers), and can split by vertebra
instead of by subject (`data.level_split`: train on L3/L4, test on L1/L2).
`data=mixed` trains on the phantom and a real cohort together, with a set
share of real slices (`data.real_fraction`).
"""
import logging
from dataclasses import dataclass, field

import numpy as np
from omegaconf import OmegaConf

from jmedseg.data.datasets import SliceDataset, split_subjects
from jmedseg.data.input_spec import InputSpec
from jmedseg.constants import CLASS_NAMES
from jmedseg.data.phantom import PhantomSpec
from jmedseg.data.slices import axial_slices, level_ids
from jmedseg.data.synthetic import DensityLaw, draw_cohort, render_cohort, site_scanners
from jmedseg.errors import ConfigError

CROP_MARGIN_MM = 30.0  # rendered field of view beyond the crop: room for the random pose
SPLITS = ("train", "val", "test")
# data=mixed: keys both parts share (the model sees one kind of input) and the parts' own blocks
MIXED_SHARED = ("levels", "image_size", "pixel_mm", "seed", "split", "windows", "num_classes", "class_names",
                "context_slices")
logger = logging.getLogger(__name__)


@dataclass
class SplitData:
    dataset: SliceDataset
    subjects: list  # metadata dicts: subject_id, age, sex, site, true_density_hu


@dataclass
class SubjectSlices:
    info: dict
    slices: list  # Slice2D
    by_split: dict = field(default=None)  # {split: [Slice2D]} when the split is by vertebra (data.level_split)


def _level_map(cfg):
    return {str(k): int(v) for k, v in cfg.level_map.items()} if cfg.get("level_map") else None


def _slicing(cfg):
    return dict(levels=tuple(cfg.levels), n_slices=int(cfg.slices_per_subject), size=int(cfg.image_size),
                pixel_mm=float(cfg.pixel_mm), num_classes=int(cfg.num_classes), level_map=_level_map(cfg),
                context_slices=int(cfg.get("context_slices") or 0))


def input_channels(cfg):
    """The model's input channels for data config `cfg`: one per HU window, times 2k + 1 slices in 2.5D."""
    return InputSpec.from_data_config(cfg).in_channels


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
    """Subjects of a cohort folder or, read in place, of a VerSe / TotalSegmentator / plain folder tree."""
    from jmedseg.data.importers import read_source

    if not cfg.get("root"):
        raise ConfigError("data=cohort needs data.root=DIR (a cohort folder, or a VerSe / TotalSegmentator / "
                         "plain folder with data.format=verse|totalsegmentator|folder)")
    sources = read_source(cfg.get("format") or "cohort", cfg.root, units=cfg.get("units", "hu"),
                          table=cfg.get("table"), pattern=cfg.get("pattern"), mask_pattern=cfg.get("mask_pattern"),
                          label_scheme=cfg.get("label_scheme"))
    level_split = cfg.get("level_split")
    out = []
    for src in sources:
        loaded = src.load()
        if level_split:  # the same subjects in every split, different vertebrae (few-shot, paper section 4)
            by_split = {name: _subject_slices(src.subject_id, loaded, list(level_split.get(name) or []), cfg,
                                              required=False) for name in SPLITS}
            out.append(SubjectSlices(src.row, [], by_split))
        else:
            out.append(SubjectSlices(src.row, _subject_slices(src.subject_id, loaded, list(cfg.levels), cfg)))
    return out


def _subject_slices(subject_id, loaded, levels, cfg, required=True):
    """Axial slices through those of `levels` the subject has (none of them: an error when `required`)."""
    from jmedseg.data.labels import tissue_from_vertebrae

    if not levels:
        return []
    ids = level_ids(levels, _level_map(cfg))
    present = [name for name, lid in zip(levels, ids) if (loaded.vertebrae == lid).any()]
    if not present and not required:
        logger.info("%s: none of the levels %s is in the scan; it adds no slice there", subject_id, levels)
        return []
    if not present:
        found = sorted(int(v) for v in np.unique(loaded.vertebrae) if v)
        raise ConfigError(f"{subject_id}: none of the levels {levels} (ids {list(ids)}) is in its vertebra map; "
                         f"ids present: {found}")
    if len(present) < len(levels):
        logger.info("%s: levels %s are not in the scan; slicing %s", subject_id,
                    [l for l in levels if l not in present], present)
    tissue = loaded.labels
    if tissue is None:  # no tissue labels: derived from the whole-vertebra masks
        tissue = tissue_from_vertebrae(loaded.vertebrae, loaded.ct.spacing, tuple(present), _level_map(cfg),
                                       shell_mm=float(cfg.get("shell_mm", 2.0)))
    try:
        return axial_slices(loaded.ct.array, tissue, loaded.vertebrae, loaded.ct.spacing,
                            **{**_slicing(cfg), "levels": tuple(present)})
    except ValueError as err:
        raise ConfigError(f"{subject_id}: {err}") from None


def _paper_subjects(cfg):
    from jmedseg.data.paper_layout import read_paper_layout

    if not cfg.get("root"):
        raise ConfigError("data=paper needs data.root=DIR (data/, label/, train/val/test_label.json)")
    return [SubjectSlices(info, slices) for info, slices in read_paper_layout(
        cfg.root, int(cfg.image_size), tuple(cfg.export_window), float(cfg.pixel_mm))]


def _synthetic_ct_subjects(cfg):
    from jmedseg.data.synth.builder import synthetic_ct_cohort

    return [SubjectSlices(info, slices) for info, slices in synthetic_ct_cohort(cfg)]


BUILDERS = {"synthetic": _synthetic_subjects, "cohort": _cohort_subjects, "paper": _paper_subjects,
            "synthetic_ct": _synthetic_ct_subjects}


def _members(subjects, cfg):
    """Subject ids per split: the data set's own split when it has one, else a seeded random one."""
    if all("split" in s.info for s in subjects):
        return {name: [s.info["subject_id"] for s in subjects if s.info["split"] == name] for name in SPLITS}
    return split_subjects([s.info["subject_id"] for s in subjects], tuple(cfg.split), seed=int(cfg.seed))


def class_names(cfg):
    return list(cfg.get("class_names") or CLASS_NAMES[: int(cfg.num_classes)])


def split_slices(cfg):
    """{split: (subject infos, [(subject id, Slice2D)])} of a synthetic, cohort or paper data config."""
    if cfg.name not in BUILDERS:
        raise ConfigError(f"unknown data set {cfg.name!r}; choose one of {sorted(BUILDERS) + ['mixed']}")
    subjects = BUILDERS[cfg.name](cfg)
    if any(s.by_split is not None for s in subjects):
        return {name: ([dict(s.info) for s in subjects if s.by_split[name]],
                       [(s.info["subject_id"], sl) for s in subjects for sl in s.by_split[name]]) for name in SPLITS}
    members = _members(subjects, cfg)
    out = {}
    for name in SPLITS:
        chosen = [s for s in subjects if s.info["subject_id"] in set(members[name])]
        out[name] = ([dict(s.info) for s in chosen], [(s.info["subject_id"], sl) for s in chosen for sl in s.slices])
    return out


def oversample(items, count, seed):
    """`count` items drawn from `items` in seeded random order, cycling through them all before repeating."""
    if count == 0 or not items:
        return []
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(len(items)) for _ in range(-(-count // len(items)))])[:count]
    return [items[i] for i in order]


def mixed_slices(cfg):
    """Phantom and real slices together (data=mixed): the real share of training slices is data.real_fraction.

    Real training slices are repeated (or subsampled) to make up that share of
    the training set; validation holds both parts, the test split the part
    `data.test_on` names (real, phantom or both).
    """
    fraction = float(cfg.real_fraction)
    if not 0.0 <= fraction <= 1.0:
        raise ConfigError(f"data.real_fraction must be between 0 and 1, got {fraction}")
    shared = {k: OmegaConf.to_container(cfg[k]) if OmegaConf.is_config(cfg[k]) else cfg[k]
              for k in MIXED_SHARED if k in cfg}
    part = lambda block, name: OmegaConf.create({**OmegaConf.to_container(block, resolve=True), **shared,
                                                 "name": name})
    phantom, real = split_slices(part(cfg.phantom, "synthetic")), split_slices(part(cfg.real, "cohort"))
    clash = {i["subject_id"] for i in phantom["train"][0] + phantom["val"][0] + phantom["test"][0]} \
        & {i["subject_id"] for part in real.values() for i in part[0]}
    if clash:
        raise ConfigError(f"phantom and real subjects share ids {sorted(clash)[:5]}; rename the real ones")
    n_phantom, n_real = len(phantom["train"][1]), len(real["train"][1])
    if fraction > 0 and n_real == 0:
        raise ConfigError("data.real_fraction > 0 but the real cohort gives no training slice")
    if fraction == 1.0:
        n_phantom, want = 0, n_real
    else:
        want = max(1, int(round(fraction / (1.0 - fraction) * n_phantom))) if fraction > 0 else 0
    train = phantom["train"][1][:n_phantom] + oversample(real["train"][1], want, int(cfg.seed))
    test_on = str(cfg.get("test_on", "real"))
    if test_on not in ("real", "phantom", "both"):
        raise ConfigError(f"data.test_on must be real, phantom or both, got {test_on!r}")
    test_parts = {"real": [real], "phantom": [phantom], "both": [phantom, real]}[test_on]
    join = lambda parts, name: ([i for p in parts for i in p[name][0]], [x for p in parts for x in p[name][1]])
    logger.info("mixed training set: %d phantom + %d real slices (%d distinct)", n_phantom, want, n_real)
    return {"train": ([i for i in phantom["train"][0] if n_phantom] + real["train"][0], train),
            "val": join([phantom, real], "val"), "test": join(test_parts, "test")}


def build_splits(cfg, batch_size=4, seed=0, splits=SPLITS, augment=None):
    """Datasets per split; subjects are split by id so none is in two splits (or by vertebra: data.level_split).

    `augment` (the `augment` config group) transforms the training split only.
    """
    from jmedseg.data.augment import build_augment

    parts = mixed_slices(cfg) if cfg.name == "mixed" else split_slices(cfg)
    windows = [tuple(w) for w in cfg.windows]
    out = {}
    for name in splits:
        infos, slices = parts[name]
        context = [sl.context for _, sl in slices] if int(cfg.get("context_slices") or 0) else None
        transform = build_augment(augment, seed=seed) if name == "train" else None
        ds = SliceDataset([sl.hu for _, sl in slices], [sl.labels for _, sl in slices], windows,
                          [sid for sid, _ in slices], batch_size=batch_size, shuffle=(name == "train"),
                          seed=seed, transform=transform, spacing_mm=[sl.spacing_mm for _, sl in slices],
                          context_hu=context)
        out[name] = SplitData(ds, infos)
    return out

"""2D slices from 3D volumes, subject-level splits, the data builders, paper-layout import, augmentation."""
import json
import os

import numpy as np
import pytest
from omegaconf import OmegaConf
from PIL import Image

from jmedseg.data.synthetic import write_phantom_cohort as write_cohort
from jmedseg.data.augment import Augmenter, build_augment
from jmedseg.data.build import build_splits
from jmedseg.data.phantom import CANCELLOUS, LEVEL_IDS, OTHER_BONE, SITES, PhantomSpec, render_subject
from jmedseg.data.slices import axial_slices, map_classes
from tests.conftest import compose_config

SMALL = PhantomSpec(fov_mm=(100.0, 100.0))


@pytest.fixture(scope="module")
def volume():
    return render_subject(150.0, SITES["S"], np.random.default_rng(2), SMALL)


def test_axial_slices_cross_the_chosen_vertebrae(volume):
    vol = volume
    slices = axial_slices(vol.ct, vol.labels, vol.vertebrae, vol.spacing, levels=("L1",), n_slices=4,
                          size=64, pixel_mm=vol.spacing[0], num_classes=4)
    assert len(slices) == 4 and {s.level for s in slices} == {"L1"}
    for s in slices:
        k = s.z_index
        assert ((vol.labels[:, :, k] == CANCELLOUS) & (vol.vertebrae[:, :, k] == LEVEL_IDS["L1"])).sum() >= 50
        assert s.hu.shape == s.labels.shape == (64, 64) and s.spacing_mm == (vol.spacing[0],) * 2
        # same pixel size: the crop copies voxels, so every HU value is one of the slice's own
        assert np.isin(s.hu, vol.ct[:, :, k]).all()
        assert np.isin(s.labels[s.labels == CANCELLOUS], [CANCELLOUS]).all()
        # radiological view: the body (anterior) sits above the posterior elements
        rows = lambda cls: np.nonzero(s.labels == cls)[0].mean()
        assert rows(CANCELLOUS) < rows(OTHER_BONE)
    resampled = axial_slices(vol.ct, vol.labels, vol.vertebrae, vol.spacing, n_slices=2, size=96, pixel_mm=0.5)
    assert resampled[0].hu.shape == (96, 96) and set(np.unique(resampled[0].labels)) <= {0, 1, 2}
    with pytest.raises(ValueError, match="multiple of 32"):
        axial_slices(vol.ct, vol.labels, vol.vertebrae, vol.spacing, size=100)
    with pytest.raises(ValueError, match=r"no axial slice .* vertebra ids present: \[29, 30, 31, 32\]"):
        axial_slices(vol.ct, vol.labels, vol.vertebrae, vol.spacing, levels=("L1",), min_pixels=10 ** 6)
    with pytest.raises(ValueError, match="num_classes must be 3"):
        map_classes(vol.labels, 5)


def test_synthetic_build_splits_by_subject():
    cfg = compose_config("train", ["data.n_subjects=5", "data.slices_per_subject=2", "data.image_size=64",
                                   "data.pixel_mm=1.2", "data.split=[0.6,0.2,0.2]"])
    data = build_splits(cfg.data, batch_size=2)
    ids = {name: set(split.dataset.subject_ids) for name, split in data.items()}
    assert sum(len(v) for v in ids.values()) == 5 and not (ids["train"] & ids["test"]) \
        and not (ids["train"] & ids["val"]) and not (ids["val"] & ids["test"])
    train = data["train"].dataset
    assert train.num_slices == 6 and train.spacing_mm == [(1.2, 1.2)] * 6
    x, y = train[0]
    assert x.shape == (1, 64, 64) and y.shape == (64, 64) and set(np.unique(y)) <= {0, 1, 2}
    assert {m["subject_id"] for m in data["test"].subjects} == ids["test"]
    # the slice's reference density is the subject's, up to noise and the fit
    meta = data["train"].subjects[0]
    hu = np.concatenate([h[l == CANCELLOUS] for h, l, s in zip(train.images_hu, train.labels, train.subject_ids)
                         if s == meta["subject_id"]])
    assert abs(np.median(hu) - meta["true_density_hu"]) < 25


def test_cohort_folder_builds_the_same_kind_of_split(tmp_path):
    root = tmp_path / "cohort"
    rows = write_cohort(str(root), 3, seed=4, progress=False, spec=SMALL)
    cfg = compose_config("train", ["data=cohort", f"data.root={root}", "data.image_size=64", "data.pixel_mm=1.0",
                                   "data.slices_per_subject=2", "data.split=[0.34,0.33,0.33]",
                                   "data.windows=[[-200,1000],[-1000,1000],[0,400]]"])
    data = build_splits(cfg.data, batch_size=2)
    assert sorted(m["subject_id"] for split in data.values() for m in split.subjects) == \
        [r["subject_id"] for r in rows]
    x, _ = data["train"].dataset[0]
    assert x.shape == (3, 64, 64)  # three HU windows: a 3-channel input
    with pytest.raises(ValueError, match="data.root"):
        build_splits(compose_config("train", ["data=cohort"]).data)


def test_paper_layout_import(tmp_path):
    os.makedirs(tmp_path / "data")
    os.makedirs(tmp_path / "label")
    for split, people in {"train": ["p1", "p2"], "val": ["p3"], "test": ["p4"]}.items():
        listing = {}
        for p in people:
            names = [f"{p}_{i}.npy" for i in range(2)]
            for n in names:
                grey = np.full((40, 40), 51, np.uint8)   # 51/255 of [-200, 1000] = 40 HU
                grey[10:30, 10:30] = 85                   # 85/255 -> 200 HU
                Image.fromarray(np.stack([grey] * 3, -1)).save(tmp_path / "data" / n.replace(".npy", ".png"))
                np.save(tmp_path / "label" / n, (grey == 85).astype(np.int64))
            listing[p] = {"ct1": {"list": names + ["notes.txt"]}}
        json.dump(listing, open(tmp_path / f"{split}_label.json", "w"))
    cfg = compose_config("train", ["data=paper", f"data.root={tmp_path}", "data.image_size=64"])
    data = build_splits(cfg.data, batch_size=2)
    assert [sorted(set(data[s].dataset.subject_ids)) for s in ("train", "val", "test")] == \
        [["p1", "p2"], ["p3"], ["p4"]]
    ds = data["train"].dataset
    hu, lab = ds.images_hu[0], ds.labels[0]
    assert hu.shape == (64, 64) and np.median(hu[lab == 1]) == pytest.approx(200.0, abs=0.01)
    assert np.median(hu[lab == 0]) == pytest.approx(40.0, abs=0.01)
    json.dump({"p1": {"ct9": {"list": ["p1_0.npy"]}}}, open(tmp_path / "test_label.json", "w"))
    with pytest.raises(ValueError, match="p1.*in both train and test"):
        build_splits(cfg.data)


AUG = dict(p=1.0, brightness=0.2, contrast=0.2, gamma=[70, 140],
                            blur_sigma=[0.3, 1.0], noise_std=[0.01, 0.05], hue_shift=15, sat_shift=25,
                            geometric=True, rotate_deg=20, scale=[0.9, 1.1], translate=0.05)


def test_augmentation_is_seeded_and_moves_labels_with_the_image():
    rng = np.random.default_rng(0)
    y = np.zeros((64, 64), np.int32)
    y[20:40, 16:30] = 2
    x = np.stack([y / 2.0 * 0.8 + 0.1 + rng.uniform(0, 0.02, y.shape)] * 3).astype(np.float32)
    aug = Augmenter(**AUG)
    x1, y1 = aug(x, y, seed=11)
    x2, y2 = aug(x, y, seed=11)
    x3, y3 = aug(x, y, seed=12)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3) and not np.array_equal(y1, y)
    assert x1.shape == x.shape and x1.dtype == np.float32 and 0.0 <= x1.min() and x1.max() <= 1.0
    assert set(np.unique(y1)) <= {0, 2}  # nearest-neighbour labels: no new classes
    # the bright square moved with its label: bright pixels sit where the label says 2
    bright = x1.mean(axis=0) > 0.5
    assert (bright == (y1 == 2)).mean() > 0.97
    one_channel, _ = aug(x[:1], y, seed=11)
    assert one_channel.shape == (1, 64, 64)
    assert build_augment(OmegaConf.create({})) is None and build_augment(None) is None


def test_train_split_gets_the_augment_config_group():
    cfg = compose_config("train", ["augment=color", "data.n_subjects=4", "data.slices_per_subject=1",
                                   "data.image_size=64", "data.pixel_mm=1.2", "data.split=[0.5,0.25,0.25]"])
    assert cfg.augment.geometric is False and isinstance(build_augment(cfg.augment), Augmenter)
    data = build_splits(cfg.data, batch_size=1, augment=cfg.augment)
    train, test = data["train"].dataset, data["test"].dataset
    assert train.transform is not None and test.transform is None
    train.set_epoch(0)
    a = train[0][0]
    assert np.array_equal(a, train[0][0])          # same (seed, epoch, slice): same draw
    train.set_epoch(1)
    assert not np.array_equal(a, train[0][0])      # a new epoch draws anew
    np.testing.assert_array_equal(train[0][1], train.labels[0])  # colour only: labels untouched

"""2.5D input (neighbouring slices as channels) and mixed phantom + real training sets."""
import math

import numpy as np
import pytest

from jmedseg.data.build import build_splits, input_channels, oversample
from jmedseg.data.datasets import SliceDataset
from jmedseg.data.phantom import SITES, PhantomSpec, render_subject
from jmedseg.data.slices import axial_slices
from jmedseg.pipelines.training import train
from tests.conftest import compose_config
from tests.datasets.real_trees import totalseg_tree

SMALL = PhantomSpec(fov_mm=(100.0, 100.0))


@pytest.fixture(scope="module")
def volume():
    return render_subject(150.0, SITES["S"], np.random.default_rng(3), SMALL)


def test_context_slices_are_the_neighbours_on_the_same_grid(volume):
    vol = volume
    flat = axial_slices(vol.ct, vol.labels, vol.vertebrae, vol.spacing, levels=("L1",), n_slices=3, size=64,
                        pixel_mm=vol.spacing[0])
    deep = axial_slices(vol.ct, vol.labels, vol.vertebrae, vol.spacing, levels=("L1",), n_slices=3, size=64,
                        pixel_mm=vol.spacing[0], context_slices=2)
    for a, b in zip(flat, deep):
        assert a.context is None and b.context.shape == (5, 64, 64)
        assert np.array_equal(b.context[2], a.hu) and np.array_equal(b.hu, a.hu)
        for j, offset in enumerate(range(-2, 3)):
            # same pixel size: each channel copies voxels of its own slice (clamped at the volume's ends)
            k = min(max(b.z_index + offset, 0), vol.ct.shape[2] - 1)
            assert np.isin(b.context[j], vol.ct[:, :, k]).all()
    ds = SliceDataset([s.hu for s in deep], [s.labels for s in deep], windows=[(-200, 1000), (0, 400)],
                      context_hu=[s.context for s in deep])
    x, y = ds[0]
    assert x.shape == (10, 64, 64) and y.shape == (64, 64)  # 5 slices x 2 windows
    # channel order: slice-major, then window: channel 2 * j + w is slice j through window w
    assert np.allclose(x[4], np.clip((deep[0].hu + 200) / 1200, 0, 1))
    assert np.allclose(x[5], np.clip(deep[0].hu / 400, 0, 1))
    ds.images_hu[0] = ds.images_hu[0] + 10.0  # a distortion of the slice alone cannot be fed silently
    with pytest.raises(ValueError, match="changed without its neighbours"):
        ds[0]


def test_model_input_channels_follow_the_context(tiny_cfg):
    cfg = tiny_cfg("data.context_slices=1", "data.windows=[[-200,1000],[0,400]]")
    assert input_channels(cfg.data) == 6
    with pytest.raises(ValueError, match="0 or more"):
        input_channels(compose_config("train", ["data.context_slices=-1"]).data)


@pytest.mark.slow  # a 2-step training (about 15 s on 2 cores)
def test_two_step_train_with_context(tiny_cfg):
    result = train(tiny_cfg("data.context_slices=1", "trainer.max_steps=2", "test=false"))
    assert result["steps"] == 2 and math.isfinite(result["history"][0]["train_loss"])


def test_oversample_cycles_through_all_before_repeating():
    drawn = oversample(list("abc"), 7, seed=0)
    assert len(drawn) == 7 and set(drawn[:3]) == set(drawn[3:6]) == set("abc")
    assert oversample(list("abc"), 0, seed=0) == [] and len(set(oversample(list("abcdef"), 4, seed=1))) == 4


@pytest.fixture(scope="module")
def real_root(tmp_path_factory):
    from jmedseg.cli import main as cli

    tmp = tmp_path_factory.mktemp("real")
    src, _ = totalseg_tree(tmp / "src")
    assert cli(["import", "--format", "totalsegmentator", src, "--out", str(tmp / "cohort"), "--quiet"]) == 0
    return tmp / "cohort"


def _mixed(real_root, fraction, *extra):
    return compose_config("train", [
        "data=mixed", f"data.real.root={real_root}", f"data.real_fraction={fraction}", "data.phantom.n_subjects=4",
        "data.phantom.slices_per_subject=3", "data.real.slices_per_subject=2", "data.image_size=64",
        "data.pixel_mm=1.5", "data.split=[0.5,0.25,0.25]",
        "data.real.level_split={train: [L3, L4], val: [L5], test: [L1, L2]}", *extra]).data


@pytest.mark.parametrize("fraction", [0.0, 0.25, 0.5, 1.0])
def test_mixed_training_set_has_the_real_share(real_root, fraction):
    data = build_splits(_mixed(real_root, fraction))
    ids = data["train"].dataset.subject_ids
    n_real = ids.count("s0001")
    n_phantom = len(ids) - n_real
    # 2 phantom training subjects x 3 slices; real slices repeated to make `fraction` of the set
    assert n_phantom == (0 if fraction == 1.0 else 6)
    # 0.25: 6 / 3 = 2 real slices; 0.5: 6; 1.0: the real cohort's own 2 L3/L4 slices (slices_per_subject), no phantom
    assert n_real == {0.0: 0, 0.25: 2, 0.5: 6, 1.0: 2}[fraction]
    # validation holds both parts; the test split the real L1/L2 slices only
    assert {"s0001"} < set(data["val"].dataset.subject_ids)
    assert set(data["test"].dataset.subject_ids) == {"s0001"} and data["test"].dataset.num_slices == 2


def test_mixed_rejects_bad_settings(real_root):
    with pytest.raises(ValueError, match="between 0 and 1"):
        build_splits(_mixed(real_root, 1.5))
    with pytest.raises(ValueError, match="test_on must be"):
        build_splits(_mixed(real_root, 0.5, "data.test_on=all"))

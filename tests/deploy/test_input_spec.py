"""The one input specification (jmedseg/data/input_spec.py) and the three export bugs it fixes.

1. a 2.5D run (data.context_slices > 0) exports with its real input channels, loads and infers;
2. a model trained on vertebra crops in a normal training run is exported with view `crop` and
   infers on crops around the vertebrae, as it was trained;
3. a second wrapper survives export: the wrapper's config node is stored, not `stn: bool`.
One tiny training run (2.5D, crop slices, the wrapper below) serves all three.
"""
import numpy as np
import pytest

from jmedseg.backend import jt
from jmedseg.data.datasets import SliceDataset
from jmedseg.data.input_spec import InputSpec
from jmedseg.data.io import Volume
from jmedseg.deploy.export import export_model, load_model_file
from jmedseg.deploy.inference import segment_as_trained
from jmedseg.errors import ConfigError
from jmedseg.models._blocks import SegmentationModel
from jmedseg.models.build import model_from_checkpoint
from jmedseg.models.registry import register_wrapper
from jmedseg.pipelines.training import train
from jmedseg.training.checkpoint import load_checkpoint, load_weights
from tests.conftest import TINY, compose_config


@register_wrapper
class ClassBias(SegmentationModel):
    """A second wrapper: the model's logits plus a learnt per-class bias, scaled by an option."""

    def __init__(self, segmenter, scale=1.0):
        super().__init__(segmenter.in_channels, segmenter.num_classes)
        self.segmenter, self.scale = segmenter, float(scale)
        self.class_bias = jt.zeros((1, segmenter.num_classes, 1, 1))

    def segment(self, x):
        return self.segmenter(x) + self.scale * self.class_bias

    def encoder_features(self, x):
        return self.segmenter.encoder_features(x)


TARGET = f"{ClassBias.__module__}.{ClassBias.__qualname__}"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run")
    cfg = compose_config("train", TINY + [f"run_dir={run_dir}", "trainer.max_steps=2", "data.context_slices=1",
                                          "wrapper=stn", f"wrapper._target_={TARGET}", "+wrapper.scale=0.5"])
    train(cfg)
    ckpt = run_dir / "checkpoints" / "last.ckpt"
    path = run_dir / "model.jmed"
    export_model(ckpt, path)
    model, meta = load_model_file(path)
    return {"ckpt": ckpt, "model": model, "meta": meta}


def test_windows_and_neighbours_are_stacked_as_the_training_dataset_stacks_them():
    # slice z of the volume holds 100 * z HU everywhere, so each channel's value is known by construction
    planes = np.stack([np.full((32, 32), 100.0 * z, np.float32) for z in range(4)])
    spec = InputSpec(windows=((-200.0, 1000.0), (0.0, 400.0)), context_slices=1)
    stacks = spec.neighbours(planes, [0, 3])
    assert stacks.shape == (2, 3, 32, 32)
    np.testing.assert_array_equal(stacks[:, :, 0, 0], [[0, 0, 100], [200, 300, 300]])  # the ends repeat
    x = spec.network_input(stacks)
    assert x.shape == (2, 6, 32, 32)                       # slice-major: (slice, window) pairs
    # slice 0's channels: 0 HU twice, then 100 HU, each through window 1 then window 2
    np.testing.assert_allclose(x[0, :, 0, 0], [200 / 1200, 0, 200 / 1200, 0, 300 / 1200, 100 / 400], rtol=1e-6)
    dataset = SliceDataset([planes[0]], [np.zeros((32, 32), np.int32)], windows=spec.windows,
                           context_hu=[stacks[0]])
    np.testing.assert_array_equal(dataset[0][0], x[0])    # what training fed the model


def test_the_spec_round_trips_and_refuses_what_cannot_work():
    spec = InputSpec(windows=((-200.0, 1000.0),), context_slices=2, pixel_mm=0.8, image_size=128, view="full",
                     slice_mm=(1.0, 5.0))
    assert InputSpec.from_dict(spec.to_dict()) == spec and spec.in_channels == 5
    for bad in ({"windows": ((10.0, 0.0),)}, {"windows": ((0.0, 1.0),), "context_slices": -1},
                {"windows": ((0.0, 1.0),), "view": "sagittal"}):
        with pytest.raises(ConfigError):
            InputSpec(**bad)


def test_a_2p5d_model_exports_loads_and_infers(exported):
    meta, model = exported["meta"], exported["model"]
    assert meta["in_channels"] == 3 and meta["input"]["context_slices"] == 1   # one window x 3 slices
    rng = np.random.default_rng(0)
    volume = Volume(rng.normal(100, 300, (40, 40, 5)).astype(np.float32), np.diag([1.2, 1.2, 3.0, 1.0]),
                    (1.2, 1.2, 3.0))
    result = segment_as_trained(model, meta, volume)       # no vertebra map: whole slices
    assert result.labels.shape == (40, 40, 5) and set(np.unique(result.labels)) <= {0, 1, 2}


def test_a_crop_trained_model_infers_on_crops(exported):
    meta, model = exported["meta"], exported["model"]
    assert meta["input"]["view"] == "crop"                 # data=synthetic slices are cut around the vertebra
    rng = np.random.default_rng(1)
    ct = rng.normal(100, 300, (60, 60, 4)).astype(np.float32)
    vertebrae = np.zeros(ct.shape, np.uint8)
    vertebrae[25:35, 25:35, 1:3] = 31
    volume = Volume(ct, np.diag([1.2, 1.2, 3.0, 1.0]), (1.2, 1.2, 3.0))
    result = segment_as_trained(model, meta, volume, vertebrae, {"L1": 31})
    assert set(result.confidence) == {"L1"}               # the crop path scores each vertebra it segmented
    inside = np.zeros(ct.shape, bool)
    inside[22:38, 22:38, 1:3] = True                       # the vertebra dilated by 3 mm (1.2 mm pixels)
    assert not result.labels[~inside].any()


def test_a_second_wrapper_survives_export(exported):
    model, meta = exported["model"], exported["meta"]
    assert type(model) is ClassBias and model.scale == 0.5
    assert meta["model_kwargs"]["wrapper"] == {"_target_": TARGET, "scale": 0.5}
    payload = load_checkpoint(str(exported["ckpt"]))
    again = model_from_checkpoint(payload, num_classes=3)  # input channels from the checkpoint's own spec
    load_weights(again, payload)
    again.eval()
    x = jt.array(np.random.default_rng(2).random((1, 3, 64, 64)).astype(np.float32))
    np.testing.assert_array_equal(model(x).numpy(), again(x).numpy())   # same weights, same process and kernels

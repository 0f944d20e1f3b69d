"""Crop inference around each vertebra (jmedseg.deploy.crops) and the shipped-model resolution."""
import numpy as np
import pytest

from jmedseg.backend import jt
from jmedseg.data.io import Volume
from jmedseg.data.geometry import crop_grid
from jmedseg.deploy.crops import fill_enclosed_marrow, segment_vertebrae
from jmedseg.deploy.inference import trim_partial_volume_layer
from jmedseg.models.build import assemble_model
from jmedseg.weights import SHIPPED, resolve_model


def test_crop_grid_is_centred_and_scaled():
    rows, cols = crop_grid((50.0, 40.0), (0.5, 2.0), size=4, pixel_mm=1.0)
    # offsets -1.5, -0.5, 0.5, 1.5 mm: in rows of 0.5 mm and columns of 2 mm
    np.testing.assert_allclose(rows[:, 0], [47.0, 49.0, 51.0, 53.0])
    np.testing.assert_allclose(cols[0], [39.25, 39.75, 40.25, 40.75])


def test_predictions_outside_the_dilated_vertebra_are_discarded():
    jt.set_global_seed(0)
    model = assemble_model("unet_small", 1, 3, {"width": 4, "depth": 2})  # untrained: predicts everywhere
    meta = {"image_size": 64, "pixel_mm": 1.0, "windows": [[-200.0, 1000.0]],
            "class_names": ["background", "cortical", "cancellous"]}
    rng = np.random.default_rng(0)
    ct = rng.normal(0, 300, (50, 50, 6)).astype(np.float32)
    vertebrae = np.zeros(ct.shape, np.uint8)
    vertebrae[20:30, 20:30, 1:4] = 31
    vertebrae[20:30, 20:30, 4:6] = 30
    volume = Volume(ct, np.diag([1.0, 1.0, 2.0, 1.0]), (1.0, 1.0, 2.0))
    seg = segment_vertebrae(model, meta, volume, vertebrae, {"L1": 31, "L2": 30, "L3": 29}, dilate_mm=3.0)
    assert seg.labels.shape == ct.shape
    assert seg.slices == {"L1": [1, 2, 3], "L2": [4, 5]}   # L3 is absent
    assert not seg.labels[:, :, 0].any()                   # no vertebra in slice 0: nothing predicted
    inside = np.zeros(ct.shape, bool)
    inside[17:33, 17:33, 1:6] = True                        # the vertebra dilated by 3 mm (1 mm pixels)
    assert not seg.labels[~inside].any()
    assert set(seg.confidence) == {"L1", "L2"}


NAMES = ["background", "cortical", "cancellous"]


def test_background_enclosed_by_the_predicted_body_becomes_cancellous():
    ring = np.zeros((12, 12), np.uint8)
    ring[2:10, 2:10] = 1
    ring[4:8, 4:8] = 0                  # a closed cortical ring around 16 background pixels
    ring[5, 5] = 2                      # one of them already cancellous
    filled = ring.copy()
    assert fill_enclosed_marrow(filled, NAMES) == 15
    assert (filled[4:8, 4:8] == 2).all() and (filled[ring == 1] == 1).all()
    opened = ring.copy()
    opened[4:8, 2:4] = 0                # the ring opened on one side: nothing is enclosed
    before = opened.copy()
    assert fill_enclosed_marrow(opened, NAMES) == 0 and (opened == before).all()
    assert fill_enclosed_marrow(ring.copy(), ["background", "bone"]) == 0  # no tissue classes: untouched


def test_partial_volume_layer_of_the_cancellous_region_is_trimmed():
    tissue = np.zeros((9, 9, 9), np.uint8)
    tissue[1:8, 1:8, 1:8] = 1
    tissue[2:7, 2:7, 2:7] = 2           # a 5^3 cancellous cube: its 3^3 core stays, 125 - 27 = 98 are trimmed
    assert trim_partial_volume_layer(tissue) == 98
    assert (tissue == 2).sum() == 27 and (tissue[3:6, 3:6, 3:6] == 2).all()
    assert (tissue == 1).sum() == 7 ** 3 - 27


def test_resolve_model_names_the_shipped_file_or_passes_paths(tmp_path):
    assert resolve_model(str(tmp_path / "m.jmed")) == str(tmp_path / "m.jmed")
    path = SHIPPED["default"]
    import os

    if os.path.isfile(path):
        assert resolve_model("default") == path
    else:
        with pytest.raises(FileNotFoundError, match="make default-model"):
            resolve_model("default")

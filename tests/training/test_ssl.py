"""Contrastive pretraining (jmedseg/ssl): InfoNCE, the momentum encoder, the queue, encoder weights."""
import logging
import math
import re

import numpy as np
import pytest

from jmedseg.backend import jt
from jmedseg.training.checkpoint import CheckpointError, load_checkpoint
from jmedseg.models.build import build_model
from jmedseg.models.registry import create_model
from jmedseg.ssl import MoCo, ViewSpec, info_nce, load_pretrained, pretrain, random_view
from tests.conftest import TINY, compose_config

# UNet and a non-UNet family (SegNet: VGG encoder, unpooling decoder), both tiny.
MODELS = [("unet_small", {"width": 4, "depth": 2}), ("segnet", {"width": 4})]
# encoder tensors of each, known from the architectures: UNet stem + down stages, SegNet's encoder stages
ENCODER_PREFIXES = {"unet_small": ("stem.", "downs."), "segnet": ("encoders.",)}
TINY_DATA = [o for o in TINY if o.startswith("data.")] + ["data.image_size=64"]


def _images(n=4, size=64, seed=0):
    return jt.array(np.random.default_rng(seed).random((n, 1, size, size)).astype(np.float32))


def test_info_nce_matches_hand_computed_values():
    q = jt.array(np.array([[1.0, 0.0]], np.float32))
    neg = jt.array(np.array([[0.0, 1.0]], np.float32))
    loss, top1 = info_nce(q, q, neg, temperature=1.0)  # logits [1, 0]
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-1)), abs=1e-6) and top1 == 1.0
    loss, _ = info_nce(q, q, neg, temperature=0.5)  # logits [2, 0]
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-2)), abs=1e-6)
    loss, top1 = info_nce(q, neg, q, temperature=1.0)  # positive orthogonal, negative identical
    assert loss.item() == pytest.approx(math.log(1 + math.e), abs=1e-6) and top1 == 0.0


@pytest.mark.parametrize("name,kwargs", MODELS)
def test_identical_views_score_lower_loss_than_random_pairs(name, kwargs):
    moco = MoCo(create_model(name, 1, 3, **kwargs), queue_size=4, seed=0)
    # batch statistics on both sides (train mode): at initialisation they are what separates the
    # embeddings of different images; a permuted batch then gives exactly the permuted keys
    moco.key.train()
    # four clearly different images (grey levels)
    levels = np.array([0.1, 0.4, 0.7, 1.0], np.float32)[:, None, None, None]
    x = jt.array(levels + 0.05 * _images().numpy())
    moco.enqueue(moco.key(x).numpy())  # negatives: the keys of the same four images
    queries, same = moco.query(x), moco.key(x)
    np.testing.assert_allclose(queries.numpy(), same.numpy(), atol=1e-5)  # key = copy of query at start
    shuffled = moco.key(jt.array(x.numpy()[[1, 2, 3, 0]]))
    negatives = jt.array(moco.queue)
    loss_same, _ = info_nce(queries, same, negatives)
    loss_random, _ = info_nce(queries, shuffled, negatives)
    assert loss_same.item() < loss_random.item() - 0.01


@pytest.mark.parametrize("name,kwargs", MODELS)
def test_key_encoder_follows_the_ema_rule(name, kwargs):
    moco = MoCo(create_model(name, 1, 3, **kwargs), momentum=0.9, queue_size=8)
    rng = np.random.default_rng(0)
    for p in moco.query.parameters():  # move the query away from the key
        p.assign(jt.array(rng.standard_normal(p.shape).astype(np.float32)))
    query = {k: v.numpy().copy() for k, v in moco.query.state_dict().items()}
    before = {k: v.numpy().copy() for k, v in moco.key.state_dict().items()}
    moco.momentum_update()
    after = moco.key.state_dict()
    stats = [k for k in query if k.endswith(("running_mean", "running_var"))]
    assert stats, "batch-norm statistics expected in both models"
    assert all(np.abs(before[k] - query[k]).max() > 0.1 for k in query if k not in stats)  # own copies
    for k in query:
        expected = query[k] if k in stats else 0.9 * before[k] + 0.1 * query[k]
        np.testing.assert_allclose(after[k].numpy(), expected, rtol=1e-5, atol=1e-6, err_msg=k)


def test_queue_rotates_first_in_first_out():
    moco = MoCo(create_model("unet_small", 1, 3, width=4, depth=2), projection_dim=2, queue_size=6)
    a = np.arange(8, dtype=np.float32).reshape(4, 2)
    b = -np.arange(1, 9, dtype=np.float32).reshape(4, 2)
    moco.enqueue(a)
    np.testing.assert_array_equal(moco.queue[:4], a)
    moco.enqueue(b)  # two rows fill the end, two overwrite the oldest (a[0], a[1])
    np.testing.assert_array_equal(moco.queue, np.concatenate([b[2:], a[2:], b[:2]]))
    assert moco.queue_ptr == 2
    with pytest.raises(ValueError, match="queue_size >= pretrain.batch_size"):
        moco.enqueue(np.zeros((7, 2), np.float32))


def test_random_views_differ_and_stay_in_range():
    image = np.random.default_rng(0).random((1, 32, 32)).astype(np.float32)
    rng = np.random.default_rng(1)
    v1, v2 = random_view(rng, image), random_view(rng, image)
    assert v1.shape == image.shape and 0 <= v1.min() and v1.max() <= 1
    assert np.abs(v1 - v2).mean() > 0.01
    with pytest.raises(ValueError, match="crop_scale"):
        ViewSpec(crop_scale=(0.0, 1.0))


@pytest.mark.parametrize("name,kwargs", MODELS)
def test_pretrained_encoder_loads_into_the_segmentation_model(name, kwargs, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="jmedseg")
    cfg = compose_config("pretrain", TINY_DATA + [f"run_dir={tmp_path}", "pretrain.steps=2",
                                                  "pretrain.batch_size=2", "pretrain.queue_size=4",
                                                  "pretrain.progress=false"])
    cfg.model.name = name
    result = pretrain(cfg, str(tmp_path), kwargs)
    assert len(result["history"]) == 2 and all(math.isfinite(h["loss"]) for h in result["history"])
    saved = load_checkpoint(result["encoder"])["state"]
    assert saved and all(k.startswith(ENCODER_PREFIXES[name]) for k in saved)

    train_cfg = compose_config("train", TINY_DATA + [f"model={name}", *[f"++model.{k}={v}" for k, v in kwargs.items()],
                                                     f"pretrained={result['encoder']}", "wrapper=stn"])
    model, recorded = build_model(train_cfg)
    state = model.state_dict()
    for k, v in saved.items():  # the wrapped model holds the segmenter under "segmenter."
        np.testing.assert_array_equal(state[f"segmenter.{k}"].numpy(), v)
    assert recorded["stn"] is True
    out = caplog.text
    assert f"loaded {len(saved)}/" in out
    assert re.search(r"not loaded \(kept initialisation\): .*head \(2\)", out)


def test_pretrained_file_of_another_architecture_is_an_error(tmp_path):
    cfg = compose_config("pretrain", TINY_DATA + [f"run_dir={tmp_path}", "pretrain.steps=1",
                                                  "pretrain.batch_size=2", "pretrain.queue_size=4",
                                                  "pretrain.progress=false", "model.width=4", "model.depth=2"])
    path = pretrain(cfg, str(tmp_path), {"width": 4, "depth": 2})["encoder"]
    with pytest.raises(CheckpointError, match="none of its .* tensors matches"):
        load_pretrained(create_model("segnet", 1, 3, width=4), path, "segnet")


def test_pretraining_adds_crops_of_unlabelled_real_ct(tmp_path):
    # The 3 mm TotalSegmentator example folder holds two CTs and two label maps: the label maps are
    # skipped (no value below -50 HU), each CT gives `slices_per_ct` crops around bone pixels.
    from jmedseg.ssl.pretrain import _training_slices
    from jmedseg.ssl.real_slices import BONE_HU, unlabelled_ct_slices
    from tests.conftest import DATA

    folder = f"{DATA}/totalseg_example"
    crops, used = unlabelled_ct_slices([folder], per_ct=5, size=64, pixel_mm=0.8)
    assert sorted(p.rsplit("/", 1)[1] for p in used) == ["example_ct.nii.gz", "example_ct_sm.nii.gz"]
    assert crops.shape == (10, 64, 64)
    # each crop is centred on a bone pixel: the centre 2 x 2 holds a value in the bone range
    centre = crops[:, 31:33, 31:33].reshape(10, -1).max(axis=1)
    assert (centre >= 0.5 * BONE_HU[0]).all()
    cfg = compose_config("pretrain", TINY_DATA + [f"run_dir={tmp_path}", f"pretrain.data=[{folder}]",
                                                  "pretrain.slices_per_ct=3"])
    plain = compose_config("pretrain", TINY_DATA + [f"run_dir={tmp_path}"])
    with_real, synthetic = _training_slices(cfg), _training_slices(plain)
    assert with_real.shape == (len(synthetic) + 6, *synthetic.shape[1:])
    assert 0.0 <= with_real.min() and with_real.max() <= 1.0


def test_pretraining_data_that_is_a_mask_is_refused():
    from jmedseg.ssl.real_slices import unlabelled_ct_slices
    from tests.conftest import DATA

    with pytest.raises(ValueError, match="looks like a mask or label map"):
        unlabelled_ct_slices([f"{DATA}/totalseg_example/example_seg.nii.gz"], 2, 64, 0.8)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        unlabelled_ct_slices(["/nonexistent/ct.nii.gz"], 2, 64, 0.8)

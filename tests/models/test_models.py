"""Every registered model, tested through the registry: a new model is tested without editing this file.

Models are built from their own `conf/model/<name>.yaml` with width-like options shrunk (TINY_OPTIONS), so
each check runs in seconds on CPU; the architecture (depth, blocks, wiring) stays the configured one.
"""
import glob
import os

import numpy as np
import pytest
from omegaconf import OmegaConf

from jmedseg.backend import jt, nn
from jmedseg.models.build import build_model, model_kwargs
from jmedseg.models.registry import create_model, list_models
from tests.conftest import CONF, compose_config

MODEL_CONF = os.path.join(CONF, "model")
# Width-like options and the tiny value each takes in these tests (only keys a config already has are set),
# and per-stage block counts, which become one block per stage (the number of stages is kept).
TINY_OPTIONS = {"width": 4, "growth_rate": 4, "stem_channels": 8, "memory_units": 8, "embed_dim": 32}
TINY_BLOCK_COUNTS = ("layers", "block_layers")
BATCH, SIZE = 2, 64


def config_names():
    return sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(MODEL_CONF, "*.yaml")))


def tiny_kwargs(name):
    options = model_kwargs(OmegaConf.load(os.path.join(MODEL_CONF, f"{name}.yaml")))
    tiny = {k: v for k, v in TINY_OPTIONS.items() if k in options}
    tiny.update({k: [1] * len(options[k]) for k in TINY_BLOCK_COUNTS if k in options})
    return {**options, **tiny}


def tiny_model(name, in_channels, num_classes):
    jt.set_global_seed(0)
    return create_model(name, in_channels=in_channels, num_classes=num_classes, **tiny_kwargs(name))


def trainable(model):
    return [p for p in model.parameters() if not p.is_stop_grad()]


def test_config_files_name_exactly_the_registered_models():
    configs, registered = set(config_names()), set(list_models())
    assert not registered - configs, f"registered models without conf/model/<name>.yaml: {registered - configs}"
    assert not configs - registered, f"conf/model files naming no registered model: {configs - registered}"
    for name in config_names():
        assert OmegaConf.load(os.path.join(MODEL_CONF, f"{name}.yaml")).name == name


@pytest.mark.parametrize("name", list_models())
def test_config_instantiates_through_the_registry(name):
    cfg = compose_config("train", [f"model={name}", "logger=none"])
    model, _ = build_model(cfg)
    assert model.num_classes == cfg.data.num_classes
    assert isinstance(model.feature_channels, int) and model.feature_channels > 0
    assert sum(int(np.prod(p.shape)) for p in trainable(model)) > 0


@pytest.mark.parametrize("name", list_models())
def test_forward_features_and_training_steps(name):
    """3 input channels, 4 classes: output shape, finite logits, encoder features, two Adam steps."""
    model = tiny_model(name, in_channels=3, num_classes=4)
    x = jt.randn(BATCH, 3, SIZE, SIZE)
    target = jt.array(np.random.default_rng(0).integers(0, 4, size=(BATCH, SIZE, SIZE)).astype("int32"))
    model.train()
    logits = model(x)
    assert tuple(logits.shape) == (BATCH, 4, SIZE, SIZE)
    assert np.isfinite(logits.numpy()).all()

    feats = model.encoder_features(x)
    assert feats.ndim == 4 and feats.shape[0] == BATCH
    assert feats.shape[1] == model.feature_channels
    assert SIZE % feats.shape[2] == 0 and feats.shape[2] < SIZE  # a down-sampled map

    params = trainable(model)
    before = [p.numpy().copy() for p in params]
    optimizer = nn.Adam(params, lr=1e-3)
    loss = nn.cross_entropy_loss(logits, target)
    optimizer.step(loss)
    assert np.isfinite(loss.item())
    # A second step: layers behind a zero-initialised gate (DANet's alpha) only get a gradient once it moved.
    optimizer.step(nn.cross_entropy_loss(model(x), target))
    unchanged = [i for i, (p, b) in enumerate(zip(params, before)) if np.array_equal(p.numpy(), b)]
    # A few may legitimately stay (a tiny squeeze-excitation bottleneck whose ReLUs are all off), not more.
    assert len(unchanged) <= 0.1 * len(params), (
        f"{len(unchanged)} of {len(params)} parameter tensors got no update (unused layers?)")
    assert not np.array_equal(params[-1].numpy(), before[-1])
    assert np.isfinite(nn.cross_entropy_loss(model(x), target).item())


@pytest.mark.parametrize("name", list_models())
def test_one_channel_two_classes_and_size_check(name):
    model = tiny_model(name, in_channels=1, num_classes=2)
    model.eval()
    out = model(jt.randn(1, 1, 32, 32))
    assert tuple(out.shape) == (1, 2, 32, 32)
    assert np.isfinite(out.numpy()).all()
    with pytest.raises(ValueError, match="divisible by"):
        model(jt.randn(1, 1, 48, 48))
    with pytest.raises(ValueError, match="input channel"):
        model(jt.randn(1, 3, 32, 32))



def test_unetpp_deep_supervision_averages_one_head_per_top_node():
    jt.set_global_seed(0)
    model = create_model("unetpp", in_channels=1, num_classes=2, width=4, depth=3, deep_supervision=True)
    model.eval()
    x = jt.randn(1, 1, 32, 32)
    tops = model.top_nodes(x)
    assert len(model.heads) == len(tops) == 3
    expected = sum(head(node).numpy() for head, node in zip(model.heads, tops)) / 3
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-4, atol=1e-5)
    single = create_model("unetpp", in_channels=1, num_classes=2, width=4, depth=3)
    assert len(single.heads) == 1

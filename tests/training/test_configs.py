"""Every option of every config group composes, and every `_target_` builds what the trainer then completes."""
import glob
import os

import numpy as np
import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from jmedseg.backend import jt, nn
from jmedseg.data.augment import Augmenter
from jmedseg.models.registry import create_model, list_models
from jmedseg.models.stn import SpatialTransformer
from jmedseg.training import schedulers, tracking
from jmedseg.models.build import model_kwargs
from tests.conftest import CONF, compose_config

GROUPS = sorted(d for d in os.listdir(CONF) if os.path.isdir(os.path.join(CONF, d)) and d not in ("hydra", "__pycache__"))


def options(group):
    return sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(CONF, group, "*.yaml")))


def test_the_groups_the_trainer_builds_exist():
    assert {"optimizer", "scheduler", "loss", "logger", "augment", "wrapper", "model"} <= set(GROUPS)
    assert {"adam", "adamw", "sgd"} <= set(options("optimizer"))
    assert {"warmup_cosine", "constant", "poly"} <= set(options("scheduler"))
    assert {"ce_dice", "focal", "tversky", "dice_focal", "lovasz"} <= set(options("loss"))


def _tiny_model():
    return create_model("unet_small", in_channels=1, num_classes=3, width=4, depth=2)


def _complete(group, built, tmp_path):
    """Finish a `_partial_` object the way the trainer does, and check what came out."""
    if group == "optimizer":
        model = _tiny_model()
        optimizer = built(model.parameters(), lr=0.01)
        assert isinstance(optimizer, nn.Optimizer) and optimizer.lr == 0.01
        x = jt.randn(2, 1, 32, 32)
        before = model.stem.parameters()[0].numpy().copy()  # one step moves the weights
        optimizer.step(model(x).sqr().mean())
        assert not np.array_equal(before, model.stem.parameters()[0].numpy())
    elif group == "scheduler":
        schedule = built(base_lr=0.1, total_steps=50)
        assert isinstance(schedule, schedulers.Schedule) and 0 < schedule(49) <= schedule(25) <= 0.1
    elif group == "loss":
        logits = jt.array(np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32))
        target = jt.array(np.random.default_rng(1).integers(0, 3, (2, 8, 8)).astype(np.int32))
        value = float(built(logits, target).item())
        assert np.isfinite(value) and value > 0
    elif group == "logger":
        tracker = built(run_dir=str(tmp_path), config={"seed": 0})
        assert isinstance(tracker, (tracking.NullTracker, tracking.WandbTracker))
        tracker.log({"loss": 1.0}, step=1)
        tracker.finish()
    elif group == "augment":
        assert isinstance(built, Augmenter)
    elif group == "wrapper":
        assert isinstance(built(_tiny_model()), SpatialTransformer)
    else:
        raise AssertionError(f"config group {group}/ has a _target_ the trainer does not build")


@pytest.mark.parametrize("group,option", [(g, o) for g in GROUPS for o in options(g)])
def test_every_option_of_every_group_composes_and_instantiates(group, option, tmp_path):
    cfg = compose_config("train", [f"{group}={option}", "logger=none"] if group != "logger" else [f"logger={option}"])
    node = cfg.get(group)
    if group == "model":  # every model is built from its yaml in test_models and below, at full size
        assert node._target_ == "jmedseg.models.registry.create_model" and node.name in list_models()
    elif node is not None and "_target_" in node:
        _complete(group, instantiate(node), tmp_path)
    elif group in ("augment", "wrapper"):
        assert not node  # their "none" option builds nothing


def test_pretrain_config_composes_with_its_optimizer():
    cfg = compose_config("pretrain", ["optimizer=sgd"])
    assert cfg.optimizer._target_.endswith("SGD") and cfg.pretrain.method == "moco"


@pytest.mark.slow  # full-size models: a few seconds each alone, more on a busy 2-core machine
@pytest.mark.parametrize("name", list_models())
def test_model_yaml_defaults_equal_the_builders(name):
    """`conf/model/<name>.yaml` states the builder's own defaults: building with and without them is the same.

    Same layers with the same shapes, and with the same weights (copied over) the same output. Both forward
    passes run the same operations in one process, so they agree to float rounding (1e-5 allows any reordering).
    """
    configured = model_kwargs(OmegaConf.load(os.path.join(CONF, "model", f"{name}.yaml")))
    default = create_model(name, in_channels=1, num_classes=3)
    from_yaml = create_model(name, in_channels=1, num_classes=3, **configured)
    a, b = default.state_dict(), from_yaml.state_dict()
    assert sorted(a) == sorted(b), f"{name}: the yaml's options change the layers"
    assert all(tuple(a[k].shape) == tuple(b[k].shape) for k in a), f"{name}: the yaml's options change shapes"
    from_yaml.load_parameters({k: v.numpy() for k, v in a.items()})
    default.eval()
    from_yaml.eval()
    x = jt.array(np.random.default_rng(0).standard_normal((1, 1, 64, 64)).astype(np.float32))
    np.testing.assert_allclose(default(x).numpy(), from_yaml(x).numpy(), atol=1e-5, err_msg=name)

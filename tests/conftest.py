"""Shared fixtures: compose the project's Hydra configs in-process."""
import os
import signal

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONF = os.path.join(ROOT, "jmedseg", "conf")
DATA = os.path.join(ROOT, "tests", "data")  # small real CT fixtures, each with its NOTICE
os.environ.setdefault("WANDB_SILENT", "true")
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")


def compose_config(config_name="train", overrides=()):
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=CONF, version_base="1.3"):
        return compose(config_name=config_name, overrides=list(overrides))


# A tiny, fast training set-up: small images, few subjects, a 2-step budget.
TINY = [
    "logger=none", "trainer.progress=false", "trainer.batch_size=2", "scheduler.warmup_steps=0",
    "data.n_subjects=6", "data.slices_per_subject=2", "data.image_size=64", "data.pixel_mm=1.2",
    "data.split=[0.5,0.25,0.25]", "model.width=4", "model.depth=2",
]


@pytest.fixture
def tiny_cfg(tmp_path):
    def make(*extra):
        return compose_config("train", TINY + [f"run_dir={tmp_path}"] + list(extra))
    return make


@pytest.fixture(autouse=True)
def children_may_die():
    """Each test starts with the default SIGCHLD disposition.

    Jittor, once imported, installs a SIGCHLD handler that ends the whole process ("quick exit", exit
    code 1, no pytest summary) when any child dies of a signal other than SIGTERM: a run a test kills on
    purpose, or a submitit local job that submitit interrupts (SIGINT) when its job object is collected,
    any number of tests later. A child's death is its own test's business, never the whole run's.
    """
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    yield

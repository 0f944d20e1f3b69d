"""The default model's recipe: `python -m jmedseg.pipelines.default_model` (what `make default-model` runs).

Trains a small UNet on `data=synthetic_ct` (random abdomens and scanners,
rendered in memory from a fixed data seed; no patient data), with intensity
and geometry augmentation on top of the generator's randomisation, and exports
the mean of its weights at the end of each epoch (`trainer.average_epochs`) to
`jmedseg/weights/default.jmed`. Why both: on the bundled real CTs, single
checkpoints got worse the longer they trained (they learn the generator's own
appearance), while the average of the epochs scored as well as the best single
epoch (docs/phantom_to_patient.md). The file's metadata records the recipe:
the resolved training config, the data seed, the overrides below and the git
commit of the checkout that ran it. About 25 minutes on 2 quiet CPU cores
(4,500 steps, 1,350 s of training), longer on a busy machine. Extra Hydra
overrides on the command line change the recipe (e.g. a tiny budget for
tests), and are recorded too.
"""
import argparse
import logging
import os
import subprocess
import sys

from jmedseg.weights import SHIPPED

logger = logging.getLogger(__name__)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECIPE = [
    "data=synthetic_ct", "data.n_subjects=2500", "data.slices_per_subject=4", "data.seed=0",
    "model=unet_small", "model.width=16", "augment=strong", "logger=none", "seed=0",
    "trainer.epochs=4", "trainer.batch_size=8", "trainer.lr=0.003", "scheduler.warmup_steps=200",
    "trainer.average_epochs=true", "trainer.progress=false", "robustness=false",
]


def git_commit(root=ROOT):
    """The checkout's commit (with '+dirty' when tracked files differ from it), or 'unknown' outside git."""
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def compose(overrides):
    from hydra import compose as hydra_compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=os.path.join(ROOT, "conf"), version_base="1.3"):
        return hydra_compose(config_name="train", overrides=list(overrides))


def build_default_model(out=SHIPPED["default"], run_dir=None, extra=()):
    """Train by the recipe (plus `extra` overrides) and export to `out`; returns (metadata, training result)."""
    from omegaconf import OmegaConf

    from jmedseg.pipelines.training import train
    from jmedseg.deploy.export import export_model

    overrides = RECIPE + list(extra) + [f"run_dir={run_dir or os.path.join(ROOT, 'outputs', 'default_model')}"]
    cfg = compose(overrides)
    commit = git_commit()  # before training: the code that trains is the code recorded
    result = train(cfg)
    recipe = {"command": "python -m jmedseg.pipelines.default_model " + " ".join(extra), "overrides": overrides,
              "git_commit": commit, "data_seed": int(cfg.data.seed), "seed": int(cfg.seed),
              "train_time_s": round(float(result["train_time_s"]), 1), "steps": int(result["steps"]),
              "best_val": result.get("best_val"), "config_yaml": OmegaConf.to_yaml(cfg, resolve=True),
              "weights": "mean of the weights at the end of each epoch (checkpoints/averaged.ckpt)"}
    extra_meta = {"recipe": recipe, "view": str(cfg.data.get("view", "crop")),
                  "slice_mm": [1.0, 5.0], "scanner_pixel_mm": [0.5, 3.0],
                  "trained_on": "data=synthetic_ct (built-in, no patient data)"}
    meta = export_model(result["averaged_checkpoint"], out, extra_meta=extra_meta)
    return meta, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=SHIPPED["default"], help="model file to write")
    parser.add_argument("--run-dir", default=None, help="training run folder (default outputs/default_model)")
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides, e.g. trainer.max_steps=2")
    args = parser.parse_args(argv)
    meta, result = build_default_model(args.out, args.run_dir, args.overrides)
    print(f"trained {meta['model_name']} for {result['steps']} steps in {result['train_time_s']:.0f} s "
          f"(best val {result.get('best_val')}); commit {meta['recipe']['git_commit']}")
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

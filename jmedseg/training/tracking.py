"""Experiment tracking: wandb in offline mode by default (no account, no network), or none.

Metrics always also go to `metrics.json` in the run directory (see engine),
so a run is readable without wandb.
"""
import os


class NullTracker:
    def log(self, metrics, step=None):
        pass

    def summary(self, metrics):
        pass

    def finish(self):
        pass


class WandbTracker:
    def __init__(self, run_dir, config, project="jmedseg", mode="offline", name=None, tags=()):
        os.environ.setdefault("WANDB_SILENT", "true")
        import wandb

        self._wandb = wandb
        self.run = wandb.init(project=project, mode=mode, dir=run_dir, config=config, name=name,
                              tags=list(tags), reinit="finish_previous")

    def log(self, metrics, step=None):
        self.run.log(dict(metrics), step=step)

    def summary(self, metrics):
        for k, v in metrics.items():
            self.run.summary[k] = v

    def finish(self):
        self.run.finish()


def make_tracker(logger_cfg, run_dir, config_dict):
    name = (logger_cfg or {}).get("name", "none")
    if name == "none":
        return NullTracker()
    if name == "wandb":
        return WandbTracker(run_dir, config_dict, project=logger_cfg.get("project", "jmedseg"),
                            mode=logger_cfg.get("mode", "offline"), name=logger_cfg.get("run_name"),
                            tags=logger_cfg.get("tags") or ())
    raise ValueError(f"unknown logger {name!r}: use logger=wandb or logger=none")

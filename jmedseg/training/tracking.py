"""Experiment tracking (config group `logger/`): wandb in offline mode by default (no account, no network), or none.

Each option is built from its yaml with `_partial_: true` and completed with the
run directory and the resolved config. Metrics always also go to `metrics.json`
in the run directory, so a run is readable without wandb.
"""
import os


class NullTracker:
    def __init__(self, run_dir=None, config=None):
        pass

    def log(self, metrics, step=None):
        pass

    def summary(self, metrics):
        pass

    def finish(self):
        pass


class WandbTracker:
    def __init__(self, run_dir, config, project="jmedseg", mode="offline", run_name=None, tags=()):
        os.environ.setdefault("WANDB_SILENT", "true")
        import wandb

        self._wandb = wandb
        self.run = wandb.init(project=project, mode=mode, dir=run_dir, config=config, name=run_name,
                              tags=list(tags), reinit="finish_previous")

    def log(self, metrics, step=None):
        self.run.log(dict(metrics), step=step)

    def summary(self, metrics):
        for k, v in metrics.items():
            self.run.summary[k] = v

    def finish(self):
        self.run.finish()

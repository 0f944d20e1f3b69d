"""Hooks of the training loop (`jmedseg.training.trainer.fit`): divergence guard, validation, tracking, checkpoints."""
import logging
import math
import os
import time

import numpy as np

from jmedseg.errors import TrainingDiverged
from jmedseg.training.checkpoint import (checkpoint_payload, load_checkpoint, load_weights, save_checkpoint,
                                         state_to_numpy, write_payload)
from jmedseg.training.trainer import Hook, is_main_process
from jmedseg.utils.files import remove_stale_temp_files

logger = logging.getLogger(__name__)


class DivergenceGuard(Hook):
    """Stop when the loss explodes: non-finite, or `factor` x its starting value, for `patience` steps in a row.

    The starting value is the first finite loss, that of the untrained model
    before any update; a healthy run's loss falls from there, so a loss a
    hundred times larger means the optimiser left the basin (too high a rate),
    never that it is learning.
    """

    def __init__(self, setting, factor=100.0, patience=3):
        self.setting, self.factor, self.patience = setting, factor, patience
        self.start, self.bad = None, 0

    def on_step_end(self, state):
        loss = state.losses[-1]
        if self.start is None and math.isfinite(loss):
            self.start = loss
        exploded = not math.isfinite(loss) or loss > self.factor * max(abs(self.start or 0.0), 1e-12)
        self.bad = self.bad + 1 if exploded else 0
        if self.bad >= self.patience:
            raise TrainingDiverged(
                f"training diverged at step {state.step}: the loss was {loss:.3g} for {self.bad} steps in a row "
                f"(it started at {self.start if self.start is not None else float('nan'):.3g}) at learning rate "
                f"{state.lr:.3g}; lower {self.setting} (e.g. by 10x)")


class Validation(Hook):
    """After each epoch: score the validation split and add the epoch's record to `history`."""

    main_only = True

    def __init__(self, score, history):
        self.score, self.history, self.t0 = score, history, time.time()

    def on_epoch_end(self, state):
        steps = max(1, len(state.losses))
        state.record.update({"epoch": state.epoch + 1, "step": state.step, "train_loss": float(np.mean(state.losses)),
                             "step_time_s": (time.time() - self.t0) / steps, "lr": state.lr,
                             **{f"val_{k}": v for k, v in self.score().items()}})
        self.history.append(dict(state.record))
        self.t0 = time.time()


class Tracking(Hook):
    main_only = True

    def __init__(self, tracker):
        self.tracker = tracker

    def on_epoch_end(self, state):
        self.tracker.log(state.record, step=state.step)


class Checkpointer(Hook):
    """Writes `last.ckpt` after each epoch and `best.ckpt` when `val_<monitor>` improves; restores on resume.

    With `average_epochs` it also writes `averaged.ckpt`: the running mean of the weights at the end of
    every epoch so far (stochastic weight averaging, Izmailov et al. 2018). An average of the points
    along the path lies in a flatter region of the loss, which transfers better to data of another
    domain (Cha et al. 2021, SWAD) -- for us, from the synthetic CT to patients' scans. Batch-norm
    statistics are averaged like the weights; integer buffers are the latest epoch's.
    """

    main_only = True
    AVERAGED = "averaged.ckpt"

    def __init__(self, folder, model, optimizer, model_name, model_kwargs, config_yaml, history, monitor,
                 average_epochs=False):
        self.folder, self.model, self.optimizer, self.history = folder, model, optimizer, history
        self.model_name, self.model_kwargs, self.config_yaml = model_name, model_kwargs, config_yaml
        self.monitor, self.best = f"val_{monitor}", -math.inf
        self.average_epochs, self.averaged, self.n_averaged = bool(average_epochs), None, 0

    def _update_average(self, state):
        current = state_to_numpy(self.model)
        self.n_averaged += 1
        if self.averaged is None:
            self.averaged = current
        else:
            for k, v in current.items():
                if np.issubdtype(v.dtype, np.floating):
                    self.averaged[k] = (self.averaged[k] + (v - self.averaged[k]) / self.n_averaged).astype(v.dtype)
                else:
                    self.averaged[k] = v
        write_payload(os.path.join(self.folder, self.AVERAGED), checkpoint_payload(
            self.model_name, self.model_kwargs, self.averaged, self.config_yaml, epoch=state.epoch, step=state.step,
            extra={"averaged_epochs": self.n_averaged}))

    def save(self, name, state):
        save_checkpoint(os.path.join(self.folder, name), self.model, self.model_name, self.model_kwargs,
                        self.config_yaml, epoch=state.epoch, step=state.step, best_score=self.best,
                        optimizer=self.optimizer, extra={"history": self.history})

    def on_epoch_end(self, state):
        score = state.record.get(self.monitor, math.nan)
        if not math.isnan(score) and score > self.best:
            self.best = score
            self.save("best.ckpt", state)
        self.save("last.ckpt", state)
        if self.average_epochs:
            self._update_average(state)
        logger.info("epoch %d/%d: loss %.4f, %s %.4f (best %.4f), %.3f s/step", state.epoch + 1, state.epochs,
                    state.record["train_loss"], self.monitor, score, self.best, state.record["step_time_s"])

    def resume(self, path, state):
        """Continue from checkpoint `path`: weights, optimizer, epoch, step, best score and history."""
        if is_main_process():
            remove_stale_temp_files(self.folder)
        payload = load_checkpoint(path)
        load_weights(self.model, payload, self.model_name)
        if payload["optimizer"] is not None:
            self.optimizer.load_state_dict(payload["optimizer"])
        state.epoch, state.step = payload["epoch"] + 1, payload["step"]
        self.best = payload["best_score"] if payload["best_score"] is not None else -math.inf
        self.history[:] = payload["extra"].get("history", [])
        averaged = os.path.join(self.folder, self.AVERAGED)
        if self.average_epochs and os.path.isfile(averaged):  # the running mean goes on where it stopped
            saved = load_checkpoint(averaged)
            if saved["epoch"] == payload["epoch"]:
                self.averaged, self.n_averaged = saved["state"], int(saved["extra"]["averaged_epochs"])
            else:
                logger.warning("%s is from epoch %d, the run resumes after epoch %d: the average restarts",
                               averaged, saved["epoch"] + 1, payload["epoch"] + 1)
        logger.info("resumed from %s after epoch %d/%d (step %d); continuing with epoch %d/%d",
                    path, state.epoch, state.epochs, state.step, state.epoch + 1, state.epochs)

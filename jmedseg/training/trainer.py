"""The one training loop: `fit(step, batches, state, hooks)`, used by supervised training and by pretraining.

`fit` only iterates: epochs of batches, one optimisation step per batch, until
the epoch or step budget is spent. Everything else is a hook (`jmedseg.training.hooks`):
validation, checkpoints, tracking and the divergence guard. Under MPI
(`mpirun -np N`) every rank runs the loop on its shard; hooks marked
`main_only` (those that write files or report) run on rank 0 alone.
"""
import logging
from dataclasses import dataclass, field

from tqdm import tqdm

from jmedseg.backend import jt

logger = logging.getLogger(__name__)


def is_main_process():
    """False on MPI ranks other than 0: they train their shard but write nothing."""
    return not jt.in_mpi or jt.rank == 0


def mean_over_ranks(loss):
    """The loss of the whole batch as a float: under MPI each rank holds the loss of its shard."""
    return float((loss.mpi_all_reduce("mean") if jt.in_mpi else loss).item())


@dataclass
class FitState:
    """Where a run stands; hooks read it and may add to `record` (the epoch's metrics)."""

    epochs: int
    total_steps: int
    epoch: int = 0                  # 0-based index of the current epoch; the progress bar shows epoch + 1
    step: int = 0                   # optimisation steps done
    lr: float = 0.0
    losses: list = field(default_factory=list)   # this epoch's losses
    record: dict = field(default_factory=dict)   # this epoch's metrics, filled by hooks


class Hook:
    """Override what you need. `main_only` hooks run on MPI rank 0 only."""

    main_only = False

    def on_step_end(self, state):
        pass

    def on_epoch_end(self, state):
        pass


def fit(step, batches, state, hooks=(), progress=True, desc="epoch"):
    """Run `step(batch, state) -> loss (float)` on every batch of `batches(epoch)` until the budget is spent.

    `state` says where to start (a resumed run starts at its saved epoch and step).
    """
    main = is_main_process()
    hooks = [h for h in hooks if main or not h.main_only]
    while state.epoch < state.epochs and state.step < state.total_steps:
        state.losses, state.record = [], {}
        epoch_batches = batches(state.epoch)
        bar = tqdm(epoch_batches, desc=f"{desc} {state.epoch + 1}/{state.epochs}", leave=False,
                   total=min(len(epoch_batches), state.total_steps - state.step), disable=not (progress and main))
        for batch in bar:
            state.losses.append(step(batch, state))
            state.step += 1
            for hook in hooks:
                hook.on_step_end(state)
            bar.set_postfix(loss=f"{state.losses[-1]:.4f}", lr=f"{state.lr:.2e}")
            if state.step >= state.total_steps:
                break
        for hook in hooks:
            hook.on_epoch_end(state)
        state.epoch += 1
    return state

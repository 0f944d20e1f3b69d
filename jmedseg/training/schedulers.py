"""Learning-rate schedules (config group `scheduler/`): `schedule(step) -> lr` for optimisation step 0, 1, ...

Each is built from its yaml with `_partial_: true` and completed by the trainer
with the base rate (`trainer.lr`) and the run's number of steps. All start with
an optional linear warm-up from lr / warmup_steps to lr over `warmup_steps`.
"""
import math

from jmedseg.errors import ConfigError


class Schedule:
    def __init__(self, base_lr, total_steps, warmup_steps=0, min_lr_ratio=0.0):
        if not (math.isfinite(base_lr) and base_lr > 0):
            raise ConfigError(f"trainer.lr must be a positive number, got {base_lr}")
        if warmup_steps < 0 or not 0.0 <= min_lr_ratio <= 1.0:
            raise ConfigError(f"scheduler: warmup_steps must be >= 0 (got {warmup_steps}) and min_lr_ratio "
                              f"in [0, 1] (got {min_lr_ratio})")
        self.base_lr, self.total_steps = float(base_lr), max(1, int(total_steps))
        self.warmup_steps, self.floor = int(warmup_steps), float(base_lr) * float(min_lr_ratio)

    def __call__(self, step):
        if step < self.warmup_steps:
            return self.base_lr * (step + 1) / self.warmup_steps
        # t = (steps after warm-up) / (their number): below 1 on the last step, which so still learns
        span = max(1, self.total_steps - self.warmup_steps)
        return self.decay(min(1.0, (step - self.warmup_steps) / span))

    def decay(self, t):
        """The rate at fraction t in [0, 1] of the steps after warm-up."""
        raise NotImplementedError


class Constant(Schedule):
    def decay(self, t):
        return self.base_lr


class WarmupCosine(Schedule):
    """Cosine decay from lr to lr * min_lr_ratio."""

    def decay(self, t):
        return self.floor + 0.5 * (self.base_lr - self.floor) * (1 + math.cos(math.pi * t))


class Poly(Schedule):
    """Polynomial decay lr * (1 - t)^power (DeepLab's "poly", the paper code's schedule).

    Done per optimisation step over the run's real number of steps, with t held
    in [0, 1]: the rate never turns negative or grows again after the last
    planned step, the last step still learns (t < 1 there), and a floor
    (min_lr_ratio) can keep the rate above zero.
    """

    def __init__(self, base_lr, total_steps, warmup_steps=0, min_lr_ratio=0.0, power=0.9):
        super().__init__(base_lr, total_steps, warmup_steps, min_lr_ratio)
        if power <= 0:
            raise ConfigError(f"scheduler.power must be > 0, got {power}")
        self.power = float(power)

    def decay(self, t):
        return self.floor + (self.base_lr - self.floor) * (1.0 - t) ** self.power

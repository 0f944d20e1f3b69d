"""Training: the fit loop, losses, schedules, checkpoints, experiment tracking and sweeps."""

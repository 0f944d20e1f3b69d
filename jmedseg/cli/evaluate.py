"""`jmedseg evaluate ckpt=PATH [overrides]` (and `python evaluate.py`): score a checkpoint on test data."""
import hydra

from jmedseg.cli._hydra import call_or_exit, run_hydra

NAME = "evaluate"
HELP = "evaluate a checkpoint on test data: jmedseg evaluate ckpt=outputs/.../checkpoints/best.ckpt"
HYDRA = True


def add_arguments(parser):
    pass


@hydra.main(version_base="1.3", config_path="../conf", config_name="evaluate")
def main(cfg):
    from jmedseg.cli._summary import print_eval_summary
    from jmedseg.pipelines.training import evaluate

    print_eval_summary(call_or_exit(evaluate, cfg))


def run(argv):
    return run_hydra(main, "jmedseg evaluate", argv)

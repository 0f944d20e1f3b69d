"""Evaluate a checkpoint on test data: `python evaluate.py ckpt=outputs/.../checkpoints/best.ckpt`."""
import hydra

from jmedseg.cli._summary import print_eval_summary
from jmedseg.training.engine import evaluate


@hydra.main(version_base="1.3", config_path="conf", config_name="evaluate")
def main(cfg):
    print_eval_summary(evaluate(cfg))


if __name__ == "__main__":
    main()

"""Train a segmentation model: `python train.py model=unet trainer.epochs=3` (see conf/train.yaml)."""
import hydra

from jmedseg.cli._summary import print_train_summary
from jmedseg.training.engine import is_main_process, train


@hydra.main(version_base="1.3", config_path="conf", config_name="train")
def main(cfg):
    result = train(cfg)
    if not is_main_process():  # under `mpirun -np N` rank 0 reports for all
        return None
    print_train_summary(result)
    return result.get("best_val")


if __name__ == "__main__":
    main()

"""`jmedseg train [overrides]` (and `python train.py`): train a segmentation model, configured by Hydra."""
import hydra

from jmedseg.cli._hydra import call_or_exit, run_hydra

NAME = "train"
HELP = "train a segmentation model: jmedseg train model=unet trainer.epochs=3 (Hydra overrides, -m for sweeps)"
HYDRA = True  # the rest of the command line goes to Hydra as it is


def add_arguments(parser):
    pass


@hydra.main(version_base="1.3", config_path="../conf", config_name="train")
def main(cfg):
    from jmedseg.cli._summary import print_train_summary
    from jmedseg.pipelines.training import is_main_process, train

    result = call_or_exit(train, cfg)
    if not is_main_process():  # under `mpirun -np N` rank 0 reports for all
        return None
    print_train_summary(result)
    return result.get("best_val")


def run(argv):
    return run_hydra(main, "jmedseg train", argv)

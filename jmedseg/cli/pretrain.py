"""`jmedseg pretrain [overrides]` (and `python pretrain.py`): contrastive pretraining of a model's encoder."""
import hydra

from jmedseg.cli._hydra import call_or_exit, run_hydra

NAME = "pretrain"
HELP = "contrastive (MoCo) pretraining of a model's encoder: jmedseg pretrain model=unet pretrain.steps=200"
HYDRA = True


def add_arguments(parser):
    pass


@hydra.main(version_base="1.3", config_path="../conf", config_name="pretrain")
def main(cfg):
    from jmedseg.ssl import pretrain
    from jmedseg.models.build import model_kwargs
    from jmedseg.pipelines.training import resolve_run_dir
    from jmedseg.training.trainer import is_main_process

    result = call_or_exit(lambda c: pretrain(c, resolve_run_dir(c), model_kwargs(c.model)), cfg)
    if not is_main_process():  # under `mpirun -np N` rank 0 reports for all
        return None
    print(f"encoder: {result['encoder']}\nuse it: jmedseg train model={cfg.model.name} pretrained={result['encoder']}")
    return result["loss_last"]


def run(argv):
    return run_hydra(main, "jmedseg pretrain", argv)

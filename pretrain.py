"""Contrastive pretraining of a model's encoder: `python pretrain.py model=unet` (see conf/pretrain.yaml)."""
import hydra

from jmedseg.engine import model_kwargs, resolve_run_dir
from jmedseg.ssl import pretrain
from jmedseg.ssl.distributed import is_main_process


@hydra.main(version_base="1.3", config_path="conf", config_name="pretrain")
def main(cfg):
    result = pretrain(cfg, resolve_run_dir(cfg), model_kwargs(cfg.model))
    if not is_main_process():  # under `mpirun -np N` rank 0 reports for all
        return None
    print(f"encoder: {result['encoder']}\nuse it: python train.py model={cfg.model.name} "
          f"model.pretrained={result['encoder']}")
    return result["loss_last"]


if __name__ == "__main__":
    main()

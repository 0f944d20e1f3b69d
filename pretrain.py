"""Contrastive pretraining of a model's encoder: `python pretrain.py model=unet` (see conf/pretrain.yaml)."""
import hydra

from jmedseg.training.engine import model_kwargs, resolve_run_dir
from jmedseg.ssl import pretrain


@hydra.main(version_base="1.3", config_path="conf", config_name="pretrain")
def main(cfg):
    result = pretrain(cfg, resolve_run_dir(cfg), model_kwargs(cfg.model))
    print(f"encoder: {result['encoder']}\nuse it: python train.py model={cfg.model.name} "
          f"model.pretrained={result['encoder']}")
    return result["loss_last"]


if __name__ == "__main__":
    main()

"""Contrastive pretraining of a model's encoder: `python pretrain.py model=unet` (see conf/pretrain.yaml).

The same as `jmedseg pretrain ...` of an installed package.
"""
from jmedseg.cli.pretrain import main

if __name__ == "__main__":
    main()

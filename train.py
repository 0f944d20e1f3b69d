"""Train a segmentation model: `python train.py model=unet trainer.epochs=3` (see conf/train.yaml).

The same as `jmedseg train ...` of an installed package.
"""
from jmedseg.cli.train import main

if __name__ == "__main__":
    main()

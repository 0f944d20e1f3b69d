"""Evaluate a checkpoint on test data: `python evaluate.py ckpt=outputs/.../checkpoints/best.ckpt`.

The same as `jmedseg evaluate ...` of an installed package.
"""
from jmedseg.cli.evaluate import main

if __name__ == "__main__":
    main()

"""Models shipped inside the package: `--model default` names `default.jmed` here.

`default.jmed` is made by `make default-model` (jmedseg/pipelines/default_model.py): a
small UNet trained on the built-in realistic synthetic CT only (no patient
data), exported with its full training config, data seed and the git commit of
the recipe in its metadata.
"""
import os

WEIGHTS_DIR = os.path.dirname(os.path.abspath(__file__))
SHIPPED = {"default": os.path.join(WEIGHTS_DIR, "default.jmed")}


def resolve_model(name_or_path):
    """A model file path: `default` (or another shipped name) resolves to the file inside the package."""
    if name_or_path in SHIPPED:
        path = SHIPPED[name_or_path]
        if not os.path.isfile(path):
            raise FileNotFoundError(f"the shipped model {name_or_path!r} is missing ({path}); "
                                    "build it with `make default-model` or pass a model file made by `jmedseg export`")
        return path
    return name_or_path

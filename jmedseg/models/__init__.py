"""The model zoo. Importing this package imports every family module in it, which registers its models.

Adding a model = one new file here (or a few lines in a family file) + `conf/model/<name>.yaml`.
`build` (a model from a config or a checkpoint) and `weights` (pretrained encoders) register nothing.
"""
import importlib
import pkgutil

NOT_FAMILIES = ("build", "weights")

for _info in pkgutil.iter_modules(__path__):
    if not _info.name.startswith("_") and _info.name not in NOT_FAMILIES:
        importlib.import_module(f"{__name__}.{_info.name}")

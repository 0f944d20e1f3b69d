"""The model zoo. Importing this package imports every module in it, which registers its models.

Adding a model = one new file here (or a few lines in a family file) + `conf/model/<name>.yaml`.
"""
import importlib
import pkgutil

for _info in pkgutil.iter_modules(__path__):
    if not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")

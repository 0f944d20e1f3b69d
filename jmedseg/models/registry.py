"""Model registry: every architecture is created by name with one signature.

    @register_model
    def unet(in_channels, num_classes, **kwargs): return UNet(in_channels, num_classes, **kwargs)

    model = create_model("unet", in_channels=1, num_classes=3, width=16)

Modelled on timm's registry: `create_model` drops ``None`` kwargs so a config
``null`` means "the model's default", and `list_models` filters with wildcards.
"""
import difflib
import fnmatch
import importlib

from jmedseg.errors import JmedsegError

_MODELS = {}
_WRAPPERS = {}   # "module.Class" -> class: the wrappers a checkpoint may name (never imported by name from a file)


class UnknownModelError(JmedsegError, KeyError):
    def __str__(self):  # KeyError would quote the whole message
        return self.args[0]


def register_model(builder):
    """Register a builder `fn(in_channels, num_classes, **kwargs)`; its name is the model name."""
    name = builder.__name__
    if name in _MODELS and _MODELS[name] is not builder:
        raise ValueError(f"model name {name!r} is registered twice")
    _MODELS[name] = builder
    return builder


def register_wrapper(cls):
    """Register a wrapper class `cls(model, **options)`; a checkpoint names it by `module.Class` (its `_target_`)."""
    _WRAPPERS[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return cls


def wrapper_class(target):
    """The registered wrapper class called `target` ("module.Class"); an unregistered one is refused."""
    _load_zoo()
    if target not in _WRAPPERS:
        raise UnknownModelError(f"unknown wrapper {target!r}: registered wrappers are {sorted(_WRAPPERS)}; "
                                "decorate the class with jmedseg.models.registry.register_wrapper")
    return _WRAPPERS[target]


def _load_zoo():
    importlib.import_module("jmedseg.models")  # importing the package registers every family


def list_models(pattern="*"):
    """Sorted names of registered models matching a shell-style wildcard pattern."""
    _load_zoo()
    return sorted(n for n in _MODELS if fnmatch.fnmatch(n, pattern))


def create_model(name, in_channels=1, num_classes=2, **kwargs):
    """Build model `name`; kwargs that are None are dropped (the model's default applies)."""
    _load_zoo()
    if name not in _MODELS:
        close = difflib.get_close_matches(name, _MODELS, n=5, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UnknownModelError(
            f"unknown model {name!r}.{hint} Registered models: {', '.join(sorted(_MODELS))}"
        )
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    try:
        return _MODELS[name](in_channels=in_channels, num_classes=num_classes, **kwargs)
    except TypeError as err:
        raise TypeError(f"model {name!r} does not accept these options {sorted(kwargs)}: {err}") from err

"""Where a measurement's vertebra labels come from when no mask is given: a labeller, by name.

The default labeller is jmedseg.spine's (the CT alone, no trained weights). Any other
is a function `labeller(volume) -> (labels, report)` of the same type: an integer
map on the CT's grid in TotalSegmentator v2 ids, and a report whose `levels` entries
carry `name`, `id`, `flags` and `note` (docs/spine.md). It is named `module:function`
so that cohort runs, which measure in other processes and cluster jobs, import it
there; the hash of its module's source is part of the results' fingerprint, so no
version is bumped by hand when a labeller changes.
"""
import importlib

from jmedseg.errors import InputError

DEFAULT_LABELLER = ""                  # jmedseg.spine.label_vertebrae, through jmedseg.spine.pipeline
DEFAULT_LABELLER_MODULES = ("jmedseg.spine",)


def labeller_name(labeller):
    """'module:function' of a labeller given as a function or a name; "" for the default (None, "", "jmedseg.spine")."""
    if labeller in (None, DEFAULT_LABELLER, *DEFAULT_LABELLER_MODULES):
        return DEFAULT_LABELLER
    if isinstance(labeller, str):
        resolve_labeller(labeller)   # refuse a name that does not import now, not in the middle of a cohort
        return labeller
    name = f"{getattr(labeller, '__module__', '')}:{getattr(labeller, '__qualname__', '')}"
    try:
        found = resolve_labeller(name)
    except InputError:
        found = None
    if found is not labeller:
        raise InputError(f"the labeller {labeller!r} cannot be imported by name ({name}); define it as a "
                         "function at the top level of a module (not a lambda or a nested function)")
    return name


def resolve_labeller(name):
    """The function named 'module:function'; InputError when it does not import."""
    module_name, sep, attr = name.partition(":")
    try:
        function = getattr(importlib.import_module(module_name), attr) if sep and attr else None
    except (ImportError, AttributeError):
        function = None
    if not callable(function):
        raise InputError(f"labeller {name!r} is not an importable function; name it module:function, "
                         "e.g. mypackage.labelling:label_spine")
    return function


def labeller_modules(name):
    """The modules whose source is the labeller's version (jmedseg.pipelines.subject.source_version)."""
    return DEFAULT_LABELLER_MODULES if name == DEFAULT_LABELLER else (name.partition(":")[0],)


def custom_labelling(volume, name, levels, accepted):
    """(labels, report, row fields, problems) of `volume` labelled by the labeller called `name`.

    `problems`: the measured levels (names) the labeller flagged with a flag not in `accepted`,
    with its note, as jmedseg.spine.level_flags reads them from the report.
    """
    from jmedseg.spine.pipeline import level_rows

    labels, report = resolve_labeller(name)(volume)
    if getattr(labels, "shape", None) != volume.shape or "levels" not in report:
        raise InputError(f"labeller {name} returned {type(labels).__name__} of shape {getattr(labels, 'shape', '?')} "
                         f"and a report {'with' if 'levels' in report else 'without'} 'levels'; it must return "
                         f"(labels on the CT's grid {volume.shape}, {{'levels': [...]}}) like "
                         "jmedseg.spine.label_vertebrae")
    row, problems = level_rows(report, levels, accepted, report.get("summary", name))
    return labels, report, row, problems

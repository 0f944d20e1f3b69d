"""Vertebra label schemes: which integer id means which vertebra, in one place.

A cohort folder stores vertebrae with TotalSegmentator v2 ids (31 = L1, 30 = L2,
...); label maps from elsewhere use other numberings:

- `totalseg_v2`: TotalSegmentator v2 class map "total" (117 classes): 26 S1, 27 L5 ... 31 L1, 32 T12 ... 43 T1,
  44 C7 ... 50 C1.
- `totalseg_v1`: TotalSegmentator v1 (104 classes): 18 L5 ... 22 L1, 23 T12 ... 34 T1, 35 C7 ... 41 C1.
- `verse`: the VerSe challenge: 1-7 C1-C7, 8-19 T1-T12, 20-24 L1-L5, 25 L6, 28 T13.
- an explicit mapping written `L1=20,L2=21`.

The numberings overlap (id 20 is L3 in v1 and L1 in VerSe), so `detect_schemes`
uses two facts of a map: its ids must all belong to the scheme, and the
vertebrae must lie in anatomical order along the body axis (C1 highest).
TotalSegmentator numbers upwards from the sacrum, VerSe downwards from C1, so
two or more vertebrae tell these apart. `level_ids` is the single entry the
commands use to turn `--label-scheme` into the level -> id map.
"""
import logging
from dataclasses import dataclass

import numpy as np

from jmedseg.errors import InputError

logger = logging.getLogger(__name__)

# Vertebrae from the skull down; T13 and L6 are transitional vertebrae some people have.
ANATOMICAL_ORDER = (["C%d" % i for i in range(1, 8)] + ["T%d" % i for i in range(1, 13)] + ["T13"]
                    + ["L%d" % i for i in range(1, 6)] + ["L6", "S1"])


@dataclass(frozen=True)
class LabelScheme:
    """A named numbering: `levels` maps vertebra name -> id; `max_id` bounds the ids of the whole class map."""

    name: str
    levels: dict
    max_id: int

    def name_of(self, label_id):
        return {v: k for k, v in self.levels.items()}.get(int(label_id))


def _numbered(names, first_id):
    return {name: first_id + i for i, name in enumerate(names)}


_UP_FROM_L5 = ["L5", "L4", "L3", "L2", "L1"] + ["T%d" % i for i in range(12, 0, -1)] \
    + ["C%d" % i for i in range(7, 0, -1)]
SCHEMES = {
    "totalseg_v2": LabelScheme("totalseg_v2", {"S1": 26, **_numbered(_UP_FROM_L5, 27)}, 117),
    "totalseg_v1": LabelScheme("totalseg_v1", _numbered(_UP_FROM_L5, 18), 104),
    "verse": LabelScheme("verse", {**_numbered(["C%d" % i for i in range(1, 8)]
                                              + ["T%d" % i for i in range(1, 13)]
                                              + ["L%d" % i for i in range(1, 6)], 1),
                                   "L6": 25, "T13": 28}, 28),
}
VERSE_SACRUM_ID = 26            # VerSe labels the sacrum 26; not a level of the scheme (never measured)
COHORT_SCHEME = "totalseg_v2"   # the ids of a cohort folder's vertebrae.nii.gz
TOTALSEG_V2 = SCHEMES[COHORT_SCHEME].levels


def parse_explicit(text):
    """'L1=20,L2=21' -> {'L1': 20, 'L2': 21}, with a clear error for anything else."""
    levels = {}
    for item in filter(None, (s.strip() for s in str(text).split(","))):
        name, sep, value = (p.strip() for p in item.partition("="))
        if not sep or not name or not value.isdigit() or int(value) == 0:
            raise InputError(f"bad level mapping {item!r} in {text!r}; write NAME=ID pairs with ids above 0, "
                             f"like L1=20,L2=21, or name a scheme: {', '.join(SCHEMES)}")
        if name in levels:
            raise InputError(f"level {name!r} appears twice in {text!r}")
        if int(value) in levels.values():
            raise InputError(f"id {value} is given to two levels in {text!r}")
        levels[name] = int(value)
    if not levels:
        raise InputError(f"no levels in {text!r}; write NAME=ID pairs like L1=20,L2=21")
    return levels


def get_scheme(spec):
    """A LabelScheme from a scheme name or an explicit `L1=20,L2=21` mapping."""
    if isinstance(spec, LabelScheme):
        return spec
    if isinstance(spec, dict):
        return LabelScheme("explicit", {str(k): int(v) for k, v in spec.items()}, max(spec.values()))
    text = str(spec).strip()
    if text in SCHEMES:
        return SCHEMES[text]
    if "=" not in text:
        raise InputError(f"unknown label scheme {text!r}; choose one of {', '.join(SCHEMES)} "
                         "or write the ids, e.g. L1=20,L2=21")
    levels = parse_explicit(text)
    return LabelScheme("explicit", levels, max(levels.values()))


def _z_centres(label_map, ids, z_axis_superior):
    """Mean z index per id (sign flipped when z grows inferiorly, so larger = higher in the body)."""
    zs = np.arange(label_map.shape[2])
    out = {}
    for lid in ids:
        counts = (label_map == lid).sum(axis=(0, 1))
        out[lid] = float((zs * counts).sum() / counts.sum()) * (1 if z_axis_superior else -1)
    return out


def fit_problem(label_map, scheme, z_axis_superior=True):
    """Why `label_map` [x, y, z] does not fit `scheme` (None when it does).

    It fits when every id present belongs to the scheme's class map, at least one
    is a vertebra, and the vertebrae lie in anatomical order from top to bottom.
    `z_axis_superior`: the third axis points to the head (canonical RAS+, as loaded).
    """
    scheme = get_scheme(scheme)
    ids = sorted(int(v) for v in np.unique(label_map) if v)
    foreign = [i for i in ids if i > scheme.max_id] if scheme.name != "explicit" else []
    if foreign:
        return f"ids {foreign[:6]} are above {scheme.name}'s highest id {scheme.max_id}"
    vertebrae = [i for i in ids if scheme.name_of(i)]
    if not vertebrae:
        return f"none of the ids present {ids[:12]} is a vertebra in {scheme.name}"
    centre = _z_centres(np.asarray(label_map), vertebrae, z_axis_superior)
    known = [i for i in vertebrae if scheme.name_of(i) in ANATOMICAL_ORDER]  # explicit maps may name others
    ordered = sorted(known, key=lambda i: ANATOMICAL_ORDER.index(scheme.name_of(i)))
    for upper, lower in zip(ordered, ordered[1:]):
        if centre[upper] <= centre[lower]:
            return (f"{scheme.name} reads id {upper} as {scheme.name_of(upper)} and id {lower} as "
                    f"{scheme.name_of(lower)}, but id {upper} lies below id {lower} in the scan")
    return None


def detect_schemes(label_map, z_axis_superior=True):
    """Names of the built-in schemes `label_map` fits, most specific first (several when it is ambiguous)."""
    return [name for name, scheme in SCHEMES.items() if fit_problem(label_map, scheme, z_axis_superior) is None]


def level_ids(scheme, levels=None, label_map=None):
    """The level -> id map of `scheme` (a name or `L1=20,L2=21`), for `levels` (default: all it names).

    With a `label_map` ([x, y, z], canonical RAS+) the map must fit the scheme;
    when it does not, the error names the schemes it does fit.
    """
    scheme = get_scheme(scheme)
    levels = list(levels) if levels is not None else list(scheme.levels)
    unknown = [l for l in levels if l not in scheme.levels]
    if unknown:
        raise InputError(f"level(s) {unknown} have no id in label scheme {scheme.name} "
                         f"(it names {', '.join(scheme.levels)})")
    if label_map is not None:
        problem = fit_problem(label_map, scheme)
        if problem:
            fits = detect_schemes(label_map)
            hint = (f"it fits {' and '.join(fits)}: pass --label-scheme {fits[0]}" if fits
                    else "it fits none of the built-in schemes: give the ids, e.g. --label-scheme L1=20,L2=21")
            raise InputError(f"the label map does not fit label scheme {scheme.name} ({problem}); {hint}")
    return {name: scheme.levels[name] for name in levels}


def to_scheme(label_map, source, target=COHORT_SCHEME):
    """`label_map` renumbered from scheme `source` to `target`; ids with no counterpart become 0.

    Returns (new map, names dropped), e.g. a VerSe T13 or L6, which TotalSegmentator has no id for.
    """
    source, target = get_scheme(source), get_scheme(target)
    label_map = np.asarray(label_map)
    lut = np.zeros(int(max(label_map.max(initial=0), source.max_id)) + 1, np.int32)
    dropped = []
    for name, sid in source.levels.items():
        if name in target.levels:
            lut[sid] = target.levels[name]
        elif (label_map == sid).any():
            dropped.append(name)
    if dropped:
        logger.warning("vertebrae %s have no id in %s and are left out", dropped, target.name)
    return lut[label_map], dropped

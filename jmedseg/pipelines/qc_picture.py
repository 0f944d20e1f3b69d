"""The QC picture of a CT measured with a given vertebra mask, or refused: what the report shows first.

Labelling the CT alone already draws one (jmedseg.spine.qc.qc_for_measure, with every
vertebra it named). With a user's mask, or when no density came out, this draws the same
picture (jmedseg.spine.qc.qc_figure): the requested levels outlined and named, the
cancellous regions that were measured outlined in green, and the pooled histogram with its
Johnson SU fit when there is a density. A refused CT's picture shows where the mask lay,
which is usually why (a mask on air, a level cut by the field of view).
"""
import numpy as np

from jmedseg.density.measure import level_regions, regions_mask
from jmedseg.density.safety import MeasurementRefused
from jmedseg.spine.levels import TOTALSEG_IDS


def named_levels(vertebrae, levels):
    """`vertebrae` with the ids the QC picture names (TotalSegmentator v2).

    A mask numbered like TotalSegmentator (every requested level has its TotalSegmentator id)
    is drawn whole: its other vertebrae are named right too, which shows a refused CT's
    mistake (the labels present). A mask of another scheme (VerSe: L1=20) would be misnamed,
    so only its requested levels are drawn, relabelled: the picture must say L1 where L1 is.
    """
    if all(TOTALSEG_IDS.get(name) == level_id for name, level_id in levels.items()):
        return vertebrae
    named = np.zeros(vertebrae.shape, np.int16)
    for name, level_id in levels.items():
        if name in TOTALSEG_IDS:
            named[vertebrae == level_id] = TOTALSEG_IDS[name]
    return named


def draw_qc_picture(ct, vertebrae, tissue, levels, path, title="", person=None, allow_truncated=False):
    """Write the QC PNG of one measurement to `path`; `person` (PersonDensity) is None for a refused CT."""
    from jmedseg.spine.qc import qc_figure

    try:
        # without the CT's values: a level refused for its content (air, metal) is still outlined where it lay
        regions, _, _ = level_regions(vertebrae, levels, tissue, ct.spacing, allow_truncated)
    except MeasurementRefused:          # no requested level in the mask: the picture shows the CT alone
        regions = {}
    measured = regions_mask(regions, ct.array.shape) if regions else None
    qc_figure(ct.array, named_levels(vertebrae, levels), ct.spacing, path, title, measured,
              person.histogram if person else None, person.fit if person else None)

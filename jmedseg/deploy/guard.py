"""Plausibility guard: no density from a predicted region that cannot be a vertebral body's cancellous bone.

A model that has not seen a patient's kind of image can fail quietly: cancellous
bone predicted in the posterior elements, most of the body missed, a region of
cortex. Before a density is reported for a level, the prediction is compared
with what the whole-vertebra mask says about that level (paper section 3
measures the Johnson SU mode of L1/L2 cancellous bone). Any failed check flags
the level with its reason and no density is reported for it.
"""
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from jmedseg.constants import MIN_DENSITY_PIXELS
from jmedseg.density.safety import TRABECULAR_HU
from jmedseg.errors import JmedsegError

# Checks, with the reasons for each bound:
BODY_RATIO_RANGE = (0.5, 1.6)      # predicted body volume / mask-derived body volume: half or 1.6x is no body
MAX_POSTERIOR_FRACTION = 0.15      # predicted cancellous voxels outside the mask-derived body (dilated 2 mm)
MIN_CANCELLOUS_OF_BODY = 0.10      # cancellous below 10 % of the body: mostly missed
DENSITY_RANGE_HU = TRABECULAR_HU   # the measurement's own plausible range (jmedseg/density/safety.py)
MIN_CONFIDENCE = 0.70              # mean max-probability over the level's predicted bone voxels
MAX_MASK_DENSITY_GAP_HU = 20.0     # predicted-region density vs the mask-only region's (body minus a 2 mm shell):
                                   # two regions of one body whose modes differ by more than twice the 10 HU
                                   # agreement target cannot both be its cancellous bone; the model's is the
                                   # suspect one, since the mask-only region needs no learned appearance
BODY_MARGIN_MM = 2.0


class ImplausiblePredictionError(JmedsegError, ValueError):
    """The predicted region fails a plausibility check; the message gives each failed check."""


@dataclass
class LevelCheck:
    level: str
    reasons: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not self.reasons


def mask_only_density(body, hu, spacing, level):
    """Johnson SU mode of the mask-only cancellous region (what `measure --mask` without a model uses), or None.

    `body` is the vertebral body already taken from the whole-vertebra mask (`reference_body`). Region and
    fit are the measurement's own (`density.measure.mask_only_region`, `density.johnson_su.fit_density`), so
    the guard compares a model with the number `measure --mask` would report.
    """
    from jmedseg.density.johnson_su import fit_density
    from jmedseg.density.measure import mask_only_region

    try:
        region = mask_only_region(body, spacing)
        if region.sum() < MIN_DENSITY_PIXELS:
            return None
        return float(fit_density(np.asarray(hu)[region], f"{level} mask-only cancellous bone").mode)
    except ValueError:  # no body or no interior: the other checks already speak for this level
        return None


def reference_body(vertebra_mask, spacing):
    """The vertebral body of a whole-vertebra mask (posterior elements removed), as jmedseg.data.labels does."""
    from jmedseg.data.labels import vertebral_body

    return vertebral_body(vertebra_mask, spacing)


def check_level(level, tissue, vertebra_mask, hu, spacing, confidence=None, density_hu=None):
    """Checks of one level's prediction; `tissue` uses 1 cortical, 2 cancellous (jmedseg.data.phantom ids)."""
    from jmedseg.constants import CANCELLOUS, CORTICAL

    out = LevelCheck(level)
    vertebra_mask = np.asarray(vertebra_mask, bool)
    canc = (tissue == CANCELLOUS) & vertebra_mask
    pred_body = np.isin(tissue, (CORTICAL, CANCELLOUS)) & vertebra_mask
    try:
        body = reference_body(vertebra_mask, spacing)
    except ValueError as err:
        out.reasons.append(f"no vertebral body can be derived from the {level} mask ({err})")
        return out
    ratio = pred_body.sum() / max(1, body.sum())
    near_body = ndimage.binary_dilation(body, iterations=max(1, int(round(BODY_MARGIN_MM / min(spacing)))))
    outside = float((canc & ~near_body).sum() / max(1, canc.sum()))
    out.stats = {"body_ratio": float(ratio), "posterior_fraction": outside,
                 "cancellous_of_body": float(canc.sum() / max(1, body.sum())),
                 "confidence": confidence}
    lo, hi = BODY_RATIO_RANGE
    if not lo <= ratio <= hi:
        out.reasons.append(f"predicted body is {ratio:.2f} x the mask's body volume (plausible {lo}-{hi})")
    if canc.any() and outside > MAX_POSTERIOR_FRACTION:
        out.reasons.append(f"{100 * outside:.0f} % of the predicted cancellous bone lies outside the vertebral "
                           f"body (posterior elements; at most {100 * MAX_POSTERIOR_FRACTION:.0f} %)")
    if out.stats["cancellous_of_body"] < MIN_CANCELLOUS_OF_BODY:
        out.reasons.append(f"predicted cancellous bone is {100 * out.stats['cancellous_of_body']:.0f} % of the "
                           f"body volume (at least {100 * MIN_CANCELLOUS_OF_BODY:.0f} %)")
    if confidence is not None and np.isfinite(confidence) and confidence < MIN_CONFIDENCE:
        out.reasons.append(f"low model confidence {confidence:.2f} (at least {MIN_CONFIDENCE})")
    if density_hu is None and canc.sum() >= MIN_DENSITY_PIXELS:
        from jmedseg.density.johnson_su import fit_density

        try:   # the fit `measure --model` reports, as on the mask's side (`mask_only_density`)
            density_hu = fit_density(np.asarray(hu)[canc], f"{level} predicted cancellous bone").mode
        except ValueError as err:
            out.reasons.append(f"no Johnson SU fit on the predicted region ({err})")
    if density_hu is not None:
        out.stats["density_hu"] = float(density_hu)
        lo, hi = DENSITY_RANGE_HU
        if not lo <= density_hu <= hi:
            out.reasons.append(f"density {density_hu:.0f} HU is outside the trabecular range ({lo:g}-{hi:g} HU)")
        mask_density = mask_only_density(body, hu, spacing, level)
        out.stats["mask_density_hu"] = mask_density
        if mask_density is not None and abs(density_hu - mask_density) > MAX_MASK_DENSITY_GAP_HU:
            out.reasons.append(f"density {density_hu:.0f} HU differs by {density_hu - mask_density:+.0f} HU from the "
                               f"mask-only region's {mask_density:.0f} HU (at most {MAX_MASK_DENSITY_GAP_HU:g}; the "
                               "prediction holds voxels that are not the body's cancellous bone, or misses them)")
    return out


def check_prediction(tissue, vertebrae, hu, spacing, level_ids, confidence=None, what="the CT"):
    """LevelCheck per level; raises ImplausiblePredictionError naming every failed check of every level."""
    confidence = confidence or {}
    vertebrae = np.asarray(vertebrae)
    # a level missing from the mask is the measurement's own clear error, not an implausible prediction
    checks = [check_level(name, tissue, vertebrae == lid, hu, spacing, confidence.get(name))
              for name, lid in level_ids.items() if (vertebrae == lid).any()]
    failed = [c for c in checks if not c.ok]
    if failed:
        detail = "; ".join(f"{c.level}: " + ", ".join(c.reasons) for c in failed)
        raise ImplausiblePredictionError(
            f"implausible prediction in {what}, no density reported: {detail}. Look at the overlays; the model "
            "may not suit this CT (resolution, contrast, field of view)")
    return checks

"""Bone density from CT: the Johnson SU mode of cancellous-bone pixels (paper, section 3).

johnson_su (the fit and its mode), estimators (alternatives by name), measure (per
vertebra and per person), trend (density against age, section 4).
"""
from jmedseg.density.estimators import ESTIMATORS, estimate, estimate_all
from jmedseg.density.johnson_su import (DensityFitError, JohnsonSUFit, check_values, fit_johnson_su,
                                        fit_johnson_su_counts, johnson_su_mode)

__all__ = ["DensityFitError", "ESTIMATORS", "JohnsonSUFit", "check_values", "estimate", "estimate_all",
           "fit_johnson_su", "fit_johnson_su_counts", "johnson_su_mode"]

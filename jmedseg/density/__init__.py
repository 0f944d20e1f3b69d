"""Bone density from CT: the Johnson SU mode of cancellous-bone pixels (paper, section 3)."""
from jmedseg.density.johnson_su import JohnsonSUFit, fit_johnson_su, johnson_su_mode

__all__ = ["JohnsonSUFit", "fit_johnson_su", "johnson_su_mode"]

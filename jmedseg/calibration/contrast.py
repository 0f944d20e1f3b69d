"""The optional contrast correction (`measure --contrast-correction`, off by default).

Iodine in the marrow's blood raises trabecular HU: at L1, portal venous phase minus
unenhanced HU was +11 +- 19 HU in the same patients (Pickhardt et al., Osteoporos Int
2016, 241 adults). The correction subtracts that mean from the density before it is
calibrated. The +- 19 HU between people stays: a corrected value is still flagged
`contrast`. Phases without a published paired value here (arterial, delayed) are not
corrected, and the note says so.
"""
SHIFT_HU = {"portal_venous": 11.0}
SOURCE = "Pickhardt et al., Osteoporos Int 2016 (L1, portal venous vs unenhanced: +11 +- 19 HU)"


def correction_hu(phase):
    """HU to subtract from a density measured in `phase` (None: no published value used here)."""
    return SHIFT_HU.get(phase)

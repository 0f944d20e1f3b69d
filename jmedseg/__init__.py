"""jmedseg: segment bone in CT and measure bone density from it, in Jittor.

Reproduces and extends "bone density from CT" (see README): a registry of 2D
segmentation networks, SAS training, Johnson SU density and the age analysis.
The Python API (jmedseg/api.py) is imported on first use, so importing the
package imports neither Jittor nor the pipelines; `jmedseg.backend` imports Jittor, once.

    from jmedseg import measure_ct
    measure_ct("ct.nii.gz", mask="vertebrae.nii.gz").l1_jsu_mode_hu
"""
from jmedseg.version import __version__  # noqa: F401

API = ("measure_ct", "label_vertebrae", "segment_ct", "predict_tissue", "load_model", "measure_cohort", "fit_trend",
       "Measurement", "Labelling", "LoadedModel", "TissueMap", "CohortResult")
__all__ = ["__version__", *API]


def __getattr__(name):
    if name in API:
        from jmedseg import api

        return getattr(api, name)
    raise AttributeError(f"module 'jmedseg' has no attribute {name!r}")

"""jmedseg: segment bone in CT and measure bone density from it, in Jittor.

Reproduces and extends "bone density from CT" (see README): a registry of 2D
segmentation networks, SAS training, Johnson SU density and the age analysis.
Importing the package does not import Jittor; `jmedseg.backend` does, once.
"""
from jmedseg.version import __version__  # noqa: F401

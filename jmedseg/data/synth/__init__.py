"""Realistic full-field-of-view synthetic CT slices around T12-L3 (domain randomisation).

A model trained only on a clean vertebra crop fails on patients. This generator
draws, per subject, a random abdomen (body size, fat, organs, vessels with or
without contrast, bowel, ribs, arms, table) around a random vertebra with
realistic bone (kidney-shaped body, thick irregular cortex, curved endplates,
trabecular posterior elements, basivertebral vein, osteophytes, sclerotic
endplates, Schmorl nodes), and renders axial slices through it with a random
scanner (pixel size, slice thickness by averaging thin sub-slices, kernel,
noise, beam-hardening streaks, occasional metal, field-of-view truncation).
All values stay within physical HU ranges; tissue labels and the trabecular
density are exact by construction (paper section 3: density is the mode of a
Johnson SU fit to the cancellous voxels).

    from jmedseg.data.synth import synth_slices
    slices = synth_slices(n_subjects=4, slices_per_subject=3, seed=0)
"""
from jmedseg.data.synth.anatomy import Anatomy, draw_anatomy
from jmedseg.data.synth.dataset import SynthSlice, synth_slice, synth_slices
from jmedseg.data.synth.scanner import ScanParams, draw_scan

__all__ = ["Anatomy", "ScanParams", "SynthSlice", "draw_anatomy", "draw_scan", "synth_slice", "synth_slices"]

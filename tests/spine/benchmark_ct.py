"""One CT of the synthetic labelling benchmark (benchmarks/spine_labelling.py, 12 Mvoxels, pixels coarsened),
written to NIfTI and read back as a user's file would be, then labelled and scored: the end-to-end cases of
issue 20's tests."""
import numpy as np


def label_benchmark_ct(tmp_path, seed, case_id, fov, phase):
    """(case, report, score) of benchmark CT `case_id` of series `seed`."""
    from jmedseg.data import io
    from jmedseg.data.synth import trunk
    from jmedseg.data.synth.trunk import scoring
    from jmedseg.spine import label_vertebrae

    case = trunk.synth_trunk_case(np.random.default_rng([seed, case_id]), phase=phase, fov=fov,
                                  max_voxels=12_000_000, cap_coarsens="pixels")
    path = str(tmp_path / f"ct_{seed}_{case_id}.nii")
    trunk.save_case(case, path)
    report = label_vertebrae(io.load_volume(path))[1]
    return case, report, scoring.score_labelling(case, report)

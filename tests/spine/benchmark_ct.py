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


def assert_thoracic_levels_unflagged_near_truth(case, report, tolerance_mm=10.0):
    """Each of T1-T12 named without a flag, its centroid within `tolerance_mm` of its true centre along z (10 mm:
    half the shortest upper thoracic pitch, so a name one level off cannot pass)."""
    levels = {e["name"]: e for e in report["levels"]}
    for name in [f"T{n}" for n in range(1, 13)]:
        truth = case.levels[name]["centroid_mm"][2]
        assert name in levels, (name, sorted(levels, key=str))
        assert not levels[name]["flags"] and abs(levels[name]["centroid_mm"][2] - truth) <= tolerance_mm, \
            (name, levels[name], truth)

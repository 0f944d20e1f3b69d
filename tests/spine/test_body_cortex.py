"""T11-L5's labels cut at their own cortex on the CT's grid (issue 20, branch `cortex17`, `jmedseg.spine.body_cortex`):
constructed slices of a body with its cortex and the tissue a label copied back from the working grid reaches into,
and one enhanced benchmark CT whose L1/L2 the region check refused before the cut."""
import numpy as np

from jmedseg.density.region_check import wall_problem
from jmedseg.spine.body_cortex import cut_at_own_cortex

PIXEL_MM = 0.8
SHAPE = (90, 90, 6)
CENTRE = np.array([45.0, 45.0])
BODY_MM, CORTEX_MM = 15.0, 1.6     # a lumbar body's radius; its shell is two pixels of compact bone
LABEL_ID = 31


def _scene(cortex_hu=900.0, outside_hu=120.0, label_mm=19.0, noise_hu=0.0, seed=0):
    """(hu, labels): a round body (cancellous 100 HU) within a `cortex_hu` shell in `outside_hu` tissue (120: the
    portal venous liver), labelled `LABEL_ID` to `label_mm` from the centre (19: 4 mm, two working pixels, past the
    shell, as the labels copied back from the working grid reach), on every slice."""
    x, y = np.meshgrid(np.arange(SHAPE[0]), np.arange(SHAPE[1]), indexing="ij")
    radius = np.hypot(x - CENTRE[0], y - CENTRE[1]) * PIXEL_MM
    hu = np.where(radius <= BODY_MM - CORTEX_MM, 100.0, np.where(radius <= BODY_MM, cortex_hu, outside_hu))
    hu = np.repeat(hu[:, :, None], SHAPE[2], axis=2)
    hu += np.random.default_rng(seed).normal(0, noise_hu, SHAPE) if noise_hu else 0.0
    labels = np.repeat(np.where(radius <= label_mm, LABEL_ID, 0)[:, :, None], SHAPE[2], axis=2).astype(np.int16)
    return hu.astype(np.float32), labels, radius


def _cut(hu, labels):
    out = labels.copy()
    box = np.argwhere(labels == LABEL_ID)
    cut_at_own_cortex(out, hu, (PIXEL_MM, PIXEL_MM, 3.0), {LABEL_ID: (box.min(0), box.max(0))})
    return out


def _region(labels):
    """(body, region) as `jmedseg measure` takes them from a body label: the region is the body less its 2 mm shell
    and less one more voxel layer (`mask_only_region`)."""
    from jmedseg.density.measure import mask_only_region

    body = labels == LABEL_ID
    return body, mask_only_region(body, (PIXEL_MM, PIXEL_MM, 3.0))


def test_a_label_past_its_cortex_into_the_liver_ends_at_the_cortex_and_passes_the_region_check():
    """The label 4 mm past the shell into 120 HU liver: its edge (the outer 2 mm) reads the liver and the check
    refuses it; cut, it ends within one pixel of the shell's outer surface and passes (its wall is the shell)."""
    hu, labels, radius = _scene()
    body, region = _region(labels)
    assert wall_problem(hu, body, region, (PIXEL_MM, PIXEL_MM, 3.0), "L1") is not None
    cut = _cut(hu, labels)
    kept = radius[cut[:, :, 3] == LABEL_ID]
    assert BODY_MM - PIXEL_MM <= kept.max() <= BODY_MM + PIXEL_MM
    assert (cut[:, :, 3] == LABEL_ID)[radius <= BODY_MM - PIXEL_MM].all()        # nothing inside the shell is cut
    body, region = _region(cut)
    assert wall_problem(hu, body, region, (PIXEL_MM, PIXEL_MM, 3.0), "L1") is None


def test_noise_of_a_thin_slice_neither_cuts_inside_the_cortex_nor_leaves_the_liver():
    """40 HU of noise (a thin-slice CT's): a noisy liver pixel over 250 HU (3 sigma) or a cancellous one 80 HU over the core (2 sigma)
    lies on a ray or two; the median of five rays keeps the cut at the shell on every slice."""
    hu, labels, radius = _scene(noise_hu=40.0, seed=3)
    cut = _cut(hu, labels)
    for k in range(SHAPE[2]):
        kept = radius[cut[:, :, k] == LABEL_ID]
        assert kept.max() <= BODY_MM + 2 * PIXEL_MM, k
        assert (cut[:, :, k] == LABEL_ID)[radius <= BODY_MM - PIXEL_MM].all(), k


def test_a_faint_cortex_cuts_nothing():
    """A shell reading 230 HU (an osteoporotic cortex, under `CORTEX_HU`): no cortex found, the label stays whole."""
    hu, labels, _ = _scene(cortex_hu=230.0)
    assert (_cut(hu, labels) == labels).all()


def test_a_label_short_of_its_cortex_is_not_cut_inside_it():
    """The label ends 1 mm inside the shell's outer surface: the shell's peak lies at the edge, the search runs past
    it, nothing is cut."""
    hu, labels, _ = _scene(label_mm=BODY_MM - 1.0)
    assert (_cut(hu, labels) == labels).all()


def test_a_vessel_as_bright_as_bone_against_the_body_is_left_in_its_direction():
    """An arterial aorta (450 HU, 10 mm across) against the body's anterior left, inside the label: the outermost
    drop along the rays through its middle is the vessel's own far wall, so its core (3 mm round its centre) is not
    cut there (the region check judges it; rays grazing its flank meet the shell's fall into the liver and cut there),
    nothing inside the shell is cut, and the liver side is cut at the shell as before."""
    hu, labels, radius = _scene(label_mm=27.0)
    x, y = np.meshgrid(np.arange(SHAPE[0]), np.arange(SHAPE[1]), indexing="ij")
    from_aorta = np.hypot(x - CENTRE[0] - 14, y - CENTRE[1] - 14) * PIXEL_MM
    hu[(from_aorta <= 5.0) & (radius > BODY_MM)] = 450.0
    cut = _cut(hu, labels)[:, :, 3] == LABEL_ID
    assert cut[from_aorta <= 3.0].all() and cut[radius <= BODY_MM - PIXEL_MM].all()
    assert radius[cut & (x < CENTRE[0] - 5) & (y < CENTRE[1] - 5)].max() <= BODY_MM + PIXEL_MM


def test_pixels_coarser_than_the_working_grid_are_not_cut():
    """The same scene read as 3 mm pixels (the real native example's): a 1 mm cortex is a third of its pixel, the cut
    is not made (on that CT it took 11 % of L1 and moved its density by 6.4 HU)."""
    hu, labels, _ = _scene()
    out = labels.copy()
    box = np.argwhere(labels == LABEL_ID)
    cut_at_own_cortex(out, hu, (3.0, 3.0, 3.0), {LABEL_ID: (box.min(0), box.max(0))})
    assert (out == labels).all() and (_cut(hu, labels) != labels).any()


def _ct_alone_and_true_density(tmp_path, seed, case_id):
    """(CT-alone L1+L2 density, the true labels' L1+L2 density) of benchmark CT `case_id` of series `seed`, measured
    as `jmedseg measure` measures (`measure_person`, each level checked by `region_check` first)."""
    import sys
    from pathlib import Path

    from jmedseg.data import io
    from jmedseg.data.synth import trunk
    from jmedseg.density.measure import measure_person
    from jmedseg.spine import label_vertebrae

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from spine_labelling import design

    fov, phase = design(case_id)
    case = trunk.synth_trunk_case(np.random.default_rng([seed, case_id]), phase=phase, fov=fov,
                                  max_voxels=12_000_000, cap_coarsens="pixels")
    volume = io.load_volume(trunk.save_case(case, str(tmp_path / "ct.nii")))
    levels = {"L1": 31, "L2": 30}
    labels = label_vertebrae(volume)[0]
    return tuple(measure_person(volume.array, vertebrae, None, volume.spacing, levels).row["density_hu"]
                 for vertebrae in (labels, case.label_map("vertebra")))


def test_portal_venous_l1_l2_refused_for_the_liver_at_their_edge_are_measured(tmp_path):
    """Seed 2026 CT 26 (portal venous, abdomen + pelvis, 3 mm): before the cut the liver at L1's and L2's right
    anterior edge left no wall and both were refused; cut, they are measured within 5 HU (the issue's target for the
    real-derived variants) of the true labels' density (measured: 72.9 against 74.3 HU)."""
    ct_alone, truth = _ct_alone_and_true_density(tmp_path, 2026, 26)
    assert abs(ct_alone - truth) <= 5.0, (ct_alone, truth)


def test_a_native_ct_measured_before_stays_measured_at_its_density(tmp_path):
    """Control, seed 2026 CT 1 (native, chest + abdomen, 5 mm): measured before the cut 0.45 HU from the true labels'
    density, cut 0.35 HU (58.2 against 57.9); 1 HU is twice the offset it had: a cut that took cancellous bone
    or left soft tissue in would move the mode further."""
    ct_alone, truth = _ct_alone_and_true_density(tmp_path, 2026, 1)
    assert abs(ct_alone - truth) <= 1.0, (ct_alone, truth)

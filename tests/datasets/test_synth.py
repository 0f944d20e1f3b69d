"""The realistic synthetic CT generator (jmedseg.data.synth): seeding, labels and density by construction."""
import numpy as np
import pytest

from jmedseg.data.synth.anatomy import LEVEL_SIZES, draw_anatomy
from jmedseg.data.synth.dataset import synth_slice, subject_slices
from jmedseg.data.synth.scanner import ScanParams
from jmedseg.density.johnson_su import fit_johnson_su


def clean_scan(slice_mm=1.0, pixel_mm=0.6):
    """A noise-free scanner without streaks or metal, field of view covering everything."""
    return ScanParams(pixel_mm=pixel_mm, slice_mm=slice_mm, fwhm_mm=0.5, sharp=0.0, noise_hu=0.0, streaks=0,
                      metal=False, fov_mm=600.0, fov_shift=(0.0, 0.0))


def subject(level="L1", density=150.0, seed=3):
    rng = np.random.default_rng(seed)
    anat = draw_anatomy(rng, level, density_hu=density)
    anat.vertebra.vein = False          # the basivertebral vein holds blood, not trabecular bone
    anat.vertebra.schmorl = False
    return anat, rng


def test_same_seed_same_slices_and_subjects_independent_of_cohort_order():
    a_info, a = subject_slices(seed=5, index=2, n_slices=2, size=64, pixel_mm=1.2)
    b_info, b = subject_slices(seed=5, index=2, n_slices=2, size=64, pixel_mm=1.2)
    assert a_info == b_info
    for x, y in zip(a, b):  # same process, same code path: identical
        np.testing.assert_array_equal(x.hu, y.hu)
        np.testing.assert_array_equal(x.labels, y.labels)
    _, c = subject_slices(seed=6, index=2, n_slices=1, size=64, pixel_mm=1.2)
    assert not np.array_equal(a[0].hu, c[0].hu)


def test_mid_body_slice_has_all_tissues_and_stored_hu_range():
    anat, rng = subject()
    s = synth_slice(rng, anat, clean_scan(), 0.0, size=128, pixel_mm=0.6)
    counts = np.bincount(s.labels.ravel(), minlength=4)
    assert counts[1] > 50 and counts[2] > 500 and counts[3] > 50  # cortex, cancellous, posterior elements
    assert s.hu.min() >= -1024 and s.hu.max() <= 3071
    # the body lies anterior (top rows) of the posterior elements in the radiological view
    rows_canc = np.nonzero(s.labels == 2)[0].mean()
    rows_post = np.nonzero(s.labels == 3)[0].mean()
    assert rows_canc < rows_post


def test_cancellous_density_is_the_true_density():
    # Noise-free, thin slice: the cancellous pixels carry the Johnson SU law whose mode is the true density,
    # blurred only by the 0.5 mm kernel and the 0.6 mm pixel (which mixes cortex into the outermost ring of
    # labelled pixels). 8 HU: the mode of a 20-60 HU wide law estimated from ~1-2 thousand pixels moves by a
    # few HU with that ring, far less than the 30-300 HU range the density spans.
    for density in (60.0, 220.0):
        anat, rng = subject(density=density)
        s = synth_slice(rng, anat, clean_scan(), 0.0, size=128, pixel_mm=0.6)
        mode = fit_johnson_su(s.hu[s.labels == 2].astype(np.float64), "synthetic cancellous").mode
        assert s.true_density_hu == density
        assert abs(mode - density) < 8.0, (density, mode)


def test_disc_slice_has_no_body_and_thick_endplate_slice_no_pure_cancellous():
    anat, rng = subject(level="L2")
    h = 0.5 * anat.vertebra.height
    disc = synth_slice(rng, anat, clean_scan(), h + 0.5 * anat.vertebra.disc, size=128, pixel_mm=0.6)
    assert not np.isin(disc.labels, (1, 2)).any()
    # a 5 mm slab straddling the endplate: half body, half disc -> partial volume, nothing purely trabecular
    edge = synth_slice(rng, anat, clean_scan(slice_mm=5.0), h, size=128, pixel_mm=0.6)
    assert (edge.labels == 2).sum() == 0


def test_full_view_covers_the_field_of_view():
    anat, rng = subject()
    scan = clean_scan(pixel_mm=1.0)
    scan.fov_mm = 320.0
    s = synth_slice(rng, anat, scan, 0.0, pixel_mm=1.0, view="full")
    assert s.hu.shape[0] % 32 == 0 and s.hu.shape[0] * 1.0 >= 320.0
    assert s.hu[0, 0] == -1024  # outside the reconstruction circle
    assert (s.labels == 2).sum() > 200


def test_unknown_view_is_an_error():
    anat, rng = subject()
    with pytest.raises(ValueError, match="view must be one of"):
        synth_slice(rng, anat, clean_scan(), 0.0, view="sagittal")


def test_levels_sizes_are_lumbar_and_thoracolumbar():
    assert list(LEVEL_SIZES) == ["T12", "L1", "L2", "L3"]


def test_synthetic_ct_data_option_builds_splits():
    from jmedseg.data.build import build_splits
    from tests.conftest import compose_config

    cfg = compose_config("train", ["data=synthetic_ct", "data.n_subjects=6", "data.slices_per_subject=2",
                                   "data.image_size=64", "data.pixel_mm=1.2", "data.split=[0.5,0.25,0.25]"])
    out = build_splits(cfg.data, batch_size=2)
    x, y = out["train"].dataset.images_hu[0], out["train"].dataset.labels[0]
    assert x.shape == (64, 64) and set(np.unique(y)) <= {0, 1, 2}
    assert sum(len(s.subjects) for s in out.values()) == 6
    assert all("true_density_hu" in s for s in out["test"].subjects)

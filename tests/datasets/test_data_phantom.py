"""The 3D lumbar phantom and the synthetic cohort: exact density, anatomy, determinism, the CLI."""
import hashlib
import os
from dataclasses import replace

import numpy as np
import pytest

from jmedseg.cli import main as cli
from jmedseg.data.phantom import (CANCELLOUS, CORTICAL, LEVEL_IDS, OTHER_BONE, SITES, PhantomSpec, Pose,
                                  render_subject)
from jmedseg.data.synthetic import EQUATION_3_HU, DensityLaw, draw_cohort
from jmedseg.density import fit_johnson_su

SMALL = PhantomSpec(fov_mm=(110.0, 110.0))  # enough for the spine, fast to render


@pytest.mark.parametrize("site", ["N", "S"])
def test_cancellous_mode_is_the_configured_density_before_noise(site):
    scanner = replace(SITES[site], noise_sd=0.0)
    vol = render_subject(137.5, scanner, np.random.default_rng(4), SMALL)
    for level in ("L1", "L2"):
        values = vol.ct[(vol.labels == CANCELLOUS) & (vol.vertebrae == LEVEL_IDS[level])]
        assert values.size > 2000
        assert abs(fit_johnson_su(values).mode - 137.5) < 1.0
    # after rounding to whole HU, as `jmedseg phantom` stores it
    pooled = np.round(vol.ct[vol.labels == CANCELLOUS])
    assert abs(fit_johnson_su(pooled).mode - 137.5) < 1.0


def test_geometry_spacing_and_labels_per_site():
    for site, scanner in SITES.items():
        vol = render_subject(150.0, scanner, np.random.default_rng(0), SMALL, pose=Pose())
        assert vol.spacing == (scanner.pixel_mm, scanner.pixel_mm, scanner.slice_mm)
        assert vol.ct.shape[:2] == (round(110 / scanner.pixel_mm),) * 2
        assert vol.ct.shape == vol.labels.shape == vol.vertebrae.shape
        assert set(np.unique(vol.labels)) == {0, CORTICAL, CANCELLOUS, OTHER_BONE}
        assert set(np.unique(vol.vertebrae)) == {0, *LEVEL_IDS.values()}
        np.testing.assert_allclose(np.diag(vol.affine)[:3], vol.spacing)
    # stacking: T12 above L1 above L2 above L3 (z grows superiorly in RAS)
    z_mean = {name: np.argwhere(vol.vertebrae == lid)[:, 2].mean() for name, lid in LEVEL_IDS.items()}
    assert z_mean["L3"] < z_mean["L2"] < z_mean["L1"] < z_mean["T12"]
    # posterior elements lie behind the body (smaller y in RAS)
    l1 = vol.vertebrae == LEVEL_IDS["L1"]
    assert np.argwhere(l1 & (vol.labels == OTHER_BONE))[:, 1].mean() < np.argwhere(
        l1 & (vol.labels == CANCELLOUS))[:, 1].mean()


def test_body_size_and_tissue_values_are_realistic():
    scanner = replace(SITES["S"], noise_sd=0.0)
    vol = render_subject(150.0, scanner, np.random.default_rng(0), PhantomSpec(), pose=Pose())
    px = scanner.pixel_mm
    l2 = (vol.vertebrae == LEVEL_IDS["L2"]) & np.isin(vol.labels, (CORTICAL, CANCELLOUS))
    k = int(np.argmax(l2.sum(axis=(0, 1))))
    xs, ys = np.nonzero(l2[:, :, k])
    assert 40 <= (xs.max() - xs.min() + 1) * px <= 50     # L2 body about 45 mm wide
    assert 28 <= (ys.max() - ys.min() + 1) * px <= 36     # and about 33 mm deep
    background = vol.labels == 0
    assert vol.ct.min() == pytest.approx(-1000.0, abs=1)   # air behind the back
    assert abs(np.median(vol.ct[background & (np.abs(vol.ct - 40) < 20)]) - 40.0) < 1.0
    assert (np.abs(vol.ct - (-100.0)) < 1.0).sum() > 1000  # fat
    assert np.median(vol.ct[vol.labels == CORTICAL]) > 300  # shell brighter than the 150 HU interior


def test_same_seed_same_volume_and_pose_varies():
    a = render_subject(120.0, SITES["N"], np.random.default_rng(7), SMALL)
    b = render_subject(120.0, SITES["N"], np.random.default_rng(7), SMALL)
    c = render_subject(120.0, SITES["N"], np.random.default_rng(8), SMALL)
    np.testing.assert_array_equal(a.ct, b.ct)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.array_equal(a.labels, c.labels)
    noise = a.ct - render_subject(120.0, replace(SITES["N"], noise_sd=0.0), np.random.default_rng(7), SMALL).ct
    assert 17.5 < noise.std() < 18.5  # site N noise SD 18 HU


def test_cohort_follows_the_density_law():
    infos = draw_cohort(300, seed=1, law=DensityLaw(residual_sd=0.0))
    assert {i.sex for i in infos} == {"M", "F"} and {i.site for i in infos} == {"N", "S"}
    assert min(i.age for i in infos) >= 39 and max(i.age for i in infos) <= 80
    for i in infos[:20]:
        slope, intercept = EQUATION_3_HU[f"{i.sex}_{i.site}"]
        assert i.true_density_hu == pytest.approx(slope * i.age + intercept, abs=1e-3)
    fn = next(i for i in infos if (i.sex, i.site) == ("F", "N"))
    assert fn.true_density_hu == pytest.approx(-3.54 * fn.age + 1354.93 - 1024, abs=1e-3)  # paper Eq. 3
    noisy = draw_cohort(400, seed=1)
    resid = [i.true_density_hu - DensityLaw().expected(i.age, i.sex, i.site) for i in noisy]
    assert 5.0 < np.std(resid) < 7.0
    custom = draw_cohort(5, seed=0, law=DensityLaw({"F_X": (0.0, 100.0)}, residual_sd=0.0, age_range=(50, 50)))
    assert [(i.sex, i.site, i.age, i.true_density_hu) for i in custom] == [("F", "X", 50, 100.0)] * 5
    with pytest.raises(ValueError, match="<sex>_<site>"):
        DensityLaw({"FN": (1.0, 2.0)})


def _digest(root):
    h = hashlib.sha256()
    for folder, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            h.update(f.encode())
            h.update(open(os.path.join(folder, f), "rb").read())
    return h.hexdigest()


def test_phantom_command_is_deterministic_and_atomic(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    assert cli(["phantom", "--subjects", "1", "--out", str(a), "--seed", "5", "--quiet"]) == 0
    assert cli(["phantom", "--subjects", "1", "--out", str(b), "--seed", "5", "--quiet"]) == 0
    assert _digest(a) == _digest(b)
    assert sorted(os.listdir(tmp_path)) == ["a", "b"]  # no temporary folders left behind
    assert sorted(os.listdir(a / "sub000")) == ["ct.nii.gz", "labels.nii.gz", "vertebrae.nii.gz"]
    header = open(a / "cohort.csv").readline().strip()
    assert header == "subject_id,age,sex,site,true_density_hu"
    assert cli(["phantom", "--subjects", "1", "--out", str(a), "--quiet"]) == 2
    assert "--force" in capsys.readouterr().err
    assert cli(["phantom", "--subjects", "1", "--out", str(a), "--seed", "6", "--quiet", "--force"]) == 0
    assert _digest(a) != _digest(b) and sorted(os.listdir(tmp_path)) == ["a", "b"]

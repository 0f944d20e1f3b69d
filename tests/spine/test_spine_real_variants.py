"""CT-alone labelling on real CT however it is stored or acquired (issue 20, sections 3-4).

The bundled contrast-enhanced chest CT must give the spine (not the heart) and say that L1/L2
are not in the scan; variants made here from the native 3 mm example (5 mm slices, 40 HU
noise, stored LPS / feet first, cut to T11-L3, a contrast-filled aorta against the bodies)
must name L1 and L2 where the reference puts them and give the reference mask's density.
"""
import os

import nibabel as nib
import numpy as np
import pytest
from scipy import ndimage

from jmedseg.data.io import Volume, load_labels, load_volume
from jmedseg.density.measure import measure_person
from jmedseg.spine import label_vertebrae
from jmedseg.spine.evaluate import evaluate_levels
from jmedseg.spine.pipeline import vertebrae_for_measure

from tests.conftest import DATA

CTA = os.path.join(DATA, "totalseg_chest_cta", "chest_cta.nii.gz")
TS_CT = os.path.join(DATA, "totalseg_example", "example_ct.nii.gz")
TS_REF = os.path.join(DATA, "totalseg_example", "example_ct_vertebrae.nii.gz")
L1L2 = {"L1": 31, "L2": 30}


@pytest.fixture(scope="module")
def chest_cta():
    ct = load_volume(CTA)
    return ct, *label_vertebrae(ct)


def test_chest_cta_column_is_the_spine_not_the_heart(chest_cta):
    """Every labelled body lies in the back of the chest: the heart and aorta lie in front of the spine."""
    ct, labels, report = chest_cta
    # the spine runs through the whole scan (neck to T12): the labelled bodies span most of its height
    # (the top and bottom vertebrae are cut, discs between bodies are unlabelled)
    zs = np.flatnonzero((labels > 0).any(axis=(0, 1)))
    assert zs.max() - zs.min() >= 0.8 * ct.shape[2], (zs.min(), zs.max(), report["summary"])
    for entry in report["levels"]:
        vox = np.argwhere(labels == entry["id"])
        x, z0, z1 = int(vox[:, 0].mean()), vox[:, 2].min(), vox[:, 2].max() + 1
        # the trunk's front-to-back extent on the midline strip (15 mm either side) at this vertebra's height
        strip = ct.array[max(0, x - 10):x + 10, :, z0:z1] > -300.0
        ys = np.flatnonzero(strip.any(axis=(0, 2)))
        depth = (vox[:, 1].mean() - ys.min()) / (ys.max() - ys.min())
        # a vertebral body's centre lies 20-47 % of the trunk's depth from the back (the cervical spine
        # lies nearer the middle of the neck); the heart and the ascending aorta lie at 50-85 %
        assert depth < 0.48, (entry["name"], entry["id"], round(depth, 2))
        # a vertebral body holds no contrast-filled blood pool: its voxels' median is cancellous bone
        # (130-190 HU here), the heart and aorta read 300-500 HU in this arterial phase
        assert np.median(ct.array[labels == entry["id"]]) < 250.0, entry["name"]


def test_chest_cta_lowest_body_is_cut_and_l1_l2_are_not_in_the_scan(chest_cta):
    ct, labels, report = chest_cta
    lowest = report["levels"][-1]
    assert "incomplete" in lowest["flags"]                 # T12 touches the scan's lower edge (NOTICE.md)
    assert np.argwhere(labels == lowest["id"])[:, 2].min() <= 2
    with pytest.raises(ValueError, match="L1: missing"):
        vertebrae_for_measure(ct, "cta", ("L1", "L2"))


@pytest.fixture(scope="module")
def example():
    return load_volume(TS_CT), load_labels(TS_REF).array


def _resample_z(ct, ref, slice_mm):
    """Thick slices: each new slice averages the `slice_mm` slab it covers (linear between the 3 mm slices,
    as a scanner's slab sensitivity), reference labels from the slab's middle."""
    fine = ct.spacing[2] / 3.0                                  # 1 mm steps between the 3 mm slices
    hu = ndimage.zoom(ct.array, (1, 1, 3), order=1)
    lab = ndimage.zoom(ref, (1, 1, 3), order=0)
    f = int(round(slice_mm / fine))
    n = hu.shape[2] // f * f
    hu = hu[:, :, :n].reshape(hu.shape[0], hu.shape[1], n // f, f).mean(axis=3)
    lab = lab[:, :, f // 2:n:f]
    step = np.diag([1.0, 1.0, fine / ct.spacing[2], 1.0])
    affine = ct.affine @ step @ np.diag([1.0, 1.0, f, 1.0])
    affine[:3, 3] = ct.affine[:3, :3] @ [0, 0, ((f - 1) / 2 - 1) / 3] + ct.affine[:3, 3]
    return Volume(hu.astype(np.float32), affine, (ct.spacing[0], ct.spacing[1], fine * f)), lab


def _noisy(ct, ref, sd=40.0, pixel_mm=1.5):
    """Low-dose CT (PET/CT, the paper's setting): 40 HU SD of white noise in 1.5 mm pixels, the issue's upper
    bound. The example's 3 mm voxel averages 2 x 2 such pixels, so it gets 20 HU; adding 40 HU to 3 mm voxels
    would be 80 HU at PET/CT's pixel size, twice the bound. Fixed seed."""
    per_voxel = sd / np.sqrt(np.prod([max(1.0, s / pixel_mm) for s in ct.spacing[:2]]))
    noise = np.random.default_rng(20).normal(0.0, per_voxel, ct.shape).astype(np.float32)
    return Volume(ct.array + noise, ct.affine, ct.spacing), ref


def _stored_lps_feet_first(ct, ref, tmp_path):
    """Written as an LPS, feet-first file (x and y and z flipped in storage), read back through the loader."""
    flip = np.diag([-1.0, -1.0, -1.0, 1.0])
    flip[:3, 3] = np.array(ct.shape) - 1
    affine = ct.affine @ flip
    path = tmp_path / "lps_feet_first.nii.gz"
    ref_path = tmp_path / "lps_feet_first_ref.nii.gz"
    nib.save(nib.Nifti1Image(ct.array[::-1, ::-1, ::-1].astype(np.int16), affine), path)
    nib.save(nib.Nifti1Image(ref[::-1, ::-1, ::-1].astype(np.uint8), affine), ref_path)
    assert not np.allclose(nib.load(path).affine[:3, :3], ct.affine[:3, :3])   # stored differently indeed
    return load_volume(str(path)), load_labels(str(ref_path)).array


def _cut_t11_to_l3(ct, ref):
    """A field of view from T11 to L3: no sacrum in view."""
    zs = np.flatnonzero((ref == 29).any(axis=(0, 1)))      # L3
    k0 = zs.min()
    affine = ct.affine.copy()
    affine[:3, 3] = ct.affine[:3, :3] @ [0, 0, k0] + ct.affine[:3, 3]
    return Volume(ct.array[:, :, k0:].copy(), affine, ct.spacing), ref[:, :, k0:]


def _contrast_aorta(ct, ref):
    """Arterial phase simulated: a 24 mm blood pool of 350 HU against the left front of every body.

    Drawn where the abdominal aorta runs (left-anterior of the lumbar bodies, touching them, the
    worst case for telling bone from contrast) from the top of the scan down to L4.
    """
    hu = ct.array.copy()
    sp = np.asarray(ct.spacing)
    body = np.isin(ref, [28, 29, 30, 31, 32])
    radius = 12.0
    for k in np.flatnonzero(body.any(axis=(0, 1))):
        pts = np.argwhere(body[:, :, k])
        cx, front = pts[:, 0].mean(), pts[:, 1].max()
        centre = np.array([cx - 15.0 / sp[0], front + (radius - 4.0) / sp[1]])   # left of midline, touching
        xx, yy = np.ogrid[:ct.shape[0], :ct.shape[1]]
        disc = ((xx - centre[0]) * sp[0]) ** 2 + ((yy - centre[1]) * sp[1]) ** 2 <= radius ** 2
        hu[:, :, k][disc & ~body[:, :, k]] = 350.0
    return Volume(hu, ct.affine, ct.spacing), ref


VARIANTS = {
    "5 mm slices": lambda ct, ref, tmp: _resample_z(ct, ref, 5.0),
    "noise 40 HU": lambda ct, ref, tmp: _noisy(ct, ref),
    "stored LPS, feet first": _stored_lps_feet_first,
    "cut to T11-L3": lambda ct, ref, tmp: _cut_t11_to_l3(ct, ref),
    "contrast-filled aorta": lambda ct, ref, tmp: _contrast_aorta(ct, ref),
}


# Measured 2026-12-03 (docs/spine.md): names right in every variant. At PET/CT noise the L1 body was cut
# short by a spurious disc (one body slice whose noisy shell did not close, 11.8 HU off); at 5 mm slices the
# canal's CSF was taken into the bodies where the canal's ring is open and L2 was cut short (6.2 HU off).
# Fixed in jmedseg.spine.column: 1.6 and 4.9 HU off now.
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_example_variant_names_l1_l2_and_keeps_the_density(example, variant, tmp_path):
    ct, ref = VARIANTS[variant](*example, tmp_path)
    labels, report = label_vertebrae(ct)
    rows = {r["level"]: r for r in evaluate_levels(labels, ref, ct.spacing, L1L2)}
    for name in L1L2:
        assert rows[name]["correct_id"], (variant, rows[name], report["summary"])
        # 10 mm: a third of a level, the criterion for a correct place
        assert rows[name]["centroid_distance_mm"] <= 10.0, (variant, rows[name])
    reference = measure_person(ct.array, ref, None, ct.spacing, L1L2).row["density_hu"]
    ours = measure_person(ct.array, labels, None, ct.spacing, L1L2).row["density_hu"]
    # 5 HU: the target; the two regions differ by their outline (3 mm voxels), not their level
    assert abs(ours - reference) <= 5.0, (variant, ours, reference)
    named = [e for e in report["levels"] if e["name"] in L1L2]
    if variant == "cut to T11-L3":
        # one anchor left (the crop removes the sacrum): names counted from it, right, but not confirmed, so
        # measuring refuses them. Elsewhere sacrum and ribs agree: the iliac crest (5 mm) is not taken for a rib
        assert report["summary"].startswith("one anchor only"), (variant, report["summary"])
        assert all("uncertain_level" in e["flags"] for e in named)
    else:
        assert report["summary"] == "confirmed by sacrum and ribs", (variant, report["summary"])
        assert all(e["flags"] == [] for e in named), named

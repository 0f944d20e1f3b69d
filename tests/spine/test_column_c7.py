"""C7 above the first rib pair on chest CTs (issue 20): small bodies kept, the top disc seen as a trough.

Synthetic (phantom-only) cases. At 5 mm slices C7's and T1's bodies (15-20 mm deep) left no core after the 6 mm
neck erosion, and the C7/T1 disc read as a trough of the body core's HU, not a bright band: the column or its discs
ended at T1 and the first-rib anchor was not counted (benchmark CTs 9 and 28 of seed 2026).
"""
import numpy as np
import pytest

from jmedseg.spine.canal import CanalTrack
from jmedseg.spine.column import LEAK_AREA_RATIO, NECK_MM, SMALL_NECK_MM, _body_in_front_of_canal, _small_bodies
from jmedseg.spine.discs import ENDPLATE_BUMP_HU, MIN_THIN_BODY_MM, SAMPLE_MM, top_trough

SP = (3.0, 3.0, 5.0)


def _canal(nx, ny, nz, at=(20, 10)):
    return CanalTrack(np.tile(np.array(at, float), (nz, 1)), np.ones(nz, bool), 0, nz - 1,
                      np.zeros((nx, ny, nz), bool))


def _block(nx, ny, at, width_px, depth_px):
    """A body `width_px` x `depth_px` working pixels, its back wall 9 mm in front of the canal's centre at `at`."""
    out = np.zeros((nx, ny), bool)
    x, y = at
    out[x - width_px // 2:x - width_px // 2 + width_px, y + 3:y + 3 + depth_px] = True
    return out


def test_a_small_body_lost_by_the_neck_is_found_with_the_thinner_one():
    """A 12 x 24 mm body (4 x 8 pixels: C7 at partial volume) has no core after `NECK_MM`, one after `SMALL_NECK_MM`;
    `_small_bodies` puts it in the slice without a body and leaves the slices that have one."""
    nx, ny, nz = 40, 40, 6
    canal = _canal(nx, ny, nz)
    small = _block(nx, ny, (20, 10), 4, 8)
    assert _body_in_front_of_canal(small, canal.centre[0], SP, NECK_MM) is None
    assert _body_in_front_of_canal(small, canal.centre[0], SP, SMALL_NECK_MM) is not None
    hu = np.full((nx, ny, nz), 40.0, np.float32)
    filled = np.repeat(small[:, :, None], nz, axis=2)
    body = np.zeros_like(filled)
    body[:, :, :3] = small[:, :, None]               # the bodies found below
    _small_bodies(body, filled, hu, canal, SP)
    assert body.any(axis=(0, 1)).all()
    assert (body[:, :, 4] == small).all()


def test_a_region_larger_than_the_bodies_near_is_not_taken():
    """Where the thinner neck holds on to something larger than `LEAK_AREA_RATIO` times the bodies nearby (a rib
    head or vessel joined to the body), the slice stays without a body."""
    nx, ny, nz = 40, 40, 6
    canal = _canal(nx, ny, nz)
    small = _block(nx, ny, (20, 10), 4, 8)
    large = _block(nx, ny, (20, 10), 12, 4)          # 48 pixels against 32, still no 6 mm core (4 pixels deep)
    assert _body_in_front_of_canal(large, canal.centre[0], SP, NECK_MM) is None
    assert large.sum() > LEAK_AREA_RATIO * small.sum()
    hu = np.full((nx, ny, nz), 40.0, np.float32)
    filled = np.repeat(large[:, :, None], nz, axis=2)
    body = np.zeros_like(filled)
    body[:, :, :3] = small[:, :, None]
    _small_bodies(body, filled, hu, canal, SP)
    assert not body[:, :, 3:].any()


def _profile(top_mm, trough_at, depth_hu):
    """Arc positions every `SAMPLE_MM` to `top_mm` and a departure profile with a Gaussian trough of `depth_hu`."""
    s = np.arange(0.0, top_mm, SAMPLE_MM)
    return s, -depth_hu * np.exp(-0.5 * ((s - trough_at) / 1.5) ** 2)


def test_the_trough_above_the_highest_disc_is_the_next_disc():
    """Discs every 20 mm to 60 mm, the profile on to 92 mm: the part above is longer than a pitch, and its trough of
    40 HU at 79 mm (19 mm above the last disc, 13 mm below the end) is taken, within a sample."""
    s, bump = _profile(92.0, 79.0, 2 * ENDPLATE_BUMP_HU)
    got = top_trough([20.0, 40.0, 60.0], s, bump)
    assert len(got) == 4 and abs(got[-1] - 79.0) <= SAMPLE_MM


@pytest.mark.parametrize("top_mm, trough_at, depth_hu", [
    (78.0, 70.0, 40.0),       # the part above is shorter than a pitch (18 mm): one vertebra cut by the column's end
    (92.0, 79.0, 10.0),       # a trough of half `ENDPLATE_BUMP_HU`: a vein in a body's core, not disc tissue
    (92.0, 88.0, 40.0),       # the trough within `MIN_THIN_BODY_MM` of the end: where the body leaves the column
    (92.0, 70.0, 40.0),       # 10 mm above the highest disc, under `THIN_DISC_PITCH_MM`: a body's darker middle
])
def test_no_disc_added_without_room_or_depth(top_mm, trough_at, depth_hu):
    s, bump = _profile(top_mm, trough_at, depth_hu)
    bump = np.where(np.abs(s - trough_at) > MIN_THIN_BODY_MM, 0.0, bump)   # nothing else darker elsewhere
    assert top_trough([20.0, 40.0, 60.0], s, bump) == [20.0, 40.0, 60.0]


def test_benchmark_ct_28_gets_its_c7_t1_disc_and_first_rib_anchor(tmp_path):
    """Benchmark CT 28 (chest, delayed phase, 5 mm, seed 2026): C7/T1 a 30 HU trough at the column's top. Before,
    C7 and T1 were one segment ("one anchor only (the lowest rib-bearing vertebra (T12))"); now C7 is a vertebra
    of its own without ribs and the levels are confirmed by both rib anchors, every name within 10 mm of its
    vertebra's true centre (half the shortest upper thoracic pitch). About 10 s."""
    from jmedseg.data.io import load_volume
    from jmedseg.data.synth.trunk import save_case, synth_trunk_case
    from jmedseg.spine import label_vertebrae

    case = synth_trunk_case(np.random.default_rng([2026, 28]), phase="delayed", fov="chest", max_voxels=12e6,
                            cap_coarsens="pixels")
    path = tmp_path / "ct28.nii"
    save_case(case, str(path))
    _, report = label_vertebrae(load_volume(str(path)))
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    levels = {e["name"]: e for e in report["levels"]}
    assert levels["C7"]["ribs"] == [] and sorted(levels["T1"]["ribs"]) == ["left", "right"]
    for name in ["C7"] + [f"T{n}" for n in range(1, 13)]:
        truth = case.levels[name]["centroid_mm"][2]
        assert abs(levels[name]["centroid_mm"][2] - truth) <= 10.0, (name, levels[name]["centroid_mm"], truth)

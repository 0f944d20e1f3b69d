"""Vertebral bodies cut out as blood pool over short runs of slices (issue 20, branch `pool`).

In contrast-enhanced chest CTs the rib heads and pedicles beside a small thoracic body pass the pool's erosion; the
pool cut then takes the body over 2-3 slices, too short for `_bodies_in_long_gaps` (`LOST_BODY_GAP_MM`). The discs
were misplaced round the hole (seed 2026 CT 132: T1-T3 lost, top entry T3; seed 53 CT 21: T7 confirmed 11 mm from
its centre). `_bodies_in_short_runs` gives the pool's bone back there, kept inside the outline of the two bodies that
bound the run. The scenes are synthetic (phantom-only); the two benchmark CTs are synthetic too.
"""
import numpy as np
from scipy import ndimage

from jmedseg.spine.canal import CanalTrack
from jmedseg.spine.column import (LEAK_AREA_RATIO, LEAK_WINDOW_MM, LOST_BODY_GAP_MM, MIN_BODY_AREA_MM2,
                                  POOL_SHARE_OF_LOST_BODY, _bodies_in_short_runs, _cut_wide_contacts)

SP = (3.0, 3.0, 3.0)          # the working grid of a 3 mm CT
NX, NY, NZ = 60, 60, 9
CANAL_XY = (30, 15)
RUN = (3, 4)                  # the slices the pool cut took (6 mm: a short run)


def _disk(cx, cy, radius_mm):
    x, y = np.ogrid[:NX, :NY]
    return np.hypot((x - cx) * SP[0], (y - cy) * SP[1]) <= radius_mm


def _scene():
    """A straight canal, a round thoracic body (radius 13 mm, centre 21 mm in front of the canal) found in every
    slice but those of `RUN`; there the pool took it, with the pedicles and rib heads behind its sides (a bar
    72 mm wide and 15 mm deep, wider than the `NECK_MM` erosion parts). Returns hu, canal, body, filled, bony and the
    body's own disk."""
    hu = np.full((NX, NY, NZ), 40.0, np.float32)
    canal = CanalTrack(np.tile(np.array(CANAL_XY, float), (NZ, 1)), np.ones(NZ, bool), 0, NZ - 1,
                       np.zeros((NX, NY, NZ), bool))
    own = _disk(CANAL_XY[0], CANAL_XY[1] + 7, 13.0)
    heads = np.zeros((NX, NY), bool)                   # pedicles and rib heads: a bar 72 mm wide, 15 mm deep
    heads[CANAL_XY[0] - 12:CANAL_XY[0] + 13, CANAL_XY[1] + 2:CANAL_XY[1] + 7] = True
    body = np.zeros((NX, NY, NZ), bool)
    filled = np.zeros((NX, NY, NZ), bool)
    bony = np.zeros((NX, NY, NZ), bool)
    for k in range(NZ):
        if k in RUN:
            bony[:, :, k] = own | heads
        else:
            body[:, :, k] = own
            filled[:, :, k] = own | heads
    return hu, canal, body, filled, bony, own


def _area(mask):
    return mask.sum() * SP[0] * SP[1]


def test_a_body_lost_over_a_short_run_comes_back_without_its_rib_heads():
    """The body searched with the pool's bone given back is the body only: inside the outline of the bodies that
    bound the run (grown by a pixel), so the rib heads (which come back with it, a region twice as wide) are left
    out and the centre stays on the body's, not 3-6 mm further back."""
    hu, canal, body, filled, bony, own = _scene()
    assert len(RUN) * SP[2] <= LOST_BODY_GAP_MM            # the long-gap search leaves this run alone
    _bodies_in_short_runs(body, filled, bony, hu, canal, SP)
    for k in RUN:
        got = body[:, :, k]
        assert _area(got) >= MIN_BODY_AREA_MM2
        assert not (got & ~ndimage.binary_dilation(own, structure=np.ones((3, 3), bool))).any(), \
            "bone more than a pixel outside the bounding bodies' outline"
        centre = np.argwhere(got).mean(axis=0)
        truth = np.argwhere(own).mean(axis=0)
        assert np.hypot(*((centre - truth) * SP[:2])) <= SP[0], (centre, truth)
        assert not got[CANAL_XY[0] + 10, CANAL_XY[1] + 4], "a rib head came back with the body"


def test_a_run_between_unequal_bodies_is_left_alone():
    """An end over `LEAK_AREA_RATIO` times the other holds more than a body (seed 31 CT 41: T2-T4 grown into the
    blood beside them); its outline would let the leak in, so the run stays without a body."""
    hu, canal, body, filled, bony, own = _scene()
    wide = _disk(CANAL_XY[0], CANAL_XY[1] + 7, 13.0 * np.sqrt(LEAK_AREA_RATIO) + 2 * SP[0])
    body[:, :, RUN[0] - 1] = wide
    assert _area(wide) > LEAK_AREA_RATIO * _area(own)
    _bodies_in_short_runs(body, filled, bony, hu, canal, SP)
    assert not body[:, :, list(RUN)].any()


def test_a_slice_the_pool_did_not_touch_stays_empty():
    """A disc has no bone taken for pool in it: a slice of the run without `bony` is not searched again."""
    hu, canal, body, filled, bony, own = _scene()
    bony[:, :, RUN[1]] = False
    _bodies_in_short_runs(body, filled, bony, hu, canal, SP)
    assert body[:, :, RUN[0]].any() and not body[:, :, RUN[1]].any()


def test_a_slice_whose_rim_alone_went_to_the_pool_stays_empty():
    """A lumbar disc's slab by the enhanced aorta: the pool took a rim under `POOL_SHARE_OF_LOST_BODY` of the region
    found with it given back, so no body was lost there (a body put in would hide the disc); the same slice emptied
    by the wide-contact cut (`cut_wide`) is given its body back inside the outline."""
    hu, canal, body, filled, bony, own = _scene()
    rim = own & ~ndimage.binary_erosion(own, iterations=1)
    for k in RUN:
        filled[:, :, k] = own & ~rim
        bony[:, :, k] = rim & (np.arange(NY)[None, :] > CANAL_XY[1] + 9)        # the front rim, by the aorta
    share = bony[:, :, RUN[0]].sum() / own.sum()
    assert 0 < share < POOL_SHARE_OF_LOST_BODY, share
    _bodies_in_short_runs(body, filled, bony, hu, canal, SP)
    assert not body[:, :, list(RUN)].any()
    cut_wide = np.zeros(NZ, bool)
    cut_wide[list(RUN)] = True
    _bodies_in_short_runs(body, filled, bony, hu, canal, SP, cut_wide)
    assert all(_area(body[:, :, k]) >= MIN_BODY_AREA_MM2 for k in RUN)


def test_a_run_is_given_its_bodies_whole_or_not_at_all():
    """The pool's share is the run's: one slice over `POOL_SHARE_OF_LOST_BODY` beside one where the pool took a few
    pixels is under it summed over the run, and neither slice is given a body. Given alone, the slice would be a
    3 mm piece of a body between empty slices, read as a level of its own or a disc's dip beside it (seed 53 CT 6:
    a lone L5 slice; seed 2026 CT 85: L1/L2 lost)."""
    hu, canal, body, filled, bony, own = _scene()
    rim = own & ~ndimage.binary_erosion(own, iterations=1)
    ys = np.arange(NY)[None, :]
    for k, front in zip(RUN, (CANAL_XY[1] + 10, CANAL_XY[1] + 7)):
        bony[:, :, k] = rim & (ys > front)             # the front rim by the aorta: a few pixels, then more
        filled[:, :, k] = own & ~bony[:, :, k]
    shares = [bony[:, :, k].sum() / own.sum() for k in RUN]
    assert shares[0] < POOL_SHARE_OF_LOST_BODY < shares[1], shares
    assert sum(bony[:, :, k].sum() for k in RUN) < POOL_SHARE_OF_LOST_BODY * len(RUN) * own.sum()
    assert _bodies_in_short_runs(body, filled, bony, hu, canal, SP) == []
    assert not body[:, :, list(RUN)].any()


def test_bone_beside_no_blood_is_not_given_back():
    """Where the pool holds no blood (`blood` False: `_lumen` found none; native blood reads 30-50 HU), what the pool
    cut took is partial-volume cortex and endplates, a disc's slab as much as a body's: the run stays as it was
    (seed 59 CT 64, native chest: disc slices filled, the first rib pair lost). A slice the wide-contact cut emptied
    is still given its body inside the outline."""
    hu, canal, body, filled, bony, own = _scene()
    assert _bodies_in_short_runs(body, filled, bony, hu, canal, SP, blood=False) == []
    assert not body[:, :, list(RUN)].any()
    cut_wide = np.zeros(NZ, bool)
    cut_wide[RUN[0]] = True
    assert _bodies_in_short_runs(body, filled, bony, hu, canal, SP, cut_wide, blood=False) == [RUN[0]]
    assert body[:, :, RUN[0]].any() and not body[:, :, RUN[1]].any()


def test_the_wide_contacts_are_redone_only_round_the_bodies_given_back():
    """After bodies are given back, `_cut_wide_contacts` is redone only where its running median holds one of `near`
    (`find_column` passes those and the slices the first pass redid); a slice beyond (a leaked body the first pass
    kept) is not redone: there the first pass's verdict stands (seed 53 CT 6: L3's middle redone, a false disc).
    Without `near` every slice is."""
    nz = 40
    canal = CanalTrack(np.tile(np.array(CANAL_XY, float), (nz, 1)), np.ones(nz, bool), 0, nz - 1,
                       np.zeros((NX, NY, nz), bool))
    own = _disk(CANAL_XY[0], CANAL_XY[1] + 7, 13.0)
    aorta = _disk(CANAL_XY[0] + 9, CANAL_XY[1] + 16, 12.0)      # against the body over a wide front
    body = np.repeat(own[:, :, None], nz, axis=2)
    leak = 32
    body[:, :, leak] = own | aorta
    filled = body.copy()
    reach = int(round(LEAK_WINDOW_MM / SP[2])) // 2
    given = [leak - reach - 3]
    before = body[:, :, leak].copy()
    _cut_wide_contacts(body, filled, canal, SP, given)
    assert (body[:, :, leak] == before).all()
    _cut_wide_contacts(body, filled, canal, SP)
    assert _area(body[:, :, leak]) < _area(before) / LEAK_AREA_RATIO


def test_chest_ct_132_keeps_t1_to_t3(tmp_path):
    """Benchmark CT 132 of seed 2026 (chest, arterial, 3 mm) end to end: T1-T3 were lost to the pool cut in runs of
    2-3 slices and the top entry was T3 ("one anchor only"); now both rib anchors are counted and agree, T1-T3 are
    identified and no confirmed name is wrong. About 10 s."""
    from benchmarks.spine_labelling import run_one

    row = run_one((132, 2026, str(tmp_path), int(12e6), "pixels"))
    assert (row["fov"], row["phase"], row["spacing"][2]) == ("chest", "arterial", 3.0)
    assert row["summary"] == "confirmed by ribs and first rib pair", row["summary"]
    assert row["confirmed_wrong"] == [], row["confirmed_wrong"]
    assert {"T1", "T2", "T3"} <= set(row["identified"]), row["identified"]


def test_chest_abdomen_ct_21_names_t7_at_its_centre(tmp_path):
    """Benchmark CT 21 of seed 53 (chest + abdomen, arterial, 3 mm): T7's middle slices were lost to the pool cut
    (the rib heads beside it doubled the region, 1500 mm^2) and "T7" was confirmed 11 mm from its centre, nearer
    T6's; now T7 is identified and no confirmed name is wrong. About 10 s."""
    from benchmarks.spine_labelling import run_one

    row = run_one((21, 53, str(tmp_path), int(12e6), "pixels"))
    assert (row["fov"], row["phase"], row["spacing"][2]) == ("chest_abdomen", "arterial", 3.0)
    assert row["confirmed_wrong"] == [], row["confirmed_wrong"]
    assert "T7" in row["identified"], row["identified"]


def _row(seed, ct, tmp_path):
    from benchmarks.spine_labelling import run_one

    return run_one((ct, seed, str(tmp_path), int(12e6), "pixels"))


def test_native_chest_ct_64_of_seed_59_counts_the_first_rib_pair(tmp_path):
    """Seed 59 CT 64 (chest, native, 3 mm): the pool's bone given back filled the T1/T2 and T4/T5 disc slices and the
    first rib pair was lost ("one anchor only"); with no blood in the pool nothing is given back. About 10 s."""
    row = _row(59, 64, tmp_path)
    assert (row["fov"], row["phase"], row["spacing"][2]) == ("chest", "native", 3.0)
    assert row["summary"] == "confirmed by ribs and first rib pair", row["summary"]
    assert row["confirmed_wrong"] == [], row["confirmed_wrong"]


def test_abdomen_pelvis_ct_6_of_seed_53_keeps_both_anchors(tmp_path):
    """Seed 53 CT 6 (abdomen + pelvis, arterial, 3 mm): a lone L5 slice given back and L3's middle redone by the
    second wide-contact pass split L3 with a false disc ("one anchor only"). About 10 s."""
    row = _row(53, 6, tmp_path)
    assert (row["fov"], row["phase"], row["spacing"][2]) == ("abdomen_pelvis", "arterial", 3.0)
    assert row["summary"] == "confirmed by sacrum and ribs", row["summary"]
    assert row["confirmed_wrong"] == [], row["confirmed_wrong"]
    assert {"L1", "L2"} <= set(row["identified"]), row["identified"]


def test_chest_abdomen_ct_85_of_seed_2026_keeps_l1_l2(tmp_path):
    """Seed 2026 CT 85 (chest + abdomen, arterial, 3 mm): slices of L1 given back alone among empty ones cost L1/L2
    (17 levels identified); given back by run, 19. About 15 s."""
    row = _row(2026, 85, tmp_path)
    assert (row["fov"], row["phase"], row["spacing"][2]) == ("chest_abdomen", "arterial", 3.0)
    assert row["summary"] == "confirmed by sacrum and ribs and first rib pair", row["summary"]
    assert row["confirmed_wrong"] == [], row["confirmed_wrong"]
    assert {"L1", "L2"} <= set(row["identified"]), row["identified"]


def test_chest_abdomen_ct_57_of_seed_53_keeps_its_upper_thorax(tmp_path):
    """Seed 53 CT 57 (chest + abdomen, portal venous, 3 mm): with the second wide-contact pass only round the bodies
    given back, a thoracic leak beside a slice the first pass redid was left and T1-T9 were named two levels off
    (flagged, 9 levels identified instead of 18); the slices the first pass redid are redone round too. About 15 s."""
    row = _row(53, 57, tmp_path)
    assert (row["fov"], row["phase"], row["spacing"][2]) == ("chest_abdomen", "portal_venous", 3.0)
    assert row["summary"] == "confirmed by sacrum and ribs", row["summary"]
    assert row["confirmed_wrong"] == [], row["confirmed_wrong"]
    assert {f"T{k}" for k in range(1, 10)} <= set(row["identified"]), row["identified"]

"""Each segment's body measured once on the working grid and `incomplete` decided on the segments before the checks
that read it (issue 20, 2026-12-06 night, branch `review15`, `jmedseg.spine.body_voxels`)."""
import numpy as np

from jmedseg.spine.body_voxels import count_ids, flag_cut_by_edge, measure_bodies
from jmedseg.spine.levels import Segment


def _labels():
    """Three segments on a 6 x 5 x 12 grid: segment 0 on slices 0-2 (touching the bottom), segment 1 a 2 x 2 x 3
    block in the middle, segment 2 with no voxel left."""
    labels = np.zeros((6, 5, 12), np.int16)
    labels[2:4, 1:3, 0:3] = 1
    labels[1:3, 2:4, 5:8] = 2
    return labels


def test_counts_centres_and_boxes_are_the_voxels_own():
    bodies = measure_bodies(_labels(), 3)
    assert bodies.count.tolist() == [12, 12, 0]
    assert np.allclose(bodies.centre[0], [2.5, 1.5, 1.0]) and np.allclose(bodies.centre[1], [1.5, 2.5, 6.0])
    assert np.isnan(bodies.centre[2]).all()
    assert bodies.first[1].tolist() == [1, 2, 5] and bodies.last[1].tolist() == [2, 3, 7]
    assert bodies.first[2].tolist() == [-1, -1, -1]


def test_the_centre_is_the_mean_of_the_voxel_indices_to_the_bit():
    """The entry loop took np.argwhere(mask).mean(0) before: the same value, not a near one."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, size=(20, 18, 30)).astype(np.int16)
    bodies = measure_bodies(labels, 3)
    for j in range(3):
        assert (bodies.centre[j] == np.argwhere(labels == j + 1).mean(0)).all()


def test_centroids_in_world_mm_on_the_ct_grid():
    """A working voxel of 2 x 2 x 1 CT voxels: working index k has its CT centre at (k + 0.5) * 2 - 0.5; the affine
    scales by 0.75 mm in-plane and 3 mm along z and shifts z by 100 mm."""
    bodies = measure_bodies(_labels(), 3)
    affine = np.diag([0.75, 0.75, 3.0, 1.0])
    affine[2, 3] = 100.0
    centroids = bodies.centroids_mm((2, 2, 1), affine)
    assert centroids[1] == [round(3.5 * 0.75, 2), round(5.5 * 0.75, 2), 118.0]
    assert centroids[2] is None


def test_incomplete_where_the_body_touches_the_edge_lacks_a_disc_at_the_scan_end_or_has_no_voxels():
    labels = _labels()
    segments = [Segment(lo=0, hi=3, lower_disc=False, upper_disc=True, name="L5"),
                Segment(lo=4, hi=8, lower_disc=True, upper_disc=True, name="L4"),
                Segment(lo=9, hi=11, lower_disc=True, upper_disc=False, name="L3")]
    flag_cut_by_edge(segments, measure_bodies(labels, 3), labels.shape)
    assert segments[0].flags == ["incomplete"] and "edge of the field of view" in segments[0].notes[0]
    assert segments[1].flags == [] and segments[1].notes == []
    assert segments[2].flags == ["incomplete"] and "no body voxels" in segments[2].notes[0]


def test_a_body_inside_the_grid_without_a_disc_at_the_scan_end_is_cut_s1_needs_none_under_it():
    labels = np.zeros((6, 5, 12), np.int16)
    labels[1:3, 1:3, 2:5] = 1                  # inside the grid, but its segment reaches slice 1
    for name, flags in (("L5", ["incomplete"]), ("S1", [])):
        segments = [Segment(lo=1, hi=5, lower_disc=False, upper_disc=True, name=name)]
        flag_cut_by_edge(segments, measure_bodies(labels, 1), labels.shape)
        assert segments[0].flags == flags
    segments = [Segment(lo=3, hi=5, lower_disc=False, upper_disc=True, name="L5")]   # two slices over the end
    flag_cut_by_edge(segments, measure_bodies(labels, 1), labels.shape)
    assert segments[0].flags == []


def test_count_ids_equals_one_comparison_per_id_across_slab_edges():
    """`count_ids` reads the map in slabs: counts must equal one comparison per id, including ids whose voxels
    straddle a slab's edge (slabs of 1000 voxels on a 30 x 20 x 17 map: 11 slabs, the last one short) and ids that
    are absent (count 0). Integer counts: exact."""
    rng = np.random.default_rng(3)
    labels = rng.choice(np.array([0, 0, 0, 1, 2, 5, 101], np.int16), size=(30, 20, 17))
    counts = count_ids(labels, 105, slab_voxels=1000)
    assert counts.shape == (106,)
    assert [int(counts[i]) for i in (0, 1, 2, 3, 5, 101, 105)] == \
        [int((labels == i).sum()) for i in (0, 1, 2, 3, 5, 101, 105)]
    assert counts[3] == 0 and counts[105] == 0 and counts.sum() == labels.size


def test_count_ids_reads_an_x_fastest_map_as_it_is_stored():
    """`to_original` returns an x-fastest (Fortran-order) map; `count_ids` reads it in memory order: the counts are
    those of the same map in C order (integer counts: exact)."""
    rng = np.random.default_rng(5)
    labels = rng.choice(np.array([0, 0, 4, 7, 102], np.int16), size=(23, 19, 11))
    stored = np.asfortranarray(labels)
    assert stored.flags["F_CONTIGUOUS"] and not stored.flags["C_CONTIGUOUS"]
    assert (count_ids(stored, 102, slab_voxels=777) == count_ids(labels, 102, slab_voxels=777)).all()
    ids = (0, 4, 7, 102)
    assert [int(count_ids(stored, 102)[i]) for i in ids] == [int((labels == i).sum()) for i in ids]

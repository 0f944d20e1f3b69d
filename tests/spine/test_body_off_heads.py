"""A confirmed thoracic body off its own rib heads is flagged (issue 20, branch `top13`, `jmedseg.spine.body_off_heads`):
constructed label maps at 5 mm and benchmark CTs of the class (chest + abdomen, 5 mm, a run of the chain cut half a
level off)."""
import numpy as np

from jmedseg.spine.body_off_heads import flag_bodies_off_heads
from jmedseg.spine.levels import Segment
from tests.spine.benchmark_ct import label_benchmark_ct

DZ = 5.0


def _scene(name, heads, body_slices):
    """One named two-sided rib level with heads at slice `heads` and its body's voxels on `body_slices` of a 4 x 4
    column (the label map of `jmedseg.spine.bodies.split_bodies`: segment index + 1)."""
    seg = Segment(lo=min(body_slices), hi=max(body_slices), lower_disc=True, upper_disc=True, ribs=("left", "right"),
                  rib_z=[heads, heads], name=name)
    labels = np.zeros((4, 4, 40), np.int16)
    for k in body_slices:
        labels[1:3, 1:3, k] = 1
    return [seg], labels


def test_a_body_over_its_heads_is_flagged_one_under_them_is_not():
    """T9's body centre two slabs (10 mm) over its heads holds the vertebra above; a centre one slab (5 mm) under
    them is where a head on the upper half puts it; 1.1 slabs (5.5 mm) over is within the tolerance (6 mm)."""
    segments, labels = _scene("T9", 20.0, [20, 21, 22, 23, 24])     # centre slice 22: 10 mm over
    assert flag_bodies_off_heads(segments, labels, DZ) == ["T9"]
    assert "uncertain_level" in segments[0].flags and "over its rib heads" in segments[0].notes[0]
    segments, labels = _scene("T9", 20.0, [17, 18, 19])              # centre 19: 5 mm under
    assert flag_bodies_off_heads(segments, labels, DZ) == [] and not segments[0].flags
    segments, labels = _scene("T9", 20.0, [20, 21, 22, 23, 24])
    segments[0].rib_z = [20.9, 20.9]                                  # 5.5 mm over
    assert flag_bodies_off_heads(segments, labels, DZ) == []


def test_under_the_heads_only_the_own_body_ribs_10_11_are_flagged():
    """Two slabs (10 mm) under the heads: off its body for the 10th rib (a head on its own body's middle), a body
    under its upper-disc head for the 5th."""
    segments, labels = _scene("T10", 24.0, [21, 22, 23])             # centre 22: 10 mm under
    assert flag_bodies_off_heads(segments, labels, DZ) == ["T10"] and "under its rib heads" in segments[0].notes[0]
    segments, labels = _scene("T5", 24.0, [21, 22, 23])
    assert flag_bodies_off_heads(segments, labels, DZ) == []


def test_the_first_and_twelfth_pairs_and_flagged_or_rib_free_levels_are_left():
    for name in ("T1", "T12", None):
        segments, labels = _scene(name, 20.0, [20, 21, 22, 23, 24])
        assert flag_bodies_off_heads(segments, labels, DZ) == [] and not segments[0].flags
    segments, labels = _scene("T9", 20.0, [20, 21, 22, 23, 24])
    segments[0].flags.append("uncertain_level")
    assert flag_bodies_off_heads(segments, labels, DZ) == [] and segments[0].notes == []
    segments[0].flags, segments[0].rib_z, segments[0].ribs = [], [], ()
    assert flag_bodies_off_heads(segments, labels, DZ) == []
    segments, labels = _scene("T9", 20.0, [20, 21])
    labels[:] = 0                                                      # no body voxels: nothing to measure
    assert flag_bodies_off_heads(segments, labels, DZ) == []

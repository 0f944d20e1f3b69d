"""`TrackedColumn.copy` (issue 20): each user of a shared tracking gets arrays of its own, and a reading the
column was built without stays None (`body_sides` and `dense`'s users test `is None`)."""
import numpy as np

from jmedseg.spine.column import Column, WorkGrid
from jmedseg.spine.tracked import TrackedColumn


def _column(**optional):
    nz, shape = 4, (5, 6, 4)
    return Column(centre=np.zeros((nz, 2)), raw_centre=np.zeros((nz, 2)), seen=np.ones(nz, bool),
                  area_mm2=np.full(nz, 300.0), body=np.zeros(shape, bool), filled=np.zeros(shape, bool),
                  bone=np.zeros(shape, bool), midline_x=np.full(nz, 2.0), **optional)


def _tracked(column):
    grid = WorkGrid(np.zeros((5, 6, 4), np.float32), (1.5, 1.5, 1.5), (1, 1, 1), (5, 6, 4))
    return TrackedColumn(grid, column, 0.5)


def test_copy_keeps_absent_readings_none():
    copied = _tracked(_column()).copy()
    assert copied.column.dense is None and copied.column.canal_centre is None


def test_copy_owns_its_arrays():
    original = _tracked(_column(canal_centre=np.full((4, 2), 3.0)))
    copied = original.copy()
    copied.column.body[1, 2, 3] = True
    copied.column.canal_centre[0] = np.nan
    assert not original.column.body.any()
    assert np.array_equal(original.column.canal_centre, np.full((4, 2), 3.0))
    assert copied.seconds == 0.5 and copied.grid is original.grid

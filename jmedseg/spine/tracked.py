"""One tracking of the spinal column per CT, shared by the vertebra labeller and the calibration.

`jmedseg measure` without a mask needs the column twice: the labeller names the vertebrae
along it (jmedseg.spine.label_vertebrae) and the internal calibration finds air, fat,
muscle and blood relative to it (jmedseg.calibration.tissues). Both block-average the same
CT to the same working grid and track the same bodies (jmedseg.spine.column), so the second
tracking repeats the first exactly; on a 512 x 512 x 300 CT it cost about 3 CPU seconds of
the 10 s target (issue 20 section 4, docs/throughput.md).

`track_column` does it once; each user takes its own `copy()` when it changes the column
(the labeller adds the sacral base to it; the calibration puts the labelled vertebrae in
place of the tracked bodies), so neither sees the other's changes and each gets the numbers
it got when it tracked the column itself.
"""
import time
from dataclasses import dataclass, fields, replace

import numpy as np

from jmedseg.spine.column import Column, WorkGrid, find_column, work_grid


@dataclass(frozen=True)
class TrackedColumn:
    """The CT's working grid and the column tracked through it, as `find_column` left it."""

    grid: WorkGrid
    column: Column
    seconds: float = 0.0     # the tracking's wall time: a labelling report counts it as its own

    def copy(self):
        """The same grid (never changed by its users) with a column whose arrays may be changed in place."""
        # a field left None (an optional reading a column was built without) stays None, not a 0-d object array
        arrays = {f.name: None if getattr(self.column, f.name) is None else np.copy(getattr(self.column, f.name))
                  for f in fields(self.column)}
        return TrackedColumn(self.grid, replace(self.column, **arrays), self.seconds)

    def matches(self, shape, spacing):
        """True when this column was tracked on a CT of `shape` voxels of `spacing` mm."""
        return tuple(self.grid.shape) == tuple(shape) and np.allclose(
            np.array(self.grid.spacing) / np.array(self.grid.factors), spacing)


def track_column(hu, spacing):
    """TrackedColumn of a CT `hu` [x, y, z] (RAS+, HU) with voxels of `spacing` mm."""
    t0 = time.perf_counter()
    grid = work_grid(hu, spacing)
    return TrackedColumn(grid, find_column(grid), time.perf_counter() - t0)

"""Data-parallel contrastive pretraining under `mpirun -np N python pretrain.py` (one process per rank).

Every rank draws the same global batch from the same seeded generator and
keeps its own contiguous share of it (rank r takes rows r*B/N .. (r+1)*B/N - 1,
as Jittor's dataset shards a supervised batch). Jittor's optimizer averages
the gradients over the ranks and its batch norm uses the statistics of the
whole global batch, so each step equals the single-process step on the global
batch. The keys of all ranks are gathered before they enter MoCo's queue (He
et al. 2020, Algorithm 1 and section 3.3): every rank keeps the same queue,
the one a single process would keep.
"""
import numpy as np

from jmedseg.backend import jt
from jmedseg.errors import ConfigError


def world():
    """`(rank, number of processes)`; `(0, 1)` outside mpirun."""
    return (int(jt.rank), int(jt.world_size)) if jt.in_mpi else (0, 1)


def rank_rows(batch):
    """This rank's contiguous share of a global batch (the whole batch in a single process)."""
    rank, size = world()
    if len(batch) % size:
        raise ConfigError(f"pretrain.batch_size={len(batch)} is not a multiple of the {size} MPI processes: "
                         f"choose a multiple of {size} so every rank gets the same number of slices")
    per = len(batch) // size
    return batch[rank * per:(rank + 1) * per]


def all_gather_rows(local):
    """Rows of every rank stacked in rank order (numpy); every rank must pass the same shape.

    Built on a sum: each rank fills its own block of a zero buffer, and adding
    zeros is exact, so the gathered rows are bit-identical to each rank's own.
    """
    local = np.asarray(local)
    rank, size = world()
    if size == 1:
        return local
    blocks = np.zeros((size, *local.shape), local.dtype)
    blocks[rank] = local
    gathered = jt.array(blocks).mpi_all_reduce("add").numpy()
    return gathered.reshape(size * local.shape[0], *local.shape[1:])


def mean_value_over_ranks(value):
    """The mean of a float over the ranks (equal shares: the global batch's mean); itself alone otherwise."""
    if world()[1] == 1:
        return float(value)
    return float(jt.array(np.array([value], np.float32)).mpi_all_reduce("mean").numpy()[0])


def barrier():
    """Wait until every rank gets here (e.g. until rank 0 has written a file the others read next)."""
    if world()[1] > 1:
        jt.array(np.zeros(1, np.float32)).mpi_all_reduce("add").sync()

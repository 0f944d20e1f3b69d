"""From HU slices to network input: windowing, subject-level splits, a Jittor Dataset."""
import numpy as np

from jmedseg.backend import jt
from jmedseg.data.input_spec import DEFAULT_WINDOW, window_hu
from jmedseg.errors import ConfigError


def split_subjects(subject_ids, fractions=(0.7, 0.15, 0.15), seed=0):
    """Shuffle subjects and cut them into train/val/test; a subject is never in two splits."""
    ids = sorted(set(subject_ids))
    if len(fractions) != 3 or abs(sum(fractions) - 1.0) > 1e-6 or min(fractions) < 0:
        raise ConfigError(f"split fractions must be three non-negative numbers summing to 1, got {fractions}")
    rng = np.random.default_rng(seed)
    ids = [ids[i] for i in rng.permutation(len(ids))]
    n_val = int(round(fractions[1] * len(ids)))
    n_test = int(round(fractions[2] * len(ids)))
    n_train = len(ids) - n_val - n_test
    splits = {"train": ids[:n_train], "val": ids[n_train:n_train + n_val], "test": ids[n_train + n_val:]}
    for name, members in splits.items():
        if fractions[("train", "val", "test").index(name)] > 0 and not members:
            raise ConfigError(
                f"the {name} split is empty: {len(ids)} subjects are too few for fractions {tuple(fractions)}; "
                "add subjects (data.n_subjects) or change data.split"
            )
    return splits


class SliceDataset(jt.dataset.Dataset):
    """Windowed slices and labels; batches are `(x float32 [N,C,H,W], y int32 [N,H,W])`."""

    def __init__(self, images_hu, labels, windows=(DEFAULT_WINDOW,), subject_ids=None,
                 batch_size=4, shuffle=False, seed=0, transform=None, spacing_mm=None, context_hu=None):
        super().__init__()
        if len(images_hu) == 0:
            raise ConfigError("a dataset split has no slices; check data.split and the subjects it selects")
        if len(images_hu) != len(labels):
            raise ValueError(f"{len(images_hu)} images but {len(labels)} label maps")
        self.images_hu = [np.asarray(i, np.float32) for i in images_hu]
        self.labels = [np.asarray(l, np.int32) for l in labels]
        for i, (im, lab) in enumerate(zip(self.images_hu, self.labels)):
            if im.shape != lab.shape:
                raise ValueError(f"slice {i}: image shape {im.shape} != label shape {lab.shape}")
        self.windows = tuple(tuple(w) for w in windows)
        self.subject_ids = list(subject_ids) if subject_ids is not None else [None] * len(images_hu)
        # pixel size per slice, (row_mm, col_mm): surface distances (HD95) in mm need it
        self.spacing_mm = [tuple(map(float, s)) for s in spacing_mm] if spacing_mm is not None \
            else [(1.0, 1.0)] * len(images_hu)
        if len(self.spacing_mm) != len(self.images_hu):
            raise ValueError(f"{len(self.images_hu)} images but {len(self.spacing_mm)} spacings")
        # 2.5D: per slice [2k + 1, H, W] HU, the slice in the middle; each HU window of each becomes a channel
        self.context_hu = [np.asarray(c, np.float32) for c in context_hu] if context_hu is not None else None
        if self.context_hu is not None and len(self.context_hu) != len(self.images_hu):
            raise ValueError(f"{len(self.images_hu)} images but {len(self.context_hu)} neighbour stacks")
        self.transform = transform  # called as transform(x, y, seed) on windowed [C, H, W] images
        self.seed = seed
        self.epoch = 0
        self.set_attrs(batch_size=batch_size, shuffle=shuffle, total_len=len(self.images_hu))

    @property
    def num_slices(self):
        """Number of slices (Jittor's `len()` of a batched Dataset counts batches)."""
        return len(self.images_hu)

    def set_epoch(self, epoch):
        """Reseed the shuffle so an epoch's order depends only on (seed, epoch): resumable."""
        self.epoch = epoch
        self._shuffle_rng = np.random.default_rng(self.seed * 100003 + epoch)

    def input_hu(self, i):
        """HU of slice i as the model sees it: [H, W], or [2k + 1, H, W] with neighbours (2.5D)."""
        if self.context_hu is None:
            return self.images_hu[i]
        stack = self.context_hu[i]
        if not np.array_equal(stack[len(stack) // 2], self.images_hu[i]):
            raise ValueError(f"slice {i} was changed without its neighbours; 2.5D input (data.context_slices) "
                             "cannot be distorted or replaced slice by slice")
        return stack

    def __getitem__(self, i):
        hu = self.input_hu(i)
        x = window_hu(hu, self.windows).reshape(-1, *hu.shape[-2:])  # (D, W, H, W) -> (D * W, H, W)
        y = self.labels[i]
        if self.transform is not None:
            # the draw depends only on (seed, epoch, slice): the same whatever order or worker
            x, y = self.transform(x, y, seed=int(np.random.SeedSequence([self.seed, self.epoch, i])
                                                 .generate_state(1)[0]))
        return x.astype(np.float32), y.astype(np.int32)

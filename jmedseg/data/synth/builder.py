"""`data=synthetic_ct`: the training slices of the realistic generator, per subject, from the data config."""
from jmedseg.data.slices import Slice2D, map_classes
from jmedseg.data.synth.anatomy import LEVELS
from jmedseg.data.synth.dataset import subject_slices
from jmedseg.errors import ConfigError


def synthetic_ct_cohort(cfg):
    """`[(info, [Slice2D])]` for `cfg.n_subjects` random subjects (each its own random stream of `cfg.seed`)."""
    levels = tuple(cfg.get("levels") or LEVELS)
    unknown = [lv for lv in levels if lv not in LEVELS]
    if unknown:
        raise ConfigError(f"data=synthetic_ct renders levels {list(LEVELS)}; unknown: {unknown}")
    if int(cfg.image_size) % 32:
        raise ConfigError(f"image size must be a multiple of 32 (the networks halve it 5 times), got {cfg.image_size}")
    out = []
    for i in range(int(cfg.n_subjects)):
        info, slices = subject_slices(int(cfg.seed), i, int(cfg.slices_per_subject), int(cfg.image_size),
                                      float(cfg.pixel_mm), str(cfg.get("view", "crop")), levels,
                                      int(cfg.get("supersample", 1)))
        out.append((info, [Slice2D(s.hu, map_classes(s.labels, int(cfg.num_classes)), s.level, i,
                                   (s.pixel_mm, s.pixel_mm)) for s in slices]))
    return out

"""Numbers the whole package agrees on, defined once.

- The paper stores CT values as HU + 1024 (air reads about 0 instead of -1000),
  see docs/references.md, "The paper".
- Tissue classes of the segmentation (and of the phantom's label maps).
- The levels measured by default (their ids: jmedseg/data/label_schemes.py, the one place of level ids).
- The smallest cancellous region a density is computed from.
"""

HU_OFFSET = 1024.0  # paper's stored units: stored = HU + 1024

# tissue classes of a label map; CLASS_NAMES[i] is the name of class i
BACKGROUND, CORTICAL, CANCELLOUS, OTHER_BONE = 0, 1, 2, 3
CLASS_NAMES = ("background", "cortical", "cancellous", "other_bone")

DEFAULT_LEVELS = ("L1", "L2")  # the paper measures L1 and L2 cancellous bone

# fewest cancellous pixels a density (Johnson SU fit or any other estimator) is computed from:
# four parameters need many more values than that to be identified at all
MIN_DENSITY_PIXELS = 50

"""CT volumes and label maps in and out (NIfTI in `volume`, DICOM series in `dicom`)."""
from jmedseg.data.io.volume import (RAW_OFFSET, UNITS, Volume, check_finite, load_labels, load_volume, save_like,
                                    spacing_from_affine, to_hu)

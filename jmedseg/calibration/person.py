"""One person's calibration columns, the one call `jmedseg measure` makes (issue 22 sections 1 and 2).

Reference tissues (tissues.py) near the measured levels -> contrast phase (phase.py) ->
HU -> mg/cm^3 line (fit.py; blood only when the phase is native) -> per-level and pooled
mg/cm^3 of the Johnson SU modes (paper section 3's density, calibrated) -> categories
(categories.py). A refused calibration leaves the HU columns and says why.
"""
import math
import os

import numpy as np

from jmedseg.calibration.attenuation import effective_energy_kev
from jmedseg.calibration.categories import acr_category, l1_hu_category
from jmedseg.calibration.contrast import SOURCE, correction_hu
from jmedseg.calibration.fit import fit_calibration
from jmedseg.calibration.phase import ENHANCED, estimate_phase, header_disagreement
from jmedseg.calibration.tissues import find_reference_tissues

CONTRAST = "contrast"
PHASE_UNKNOWN = "phase_unknown"   # no phase read: a contrast CT's iodine may raise HU and mg/cm^3 unflagged
NO_KVP = "no_kvp"         # calibrated without the tube voltage: about twice the error (docs/calibration.md)
NO_KVP_NOTE = ("no tube voltage known (DICOM header, JSON sidecar KVP, --kvp or a cohort.csv kvp column): the beam "
               "energy rests on the tissues alone, about twice the error of a calibration with the kVp "
               "(docs/calibration.md, 'Which input gets which accuracy')")
MARGIN_MM = 30.0          # slices searched: the measured levels and this much above and below


def _z_range(vertebrae, level_ids, spacing):
    if vertebrae is None:
        return None
    in_view = np.zeros(vertebrae.shape[2], bool)
    for level_id in level_ids:   # one comparison per level: np.isin over a whole CT's label map takes seconds
        in_view |= (vertebrae == level_id).any(axis=(0, 1))
    ks = np.flatnonzero(in_view)
    if ks.size == 0:
        return None
    margin = int(round(MARGIN_MM / spacing[2]))
    return max(0, ks.min() - margin), ks.max() + margin


def beam_energy_kev(tissues, kvp=None):
    """The effective energy the phase's iodine thresholds use: that of the calibration on air, fat and muscle
    (with the kVp when known), else the kVp's typical energy, else NaN (phase.REFERENCE_KEV is used)."""
    energy = fit_calibration({t: tissues.value(t) for t in ("air", "fat", "muscle")}, kvp).energy_kev
    return energy if math.isfinite(energy) or not kvp else effective_energy_kev(kvp)


def phase_columns(tissues, contrast_agent=None, kvp=None):
    """contrast_phase and its evidence (and a header disagreement) from found ReferenceTissues."""
    phase, evidence = estimate_phase(tissues.value("aorta"), tissues.value("ivc"), tissues.value("kidney_cortex"),
                                     tissues.value("kidney_medulla"), beam_energy_kev(tissues, kvp),
                                     tissues.near_levels)
    out = {"contrast_phase": phase, "contrast_evidence": evidence}
    disagreement = header_disagreement(phase, contrast_agent)
    if disagreement:
        out["contrast_header_flag"] = disagreement
    return out


def calibration_columns(hu, spacing, row, levels, vertebrae=None, kvp=None, contrast_agent=None,
                        contrast_correction=False, tracked=None):
    """(columns for the row, note text, ReferenceTissues) of one measured person.

    `row` holds the measured HU columns (density_hu, <level>_jsu_mode_hu, l1_mean_hu);
    `kvp` and `contrast_agent` come from the DICOM header when known; `tracked`: the labeller's column of
    this CT (jmedseg.spine.track_column), shared instead of tracked again.
    """
    tissues = find_reference_tissues(hu, spacing, _z_range(vertebrae, levels.values(), spacing), vertebrae=vertebrae,
                                     tracked=tracked)
    columns, note = columns_from_tissues(tissues, row, levels, kvp, contrast_agent, contrast_correction)
    return columns, note, tissues


def columns_from_tissues(tissues, row, levels, kvp=None, contrast_agent=None, contrast_correction=False):
    """(columns, note) of `calibration_columns` from already found ReferenceTissues."""
    kvp = _number(kvp)
    out = phase_columns(tissues, contrast_agent, kvp)
    phase = out["contrast_phase"]
    reference = {t: tissues.value(t) for t in ("air", "fat", "muscle")}
    if phase == "native":
        reference["blood"] = tissues.value("blood")
    for tissue in ("air", "fat", "muscle", "blood"):
        out[f"ref_{tissue}_hu"] = reference.get(tissue, math.nan)
    calibration = fit_calibration(reference, kvp)
    notes = []   # the density's note: what changes how its HU read (contrast); the calibration's own reason has its column
    flags = [calibration.flag] if calibration.flag else [] if kvp else [NO_KVP]
    shift = 0.0
    if phase == "unknown":
        flags.append(PHASE_UNKNOWN)
        notes.append(f"contrast phase unknown ({out['contrast_evidence']}): if contrast was given, iodine raises "
                     "trabecular HU and mg/cm3; check the QC figure")
    if phase in ENHANCED:
        flags.append(CONTRAST)
        notes.append(f"contrast-enhanced CT ({phase.replace('_', ' ')}: {out['contrast_evidence']}): iodine raises "
                     "trabecular HU, so HU and mg/cm3 read high")
        if contrast_correction:
            shift = correction_hu(phase)
            notes.append(f"contrast correction: -{shift:.0f} HU ({SOURCE})" if shift is not None else
                         f"no contrast correction for the {phase.replace('_', ' ')} phase (no published value used)")
            shift = shift or 0.0
    if "contrast_header_flag" in out:
        notes.append(out["contrast_header_flag"])
    out.update(calibration_slope=calibration.slope, calibration_intercept=calibration.intercept,
               calibration_energy_kev=calibration.energy_kev, calibration_flag=",".join(flags),
               calibration_note=calibration.reason or ("" if kvp else NO_KVP_NOTE))
    if contrast_correction:
        out["contrast_correction_hu"] = -shift
        out["density_corrected_hu"] = row.get("density_hu", math.nan) - shift
    out["bmd_mgcm3"] = calibration.to_mgcm3(row.get("density_hu", math.nan) - shift)
    for name in levels:
        mode = row.get(f"{name.lower()}_jsu_mode_hu", math.nan)
        out[f"{name.lower()}_bmd_mgcm3"] = calibration.to_mgcm3(mode - shift)
    out["acr_category"] = acr_category([out.get("l1_bmd_mgcm3"), out.get("l2_bmd_mgcm3")])
    out["l1_hu_category"] = l1_hu_category(row.get("l1_mean_hu", math.nan))
    return out, "; ".join(notes)


def _number(value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value > 0 else None


def calibrate_person(person, ct, vertebrae, levels, out_dir=None, what="", contrast_correction=False, tracked=None):
    """Add the calibration columns (and the calibration QC figure under out_dir/figures/) to `person.row`."""
    row = person.row
    columns, note, tissues = calibration_columns(ct.array, ct.spacing, row, levels, vertebrae, row.get("kvp"),
                                                 row.get("contrast_agent"), contrast_correction, tracked)
    row.update(columns)
    if note:
        row["note"] = "; ".join(filter(None, [row.get("note", ""), note]))
    if out_dir:
        from jmedseg.calibration.figure import calibration_figure
        from jmedseg.data.result_files import subject_files

        row["calibration_figure"] = subject_files(what)["calibration_figure"]
        calibration_figure(tissues, os.path.join(out_dir, row["calibration_figure"]), what)
    return person


def refusal_with_phase(error, ct):
    """A MeasurementRefused like `error`, with the CT's contrast phase in its message and row."""
    from jmedseg.density.safety import MeasurementRefused

    columns = phase_columns(find_reference_tissues(ct.array, ct.spacing), kvp=_number(ct.acquisition.get("kvp")))
    message = f"{error}; contrast phase: {columns['contrast_phase']} ({columns['contrast_evidence']})"
    row = dict(getattr(error, "row", {}))
    row.update(columns)
    if "note" in row:
        row["note"] = message
    return MeasurementRefused(message, row)

"""One subject's density from files: load, check with the rules `check-data` uses, measure (paper section 3).

`load_inputs` reads the CT and its label maps and refuses, with the fix named, a CT
that is not in HU and label maps on another grid (jmedseg.data.checks);
`measure_files` then measures (jmedseg.density.measure, which flags levels that are
missing, cut by the field of view or implausible). `vertebra_map` is the one place
a subject's vertebra labels come from: the given mask, or without one the labelling
of the CT alone (jmedseg.spine), which refuses levels whose name it cannot confirm.
"""
import hashlib
import importlib.util
import json
import os
from dataclasses import asdict, dataclass

from jmedseg.data.checks import grid_problem, hu_scale_problem
from jmedseg.density.estimators import DEFAULT_ESTIMATOR, check_estimator, estimator_version
from jmedseg.errors import InputError
from jmedseg.pipelines.vertebra_source import DEFAULT_LABELLER, custom_labelling, labeller_modules

MEASURE_VERSION = 5   # bump when a change outside the hashed code below (loading, result assembly) changes numbers
ESTIMATOR = ("jmedseg.density.measure", "jmedseg.density.safety")   # the flags; + the named estimator's own code
CALIBRATION = ("jmedseg.calibration",)   # reference tissues, phase, HU -> mg/cm3: the calibrated columns


def source_version(*modules):
    """A short hash of the source of `modules` (a package: every .py file in it): it changes when their code does.

    Part of a measurement's fingerprint, so results of another labeller or estimator never merge with
    these, without anyone bumping a version by hand (a comment edit counts too: safe, not minimal).
    """
    digest = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        folders = spec.submodule_search_locations
        paths = sorted(os.path.join(d, f) for d in folders for f in os.listdir(d) if f.endswith(".py")) \
            if folders else [spec.origin]
        for path in paths:
            digest.update(os.path.basename(path).encode())
            with open(path, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()[:12]

@dataclass(frozen=True)
class MeasureSettings:
    """Everything that changes a subject's numbers; results of different settings never share a table."""

    levels: dict
    units: str = "hu"
    allow_truncated: bool = False
    model_sha256: str = ""           # the --model file's content, not its name
    accept_uncertain_levels: bool = False   # no mask: measure levels the CT alone could not name for sure
    check_levels: bool = False       # with a mask: compare it with the CT-alone labelling (extra columns); a
                                     # measured level where they differ is flagged and not measured unless:
    accept_level_disagreement: bool = False
    label_scheme: str = ""           # numbering of the given vertebra maps (jmedseg.data.label_schemes); "": --labels
    guard: bool = True               # with a model: no density from a prediction that fails jmedseg.deploy.guard
    trim_surface: bool = True        # with a model: the predicted cancellous region's outer voxel layer is not
                                     # measured (jmedseg.deploy.inference.trim_partial_volume_layer)
    contrast_correction: bool = False  # subtract the published contrast shift before calibrating (calibration.contrast)
    kvp: float = 0.0                 # tube voltage of every CT (--kvp) for the calibration; 0: from the header / cohort.csv
    estimator: str = DEFAULT_ESTIMATOR   # the registered estimator reported as density_hu (jmedseg.density.estimators)
    labeller: str = DEFAULT_LABELLER     # 'module:function' labelling CTs without a mask; "": jmedseg.spine
    version: int = MEASURE_VERSION
    labeller_version: str = ""       # computed from the labeller's / estimator's source when not given
    estimator_version: str = ""
    calibration_version: str = ""

    def __post_init__(self):
        check_estimator(self.estimator)
        if not self.labeller_version:
            object.__setattr__(self, "labeller_version", source_version(*labeller_modules(self.labeller)))
        if not self.estimator_version:
            object.__setattr__(self, "estimator_version",
                               source_version(*ESTIMATOR) + estimator_version(self.estimator))
        if not self.calibration_version:
            object.__setattr__(self, "calibration_version", source_version(*CALIBRATION))

    def as_dict(self):
        return asdict(self)

    def fingerprint(self):
        """A short hash of the settings: equal settings, equal fingerprint, on any machine."""
        text = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class CTLabelling:
    """What labelling the CT alone adds to a measurement: its report, row fields and the box of the levels.

    `tracked`: the column the labeller followed (jmedseg.spine.track_column), which the calibration
    reuses instead of tracking it again (issue 20 section 4, docs/throughput.md); None for a user's labeller.
    """

    report: dict
    row: dict
    box: tuple
    tracked: object = None


def vertebra_map(ct, mask_path, what, settings, out_dir=None):
    """(vertebra label array, CTLabelling or None) of CT `ct` (a Volume) for subject `what`, on the CT's grid.

    With `mask_path` the map is read and checked against the CT's grid. Without one the
    vertebrae are labelled from the CT alone (jmedseg.spine; written to
    out_dir/vertebrae/<what>.nii.gz), so every caller (single CT, cohort, shards,
    cluster jobs) gets it the same way.
    """
    from jmedseg.data.io import load_labels

    if hasattr(mask_path, "shape"):   # read and renumbered already (a data set read in place, jmedseg.data.importers)
        _refuse(_shape_problem(ct, mask_path, "vertebra mask"))
        return mask_path, None
    if not mask_path and settings.labeller:
        return _custom_labelling(ct, what, settings, out_dir)
    if not mask_path:
        from jmedseg.spine import track_column
        from jmedseg.spine.pipeline import vertebrae_for_measure

        tracked = track_column(ct.array, ct.spacing)
        labels, report, row, box = vertebrae_for_measure(ct, what, settings.levels, out_dir,
                                                         settings.accept_uncertain_levels, settings.allow_truncated,
                                                         tracked)
        return labels, CTLabelling(report, row, box, tracked)
    if not os.path.isfile(mask_path):
        raise FileNotFoundError(f"no vertebra label map of {what} at {mask_path}; give the CT's vertebra labels "
                                "(e.g. TotalSegmentator's), or leave --mask out to label the CT alone")
    vertebrae = load_labels(mask_path)
    _refuse(grid_problem(ct, vertebrae, "vertebra mask"))
    return vertebrae.array, None


def _custom_labelling(ct, what, settings, out_dir):
    """vertebra_map by the user's labeller (jmedseg.pipelines.vertebra_source), written and refused as the default's."""
    from jmedseg.spine.pipeline import spine_box, write_labels

    accepted = {"uncertain_level"} if settings.accept_uncertain_levels else set()
    accepted |= {"incomplete"} if settings.allow_truncated else set()
    labels, report, row, problems = custom_labelling(ct, settings.labeller, settings.levels, accepted)
    if out_dir:
        write_labels(ct, labels, os.path.join(out_dir, "vertebrae", f"{what}.nii.gz"))
    if problems:
        raise InputError(f"{what}: no density from the labelling by {settings.labeller}: " + "; ".join(problems))
    return labels, CTLabelling(report, row, spine_box(report, set(settings.levels), ct.spacing, ct.shape))


def _shape_problem(ct, array, name):
    """grid_problem of a map read with the CT by a data-set reader (same affine by construction): the shape alone."""
    if array.shape != ct.shape:
        return f"the {name} has shape {array.shape} but the CT has {ct.shape}; use the {name} made for this CT"
    return None


def _refuse(problem):
    if problem:
        raise InputError(problem)


def load_inputs(what, ct_path, mask_path, tissue_path, settings, model=None, out_dir=None, series_uid=None,
                kvp=None):
    """(ct Volume, vertebra array, tissue array or None, CTLabelling or None, {level: id}) of one subject, checked.

    The CT's acquisition holds its tube voltage from the header, `settings.kvp` and the subject's own
    `kvp` (cohort.csv), refused when they disagree (jmedseg.calibration.tube_voltage).

    `model` ((model, meta) of jmedseg.deploy.export.load_model_file): the tissue map is
    predicted instead of read, checked by the plausibility guard (jmedseg.deploy.guard)
    unless `settings.guard` is off, with overlays under out_dir/overlays/.
    """
    from jmedseg.data.io import load_labels, load_volume

    ct = ct_path if hasattr(ct_path, "spacing") else load_volume(ct_path, units=settings.units, series_uid=series_uid)
    _refuse(hu_scale_problem(ct.array, f"the CT {os.path.basename(os.path.normpath(str(ct_path)))}"))
    from jmedseg.calibration.tube_voltage import with_tube_voltage

    ct = with_tube_voltage(ct, settings.kvp, kvp)   # before the labelling: a disagreement stops at once
    try:
        vertebrae, labelling = vertebra_map(ct, mask_path, what, settings, out_dir)
    except ValueError as err:   # no level to measure: still say which contrast phase the CT is in
        if isinstance(err, FileNotFoundError) or mask_path:
            raise
        from jmedseg.calibration.person import refusal_with_phase

        raise refusal_with_phase(err, ct) from None
    levels = dict(settings.levels)
    if settings.label_scheme and labelling is None and not hasattr(mask_path, "shape"):  # those are v2 ids
        from jmedseg.data.label_schemes import level_ids

        levels = level_ids(settings.label_scheme, list(levels), label_map=vertebrae)
    if model is not None:
        from jmedseg.density.measure import refuse_without_levels
        from jmedseg.deploy.guard import check_prediction
        from jmedseg.deploy.inference import predicted_tissue
        from jmedseg.deploy.overlays import write_level_overlays

        refuse_without_levels(vertebrae, levels)   # before segmenting: nothing to segment around
        tissue, seg = predicted_tissue(*model, ct, what=what, vertebrae=vertebrae, level_ids=levels,
                                       trim_surface=settings.trim_surface)
        if out_dir:
            write_level_overlays(out_dir, what, ct.array, tissue, vertebrae, ct.spacing, levels)
        if settings.guard:
            check_prediction(tissue, vertebrae, ct.array, ct.spacing, levels, seg.confidence, what=what)
    elif hasattr(tissue_path, "shape"):
        _refuse(_shape_problem(ct, tissue_path, "tissue map"))
        tissue = tissue_path
    elif tissue_path:
        labels = load_labels(tissue_path)
        _refuse(grid_problem(ct, labels, "tissue map"))
        tissue = labels.array
    else:
        tissue = None
    return ct, vertebrae, tissue, labelling, levels


def measure_files(what, ct_path, mask_path, tissue_path, settings, model=None, out_dir=None, qc_figure=False,
                  series_uid=None, qc_always=False, kvp=None):
    """PersonDensity of one subject from files (MeasurementRefused / ValueError when no density).

    `kvp`: the subject's own tube voltage (a cohort.csv column), for the calibration.

    Labelled from the CT alone (no mask), it is measured inside the box of its levels (the
    same density, faster), and with `qc_figure` and `out_dir` the QC figure
    out_dir/figures/<what>_qc.png shows which vertebrae were measured. `qc_always` (the
    report's) draws it also with a given mask and for a refused CT (in MeasurementRefused.row).
    """
    from jmedseg.data.io.acquisition import acquisition_row
    from jmedseg.density.measure import measure_person
    from jmedseg.density.safety import MeasurementRefused

    ct, vertebrae, tissue, labelling, levels = load_inputs(what, ct_path, mask_path, tissue_path, settings, model,
                                                          out_dir, series_uid, kvp)
    from jmedseg.calibration.person import calibrate_person, refusal_with_phase

    box = labelling.box if labelling else (slice(None),) * 3
    check, flagged, tracked = _checks_and_column(ct, vertebrae, levels, settings, labelling)
    try:
        person = measure_person(ct.array[box], vertebrae[box], None if tissue is None else tissue[box], ct.spacing,
                                levels, allow_truncated=settings.allow_truncated, flagged=flagged,
                                estimator=settings.estimator)
    except MeasurementRefused as err:
        if qc_always and out_dir:
            err.row["qc_figure"] = _draw_qc(out_dir, what, ct, vertebrae, tissue, levels, settings, None)
        raise refusal_with_phase(err, ct) from None
    person.row.update(check)
    # scanner, kernel, contrast agent, header age/sex (issue 22 s.3); only what is known, so that a cohort
    # table's own values are not blanked when the row is merged with it
    person.row.update({k: v for k, v in acquisition_row(ct).items() if v != ""})
    calibrate_person(person, ct, vertebrae, levels, out_dir if qc_figure else None, what, settings.contrast_correction,
                     tracked)
    if qc_always and out_dir and not labelling:
        person.row["qc_figure"] = _draw_qc(out_dir, what, ct, vertebrae, tissue, levels, settings, person)
    if labelling:
        person.row.update(labelling.row)
        if qc_figure and out_dir:
            from jmedseg.spine.qc import qc_for_measure

            person.row["qc_figure"] = os.path.join("figures", f"{what}_qc.png")
            qc_for_measure(ct, vertebrae, tissue, levels, person, labelling.report,
                           os.path.join(out_dir, person.row["qc_figure"]), what, box)
    return person


def _draw_qc(out_dir, what, ct, vertebrae, tissue, levels, settings, person):
    """The report's QC picture (jmedseg.pipelines.qc_picture) at out_dir/figures/<what>_qc.png; its relative path."""
    from jmedseg.pipelines.qc_picture import draw_qc_picture

    qc_path = os.path.join("figures", f"{what}_qc.png")
    draw_qc_picture(ct, vertebrae, tissue, levels, os.path.join(out_dir, qc_path), what, person,
                    settings.allow_truncated)
    return qc_path


def _checks_and_column(ct, vertebrae, levels, settings, labelling):
    """(row fields, flagged levels, tracked column or None) of one subject before it is measured.

    A column tracked for the labelling (CT alone, or `--check-levels` with a mask) is handed on
    to the calibration, which then does not track it again (docs/throughput.md).
    """
    if labelling:
        return {}, None, labelling.tracked
    if not settings.check_levels:
        return {}, None, None
    from jmedseg.spine import track_column

    tracked = track_column(ct.array, ct.spacing)
    return (*_level_check(ct, vertebrae, levels, settings, tracked), tracked)


def _level_check(ct, vertebrae, levels, settings, tracked=None):
    """(row fields, {level: (flag, note, measure anyway)}) of `--check-levels`: the mask against the CT-alone labelling.

    `tracked`: the CT's column (jmedseg.spine.track_column), shared with the calibration.

    A measured level whose place differs between the two (a level mix-up, a mirrored or
    flipped mask) is flagged `levels_disagree` and measured only with
    `settings.accept_level_disagreement`.
    """
    from jmedseg.density.safety import LEVELS_DISAGREE
    from jmedseg.spine.pipeline import labelling_agreement

    fields, differ = labelling_agreement(ct, _in_cohort_ids(vertebrae, levels, settings),
                                         tuple(dict.fromkeys(("T12", "L1", "L2", "L3", *levels))), tracked)
    keep = settings.accept_level_disagreement
    flagged = {name: (LEVELS_DISAGREE, f"{name}: the mask and the CT-alone labelling place it differently "
                      f"({differ[name]}); " + ("measured anyway (--accept-level-disagreement)" if keep else
                                              "left out: check the mask's level ids, or --accept-level-disagreement "
                                              "measures it anyway"), keep)
               for name in levels if name in differ}
    return fields, flagged


def _in_cohort_ids(vertebrae, levels, settings):
    """The given mask renumbered to TotalSegmentator v2 ids, those of the CT-alone labelling it is compared with.

    Its numbering is the user's: `--label-scheme` (e.g. verse), or the ids of `--labels` when
    they are not v2's; a level compared is then found under its own name in both maps.
    """
    from jmedseg.data.label_schemes import COHORT_SCHEME, TOTALSEG_V2, to_scheme

    scheme = settings.label_scheme or (None if all(TOTALSEG_V2.get(n) == i for n, i in levels.items()) else levels)
    if scheme is None or scheme == COHORT_SCHEME:
        return vertebrae
    return to_scheme(vertebrae, scheme)[0]

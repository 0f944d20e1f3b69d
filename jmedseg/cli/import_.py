"""`jmedseg import --format F SRC --out COHORT`: turn a data set as people have it into a cohort folder.

Formats: verse (VerSe / TPTBox names), totalsegmentator (one mask file per
structure), folder (CT + label-map pairs matched by --pattern / --mask-pattern),
and dicom (a PACS export: one CT series chosen per study and read in place,
ids hashed; jmedseg/data/dicom_export, docs/dicom.md). `check-data` runs on
the result of the others.
"""
from jmedseg.data.importers import DICOM_EXPORT, IMPORT_FORMATS   # the reader registry names the formats

NAME = "import"
HELP = "import a VerSe, TotalSegmentator, plain folder data set or DICOM export as a cohort folder"


def add_arguments(parser):
    parser.add_argument("src", metavar="SRC", help="the data set's folder")
    parser.add_argument("--format", required=True, choices=IMPORT_FORMATS,
                        help="layout of SRC")
    parser.add_argument("--out", required=True, help="cohort folder to create (must not exist)")
    parser.add_argument("--pattern", help="folder: CT path template with {id} (default {id}_ct.nii.gz)")
    parser.add_argument("--mask-pattern", help="folder: label-map template with {id} (default {id}_seg.nii.gz)")
    parser.add_argument("--label-scheme", help="folder: numbering of the label maps: totalseg_v2, totalseg_v1, "
                        "verse, or ids like L1=20,L2=21 (default: detected)")
    parser.add_argument("--table", help="csv/tsv with subject id, age, sex/gender, site/institute "
                        "(totalsegmentator: SRC/meta.csv when present)")
    parser.add_argument("--units", choices=("hu", "raw"), default="hu",
                        help="raw: CTs stored as HU + 1024 (converted to HU)")
    parser.add_argument("--levels", nargs="+", default=["L1", "L2"], help="vertebrae check-data counts (default L1 L2)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    dicom = parser.add_argument_group("dicom (a PACS export; docs/dicom.md)")
    dicom.add_argument("--site-from", help="site of each study: institution (InstitutionName), folder (first folder "
                       "under SRC) or a CSV mapping institution or folder to site")
    dicom.add_argument("--series-rule", help="change the series choice: max_thickness_mm=5,min_slices=10,"
                       "kernel=soft|any,prefer=thin|thick")
    dicom.add_argument("--series-choice", help="CSV (subject_id, series_key as in series_choice.csv) overriding "
                       "the choice for some studies")
    dicom.add_argument("--resample-geometry", action="store_true", help="accept series with a gantry tilt or "
                       "single missing slices, resampled onto a regular grid when read (said in densities.csv)")
    dicom.add_argument("--keep-ids", action="store_true", help="use the original StudyInstanceUID and PatientID "
                       "as ids (only for exports already de-identified); default: salted hashes")
    dicom.add_argument("--workers", type=int, default=2, help="processes reading headers (default 2)")


def run(args):
    import os
    from types import SimpleNamespace

    from jmedseg.cli import check_data
    from jmedseg.data.importers import read_source
    from jmedseg.data.importers.common import write_cohort_folder

    if args.format == DICOM_EXPORT:
        return _run_dicom(args)
    subjects = read_source(args.format, args.src, units=args.units, table=args.table, pattern=args.pattern,
                           mask_pattern=args.mask_pattern, label_scheme=args.label_scheme)
    rows = write_cohort_folder(subjects, args.out, progress=not args.quiet)
    print(f"wrote {len(rows)} subject(s) to {os.path.abspath(args.out)}; checking it:\n")
    return check_data.run(SimpleNamespace(root=args.out, levels=args.levels, min_cancellous=200, units="hu",
                                          label_scheme="totalseg_v2"))


def _run_dicom(args):
    import json
    import os

    from jmedseg.data.dicom_export.choice import SeriesRule
    from jmedseg.data.dicom_export.importer import import_dicom_export
    from jmedseg.errors import UsageError

    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    rule = SeriesRule.parse(args.series_rule)
    if args.resample_geometry:
        rule = SeriesRule(**{**rule.__dict__, "resample_geometry": True})
    summary = import_dicom_export(args.src, args.out, site_from=args.site_from, rule=rule,
                                  override=args.series_choice, keep_ids=args.keep_ids, workers=args.workers,
                                  progress=not args.quiet)
    out = os.path.abspath(args.out)
    print(f"indexed {summary['files']} file(s): {summary['image_files']} image(s), {summary['not_dicom']} not DICOM, "
          f"{summary['without_image']} without an image, {summary['unreadable']} unreadable (skipped)")
    print(f"{summary['studies']} studies: {summary['subjects']} with a CT series chosen, "
          f"{summary['studies_without_a_ct_series']} without (reasons in {out}/series_choice.csv)")
    print(f"wrote {out}/cohort.csv; keep {out}/private/ to yourself (salt, id mapping, file paths)")
    print(f"next: jmedseg measure --cohort {args.out} --out DIR")
    print(f"series rule: {json.dumps(summary['rule'])}")
    return 0

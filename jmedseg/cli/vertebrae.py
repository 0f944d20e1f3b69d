"""`jmedseg vertebrae --ct CT --out vertebrae.nii.gz`: find and label the vertebrae from the CT alone (jmedseg.api)."""

NAME = "vertebrae"
HELP = "label the vertebral bodies of a CT from the image alone (TotalSegmentator v2 ids, no trained weights)"


def add_arguments(parser):
    parser.add_argument("--ct", required=True, help="CT volume (NIfTI or DICOM folder) in HU")
    parser.add_argument("--series-uid", help="with a DICOM folder of several series: the SeriesInstanceUID to use")
    parser.add_argument("--out", required=True, help="label map to write (NIfTI, the CT's grid; .nii.gz is added "
                        "to a name without .nii/.nii.gz)")
    parser.add_argument("--units", choices=("hu", "raw"), default="hu",
                        help="raw: the CT stores HU + 1024 (the paper's convention)")
    parser.add_argument("--report", help="also write the per-level report as JSON here")
    parser.add_argument("--qc", help="also write a QC picture (sagittal and coronal reformats) here")


def run(args):
    from jmedseg.api import label_vertebrae
    from jmedseg.cli._label_map_out import label_map_out
    from jmedseg.utils.report import write_json

    out, note = label_map_out(args.out)
    if note:
        print(note)
    report = label_vertebrae(args.ct, args.units, out, args.series_uid, args.qc).report
    if args.report:
        write_json(args.report, report)
    print(f"{report['summary']} ({report.get('seconds', 0):.1f} s)")
    for entry in report["levels"]:
        name = entry["name"] or f"unnamed ({entry['id']})"
        flags = ", ".join(entry["flags"]) or "confirmed"
        print(f"  {name:>14}  id {entry['id']:>3}  {flags}" + (f"  [{entry['note']}]" if entry["note"] else ""))
    print(f"wrote {out}")
    return 0 if report["levels"] else 1

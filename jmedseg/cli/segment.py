"""`jmedseg segment --model model.jmed --ct CT.nii.gz --out mask.nii.gz`: label a CT slice by slice (api.segment_ct)."""
import sys
import warnings

NAME = "segment"
HELP = "segment a CT volume with an exported model; writes a label map on the CT's grid"


def add_arguments(parser):
    parser.add_argument("--model", required=True,
                        help="model file made by `jmedseg export`, or 'default' (the model shipped with jmedseg)")
    parser.add_argument("--ct", required=True, help="CT volume (NIfTI) in HU, or a DICOM series folder")
    parser.add_argument("--series-uid", help="with a DICOM folder of several series: the SeriesInstanceUID to use")
    parser.add_argument("--out", required=True, help="label map to write (NIfTI, the CT's affine; .nii.gz is added "
                        "to a name without .nii/.nii.gz)")
    parser.add_argument("--units", choices=("hu", "raw"), default="hu",
                        help="raw: the CT stores HU + 1024 (the paper's convention)")
    parser.add_argument("--batch-size", type=int, default=8, help="slices per forward pass")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args):
    from jmedseg.api import load_model, segment_ct
    from jmedseg.cli._label_map_out import label_map_out
    from jmedseg.data.io import load_volume
    from jmedseg.deploy.inference import GeometryWarning
    from jmedseg.errors import UsageError

    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {args.batch_size}")
    out, note = label_map_out(args.out)
    if note:
        print(note)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeometryWarning)  # printed below as one line each
        model = load_model(args.model)   # a bad model file is named before the CT is read
        volume = load_volume(args.ct, units=args.units, series_uid=args.series_uid)
        result = segment_ct(volume, model, out, batch_size=args.batch_size, progress=not args.no_progress)
    for note in result.warnings:
        print(f"warning: {note}", file=sys.stderr)
    shape = "x".join(str(n) for n in volume.shape)
    print(f"segmented {shape} voxels ({volume.spacing[0]:.3g} x {volume.spacing[1]:.3g} x "
          f"{volume.spacing[2]:.3g} mm) in {result.seconds:.1f} s")
    for name, n in result.voxels_per_class.items():
        print(f"  {name}: {n} voxels")
    if result.empty:
        print(f"warning: the prediction is empty (no bone found in {args.ct}); check the CT's units and "
              "field of view, or the model", file=sys.stderr)
    print(f"wrote {out}")
    return 0

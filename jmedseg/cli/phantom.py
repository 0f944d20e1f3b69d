"""`jmedseg phantom --subjects 40 --out DIR --seed 0`: write a synthetic lumbar CT cohort folder.

The folder (layout in jmedseg/data/cohort.py) is built under a temporary name
beside DIR and renamed when complete, so a killed run never leaves a
half-written cohort. The same seed gives byte-identical files.
"""
import os
import shutil
import tempfile
from dataclasses import asdict

NAME = "phantom"
HELP = "write a synthetic lumbar CT cohort (NIfTI volumes, tissue and vertebra labels, cohort.csv)"


def add_arguments(parser):
    parser.add_argument("--subjects", type=int, default=40, help="number of subjects (default 40)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--noise-sd", type=float, default=None,
                        help="scanner noise SD in HU for every site (default: each site's own, 12 or 18)")
    parser.add_argument("--force", action="store_true", help="replace DIR if it exists")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def write_cohort(out, n_subjects, seed=0, noise_sd=None, progress=True, spec=None):
    """Render `n_subjects` phantoms into `out` (atomically, via a temporary folder); returns the rows.

    `spec` (a PhantomSpec) changes the anatomy or field of view; None keeps the defaults.
    """
    import numpy as np
    from tqdm import tqdm

    from jmedseg.data.cohort import COLUMNS, subject_paths
    from jmedseg.data.io import Volume, save_like
    from jmedseg.data.synthetic import DensityLaw, draw_cohort, render_cohort, site_scanners
    from jmedseg.utils.files import make_private_temp_folder_public
    from jmedseg.utils.report import write_csv, write_json

    out = os.path.abspath(out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=parent, prefix=os.path.basename(out) + ".tmp-")
    try:
        infos = draw_cohort(n_subjects, seed=seed, law=DensityLaw())
        scanners = site_scanners(noise_sd=noise_sd)
        bar = tqdm(render_cohort(infos, seed=seed, spec=spec, scanners=scanners), total=len(infos),
                   desc="phantom", unit="subject", disable=not progress)
        for info, vol in bar:
            paths = subject_paths(tmp, info.subject_id)
            ref = Volume(vol.ct, vol.affine, vol.spacing)
            save_like(ref, np.round(vol.ct).astype(np.int16), paths["ct"])  # CT stores whole HU
            save_like(ref, vol.labels, paths["labels"])
            save_like(ref, vol.vertebrae, paths["vertebrae"])
        rows = [i.as_dict() for i in infos]
        write_csv(os.path.join(tmp, "cohort.csv"), rows, list(COLUMNS))
        write_json(os.path.join(tmp, "phantom.json"), {
            "seed": seed, "subjects": n_subjects,
            "scanners": {k: asdict(v) for k, v in scanners.items()}})
        make_private_temp_folder_public(tmp)  # mkdtemp makes it 0o700
        _replace_folder(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return rows


def _replace_folder(new, out):
    if not os.path.exists(out):
        os.rename(new, out)
        return
    old = tempfile.mkdtemp(dir=os.path.dirname(out), prefix=os.path.basename(out) + ".old-")
    os.rename(out, os.path.join(old, "x"))
    os.rename(new, out)
    shutil.rmtree(old, ignore_errors=True)


def run(args):
    from jmedseg.errors import UsageError

    if args.subjects < 1:
        raise UsageError(f"--subjects must be at least 1, got {args.subjects}")
    if os.path.exists(args.out) and not args.force:
        raise UsageError(f"{args.out} already exists; pass --force to replace it or choose another --out")
    rows = write_cohort(args.out, args.subjects, seed=args.seed, noise_sd=args.noise_sd,
                        progress=not args.quiet)
    print(f"wrote {len(rows)} subjects to {os.path.abspath(args.out)} (cohort.csv, <subject>/ct.nii.gz, "
          "labels.nii.gz, vertebrae.nii.gz)")
    return 0

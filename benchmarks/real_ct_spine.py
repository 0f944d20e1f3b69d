"""CT-alone vertebra labelling on the bundled real CTs, and the time from file to densities.csv.

Per real CT and reference level: the level the CT-alone labelling put there (matched
by overlap with the reference body), correct id yes/no, centroid distance (mm, body
against the reference's body) and body Dice; then the L1/L2 density (Johnson SU mode
of the pooled cancellous voxels, paper section 3) from the CT alone next to the one
from the reference mask. Speed: 512 x 512 x 300 CTs made from the 3 mm example CT
(each voxel copied 4 x 5 x 3 times, and trilinear resampling), written as int16 NIfTI,
then `jmedseg measure --ct CT --out DIR` with no mask (labelling, density, histogram and
both figures; the first call also pays the imports), timed in this process.

Then the bundled contrast-enhanced chest CT (no reference labels: per level its depth in
the trunk, 0 = back, and its median HU, which tell the spine from the heart) and the
real-derived variants of the example that tests/spine/test_spine_real_variants.py builds
(5 mm slices, PET/CT noise, stored LPS feet first, cut to T11-L3, contrast-filled aorta).

    .venv/bin/python benchmarks/real_ct_spine.py [--no-speed]
"""
import argparse
import datetime
import os
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data")
CASES = [
    ("totalseg_example (3 mm, T12-S1)", "totalseg_example/example_ct.nii.gz",
     "totalseg_example/example_ct_vertebrae.nii.gz", "totalseg"),
    ("tptbox_sample (1.5 mm crop, L2-L4)", "tptbox_sample/sub-ct_label-22_ct.nii.gz",
     "tptbox_sample/sub-ct_seg-vert_label-22_msk.nii.gz", "verse"),
]


def level_rows(case, ct, ref, labels, scheme):
    from jmedseg.spine.evaluate import VERSE_IDS, evaluate_levels
    from jmedseg.spine.levels import TOTALSEG_IDS

    ids = VERSE_IDS if scheme == "verse" else {n: TOTALSEG_IDS[n] for n in ("T11", "T12", "L1", "L2", "L3", "L4",
                                                                             "L5", "S1")}
    rows = []
    for r in evaluate_levels(labels, ref, ct.spacing, ids):
        rows.append({"CT": case, "level": r["level"], "labelled as": r["found_name"] or r["found_id"] or "-",
                     "correct id": "yes" if r["correct_id"] else "no",
                     "centroid mm": r["centroid_distance_mm"], "body Dice": r["body_dice"]})
    return rows


def density_rows(case, ct, ref, labels, scheme, report):
    from jmedseg.density.johnson_su import DensityFitError
    from jmedseg.density.measure import measure_person
    from jmedseg.spine.evaluate import VERSE_IDS

    ref_levels = {"L1": VERSE_IDS["L1"], "L2": VERSE_IDS["L2"]} if scheme == "verse" else {"L1": 31, "L2": 30}
    out = {"CT": case}
    try:
        out["reference-mask density HU"] = round(measure_person(ct.array, ref, None, ct.spacing, ref_levels)
                                                 .row["density_hu"], 1)
    except (DensityFitError, ValueError) as err:
        out["reference-mask density HU"] = f"- ({str(err)[:60]})"
    named = {e["name"] for e in report["levels"]}
    if {"L1", "L2"} <= named:
        out["CT-alone density HU"] = round(measure_person(ct.array, labels, None, ct.spacing,
                                                          {"L1": 31, "L2": 30}).row["density_hu"], 1)
    else:
        out["CT-alone density HU"] = f"- (L1/L2 not named: {report['summary']})"
    return out


def chest_cta_rows():
    """Per level found on the chest CTA: name, flags, depth in the trunk (0 back, 1 front), median HU."""
    from jmedseg.data.io import load_volume
    from jmedseg.spine import label_vertebrae
    from jmedseg.spine.pipeline import vertebrae_for_measure

    ct = load_volume(os.path.join(DATA, "totalseg_chest_cta", "chest_cta.nii.gz"))
    labels, report = label_vertebrae(ct)
    rows = []
    for entry in report["levels"]:
        vox = np.argwhere(labels == entry["id"])
        x, z0, z1 = int(vox[:, 0].mean()), vox[:, 2].min(), vox[:, 2].max() + 1
        ys = np.flatnonzero((ct.array[max(0, x - 10):x + 10, :, z0:z1] > -300.0).any(axis=(0, 2)))
        rows.append({"CT": "chest CTA", "level": entry["name"] or entry["id"], "flags": ", ".join(entry["flags"]),
                     "depth in trunk": round((vox[:, 1].mean() - ys.min()) / (ys.max() - ys.min()), 2),
                     "median HU": float(np.median(ct.array[labels == entry["id"]])), "ribs": ",".join(entry["ribs"])})
    try:
        vertebrae_for_measure(ct, "chest_cta", ("L1", "L2"))
        refusal = "measured (unexpected)"
    except ValueError as err:
        refusal = str(err)
    return report["summary"], rows, refusal


def variant_rows(work):
    """L1/L2 on each real-derived variant of the example: name, centroid error, density against the reference."""
    import pathlib

    from jmedseg.data.io import load_labels, load_volume
    from jmedseg.density.measure import measure_person
    from jmedseg.spine import label_vertebrae
    from jmedseg.spine.evaluate import evaluate_levels
    from tests.spine.test_spine_real_variants import L1L2, VARIANTS

    ct = load_volume(os.path.join(DATA, CASES[0][1]))
    ref = load_labels(os.path.join(DATA, CASES[0][2])).array
    rows = []
    for name, make in VARIANTS.items():
        folder = pathlib.Path(work) / name.replace(" ", "_").replace(",", "")
        folder.mkdir()
        vct, vref = make(ct, ref, folder)
        labels, report = label_vertebrae(vct)
        found = {r["level"]: r for r in evaluate_levels(labels, vref, vct.spacing, L1L2)}
        reference = measure_person(vct.array, vref, None, vct.spacing, L1L2).row["density_hu"]
        try:
            ours = measure_person(vct.array, labels, None, vct.spacing, L1L2).row["density_hu"]
        except ValueError as err:
            ours = f"- ({str(err)[:40]})"
        rows.append({"variant": name, "summary": report["summary"],
                     "L1 / L2 named": " / ".join(str(found[n]["found_name"]) for n in L1L2),
                     "centroid mm": " / ".join(str(found[n]["centroid_distance_mm"]) for n in L1L2),
                     "reference-mask HU": round(reference, 1),
                     "CT-alone HU": round(ours, 1) if isinstance(ours, float) else ours})
    return rows


def _replicated_512(ct):
    """The 3 mm CT as 512 x 512 x 300 voxels of 0.75 x 0.6 x 1 mm: each voxel copied 4 x 5 x 3 times
    (12 slices of thigh below the sacrum dropped, air padding to 512), so the content is the real scan's."""
    a = ct.array[:, :, 12:]
    big = np.repeat(np.repeat(np.repeat(a, 4, 0), 5, 1), 3, 2)
    pad = ((12, 512 - 12 - big.shape[0]), (5, 512 - 5 - big.shape[1]), (0, 0))
    big = np.pad(big, pad, constant_values=-1024).astype(np.int16)
    affine = ct.affine.copy()
    affine[:3, :3] = ct.affine[:3, :3] @ np.diag([1 / 4, 1 / 5, 1 / 3])
    offset = np.array([-12 / 4 - 0.5 + 1 / 8, -5 / 5 - 0.5 + 1 / 10, 12 - 0.5 + 1 / 6])
    affine[:3, 3] = ct.affine[:3, :3] @ offset + ct.affine[:3, 3]
    return big, affine


def _trilinear_512(ct):
    """The 3 mm CT resampled (trilinear) to 512 x 512 x 300: blurrier than a real thin-slice scan."""
    from scipy import ndimage

    zoom = [n / m for n, m in zip((512, 512, 300), ct.shape)]
    affine = ct.affine.copy()
    affine[:3, :3] = ct.affine[:3, :3] / np.array(zoom)[None, :]
    return ndimage.zoom(ct.array, zoom, order=1).astype(np.int16), affine


def _cpu_seconds():
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def speed(work):
    """Seconds from a 512 x 512 x 300 NIfTI to densities.csv via `jmedseg measure` without a mask.

    Wall time and this process's CPU time (user + system): on a shared, loaded machine the
    wall time measures the queue, the CPU time what the work costs.
    """
    import nibabel as nib

    from jmedseg.cli import main as cli
    from jmedseg.data.io import load_volume

    ct = load_volume(os.path.join(DATA, CASES[0][1]))
    rows = []
    for name, make in (("voxels copied", _replicated_512), ("trilinear", _trilinear_512)):
        big, affine = make(ct)
        path = os.path.join(work, f"ct512_{name.split()[0]}.nii.gz")
        nib.save(nib.Nifti1Image(big, affine), path)
        del big
        spacing = "x".join(f"{s:.2f}" for s in np.sqrt((affine[:3, :3] ** 2).sum(0)))
        for figures in (True, False):
            out = os.path.join(work, f"out_{name.split()[0]}_{figures}")
            argv = ["measure", "--ct", path, "--out", out] + ([] if figures else ["--no-figures"])
            c0, t0 = _cpu_seconds(), time.perf_counter()
            rc = cli(argv)
            rows.append({"512x512x300 CT": f"{name} ({spacing} mm)", "figures": "yes" if figures else "no",
                         "exit code": rc, "wall s": round(time.perf_counter() - t0, 2),
                         "CPU s": round(_cpu_seconds() - c0, 2), "load average": round(os.getloadavg()[0], 1)})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, ROOT)
    from jmedseg.data.io import load_labels, load_volume
    from jmedseg.utils.report import markdown_table
    from jmedseg.spine import label_vertebrae

    print(f"# CT-alone vertebra labelling, {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} CPU cores visible, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}\n")
    levels, densities = [], []
    for case, ct_rel, ref_rel, scheme in CASES:
        ct = load_volume(os.path.join(DATA, ct_rel))
        ref = load_labels(os.path.join(DATA, ref_rel)).array
        labels, report = label_vertebrae(ct)
        print(f"{case}: {report['summary']}; found (top to bottom): "
              + ", ".join(f"{e['name'] or e['id']}[{','.join(e['flags']) or 'ok'}]" for e in report["levels"]))
        levels += level_rows(case, ct, ref, labels, scheme)
        densities.append(density_rows(case, ct, ref, labels, scheme, report))
    print("\n" + markdown_table(levels, digits=3))
    print("\n" + markdown_table(densities, digits=3))
    summary, rows, refusal = chest_cta_rows()
    print(f"\nchest CTA (contrast, neck to T12): {summary}\n\n" + markdown_table(rows, digits=3))
    print(f"\nasked for L1/L2: {refusal}")
    with tempfile.TemporaryDirectory() as work:
        print("\n" + markdown_table(variant_rows(work), digits=3))
    if not args.no_speed:
        with tempfile.TemporaryDirectory() as work:
            print("\n" + markdown_table(speed(work), digits=3))


if __name__ == "__main__":
    main()

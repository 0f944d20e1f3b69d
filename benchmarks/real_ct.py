"""Segmentation and density on the real CTs bundled with the project, per CT and level, model by model.

For each model and inference mode, per vertebra level: body Dice (predicted
cortical + cancellous within the vertebra vs the reference body: the TPTBox
sub-region labels where present, else the body derived from the whole-vertebra
mask), cancellous Dice (vs the sub-region interior label, or the body eroded
by 2 mm), the Johnson SU mode on the predicted and on the reference cancellous
region and their difference, and the plausibility guard's verdict. A level is
complete when its mask touches no edge of the volume. Targets on complete
levels: body Dice >= 0.85, |density difference| <= 10 HU.

    .venv/bin/python benchmarks/real_ct.py --model old=demo.jmed --model new=default [--modes crop,full]

Modes: `crop` (the tissue map `measure --mask --model` measures on, through the Python
API's `predict_tissue` with the vertebra map: a crop-trained model sees model-sized
crops around each vertebra, predictions outside the dilated vertebra discarded) or
`full` (whole slices, as `segment` does). Both trim the cancellous region's
partial-volume layer as measure does, unless --no-trim.
"""
import argparse
import json
import os
import sys
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from jmedseg.data.io import load_labels, load_volume  # noqa: E402
from jmedseg.data.labels import erode_mm, vertebral_body  # noqa: E402
from jmedseg.density.johnson_su import fit_density  # noqa: E402
from jmedseg.utils.report import markdown_table  # noqa: E402

DATA = os.path.join(ROOT, "tests", "data")  # --data changes it
TS_IDS = {"T11": 33, "T12": 32, "L1": 31, "L2": 30, "L3": 29}          # TotalSegmentator v2
VERSE_IDS = {"L1": 20, "L2": 21, "L3": 22, "L4": 23}                    # VerSe / TPTBox
BODY_BORDER, BODY_INTERIOR = 49, 50                                     # TPTBox sub-region labels


def cases():
    """(name, ct path, vertebra mask path, level ids, sub-region path or None) of every bundled real CT."""
    out = []
    dicom = os.path.join(DATA, "totalseg_dicom_example")
    if os.path.isfile(os.path.join(dicom, "example_seg_dicom.nii.gz")) and not skipped():
        out.append(("totalseg_dicom_example (0.98 mm)", dicom, os.path.join(dicom, "example_seg_dicom.nii.gz"),
                    TS_IDS, None))
    ts = os.path.join(DATA, "totalseg_example")
    if os.path.isfile(os.path.join(ts, "example_ct_sm.nii.gz")):
        out.append(("totalseg_example (3 mm)", os.path.join(ts, "example_ct_sm.nii.gz"),
                    os.path.join(ts, "example_seg.nii.gz"), TS_IDS, None))
    tp = os.path.join(DATA, "tptbox_sample")
    if os.path.isfile(os.path.join(tp, "sub-ct_label-22_ct.nii.gz")):
        out.append(("tptbox_sample (1.5 mm)", os.path.join(tp, "sub-ct_label-22_ct.nii.gz"),
                    os.path.join(tp, "sub-ct_seg-vert_label-22_msk.nii.gz"), VERSE_IDS,
                    os.path.join(tp, "sub-ct_seg-subreg_label-22_msk.nii.gz")))
    return out


def skipped():
    """Real CTs we know of but cannot read here, with the reason."""
    dicom = os.path.join(DATA, "totalseg_dicom_example")
    if not os.path.isdir(dicom):
        return [("totalseg_dicom_example (0.98 mm)", "not bundled in tests/data (its JPEG 2000 DICOM series needs "
                 "a reader that this checkout does not have yet)")]
    try:
        from jmedseg.data.io.dicom import load_dicom_series

        load_dicom_series(dicom)
    except Exception as err:  # any reader failure is a reason to skip, reported as such
        return [("totalseg_dicom_example (0.98 mm)", f"cannot read the CT series: {err}")]
    return []


def dice(a, b):
    s = a.sum() + b.sum()
    return float(2 * (a & b).sum() / s) if s else float("nan")


def jsu_mode(values, what):
    """The density as `measure` reports it: the Johnson SU fit truncated at the region's top decile (issue 22)."""
    if values.size < 30:
        return float("nan")
    try:
        return float(fit_density(values, what).mode)
    except ValueError:
        return float("nan")


def references(vert, subreg, spacing):
    """(reference body, reference cancellous) of one vertebra mask."""
    if subreg is not None:
        body = vert & np.isin(subreg, (BODY_BORDER, BODY_INTERIOR))
        if body.any():
            return body, vert & (subreg == BODY_INTERIOR)
    body = vertebral_body(vert, spacing)
    return body, erode_mm(body, spacing, 2.0)


def complete(mask):
    return not any(np.take(mask, i, axis=ax).any() for ax in range(3) for i in (0, -1))


TRIM_SURFACE = True  # --no-trim: measure the whole predicted region (no partial-volume layer removed)
FILL_MARROW = True   # --no-fill: the ablation arm without jmedseg.deploy.crops.fill_enclosed_marrow


def predict(model, ct, vertebrae, levels, mode):
    """Tissue ids (1 cortical, 2 cancellous) on the CT grid and per-level confidence; an empty prediction is kept."""
    from jmedseg.api import predict_tissue
    from jmedseg.deploy.inference import EmptyPredictionError

    crop = mode == "crop"
    if crop and not FILL_MARROW:
        return _without_marrow_fill(model, ct, vertebrae, levels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            found = predict_tissue(ct, model, vertebrae if crop else None, levels if crop else None, TRIM_SURFACE)
        except EmptyPredictionError:
            return np.zeros(ct.shape, np.uint8), {}
    return found.tissue, found.segmentation.confidence


def _without_marrow_fill(model, ct, vertebrae, levels):
    """predict's crop mode without the enclosed-marrow fill, which measure always applies (so the API has no switch)."""
    from jmedseg.constants import CLASS_NAMES
    from jmedseg.deploy.crops import segment_vertebrae
    from jmedseg.deploy.inference import trim_partial_volume_layer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = segment_vertebrae(model.model, model.meta, ct, vertebrae, levels, fill_marrow=False)
    tissue = np.zeros(seg.labels.shape, np.uint8)
    for c, name in enumerate(seg.class_names):
        tissue[seg.labels == c] = CLASS_NAMES.index(name)
    if TRIM_SURFACE:
        trim_partial_volume_layer(tissue)
    return tissue, seg.confidence


def score_case(name, ct_path, mask_path, ids, subreg_path, models, modes, overlay_dir=None):
    from jmedseg.deploy.guard import check_level

    if os.path.isdir(ct_path):
        from jmedseg.data.io.dicom import load_dicom_series

        ct = load_dicom_series(ct_path)
    else:
        ct = load_volume(ct_path)
    vertebrae = load_labels(mask_path).array
    if vertebrae.shape != ct.shape:
        raise ValueError(f"{name}: mask shape {vertebrae.shape} differs from the CT's {ct.shape}")
    subreg = load_labels(subreg_path).array if subreg_path else None
    levels = {k: v for k, v in ids.items() if (vertebrae == v).any()}
    refs = {lv: references(vertebrae == lid, subreg, ct.spacing) for lv, lid in levels.items()}
    rows = []
    for label, model in models.items():
        for mode in modes:
            tissue, conf = predict(model, ct, vertebrae, levels, mode)
            for lv, lid in levels.items():
                vert = vertebrae == lid
                body, canc = refs[lv]
                pred_body = np.isin(tissue, (1, 2)) & vert
                pred_canc = (tissue == 2) & vert
                d_pred = jsu_mode(ct.array[pred_canc], f"{lv} predicted")
                d_ref = jsu_mode(ct.array[canc], f"{lv} reference")
                check = check_level(lv, tissue, vert, ct.array, ct.spacing, conf.get(lv))
                rows.append({"ct": name, "level": lv, "complete": "yes" if complete(vert) else "no",
                             "model": label, "mode": mode, "body_dice": dice(pred_body, body),
                             "canc_dice": dice(pred_canc, canc), "density_pred_hu": d_pred,
                             "density_ref_hu": d_ref, "diff_hu": d_pred - d_ref,
                             "guard": "ok" if check.ok else "FLAG: " + "; ".join(check.reasons)})
            if overlay_dir:
                from jmedseg.deploy.overlays import write_level_overlays

                tag = f"{name.split()[0]}_{label}_{mode}"
                write_level_overlays(overlay_dir, tag, ct.array, tissue, vertebrae, ct.spacing, levels)
    return rows


def score_all(models, modes, out=None):
    """Rows of every bundled real CT, model and mode (also as JSON at `out`, overlays beside it)."""
    overlay_dir = os.path.dirname(os.path.abspath(out)) if out else None
    rows = []
    for case in cases():
        print(f"== {case[0]}", flush=True)
        rows += score_case(*case, models, modes, overlay_dir)
    for name, reason in skipped():
        print(f"skipped {name}: {reason}")
    if out:
        with open(out, "w") as f:
            json.dump(rows, f, indent=1)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append",
                        help="LABEL=PATH (PATH may be 'default'); repeat for a side-by-side table (default: "
                        "default=default, the shipped model, so that `make bench` runs it)")
    parser.add_argument("--modes", default="crop", help="comma-separated: crop, full")
    parser.add_argument("--out", help="write the rows as JSON here (and overlays next to it)")
    parser.add_argument("--data", default=None, help="folder holding the real-CT folders (default tests/data)")
    parser.add_argument("--no-fill", action="store_true", help="crop mode: leave enclosed background as predicted")
    parser.add_argument("--no-trim", action="store_true", help="keep the cancellous region's outer voxel layer")
    args = parser.parse_args(argv)
    global DATA, FILL_MARROW, TRIM_SURFACE
    DATA = args.data or DATA
    FILL_MARROW, TRIM_SURFACE = not args.no_fill, not args.no_trim
    from jmedseg.api import load_model

    models = {}
    for spec in args.model or ["default=default"]:
        label, _, path = spec.partition("=")
        models[label] = load_model(path or label)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    rows = score_all(models, modes, args.out)
    print(markdown_table(rows, digits=3))
    done = [r for r in rows if r["complete"] == "yes"]
    for label in models:
        for mode in modes:
            mine = [r for r in done if r["model"] == label and r["mode"] == mode]
            hit = [r for r in mine if r["body_dice"] >= 0.85 and abs(r["diff_hu"]) <= 10]
            print(f"{label} ({mode}): {len(hit)} of {len(mine)} complete levels meet body Dice >= 0.85 and "
                  f"|density difference| <= 10 HU")
    return 0


if __name__ == "__main__":
    sys.exit(main())

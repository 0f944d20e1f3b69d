"""Export -> segment -> measure gives the numbers evaluation gave; bad model files and geometry are reported."""
import csv
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest

from jmedseg.cli import main as cli_main
from jmedseg.data.build import build_splits
from jmedseg.data.io import Volume, load_labels, save_like
from jmedseg.pipelines.training import train
from jmedseg.evaluation.evaluate import predict
from jmedseg.deploy.export import ModelFileError, load_model_file, read_model_file
from jmedseg.data.geometry import radiological_view
from jmedseg.deploy.inference import GeometryWarning, geometry_warnings, segment_volume
from jmedseg.evaluation.metrics import case_scores
from tests.conftest import DATA, TINY, compose_config

# A 2-step model predicts no cancellous bone at all, and the density round trip needs some: 80 steps on
# 32-pixel slices of 2.4 mm, keeping the checkpoint that segments cancellous bone best, give a model that does.
SMALL = TINY + ["data.image_size=32", "data.pixel_mm=2.4", "data.slices_per_subject=4", "trainer.epochs=30",
                "trainer.max_steps=80", "trainer.lr=0.01", "trainer.monitor=dice_cancellous"]
SLICE_MM = 3.0
CROP_FILL_HU = 1.0   # crop inference vs the evaluation's whole slices: see test_segment_then_measure_...
L1 = 31


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run")
    cfg = compose_config("train", SMALL + [f"run_dir={run_dir}"])
    result = train(cfg)
    model_path = run_dir / "model.jmed"
    assert cli_main(["export", str(run_dir), "--out", str(model_path)]) == 0
    split = build_splits(cfg.data, batch_size=2, splits=("test",))["test"]
    return {"cfg": cfg, "result": result, "dir": run_dir, "model": model_path, "split": split}


def _write_case(folder, planes, pixel_mm, vertebra_id=L1):
    """A test subject's slices as a CT volume (radiological view -> RAS+ x, y, z) and a vertebra map.

    One slice of air is added on top, as a real CT has, so the volume reads as HU; it is not in the vertebra.
    """
    folder.mkdir(parents=True, exist_ok=True)
    planes = np.asarray(planes, np.float32)
    array = radiological_view(np.concatenate([planes, np.full_like(planes[:1], -1000.0)]), inverse=True)
    vertebra = np.full(array.shape, vertebra_id, np.uint8)
    vertebra[:, :, -1] = 0
    ref = Volume(array, np.diag([pixel_mm, pixel_mm, SLICE_MM, 1.0]), (pixel_mm, pixel_mm, SLICE_MM))
    save_like(ref, array, folder / "ct.nii.gz")
    save_like(ref, vertebra, folder / "vertebrae.nii.gz")
    return folder / "ct.nii.gz", folder / "vertebrae.nii.gz"


def _case(run):
    """The first test subject whose predicted mask had a density, with its slice indices."""
    ds, cases = run["split"].dataset, run["result"]["test"]["cases"]
    measured = [c for c in cases if math.isfinite(c["density_pred_hu"])]
    assert measured, "the test model predicts no cancellous bone in any test subject: train it longer (SMALL)"
    case = measured[0]
    sel = [i for i, s in enumerate(ds.subject_ids) if s == case["subject_id"]]
    return case, sel


def _read_csv(path):
    with open(path, newline="") as f:
        return {r["subject_id"]: r for r in csv.DictReader(f)}


def test_exported_model_holds_what_inference_needs(run):
    meta, state = read_model_file(run["model"])
    assert meta["format"] == "jmedseg-model" and meta["version"] == 1
    assert meta["pixel_mm"] == 2.4 and meta["image_size"] == 32 and meta["windows"] == [[-200.0, 1000.0]]
    assert meta["class_names"] == ["background", "cortical", "cancellous"]
    assert meta["slice_mm"] == [3.0, 5.0]
    assert meta["source_checkpoint"].endswith("best.ckpt") and len(state) > 0


def test_segment_then_measure_reproduce_the_evaluation(run, tmp_path):
    case, sel = _case(run)
    ds = run["split"].dataset
    ct, vertebrae = _write_case(tmp_path / "case", [ds.images_hu[i] for i in sel], 2.4)
    mask = tmp_path / "mask.nii.gz"
    assert cli_main(["segment", "--model", str(run["model"]), "--ct", str(ct), "--out", str(mask),
                     "--no-progress"]) == 0
    labels = radiological_view(load_labels(mask).array)[:-1]

    model, _ = load_model_file(run["model"])
    assert np.array_equal(labels, predict(model, ds)[sel])
    ref = np.stack([ds.labels[i] for i in sel])
    again = case_scores(labels, ref, 3, ["background", "cortical", "cancellous"], [ds.spacing_mm[i] for i in sel])
    for key in ("fg_dice", "dice_cancellous", "iou_cortical", "hd95_cortical"):
        assert again[key] == case[key]

    out = tmp_path / "measured"
    # the test volume is a stack of crops that the vertebra fills to the edge: measure it anyway
    assert cli_main(["measure", "--ct", str(ct), "--mask", str(vertebrae), "--model", str(run["model"]),
                     "--labels", f"L1={L1}", "--out", str(out), "--no-figures", "--allow-truncated", "--no-guard",
                     "--keep-surface-layer"]) == 0   # the evaluation measures the whole predicted region
    row = _read_csv(out / "densities.csv")["ct"]
    # the model was trained on crops around the vertebra (data=synthetic), so `measure --mask` segments crops
    # (jmedseg/data/input_spec.py) and fills background enclosed by the body with cancellous bone, which the
    # evaluation's whole-slice prediction does not: a few voxels of the hundreds measured, well under 1 HU
    assert float(row["l1_jsu_mode_hu"]) == pytest.approx(case["density_pred_hu"], abs=CROP_FILL_HU)
    assert float(row["l1_median_hu"]) == pytest.approx(case["density_median_pred_hu"], abs=CROP_FILL_HU)
    assert float(row["l1_mean_hu"]) == pytest.approx(case["density_mean_pred_hu"], abs=CROP_FILL_HU)


def test_cohort_reports_an_empty_prediction_and_measures_the_rest(run, tmp_path):
    case, sel = _case(run)
    ds = run["split"].dataset
    cohort = tmp_path / "cohort"
    _write_case(cohort / "good", [ds.images_hu[i] for i in sel], 2.4)
    _write_case(cohort / "air", np.full((2, 32, 32), -1000.0), 2.4)      # nothing to segment
    save_like(load_labels(cohort / "air" / "ct.nii.gz"), np.full((32, 32, 3), L1, np.uint8),
              cohort / "air" / "vertebrae.nii.gz")
    (cohort / "cohort.csv").write_text("subject_id,age,sex,site,true_density_hu\n"
                                       "good,50,F,N,150.0\nair,60,M,S,120.0\n")
    out = tmp_path / "out"
    assert cli_main(["measure", "--cohort", str(cohort), "--out", str(out), "--model", str(run["model"]),
                     "--labels", f"L1={L1}", "--no-figures", "--allow-truncated", "--no-guard",
                     "--keep-surface-layer"]) == 1   # 1: a subject failed
    rows = _read_csv(out / "densities.csv")
    assert float(rows["good"]["l1_jsu_mode_hu"]) == pytest.approx(case["density_pred_hu"], abs=CROP_FILL_HU)
    assert rows["air"]["density_hu"] == "" and "empty prediction" in rows["air"]["note"]


@pytest.mark.slow
def test_model_measurement_through_the_local_job_array_equals_the_in_process_run(run, tmp_path, monkeypatch,
                                                                                capsys):
    """`measure --model` as 2 submitit shards gives the rows of the in-process run, and a rerun skips them."""
    _, sel = _case(run)
    ds = run["split"].dataset
    cohort = tmp_path / "cohort"
    for sid in ("a", "b", "c"):
        _write_case(cohort / sid, [ds.images_hu[i] for i in sel], 2.4)
    (cohort / "cohort.csv").write_text("subject_id,age,sex,site,true_density_hu\na,50,F,N,\nb,51,M,S,\nc,52,F,S,\n")
    args = ["measure", "--cohort", str(cohort), "--model", str(run["model"]), "--labels", f"L1={L1}",
            "--no-figures", "--allow-truncated", "--no-guard"]   # the mask fills the volume: no body to compare
    assert cli_main(args + ["--out", str(tmp_path / "one")]) == 0
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parents[2]))          # the jobs import this jmedseg
    assert cli_main(args + ["--out", str(tmp_path / "jobs"), "--launcher", "local", "--jobs", "2"]) == 0
    one, jobs = _read_csv(tmp_path / "one" / "densities.csv"), _read_csv(tmp_path / "jobs" / "densities.csv")
    assert list(jobs) == ["a", "b", "c"]
    # same model and pixels in other processes: a voxel whose two largest logits tie within float noise may
    # take the other class, which moves a mode of hundreds of voxels by far less than 0.5 HU
    for sid in jobs:
        assert float(jobs[sid]["density_hu"]) == pytest.approx(float(one[sid]["density_hu"]), abs=0.5)
    capsys.readouterr()
    assert cli_main(args + ["--out", str(tmp_path / "jobs"), "--launcher", "local", "--jobs", "2"]) == 0
    assert "2 jobs: 0 subjects measured, 3 already done" in capsys.readouterr().out


def test_volume_without_the_requested_vertebra_is_a_clear_error(run, tmp_path, capsys):
    _, sel = _case(run)
    ct, vertebrae = _write_case(tmp_path / "t12", [run["split"].dataset.images_hu[i] for i in sel], 2.4,
                                vertebra_id=32)
    assert cli_main(["measure", "--ct", str(ct), "--mask", str(vertebrae), "--model", str(run["model"]),
                     "--labels", "L1=31", "--no-figures"]) == 2
    assert "vertebra L1 (label 31) is not in the mask; labels present: [32]" in capsys.readouterr().err


def test_other_files_and_versions_are_refused(run, tmp_path):
    ckpt = run["dir"] / "checkpoints" / "best.ckpt"
    with pytest.raises(ModelFileError, match="not a jmedseg model file.*jmedseg export"):
        read_model_file(ckpt)
    with pytest.raises(ModelFileError, match="not found"):
        read_model_file(tmp_path / "missing.jmed")
    meta, state = read_model_file(run["model"])
    for change, message in (({"version": 99}, "model-file version 99.*upgrade jmedseg"),
                            ({"format": "onnx"}, "has format 'onnx'")):
        buf = io.BytesIO()
        np.savez(buf, **{"meta.json": np.frombuffer(json.dumps({**meta, **change}).encode(), np.uint8)})
        path = tmp_path / "other.jmed"
        path.write_bytes(buf.getvalue())
        with pytest.raises(ModelFileError, match=message):
            read_model_file(path)


def test_geometry_differences_are_warned_with_numbers(run):
    model, meta = load_model_file(run["model"])
    rot = np.radians(10.0)
    affine = np.diag([0.8, 0.8, 7.0, 1.0])
    affine[:2, :2] = 0.8 * np.array([[np.cos(rot), -np.sin(rot)], [np.sin(rot), np.cos(rot)]])
    volume = Volume(np.full((40, 40, 2), -1000.0, np.float32), affine, (0.8, 0.8, 7.0))
    notes = geometry_warnings(volume, meta)
    assert "in-plane spacing 0.8 x 0.8 mm differs from the model's 2.4 mm by 67 %" in notes[0]
    assert "slice thickness 7 mm is outside the training range 3-5 mm" in notes[1]
    assert "oblique by 10.0 degrees" in notes[2]
    with pytest.warns(GeometryWarning) as caught:
        result = segment_volume(model, meta, volume)
    assert [str(w.message) for w in caught] == notes
    assert result.labels.shape == (40, 40, 2)          # resampled to 2.4 mm and back to the CT's grid


def test_real_sample_l1_density_next_to_mean_and_median_of_the_same_region():
    """TotalSegmentator's sample (tests/data/totalseg_example): L1 from whole-vertebra labels, region derived."""
    from jmedseg.data.io import load_volume
    from jmedseg.data.labels import cancellous_region
    from jmedseg.density.measure import measure_person, without_surface_layer

    sample = Path(DATA) / "totalseg_example"
    ct = load_volume(sample / "example_ct_sm.nii.gz")
    seg = load_labels(sample / "example_seg.nii.gz").array
    row = measure_person(ct.array, seg, spacing=ct.spacing, levels={"L1": L1}).row
    # the region less its partial-volume layer (issue 22; 905 voxels, median 105 HU before)
    values = ct.array[without_surface_layer(cancellous_region(seg == L1, ct.spacing))]
    assert row["l1_voxels"] == values.size == 410
    assert row["l1_mean_hu"] == pytest.approx(float(np.mean(values)), rel=1e-6)
    assert row["l1_median_hu"] == float(np.median(values)) == 97.0
    # right-skewed trabecular values: the Johnson SU mode lies below the median, the median below the mean
    assert 60.0 < row["l1_jsu_mode_hu"] < row["l1_median_hu"] < row["l1_mean_hu"]


def test_best_run_of_a_sweep_is_selected_by_a_configurable_metric(run, tmp_path):
    import shutil

    from jmedseg.evaluation.evaluate import select_checkpoint

    for job, dice, mae in (("0_lr=0.01", 0.61, 4.0), ("1_lr=0.001", 0.72, 6.5)):
        (tmp_path / job / "checkpoints").mkdir(parents=True)
        shutil.copy(run["dir"] / "checkpoints" / "best.ckpt", tmp_path / job / "checkpoints" / "best.ckpt")
        metrics = {"best_val": dice, "test": {"summary": {"fg_dice_mean": dice, "density_mae_hu": mae}}}
        (tmp_path / job / "metrics.json").write_text(json.dumps(metrics))
    path, info = select_checkpoint(tmp_path, "test_fg_dice", "max")
    assert path == str(tmp_path / "1_lr=0.001" / "checkpoints" / "best.ckpt") and info["value"] == 0.72
    path, info = select_checkpoint(tmp_path, "density_mae_hu", "min")
    assert info["job"] == "0_lr=0.01" and info["n_jobs"] == 2
    assert select_checkpoint(run["dir"])[0] == str(run["dir"] / "checkpoints" / "best.ckpt")
    with pytest.raises(ValueError, match="select_by='dice' is not a sweep column; choose one of"):
        select_checkpoint(tmp_path, "dice")

"""What train.py and evaluate.py print at the end of a run."""
from jmedseg.evaluation.evaluate import agreement_table
from jmedseg.utils.report import fmt, markdown_table


def _summary_rows(summary):
    keys = [("fg_dice", "foreground Dice"), ("fg_iou", "foreground IoU"),
            ("dice_cortical", "Dice cortical"), ("dice_cancellous", "Dice cancellous"),
            ("fg_hd95", "foreground HD95 (mm)"),
            ("density_ref_hu", "density, reference mask (HU)"),
            ("density_pred_hu", "density, predicted mask (HU)"),
            ("density_error_hu", "density error pred - ref (HU)")]
    rows = [{"metric": label, "mean": summary.get(f"{k}_mean", float("nan")),
             "sd": summary.get(f"{k}_sd", float("nan"))} for k, label in keys if f"{k}_mean" in summary]
    rows.append({"metric": "density MAE (HU)", "mean": summary["density_mae_hu"], "sd": float("nan")})
    return rows


def print_train_summary(result):
    print()
    if "test" in result:
        n = result["test"]["summary"]["n_subjects"]
        print(f"Test set: {n} subjects (means over subjects)")
        print(markdown_table(_summary_rows(result["test"]["summary"]), digits=3))
        print()
        print(result["test"]["table"])
    print(f"\nbest validation score: {fmt(result['best_val'])} after {result['steps']} steps on {result['device']}")
    print(f"outputs: {result['run_dir']}  (checkpoints/best.ckpt, evaluation.md, metrics.json, test_cases.csv, plots)")


def print_eval_summary(result):
    print(f"\n{result['model']} from {result['checkpoint']}")
    print(markdown_table(_summary_rows(result["test"]["summary"]), digits=3))
    print("\nDensity agreement, predicted vs reference mask (HU), per estimator:")
    print(agreement_table(result["test"]["agreement"]))
    print()
    print(result["test"]["table"])

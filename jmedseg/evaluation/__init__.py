"""Evaluation: predictions on a split, segmentation metrics, agreement statistics, robustness."""

"""Using a trained model on patients: inference, plausibility checks, overlays."""

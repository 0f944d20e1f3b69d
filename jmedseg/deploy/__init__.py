"""Using a trained model on patients: the portable `.jmed` model file, inference, plausibility checks, overlays."""

"""Deployment: the portable `.jmed` model file and whole-volume inference."""

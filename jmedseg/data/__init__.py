"""Data: synthetic CT, datasets and transforms."""

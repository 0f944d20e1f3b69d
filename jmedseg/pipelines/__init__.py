"""The top layer: whole tasks composed from the stage packages (docs/layout.md).

subject (one CT -> one measured row), cohort_run (a cohort, in parallel, resumable),
results (the densities table and its fingerprint), training (`train(cfg)` / `evaluate(cfg)`),
default_model (the shipped model's recipe).
"""

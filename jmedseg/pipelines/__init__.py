"""The top layer: whole tasks composed from the stage packages (docs/layout.md).

subject (one CT's files -> one measured row, and the settings with their fingerprint), single (one CT
measured and stored), vertebra_source (the labeller by name), cohort_run (a cohort, in parallel,
resumable), results (the densities table), data_check (`check-data` by measure's rules), trend_run
(density against age of a table), pages (the report's pages), training (`train(cfg)` / `evaluate(cfg)`),
default_model (the shipped model's recipe). jmedseg.api calls these; the CLI calls jmedseg.api.
"""

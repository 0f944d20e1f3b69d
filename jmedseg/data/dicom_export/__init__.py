"""From a PACS export to a cohort folder: index the headers, choose one CT series per study, keep identities private.

`index` reads every file's header (no pixels) in parallel and resumably;
`choice` picks each study's CT series by a documented rule and says why every
other series was not taken; `privacy` turns UIDs and patient IDs into salted
hashes; `importer` writes cohort.csv, series_choice.csv and private/ (the CLI:
`jmedseg import --format dicom`, docs/dicom.md). `writer` and `synthetic` write
DICOM series and whole synthetic exports with pydicom for tests and benchmarks.
"""

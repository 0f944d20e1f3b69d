"""Internal (phantomless) calibration to K2HPO4-equivalent mg/cm^3 and the contrast phase (issue 22).

- attenuation.py: tissue and K2HPO4 HU at an effective energy (NIST tables);
- tissues.py: air, fat, paraspinal muscle, aortic blood and vena cava found beside the column;
- fit.py: the HU -> mg/cm^3 line (effective energy and offset from the tissues);
- phase.py: native / arterial / portal venous / delayed from the aorta and vena cava;
- contrast.py: the optional, literature-valued contrast correction;
- categories.py: ACR QCT and Pickhardt L1 HU classes;
- person.py: the columns `jmedseg measure` adds; figure.py: their QC picture.
Method, sources and measured accuracy: docs/calibration.md.
"""

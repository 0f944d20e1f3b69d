"""A measurement's fingerprint follows the labeller's and the estimator's code, with no version bumped by hand."""
from jmedseg.density.estimators import estimator_version
from jmedseg.pipelines.subject import CALIBRATION, ESTIMATOR, MeasureSettings, source_version
from jmedseg.pipelines.vertebra_source import DEFAULT_LABELLER_MODULES


def test_settings_carry_the_code_versions_of_labeller_and_estimator():
    settings = MeasureSettings(levels={"L1": 31})
    assert settings.labeller_version == source_version(*DEFAULT_LABELLER_MODULES)
    assert settings.estimator_version == source_version(*ESTIMATOR) + estimator_version("jsu_mode")
    assert settings.calibration_version == source_version(*CALIBRATION)
    assert len({settings.labeller_version, settings.estimator_version, settings.calibration_version}) == 3
    assert MeasureSettings(levels={"L1": 31}).fingerprint() == settings.fingerprint()   # same code, same print
    other = MeasureSettings(levels={"L1": 31}, estimator_version="another estimator")
    assert other.fingerprint() != settings.fingerprint()
    recalibrated = MeasureSettings(levels={"L1": 31}, calibration_version="another calibration")
    assert recalibrated.fingerprint() != settings.fingerprint()


def test_the_source_version_changes_with_the_code(tmp_path, monkeypatch):
    package = tmp_path / "toy_labeller"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "levels.py").write_text("THRESHOLD = 0.7\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = source_version("toy_labeller")
    assert source_version("toy_labeller") == before
    (package / "levels.py").write_text("THRESHOLD = 0.8\n")
    assert source_version("toy_labeller") != before


def test_another_estimator_or_labeller_is_another_fingerprint():
    paper = MeasureSettings(levels={"L1": 31})
    by_median = MeasureSettings(levels={"L1": 31}, estimator="median")
    assert by_median.fingerprint() != paper.fingerprint()
    # the median's code is this module's only; the paper's adds the Johnson SU fit's module
    assert estimator_version("median") != estimator_version("jsu_mode")
    mine = MeasureSettings(levels={"L1": 31}, labeller="tests.pipelines.toy_labeller:label_one_level")
    assert mine.labeller_version == source_version("tests.pipelines.toy_labeller") != paper.labeller_version

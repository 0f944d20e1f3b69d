"""Estimators by name, on pixels and on histograms, and exact pooling of integer-HU histograms."""
import numpy as np
import pytest
from scipy import stats

from jmedseg.density.estimators import ESTIMATORS, estimate, estimate_all, histogram_peak
from jmedseg.density.johnson_su import DENSITY_UPPER_QUANTILE, fit_johnson_su
from jmedseg.density.measure import HUHistogram


@pytest.fixture
def pixels():
    return np.round(stats.johnsonsu.rvs(-0.8, 2.0, 120.0, 45.0, size=20_001, random_state=np.random.default_rng(0)))


@pytest.mark.parametrize("n", [20_001, 20_000])   # odd and even counts: the median's two cases
def test_location_estimators_equal_numpy_and_scipy(pixels, n):
    v = pixels[:n]
    got = estimate_all(v)
    assert got["mean"] == pytest.approx(np.mean(v), rel=1e-12)
    assert got["median"] == np.median(v)
    assert got["trimmed_mean"] == pytest.approx(stats.trim_mean(v, 0.1), rel=1e-12)
    # the density's fit: the values up to their 90th percentile, truncated likelihood (issue 22)
    assert got["jsu_mode"] == pytest.approx(fit_johnson_su(v, upper_quantile=DENSITY_UPPER_QUANTILE).mode, abs=1e-9)


def test_histogram_input_gives_the_pixel_answers(pixels):
    hist = HUHistogram.from_values(pixels)
    assert estimate_all(hist.hu, hist.counts) == pytest.approx(estimate_all(pixels), abs=1e-9)


def test_histogram_peak_finds_the_tallest_bin():
    values = np.r_[np.full(30, 10.0), np.full(50, 13.0), np.full(40, 20.0)]
    assert histogram_peak(*np.unique(values, return_counts=True), bin_width=1.0) == 13.0
    # 5-HU bins from 9.5: [9.5, 14.5) holds 80 pixels, its centre is 12
    assert histogram_peak(*np.unique(values, return_counts=True), bin_width=5.0) == 12.0


def test_estimate_by_name_and_unknown_name(pixels):
    assert estimate("median", pixels) == np.median(pixels)
    assert set(ESTIMATORS) == {"jsu_mode", "mean", "median", "trimmed_mean", "hist_peak"}
    with pytest.raises(ValueError, match="unknown density estimator 'mode'.*jsu_mode"):
        estimate("mode", pixels)


def test_pooled_histograms_equal_the_histogram_of_all_pixels():
    rng = np.random.default_rng(1)
    people = [np.round(rng.normal(mu, 20, n)) for mu, n in ((100, 500), (140, 800), (90, 300))]
    pooled = HUHistogram.pooled([HUHistogram.from_values(p) for p in people])
    direct = HUHistogram.from_values(np.concatenate(people))
    assert np.array_equal(pooled.hu, direct.hu) and np.array_equal(pooled.counts, direct.counts)
    assert pooled.n == 1600
    # hence every group estimate from histograms is the estimate from all the people's pixels
    assert estimate_all(pooled.hu, pooled.counts) == pytest.approx(estimate_all(np.concatenate(people)), abs=1e-9)


def test_histogram_rounds_float_pixels_and_round_trips(tmp_path):
    hist = HUHistogram.from_values([10.4, 10.6, 11.4, -3.2])
    assert hist.hu.tolist() == [-3, 10, 11] and hist.counts.tolist() == [1, 1, 2]
    hist.save(tmp_path / "h.npz")
    back = HUHistogram.load(tmp_path / "h.npz")
    assert back.hu.tolist() == [-3, 10, 11] and back.counts.tolist() == [1, 1, 2]
    (tmp_path / "bad.npz").write_bytes(b"not a histogram")
    with pytest.raises(ValueError, match="cannot read HU histogram"):
        HUHistogram.load(tmp_path / "bad.npz")

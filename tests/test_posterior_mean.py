"""The posterior mean of the frequency (sinefreq.classical.posterior_mean): its integral
against brute force, its agreement with least squares at high SNR, its gain below the SNR
threshold, its band, and the band the workflow gives it."""

import numpy as np
import pytest

from sinefreq import classical, signals, steps
from sinefreq.classical import data_options, default_band, nls, posterior_mean
from sinefreq.crlb import crlb_rmse

BAND = [1.0, 49.0]  # bench_noise's


def bench_like(count: int, snr_db: float, seed: int, n: int = 100):
    """Series drawn as bench_noise draws them: f ~ U[1, 49], A ~ U[0.5, 2], phase uniform,
    white noise at ``snr_db``."""
    rng = np.random.default_rng(seed)
    f = rng.uniform(*BAND, count)
    amplitude = rng.uniform(0.5, 2.0, count)
    phase = rng.uniform(0.0, 2.0 * np.pi, count)
    x = signals.sine_series(f, n, amplitude=amplitude, phase=phase)
    x += signals.noise_sigma(amplitude, snr_db)[:, None] * rng.standard_normal(x.shape)
    return x, f, phase


def brute_force(x, band, offset: bool, points: int = 100_001):
    """Posterior mean and standard deviation of f by the trapezoid rule on one very fine
    even grid, every sum direct (the Gram matrix too): none of the estimator's grids, zoom
    FFT or closed forms."""
    n = x.shape[1]
    m = np.arange(n) - (n - 1) / 2
    f = np.linspace(*band, points)
    omega = 2 * np.pi * f / (n - 1)
    means, spreads = [], []
    for row in x:
        row = row - row.mean() if offset else row
        log_p = np.empty(points)
        for i in range(0, points, 10_000):
            c = np.cos(np.outer(omega[i : i + 10_000], m))
            s = np.sin(np.outer(omega[i : i + 10_000], m))
            if offset:
                c -= c.mean(axis=1, keepdims=True)
            cc, ss = np.sum(c * c, axis=1), np.sum(s * s, axis=1)
            residual = 1 - ((c @ row) ** 2 / cc + (s @ row) ** 2 / ss) / (row @ row)
            log_p[i : i + 10_000] = -0.5 * np.log(cc * ss) - 0.5 * (n - 2 - offset) * np.log(
                residual
            )
        p = np.exp(log_p - log_p.max())
        mass = np.trapezoid(p, f)
        mean = np.trapezoid(p * f, f) / mass
        means.append(mean)
        spreads.append(np.sqrt(np.trapezoid(p * (f - mean) ** 2, f) / mass))
    return np.array(means), np.array(spreads)


@pytest.mark.parametrize("offset", [False, True])
def test_the_grid_integral_agrees_with_brute_force(offset):
    """Below the threshold (a posterior spread over the band, often heaviest at an end), at
    it (two peaks), and at high SNR (one peak of 1e-3 cycles): within 1e-3 of the
    posterior's standard deviation, a small fraction of each estimate's own uncertainty.
    At N = 64 some tones of [1, 49] lie above Nyquist (31.5) and alias to near the band's
    top: a posterior that peaks just past the band's end, cut short there."""
    band = [1.0, 30.0]
    x = np.vstack([bench_like(2, snr_db, seed=snr_db + 40, n=64)[0] for snr_db in (-10, -3, 30)])
    mean, spread = brute_force(x, band, offset)
    got = posterior_mean(x, band=band, offset=offset)
    assert np.all(np.abs(got - mean) <= 1e-3 * spread), (got - mean) / spread


def test_a_clean_tone_is_exact():
    _, f, _ = bench_like(200, 0.0, seed=1)
    clean = signals.sine_series(f, 100, phase=np.linspace(0, 6, f.size))
    assert np.abs(posterior_mean(clean, band=BAND, offset=False) - f).max() < 1e-6
    assert np.abs(posterior_mean(clean + 3.0, band=BAND) - f).max() < 1e-6  # an offset, fitted


def test_at_high_snr_it_agrees_with_least_squares_well_within_the_bound():
    """Away from the band's ends, where the prior cuts the posterior short."""
    x, f, phase = bench_like(2000, 30.0, seed=3)
    bound = crlb_rmse(f, 100, 30.0, phase=phase)
    apart = np.abs(posterior_mean(x, band=BAND, offset=False) - nls(x, offset=False)) / bound
    inside = (f - BAND[0] > 10 * bound) & (BAND[1] - f > 10 * bound)
    assert apart[inside].max() < 0.05
    assert np.sqrt(np.mean(apart[inside] ** 2)) < 0.01


def test_far_below_the_threshold_it_beats_least_squares():
    """The posterior mean minimises the mean-square error under its prior; at -10 dB least
    squares jumps to noise peaks anywhere in the band. (At -5 dB it does not reliably win:
    over eight draws of 3000 series it lay -1.3 to +2.8 dB from least squares, its prior
    not knowing the SNR that ties the noise to the amplitude; docs/results.md.)"""
    x, f, _ = bench_like(3000, -10.0, seed=19)
    rmse_nls = np.sqrt(np.mean((nls(x, offset=False) - f) ** 2))
    rmse = np.sqrt(np.mean((posterior_mean(x, band=BAND, offset=False) - f) ** 2))
    assert rmse < rmse_nls


@pytest.mark.parametrize("band", [None, [1.0, 49.0], [20.0, 20.5], [0.0, 49.5], [48.0, 49.5]])
def test_estimates_lie_inside_the_band(band):
    x = np.vstack([bench_like(50, snr_db, seed=5)[0] for snr_db in (-10.0, 10.0)])
    got = posterior_mean(x, band=band)
    lo, hi = default_band(100) if band is None else band
    assert np.all(np.isfinite(got)) and np.all((got >= lo) & (got <= hi))


def test_the_default_band_stops_half_a_bin_short_of_both_ends():
    assert default_band(100) == pytest.approx((0.495, 49.005))
    assert default_band(4) == pytest.approx((0.375, 1.125))


@pytest.mark.parametrize(
    "band", [[5.0, 5.0], [9.0, 3.0], [-1.0, 3.0], [1.0, 49.6], [1.0], [1.0, 2.0, 3.0], "1-49"]
)
def test_a_bad_band_is_refused_with_its_limits(band):
    x = bench_like(3, 10.0, seed=0)[0]
    message = r"band must be \[lo, hi\] .* 0 <= lo < hi <= Nyquist \(49.5 for N = 100\)"
    with pytest.raises(ValueError, match=message):
        posterior_mean(x, band=band)


def test_the_config_checks_the_band_before_anything_runs():
    key = "classical.posterior_mean"
    assert classical.option_problems("posterior_mean", {"band": [1, 49]}, key) == []
    for bad in ([49, 1], [1, 2, 3], [-1, 3], "x"):
        (problem,) = classical.option_problems("posterior_mean", {"band": bad}, key)
        assert problem.startswith(f"{key}.band: {bad!r} is not allowed")
        assert "[lo, hi] with 0 <= lo < hi" in problem


def test_an_estimator_with_a_band_gets_the_data_band_unless_the_config_sets_one():
    assert data_options("posterior_mean", {}, None, [1.0, 49.0]) == {"band": [1.0, 49.0]}
    assert data_options("posterior_mean", {"band": [2, 3]}, None, [1.0, 49.0]) == {"band": [2, 3]}
    assert data_options("posterior_mean", {}, None, [5.0, 5.0]) == {}  # one frequency: no range
    assert data_options("nls", {}, None, [1.0, 49.0]) == {"noise": None}
    assert data_options("fft_interp", {}, None, [1.0, 49.0]) == {}


@pytest.mark.parametrize(
    ("spec", "split", "band"),
    [
        # bench_noise: each split its own spec
        ({"train": {"frequencies": {"uniform": [1, 49, 100]}},
          "test": {"frequencies": {"uniform": [2, 48, 5000]}}}, "test", [2.0, 48.0]),
        ({"train": {"frequencies": {"uniform": [1, 49, 100]}},
          "test": {"frequencies": {"uniform": [2, 48, 5000]}}}, "train", [1.0, 49.0]),
        # no test split: the test split draws the train spec again
        ({"train": {"frequencies": {"integers": [1, 9]}}}, "test", [1.0, 9.0]),
        ({"train": {"frequencies": {"values": [7.5, 3.0, 12.0]}}}, "train", [3.0, 12.0]),
        # a2_thread: one pool, reaching past Nyquist (49.5), where tones alias
        ({"partition": {"frequencies": {"linspace": [1, 50, 2500]}, "test_size": 500}},
         "test", [1.0, 49.5]),
    ],
)  # fmt: skip
def test_a_split_band_is_the_range_its_frequencies_are_drawn_from(spec, split, band):
    assert classical.data_band({"n_samples": 100, **spec}, split) == band


def test_the_workflow_step_gives_each_split_its_band(tmp_path):
    """A dataset whose splits draw from different ranges: each split's estimates lie in
    its own range, and least squares, which has no band, is run as before."""
    from sinefreq import io

    spec = {
        "n_samples": 32,
        "seed": 0,
        "snr_db": -10.0,
        "train": {"frequencies": {"uniform": [2, 5, 40]}},
        "test": {"frequencies": {"uniform": [9, 12, 40]}},
    }
    steps.make_dataset("mixed", spec, tmp_path / "mixed.h5")
    for method, options in (("posterior_mean", {"offset": False}), ("nls", {"offset": False})):
        out = {"metrics": tmp_path / f"{method}.json", "predictions": tmp_path / f"{method}.h5"}
        steps.classical_estimate(tmp_path / "mixed.h5", method, options, out)
        predictions, _ = io.read_predictions(out["predictions"])
        train, test = predictions["train"]["y_pred"], predictions["test"]["y_pred"]
        inside = np.all((train >= 2) & (train <= 5)) and np.all((test >= 9) & (test <= 12))
        assert inside == (method == "posterior_mean")  # at -10 dB least squares strays
        assert io.read_json(out["metrics"])["series_per_s"] > 0

"""Classical estimators: exactness on clean tones, efficiency against the Cramer-Rao
bound in noise, robustness at the edges, and input validation."""

import numpy as np
import pytest

from sinefreq import params
from sinefreq.classical import ESTIMATORS, NoToneError, default_band, estimate, fft_interp, nls
from sinefreq.crlb import crlb_mean_rmse, db_above_bound


def tones(f, n, *, phase, amplitude=1.0, offset=0.0):
    """Rows ``A sin(f t + phase) + offset`` on ``t = linspace(0, 2 pi, n)``."""
    t = np.linspace(0.0, 2.0 * np.pi, n)
    col = [np.asarray(v, dtype=float).reshape(-1, 1) for v in (f, phase, amplitude, offset)]
    f, phase, amplitude, offset = col
    return amplitude * np.sin(f * t + phase) + offset


def random_clean(n, count, seed, with_offset):
    rng = np.random.default_rng(seed)
    f = rng.uniform(1.0, (n - 1) / 2.0 - 1.0, count)
    phase = rng.uniform(0.0, 2.0 * np.pi, count)
    amplitude = rng.uniform(0.05, 20.0, count)
    offset = rng.uniform(-5.0, 5.0, count) if with_offset else 0.0
    return tones(f, n, phase=phase, amplitude=amplitude, offset=offset), f


@pytest.mark.parametrize(("n", "count"), [(100, 5000), (2000, 300)])
@pytest.mark.parametrize("with_offset", [False, True])
def test_nls_recovers_clean_frequency(n, count, with_offset):
    x, f = random_clean(n, count, seed=n + with_offset, with_offset=with_offset)
    assert np.abs(nls(x) - f).max() < 1e-8
    if not with_offset:
        assert np.abs(nls(x, offset=False) - f).max() < 1e-8


@pytest.mark.parametrize(("n", "count"), [(100, 5000), (2000, 300)])
@pytest.mark.parametrize("with_offset", [False, True])
def test_fft_interp_is_accurate_on_clean_series(n, count, with_offset):
    x, f = random_clean(n, count, seed=7 * n + with_offset, with_offset=with_offset)
    assert np.abs(fft_interp(x) - f).max() < 1e-3


def test_fft_interp_removes_the_image_bias_of_a_plain_periodogram_peak():
    """A real tone at f = 3 biases the periodogram peak by several 1e-2 cycles."""
    x = tones(np.full(16, 3.0), 100, phase=np.linspace(0, np.pi, 16))
    assert np.abs(fft_interp(x, n_iter=0) - 3.0).max() > 1e-2
    assert np.abs(fft_interp(x) - 3.0).max() < 1e-6


@pytest.fixture(scope="module")
def noisy_batch():
    """20 000 tones, N = 100, SNR 10 dB, f uniform in [5, 44], random phase."""
    rng = np.random.default_rng(12345)
    n, count, snr_db = 100, 20_000, 10.0
    f = rng.uniform(5.0, 44.0, count)
    phase = rng.uniform(0.0, 2.0 * np.pi, count)
    sigma = 1.0 / np.sqrt(2.0 * 10.0 ** (snr_db / 10.0))
    x = tones(f, n, phase=phase) + sigma * rng.standard_normal((count, n))
    return x, f, crlb_mean_rmse(f, n, snr_db, phase=phase, offset=True)


def test_nls_attains_the_cramer_rao_bound(noisy_batch):
    x, f, bound = noisy_batch
    rmse = np.sqrt(np.mean((nls(x) - f) ** 2))
    assert abs(db_above_bound(rmse, bound)) < 0.5


def test_fft_interp_is_close_to_the_bound(noisy_batch):
    x, f, bound = noisy_batch
    rmse = np.sqrt(np.mean((fft_interp(x) - f) ** 2))
    assert -0.2 < db_above_bound(rmse, bound) < 0.5


def test_nls_without_offset_matches_with_offset_on_unbiased_data(noisy_batch):
    x, f, _ = noisy_batch
    with_offset = np.sqrt(np.mean((nls(x) - f) ** 2))
    without = np.sqrt(np.mean((nls(x, offset=False) - f) ** 2))
    assert without == pytest.approx(with_offset, rel=0.05)


@pytest.mark.parametrize("method", sorted(ESTIMATORS))
def test_edges_and_degenerate_series_stay_in_band(method):
    n = 64
    rng = np.random.default_rng(3)
    nyquist = (n - 1) / 2
    x = np.vstack(
        [
            tones([0.05, 0.3, nyquist - 0.3, nyquist - 0.01, nyquist], n, phase=0.8),
            rng.standard_normal((4, n)),
            np.tile([1.0, -1.0], n // 2)[None, :],
        ]
    )
    est = estimate(method, x)
    assert est.shape == (x.shape[0],)
    assert np.all(np.isfinite(est))
    assert np.all((est >= 0.0) & (est <= nyquist))
    # The alternating series is a tone at Nyquist. An estimator with a prior band (the
    # posterior mean) answers at the band's top instead, which stops short of Nyquist by
    # default; the density falls so steeply below it that the mean is within 1e-2 of it.
    if "band" in params.options(ESTIMATORS[method]):
        assert est[-1] == pytest.approx(default_band(n)[1], abs=1e-2)
    else:
        assert est[-1] == pytest.approx(nyquist, abs=1e-6)


@pytest.mark.parametrize("method", sorted(ESTIMATORS))
def test_series_without_a_tone_are_refused_by_row(method):
    """A constant row (a tone at 0 with a phase, zeros, a constant, a constant to within
    rounding) has no frequency: the estimators name its row rather than answer."""
    n = 64
    constant_to_rounding = np.full(n, 1e6)
    constant_to_rounding[::7] = np.nextafter(1e6, 2e6)
    x = np.vstack(
        [
            tones([5.2], n, phase=0.3),
            tones([0.0], n, phase=0.8),
            np.zeros((1, n)),
            tones([9.7], n, phase=0.1),
            np.full((1, n), -3.0),
            constant_to_rounding[None, :],
        ]
    )
    with pytest.raises(NoToneError, match=r"series \(rows\) 1, 2, 4, 5 carry no tone") as err:
        estimate(method, x)
    np.testing.assert_array_equal(err.value.rows, [1, 2, 4, 5])
    assert estimate(method, x[[0, 3]]) == pytest.approx([5.2, 9.7], abs=1e-3)


def test_one_dimensional_input_is_one_series():
    x = tones([12.34], 100, phase=1.0)
    for method in ESTIMATORS:
        single = estimate(method, x[0])
        assert single.shape == (1,)
        assert single[0] == pytest.approx(estimate(method, x)[0], abs=1e-12)
    assert nls(np.empty((0, 50))).shape == (0,)


def test_estimate_dispatches_and_rejects_unknown_method():
    x = tones([8.0, 21.5], 100, phase=[0.2, 2.2])
    np.testing.assert_array_equal(estimate("nls", x), nls(x))
    with pytest.raises(ValueError, match=r"unknown estimator 'music'; allowed: fft_interp, nls"):
        estimate("music", x)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros((2, 3, 100)), r"1-D series or a 2-D array of shape \(batch, N\)"),
        (np.zeros((5, 3)), r"at least 4 samples, got N = 3"),
        (np.zeros(2), r"at least 4 samples, got N = 2"),
        (np.array([[0.0, 1.0, np.nan, 2.0, 1.0]]), r"only finite values"),
        (np.array([0.0, 1.0, np.inf, 2.0, 1.0]), r"only finite values"),
        (np.zeros((2, 10), dtype=complex), r"real-valued"),
        (np.array([["a", "b", "c", "d"]]), r"must be numeric"),
    ],
)
@pytest.mark.parametrize("method", sorted(ESTIMATORS))
def test_rejects_bad_input(method, bad, message):
    with pytest.raises(ValueError, match=message):
        estimate(method, bad)


def test_rejects_bad_options():
    x = tones([8.0], 100, phase=0.0)
    with pytest.raises(ValueError, match="pad must be an even integer >= 2"):
        fft_interp(x, pad=3)
    with pytest.raises(ValueError, match="pad must be an even integer >= 2"):
        nls(x, pad=1)
    with pytest.raises(ValueError, match="tol must be > 0"):
        nls(x, tol=0.0)

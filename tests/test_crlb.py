"""Cramer-Rao bounds: closed forms, an independent Fisher-matrix check, and where the
exact bound does and does not match the large-N formula."""

import numpy as np
import pytest

from sinefreq import crlb
from sinefreq.crlb import (
    crlb_asymptotic,
    crlb_exact,
    crlb_mean_rmse,
    crlb_rmse,
    db_above_bound,
)

PHASES = np.linspace(0.0, 2.0 * np.pi, 64, endpoint=False)


def fisher_bound_by_differences(f, phase, n, snr_db, offset):
    """var(f) bound from the full Fisher matrix of the model as written, in the original
    parametrisation (phase at t = 0), with derivatives by central differences."""
    t = np.linspace(0.0, 2.0 * np.pi, n)
    amp = 1.7

    def model(p):
        out = p[1] * np.sin(p[0] * t + p[2])
        return out + p[3] if offset else out

    params = np.array([f, amp, phase, 0.4 if offset else 0.0])
    n_par = 4 if offset else 3
    jac = np.empty((n, n_par))
    for k in range(n_par):
        h = 1e-6 * max(1.0, abs(params[k]))
        up, down = params.copy(), params.copy()
        up[k] += h
        down[k] -= h
        jac[:, k] = (model(up) - model(down)) / (2 * h)
    sigma2 = amp**2 / (2.0 * 10.0 ** (snr_db / 10.0))
    return np.linalg.inv(jac.T @ jac / sigma2)[0, 0]


@pytest.mark.parametrize("offset", [False, True])
@pytest.mark.parametrize(("f", "phase", "n"), [(3.3, 0.4, 50), (12.0, 2.0, 100), (47.8, 5.5, 100)])
def test_exact_matches_independent_fisher_inverse(f, phase, n, offset):
    expected = fisher_bound_by_differences(f, phase, n, 7.0, offset)
    assert crlb_exact(f, n, 7.0, phase=phase, offset=offset) == pytest.approx(expected, rel=1e-6)


def test_asymptotic_closed_form():
    n, snr_db = 100, 10.0
    snr = 10.0
    var_omega = 12.0 / (snr * n * (n**2 - 1))
    assert crlb_asymptotic(n, snr_db) == pytest.approx(var_omega * ((n - 1) / (2 * np.pi)) ** 2)
    assert crlb_rmse(20.0, n, snr_db) == pytest.approx(np.sqrt(crlb_exact(20.0, n, snr_db)))


def test_exact_scales_as_one_over_snr_and_broadcasts():
    f = np.array([[5.0], [20.0], [31.5]])
    var = crlb_exact(f, 100, np.array([0.0, 10.0, 20.0, 30.0]), phase=0.3)
    assert var.shape == (3, 4)
    np.testing.assert_allclose(var[:, 1:] / var[:, :-1], 0.1, rtol=1e-12)
    assert isinstance(crlb_exact(7.0, 100, 10.0), float)


def test_phase_averaged_exact_matches_asymptotic_inside_band():
    """N = 100, f in 5..44: averaged over phase the two agree to 1% (0.5% measured) without
    an offset; with an unknown offset the low end is slower to converge (1.6% at f = 5), so
    1% holds from f = 8."""
    n = 100
    asym = crlb_asymptotic(n, 10.0)
    f = np.linspace(5.0, 44.0, 157)[:, None]
    ratio = crlb_exact(f, n, 10.0, phase=PHASES).mean(axis=1) / asym
    assert np.abs(ratio - 1.0).max() < 0.01
    ratio_offset = crlb_exact(f, n, 10.0, phase=PHASES, offset=True).mean(axis=1) / asym
    assert np.abs(ratio_offset - 1.0).max() < 0.02
    assert np.abs(ratio_offset[f[:, 0] >= 8.0] - 1.0).max() < 0.01


def test_per_phase_exact_departs_from_asymptotic_at_small_n_only():
    """At a single phase the image term makes the exact bound swing by up to about 10% at
    N = 100 even mid-band; the swing falls like 1/N and is under 1% at N = 2000."""
    n = 100
    f = np.linspace(5.0, 44.0, 157)[:, None]
    ratio = crlb_exact(f, n, 10.0, phase=PHASES) / crlb_asymptotic(n, 10.0)
    assert 0.02 < np.abs(ratio - 1.0).max() < 0.12

    n = 2000
    f = np.linspace(100.0, 899.0, 41)[:, None]
    ratio = crlb_exact(f, n, 10.0, phase=PHASES) / crlb_asymptotic(n, 10.0)
    assert np.abs(ratio - 1.0).max() < 0.01


@pytest.mark.parametrize("offset", [False, True])
def test_exact_bound_grows_near_zero_and_nyquist(offset):
    n = 100
    asym = crlb_asymptotic(n, 10.0)
    low = crlb_exact(0.3, n, 10.0, phase=PHASES, offset=offset) / asym
    high = crlb_exact((n - 1) / 2 - 0.3, n, 10.0, phase=PHASES, offset=offset) / asym
    assert low.mean() > 10.0 and low.min() > 2.0
    assert high.mean() > 10.0 and high.min() > 2.0
    if offset:  # the offset is nearly collinear with a slow tone
        assert low.min() > 50.0
    # Monotone growth towards the edge, averaged over phase.
    edge = [crlb_exact(f, n, 10.0, phase=PHASES, offset=offset).mean() for f in (2.0, 1.0, 0.5)]
    assert edge[0] < edge[1] < edge[2]


def test_exact_bound_is_infinite_where_frequency_is_not_identifiable():
    assert np.isinf(crlb_exact(0.0, 100, 10.0, phase=0.7))
    assert np.isinf(crlb_exact(49.5, 100, 10.0, phase=0.7, offset=True))


def test_mean_rmse_pools_variances():
    f = np.array([6.0, 17.5, 33.0])
    phase = np.array([0.1, 1.2, 4.0])
    var = crlb_exact(f, 100, 10.0, phase=phase)
    assert crlb_mean_rmse(f, 100, 10.0, phase=phase) == pytest.approx(np.sqrt(var.mean()))
    with pytest.raises(ValueError, match="scalar snr_db"):
        crlb_mean_rmse(f, 100, np.array([10.0, 20.0]))


def test_db_above_bound():
    assert db_above_bound(2.0, 1.0) == pytest.approx(20 * np.log10(2.0))
    assert db_above_bound(1.0, 1.0) == 0.0
    np.testing.assert_allclose(db_above_bound([1.0, 10.0], 1.0), [0.0, 20.0])


@pytest.mark.parametrize("bad", [1, 2.5, 0])
def test_rejects_bad_sample_count(bad):
    with pytest.raises(ValueError, match="n_samples must be an integer >= 2"):
        crlb_exact(3.0, bad, 10.0)
    with pytest.raises(ValueError, match="n_samples must be an integer >= 2"):
        crlb_asymptotic(bad, 10.0)


def test_rejects_non_finite_frequency():
    with pytest.raises(ValueError, match="f and phase must be finite"):
        crlb_exact(np.nan, 100, 10.0)


def test_a_split_has_the_bound_with_an_unknown_offset_beside_the_plain_one():
    """The offset costs nothing mid-band and much below a few cycles, where the tone's own
    mean and the offset are hard to tell apart."""
    rng = np.random.default_rng(0)

    def split(low, high):
        f = rng.uniform(low, high, 200)
        return {"y": f, "time_offset": np.zeros(200), "phase": rng.uniform(0, 2 * np.pi, 200)}

    mid, low = (
        crlb.split_bound(split(10, 20), 64, 10.0),
        crlb.split_bound(split(0.5, 1.5), 64, 10.0),
    )
    assert mid["crlb_offset_rmse"] == pytest.approx(mid["crlb_rmse"], rel=0.01)
    assert low["crlb_offset_rmse"] > 2 * low["crlb_rmse"]
    assert crlb.split_bound(split(1, 2), 64, None)["crlb_offset_rmse"] is None

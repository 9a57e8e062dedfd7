"""Cramer-Rao bounds on the frequency of one real tone in Gaussian noise.

The model is ``A * sin(f * t + phase) (+ offset)`` sampled on ``t = linspace(0, 2*pi, N)``
(:func:`sinefreq.signals.tone_derivatives`) in noise of a :mod:`sinefreq.noise` model
(white by default) with marginal variance ``sigma^2`` and per-sample SNR
``A^2 / (2 sigma^2)`` (given in dB). Amplitude, phase (and optionally the offset) are
unknown nuisance parameters. The bound inverts the exact Fisher information
``J' C^-1 J``, computed as ``(L^-1 J)' (L^-1 J)`` with the noise's whitening ``L^-1``.
Frequencies are in cycles per window and variances in (cycles per window)^2.
"""

from __future__ import annotations

import numpy as np

from sinefreq import noise as noise_models
from sinefreq.signals import tone_derivatives

# Rows of (f, phase) pairs handled per chunk, times N, to bound the (chunk, N, p) temporaries.
_CHUNK_ELEMENTS = 2_000_000
# Nuisance Gram matrices worse conditioned than this are treated as singular.
_MAX_CONDITION = 1e12


def snr_linear(snr_db) -> np.ndarray:
    """Per-sample SNR ``A^2 / (2 sigma^2)`` from dB to linear."""
    return 10.0 ** (np.asarray(snr_db, dtype=float) / 10.0)


def _check_n(n_samples: int) -> int:
    n = int(n_samples)
    if n != n_samples or n < 2:
        raise ValueError(f"n_samples must be an integer >= 2, got {n_samples!r}")
    return n


def _unit_snr_bound(
    f: np.ndarray, phase: np.ndarray, n: int, offset: bool, noise: noise_models.NoiseModel
) -> np.ndarray:
    """Bound on var(f) for A = 1 and SNR = 1 (sigma^2 = 1/2), for flat arrays f, phase.

    Inverse of the ``ff`` entry of the Fisher matrix, via the Schur complement
    ``J_f' J_f - J_f' J_n (J_n' J_n)^-1 J_n' J_f`` of the whitened nuisance columns ``J_n``
    (whitened by the noise's correlation matrix; ``sigma^2`` divides out below).
    """
    d_f, jn = tone_derivatives(f, phase, n, offset)
    d_f = noise.whiten(d_f)
    jn = np.moveaxis(noise.whiten(np.moveaxis(jn, -1, 1)), 1, -1)  # (k, N, p)
    gram = np.einsum("knp,knq->kpq", jn, jn)
    cross = np.einsum("knp,kn->kp", jn, d_f)
    ff = np.einsum("kn,kn->k", d_f, d_f)
    # At f = 0 or Nyquist the sin and cos columns coincide: amplitude and phase are not
    # identifiable, the Fisher matrix is singular and no finite bound exists (the bound
    # diverges as f approaches those points). Flag them by the nuisance block's condition.
    singular = np.linalg.cond(gram) > _MAX_CONDITION
    gram[singular] = np.eye(gram.shape[-1])
    coef = np.linalg.solve(gram, cross[..., None])[..., 0]
    info = ff - np.einsum("kp,kp->k", cross, coef)
    info[singular] = 0.0
    sigma2 = 0.5  # A = 1, SNR = A^2 / (2 sigma^2) = 1
    ok = info > 1e-12 * ff
    return np.where(ok, sigma2 / np.where(ok, info, 1.0), np.inf)


def crlb_exact(
    f, n_samples: int, snr_db, phase=0.0, offset: bool = False, noise=None
) -> np.ndarray:
    """Exact Cramer-Rao bound on the variance of ``f``, in (cycles per window)^2.

    Inverts the Fisher information of ``(f, A, phase[, offset])`` built from the model's
    derivatives on ``t = linspace(0, 2*pi, N)``, under ``noise`` (a :mod:`sinefreq.noise`
    model or config entry; None: white). It depends on ``f`` and ``phase`` through
    the leakage of the negative-frequency image (and of the offset), and grows sharply near
    0 and Nyquist ``(N - 1)/2``; away from them, in white noise, it approaches
    :func:`crlb_asymptotic`.

    ``f``, ``phase`` (radians) and ``snr_db`` broadcast against each other; the result has
    their broadcast shape (a NumPy scalar for scalar inputs). Infinite where the frequency
    is not identifiable.
    """
    n = _check_n(n_samples)
    model = noise_models.from_spec(noise)
    f_arr, ph_arr, snr = np.broadcast_arrays(
        np.asarray(f, dtype=float), np.asarray(phase, dtype=float), snr_linear(snr_db)
    )
    if not (np.isfinite(f_arr).all() and np.isfinite(ph_arr).all()):
        raise ValueError("f and phase must be finite")
    flat_f, flat_ph = f_arr.ravel(), ph_arr.ravel()
    out = np.empty(flat_f.size)
    chunk = max(1, _CHUNK_ELEMENTS // n)
    for start in range(0, flat_f.size, chunk):
        sl = slice(start, start + chunk)
        out[sl] = _unit_snr_bound(flat_f[sl], flat_ph[sl], n, offset, model)
    with np.errstate(divide="ignore"):
        return (out.reshape(f_arr.shape) / snr)[()]


def crlb_asymptotic(n_samples: int, snr_db) -> np.ndarray:
    """Large-N bound ``12 / (SNR N (N^2 - 1))`` rad^2/sample^2, in (cycles per window)^2,
    in white noise.

    Independent of ``f`` and phase; the conversion factor is ``((N - 1) / (2 pi))^2``.
    """
    n = _check_n(n_samples)
    var_omega = 12.0 / (snr_linear(snr_db) * n * (n * n - 1.0))
    return (var_omega * ((n - 1) / (2.0 * np.pi)) ** 2)[()]


def crlb_rmse(f, n_samples: int, snr_db, phase=0.0, offset: bool = False, noise=None):
    """Square root of :func:`crlb_exact`: the bound on RMSE, in cycles per window."""
    return np.sqrt(crlb_exact(f, n_samples, snr_db, phase=phase, offset=offset, noise=noise))


def crlb_mean_rmse(f, n_samples: int, snr_db, phase=0.0, offset: bool = False, noise=None) -> float:
    """Bound on the RMSE over a set of ``(f, phase)`` pairs, in cycles per window.

    The mean of the per-pair variance bounds, then the square root: the quantity to compare
    with an RMSE pooled over the same test set. ``snr_db`` must be a scalar here.
    """
    if np.ndim(snr_db) != 0:
        raise ValueError("crlb_mean_rmse takes a scalar snr_db")
    var = crlb_exact(f, n_samples, snr_db, phase=phase, offset=offset, noise=noise)
    return float(np.sqrt(np.mean(var)))


def db_above_bound(rmse, bound_rmse) -> np.ndarray:
    """How far an RMSE lies above a bound's RMSE, in dB: ``20 log10(rmse / bound_rmse)``."""
    return (20.0 * np.log10(np.asarray(rmse, dtype=float) / np.asarray(bound_rmse, dtype=float)))[
        ()
    ]


def split_bound(split: dict, n_samples: int, snr_db: float | None, noise=None) -> dict:
    """Bounds for one split of a dataset (arrays ``y``, ``time_offset``, ``phase``) drawn
    in ``noise`` (a model or config entry; None: white): ``crlb_rmse`` for an estimator
    that knows the series carry no DC offset, ``crlb_offset_rmse`` for one that fits an
    unknown offset (least squares' default, and any model whose contract admits an offset),
    which is higher near 0 cycles, where a tone has a mean of its own.

    A series ``A sin(f (t + o) + phase)`` has phase ``f o + phase`` at ``t = 0``; the
    amplitude does not matter since every series has the same SNR. Clean data (``snr_db``
    None) have no bound: any consistent estimator can be exact. The large-N closed form
    holds in white noise only (None otherwise).
    """
    if snr_db is None:
        return {"crlb_rmse": None, "crlb_offset_rmse": None, "asymptotic_rmse": None}
    model = noise_models.from_spec(noise)
    start_phase = split["y"] * split["time_offset"] + split["phase"]
    asymptotic = np.sqrt(crlb_asymptotic(n_samples, snr_db)) if model.white else None

    def bound(offset: bool) -> float:
        return crlb_mean_rmse(
            split["y"], n_samples, snr_db, phase=start_phase, offset=offset, noise=model
        )

    return {
        "crlb_rmse": bound(False),
        "crlb_offset_rmse": bound(True),
        "asymptotic_rmse": None if asymptotic is None else float(asymptotic),
    }

"""Classical single-tone frequency estimators, vectorised over a batch of series.

Units follow the rest of the package: a series of ``N`` samples is
``A * sin(f * t + phase) (+ offset) + noise`` with ``t = linspace(0, 2*pi, N)``, so the
sample spacing is ``2*pi / (N - 1)`` and sample ``n`` sits at phase ``omega * n`` with
``omega = 2*pi*f / (N - 1)`` rad/sample. Every estimator takes a float array of shape
``(batch, N)`` (a 1-D array is one series) and returns a 1-D array of ``f`` in cycles per
window, clipped to ``[0, (N - 1) / 2]`` (Nyquist).

* :func:`fft_interp` - zero-padded FFT peak, refined with an exact two-sample (half-bin)
  interpolator after analytically removing the negative-frequency image and the leakage of
  the mean removal, so it is unbiased for real tones away from 0 and Nyquist.
* :func:`nls` - the maximum-likelihood (nonlinear least squares) estimate for a tone with
  unknown amplitude, phase and (optionally) offset, found by batched Gauss-Newton steps on
  the concentrated cost, started from :func:`fft_interp`. In coloured noise (its ``noise``
  option, a :mod:`sinefreq.noise` model) the data and the model are whitened first, which
  makes least squares the maximum-likelihood estimate again.
* :func:`nls_white` - least squares assuming white noise whatever the data's noise: the
  baseline that shows what prewhitening buys in coloured noise.
* :func:`posterior_mean` - the posterior mean of the frequency (the minimum mean-square
  error estimate) under a uniform prior on a band, by numerical integration: the Bayesian
  reference below the SNR threshold, where maximum likelihood jumps to noise peaks.

The workflow gives an estimator with a ``noise`` option the noise model its data were
drawn from, and one with a ``band`` option the range the data's frequencies were drawn
from (:func:`data_options`), unless the config sets them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any

import numpy as np

from sinefreq import noise as noise_models
from sinefreq import params, signals
from sinefreq.params import MultipleOf, Range

MIN_SAMPLES = 4

# Below this |N * delta| (delta: distance of the half-angle to a multiple of pi) the closed
# forms of the Dirichlet sums lose digits to cancellation; a Taylor series is exact enough.
_TAYLOR_LIMIT = 1e-3


# A row whose values vary by no more than this many units in the last place of its largest
# value is constant to within rounding: it carries no tone, and any frequency would be noise.
_NO_TONE_ULPS = 64


class NoToneError(ValueError):
    """Some series carry no tone (constant to within rounding); ``rows`` are their indices."""

    def __init__(self, rows: np.ndarray):
        self.rows = np.asarray(rows)
        super().__init__(
            f"series (rows) {format_rows(self.rows)} carry no tone: each is constant to "
            "within rounding, so it has no frequency to estimate"
        )


def format_rows(rows, shown: int = 5) -> str:
    """``0, 3, 7`` or ``0, 3, 7, 9, 12 ... (40 rows)``: row numbers for a message."""
    rows = np.asarray(rows)
    text = ", ".join(str(int(r)) for r in rows[:shown])
    return text + (f" ... ({rows.size} rows)" if rows.size > shown else "")


def _as_batch(x) -> np.ndarray:
    """Validate ``x`` and return it as a float64 array of shape ``(batch, N)``, each row
    scaled by a power of two to a largest magnitude in [0.5, 1).

    The scaling is exact, so the estimate of ``c * x`` is that of ``x`` for any power of
    two ``c``, and to rounding for any other ``c``; without it, sums of squares overflow
    near the largest float64 and lose every digit among subnormal values.
    """
    arr = np.asarray(x)
    if np.iscomplexobj(arr):
        raise ValueError("x must be real-valued series, got a complex array")
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(
            f"x must be a 1-D series or a 2-D array of shape (batch, N), got shape {arr.shape}"
        )
    if arr.shape[1] < MIN_SAMPLES:
        raise ValueError(
            f"each series needs at least {MIN_SAMPLES} samples, got N = {arr.shape[1]}"
        )
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"x must be numeric, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError("x must contain only finite values (found NaN or inf)")
    scaled = scaled_rows(arr)
    flat = _flat_rows(scaled)
    if flat.size:
        raise NoToneError(flat)
    return scaled


def scaled_rows(arr: np.ndarray) -> np.ndarray:
    """Each row times the power of two that brings its largest magnitude into [0.5, 1)."""
    _, exponent = np.frexp(np.abs(arr).max(axis=1))
    return np.ldexp(arr, -exponent[:, None])


def _flat_rows(scaled: np.ndarray) -> np.ndarray:
    """Rows of :func:`scaled_rows` output (where a unit in the last place of the largest
    magnitude is 2**-53) that vary by no more than rounding."""
    spread = scaled.max(axis=1) - scaled.min(axis=1)
    return np.flatnonzero(spread <= _NO_TONE_ULPS * 2.0**-53)


def rows_without_tone(x: np.ndarray) -> np.ndarray:
    """Indices of the rows of finite ``x`` (batch, N) that are constant to within rounding."""
    return _flat_rows(scaled_rows(x))


def residual_energy(x, f, offset: bool) -> np.ndarray:
    """Energy of each series' residual after the least-squares fit of a tone at its
    frequency ``f`` (cycles per window) and, with ``offset``, a constant: the cost that
    :func:`nls` minimises over ``f`` (the series' energy less its projection's), in the
    series' own units."""
    arr = np.atleast_2d(np.asarray(x, dtype=float))
    omega = 2.0 * np.pi * np.asarray(f, float) / (arr.shape[1] - 1)
    projected, _ = _gauss_newton(_Folded.of(arr), omega, offset)
    return np.einsum("ij,ij->i", arr, arr) - projected


# A series carries a DC offset when a fitted offset lowers least squares' cost by more than
# OFFSET_Z^2 times the noise variance left (a likelihood-ratio test with the frequency free:
# about 1 in 10^9 series without an offset fails it) and by more than OFFSET_SHARE of the
# series' energy (on clean series the noise left is rounding).
OFFSET_Z = 6.0
OFFSET_SHARE = 1e-4
# Below this many cycles a tone's own mean is large enough to pass for an offset: least
# squares without one is also started from the best point of a grid there (a quarter
# cycle apart), where its usual start, the periodogram's peak after removing the mean, fails.
LOW_BAND_CYCLES = 4.0


def rows_with_offset(x) -> np.ndarray:
    """Indices of the series (rows of ``x``) that carry a DC offset: no frequency explains
    the row as a tone without an offset as well as least squares with one does (see
    :data:`OFFSET_Z`). A tone of a few cycles has a mean of its own; the test fixes no
    tone's frequency, so that mean is not taken for an offset."""
    x = scaled_rows(_as_batch(x))
    from_low = best_of_grid(x, np.arange(0.0, LOW_BAND_CYCLES, 0.25), False)
    plain = [nls(x, offset=False), nls_near(x, from_low, offset=False)]

    def best(offset: bool, candidates: list) -> np.ndarray:
        return np.min([residual_energy(x, f, offset) for f in candidates], axis=0)

    without = best(False, plain)
    with_offset = best(True, [nls(x, offset=True), *plain])
    gain, left = without - with_offset, with_offset / (x.shape[1] - 4)
    energy = np.einsum("ij,ij->i", x, x)
    return np.flatnonzero((gain > OFFSET_Z**2 * left) & (gain > OFFSET_SHARE * energy))


def _check_pad(pad: int) -> int:
    if int(pad) != pad or pad < 2 or pad % 2:
        raise ValueError(f"pad must be an even integer >= 2, got {pad}")
    return int(pad)


def _to_cycles(omega: np.ndarray, n_samples: int) -> np.ndarray:
    """rad/sample -> cycles per window, clipped to [0, Nyquist]."""
    f = omega * (n_samples - 1) / (2.0 * np.pi)
    return np.clip(f, 0.0, (n_samples - 1) / 2.0)


def _pole_sign(h: np.ndarray, n_samples: int) -> np.ndarray:
    """Sign of ``sin(N h) / sin(h)`` at the multiple of pi nearest ``h``: ``(-1)^(k (N-1))``."""
    k = np.round(h / np.pi)
    return np.where((k * (n_samples - 1)) % 2 == 0, 1.0, -1.0)


def _kernel(h: np.ndarray, n_samples: int) -> np.ndarray:
    """``g(h) = sin(N h) / sin(h) = sum_m cos(2 h m)`` over the centred index
    ``m = n - (N - 1)/2``, with its limit ``+-N`` where ``sin(h) = 0``."""
    sh = np.sin(h)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.sin(n_samples * h) / sh
    pole = np.abs(sh) < 1e-13
    if np.any(pole):
        g = np.where(pole, n_samples * _pole_sign(h, n_samples), g)
    return g


def _kernel_derivatives(h: np.ndarray, n_samples: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_kernel` and its first two derivatives in ``h``.

    Near ``h = k*pi`` the closed forms lose digits to cancellation (and are 0/0 at it), so a
    Taylor series in the distance ``delta`` to the pole replaces them there.
    """
    n = n_samples
    sh, ch = np.sin(h), np.cos(h)
    snh, cnh = np.sin(n * h), np.cos(n * h)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = snh / sh
        g1 = (n * cnh * sh - snh * ch) / sh**2
        g2 = (1.0 - n * n) * g - 2.0 * (ch / sh) * g1
    small = n * np.abs(sh) < _TAYLOR_LIMIT
    if np.any(small):
        m = np.arange(n) - (n - 1) / 2.0
        s2, s4 = np.sum(m**2), np.sum(m**4)
        d = h - np.round(h / np.pi) * np.pi
        sign = _pole_sign(h, n)
        # sum cos(2 d m), its derivative -2 sum m sin(2 d m), and -4 sum m^2 cos(2 d m).
        t0 = n - 2.0 * d**2 * s2 + (2.0 / 3.0) * d**4 * s4
        t1 = -4.0 * d * s2 + (8.0 / 3.0) * d**3 * s4
        t2 = -4.0 * s2 + 8.0 * d**2 * s4
        g = np.where(small, sign * t0, g)
        g1 = np.where(small, sign * t1, g1)
        g2 = np.where(small, sign * t2, g2)
    return g, g1, g2


def _dirichlet_sums(v: np.ndarray, n_samples: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closed forms of ``sum cos(v m)``, ``sum m sin(v m)`` and ``sum m^2 cos(v m)``.

    ``m = n - (N - 1)/2`` is the centred sample index and ``v`` is in rad/sample.
    """
    g, g1, g2 = _kernel_derivatives(0.5 * v, n_samples)
    return g, -0.5 * g1, -0.25 * g2


def _dtft_kernel(u: np.ndarray, n_samples: int) -> np.ndarray:
    """``W(u) = sum_{n=0}^{N-1} exp(-i u n)``, the DTFT of the rectangular window."""
    g = _kernel(0.5 * u, n_samples)
    p = 0.5 * (n_samples - 1) * u
    out = np.empty(np.shape(u), dtype=np.complex128)
    # Built from cos and sin: cheaper than a complex exp.
    out.real = g * np.cos(p)
    out.imag = -g * np.sin(p)
    return out


def _real_tone_amplitude(y: np.ndarray, tone: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Least-squares complex ``a`` with ``y ~ a * tone + conj(a) * image``.

    All arrays have shape ``(2, batch)``: DTFT values at two frequencies of the data and of
    the (demeaned) ``exp(+i w n)`` and ``exp(-i w n)`` components. The problem is real
    linear in ``(Re a, Im a)``, so it is a closed-form 2x2 solve per series.
    """
    u = tone + image  # coefficient of Re(a)
    q = 1j * (tone - image)  # coefficient of Im(a)
    uu = np.sum(u.real**2 + u.imag**2, axis=0)
    qq = np.sum(q.real**2 + q.imag**2, axis=0)
    uq = np.sum(u.real * q.real + u.imag * q.imag, axis=0)
    uy = np.sum(u.real * y.real + u.imag * y.imag, axis=0)
    qy = np.sum(q.real * y.real + q.imag * y.imag, axis=0)
    det = uu * qq - uq**2
    # At 0 and Nyquist the real and imaginary parts are not separable; fall back to a = 0.
    ok = det > 1e-12 * uu * qq
    safe = np.where(ok, det, 1.0)
    ar = np.where(ok, (qq * uy - uq * qy) / safe, 0.0)
    ai = np.where(ok, (uu * qy - uq * uy) / safe, 0.0)
    return ar + 1j * ai


def _half_bin_offset(x_pos: np.ndarray, x_neg: np.ndarray, n_samples: int) -> np.ndarray:
    """Exact frequency offset of a complex tone from two DTFT samples half a bin either side.

    With ``X(+-) = DTFT at v_c +- pi/N`` of ``a exp(i omega n)``, ``z = exp(i (omega - v_c))``
    solves ``z (cos(pi/N) + i R sin(pi/N)) = 1`` with ``R = (X+ + X-) / (X- - X+)``: the
    noiseless form of the Aboutanios-Mulgrew interpolator without its small-angle bias.
    Returns ``omega - v_c`` in rad/sample, kept within the half-bin bracket.
    """
    half = np.pi / n_samples
    diff = x_neg - x_pos
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (x_pos + x_neg) / diff
    r = np.where(np.abs(diff) > 0, r, 0.0)
    eps = -np.angle(np.cos(half) + 1j * r * np.sin(half))
    return np.clip(eps, -half, half)


def _fft_interp_omega(x: np.ndarray, pad: int, n_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """The body of :func:`fft_interp`: the estimate and the periodogram's peak grid
    frequency, both in rad/sample."""
    batch, n = x.shape
    n_fft = pad * n
    spec = np.fft.rfft(x - x.mean(axis=1, keepdims=True), n=n_fft, axis=1)
    step = pad // 2  # padded bins per half DFT bin
    peak = np.clip(np.argmax(np.abs(spec), axis=1), step, n_fft // 2 - step)
    rows = np.arange(batch)
    y = np.stack([spec[rows, peak + step], spec[rows, peak - step]])  # (2, batch)
    v_c = 2.0 * np.pi * peak / n_fft
    v = v_c + np.array([[np.pi / n], [-np.pi / n]])  # the two half-bin frequencies
    w_v = _dtft_kernel(v, n)

    # First pass treats the peak as a lone complex tone. Each later pass subtracts the image
    # (negative frequency) and mean-removal leakage predicted by the current estimate; that
    # fixed-point map contracts slowly near 0 and Nyquist, so it is solved by secant steps.
    def refine(omega: np.ndarray) -> np.ndarray:
        w_minus = _dtft_kernel(-omega, n)  # n * (mean of exp(+i w n))
        # DTFTs of the demeaned exp(+i w n) and exp(-i w n) at the two frequencies.
        mean_leak = w_v * (w_minus / n)
        tone = _dtft_kernel(v - omega, n) - mean_leak
        image = _dtft_kernel(v + omega, n) - w_v * (np.conj(w_minus) / n)
        a = _real_tone_amplitude(y, tone, image)
        # Keep only a * W(v - w), the part the complex-tone interpolator is exact for.
        peak_only = y + a * mean_leak - np.conj(a) * image
        return v_c + _half_bin_offset(peak_only[0], peak_only[1], n)

    lo = np.maximum(v_c - np.pi / n, 0.0)
    hi = np.minimum(v_c + np.pi / n, np.pi)
    w_prev = v_c + _half_bin_offset(y[0], y[1], n)
    if n_iter == 0:
        return np.clip(w_prev, 0.0, np.pi), v_c
    r_prev = refine(w_prev) - w_prev
    omega = np.clip(w_prev + r_prev, lo, hi)
    for _ in range(n_iter - 1):
        resid = refine(omega) - omega
        slope = resid - r_prev
        ok = np.abs(slope) > 1e-300
        secant = omega - resid * (omega - w_prev) / np.where(ok, slope, 1.0)
        w_next = np.clip(np.where(ok, secant, omega + resid), lo, hi)
        w_prev, r_prev, omega = omega, resid, w_next
    return np.clip(omega, 0.0, np.pi), v_c


def fft_interp(
    x,
    *,
    pad: Annotated[int, Range(min=2), MultipleOf(2)] = 4,
    n_iter: Annotated[int, Range(min=0)] = 4,
) -> np.ndarray:
    """Interpolated-FFT frequency estimate, in cycles per window.

    The series' mean is removed and its zero-padded periodogram (``pad * N`` points) locates
    the peak to within ``1/(2 pad)`` DFT bin. The DTFT values half a bin either side of that
    grid point (on the padded grid, so free) give the tone's offset through an exact
    two-sample interpolator; ``n_iter`` fixed-point passes subtract the leakage of the
    negative-frequency image and of the mean removal, predicted from the current estimate.
    On noise-free series this is exact up to the fixed point's convergence (well below
    1e-3 cycles away from 0 and Nyquist); in noise it is close to the Cramer-Rao bound.

    Parameters
    ----------
    x : array of shape (batch, N) or (N,)
        Real series sampled on ``t = linspace(0, 2*pi, N)``.
    pad : int
        Zero-padding factor, even and >= 2.
    n_iter : int
        Image-removal passes (each costs O(batch), not O(batch * N)).

    Returns
    -------
    1-D array of frequencies in cycles per window, within ``[0, (N - 1) / 2]``.
    """
    pad = _check_pad(pad)
    if n_iter < 0:
        raise ValueError(f"n_iter must be >= 0, got {n_iter}")
    arr = _as_batch(x)
    if arr.shape[0] == 0:
        return np.empty(0)
    omega, _ = _fft_interp_omega(arr, pad, n_iter)
    return _to_cycles(omega, arr.shape[1])


@dataclass(frozen=True)
class _Folded:
    """A batch folded about the window centre, so that sums against ``cos(w m)`` and
    ``sin(w m)`` (``m`` the centred index) need only the ``m > 0`` half of the samples.

    ``even``/``odd`` are ``x(m) +- x(-m)`` for ``m > 0`` (cos is even, sin odd in ``m``);
    ``centre`` is the ``m = 0`` sample (odd ``N``) and ``total`` the plain sum.
    """

    n: int
    m: np.ndarray
    even: np.ndarray
    odd: np.ndarray
    m_even: np.ndarray
    m_odd: np.ndarray
    centre: np.ndarray
    total: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray) -> _Folded:
        n = x.shape[1]
        half = n // 2
        right = x[:, n - half :]
        left = x[:, half - 1 :: -1]
        m = np.arange(n - half, n) - (n - 1) / 2.0
        even, odd = right + left, right - left
        centre = x[:, half] if n % 2 else np.zeros(x.shape[0])
        return cls(n, m, even, odd, even * m, odd * m, centre, x.sum(axis=1))

    def take(self, rows: np.ndarray) -> _Folded:
        """The same fold for a subset of the series."""
        return replace(
            self,
            even=self.even[rows],
            odd=self.odd[rows],
            m_even=self.m_even[rows],
            m_odd=self.m_odd[rows],
            centre=self.centre[rows],
            total=self.total[rows],
        )


def _gauss_newton(folded: _Folded, omega: np.ndarray, offset: bool):
    """Concentrated NLS cost and Gauss-Newton step at ``omega`` (rad/sample), per series.

    The model is ``alpha cos(w m) + beta sin(w m) (+ gamma)``; for fixed ``w`` the linear
    parameters are solved exactly, so the cost is the energy of the projection
    ``E(w) = y' P(w) y``, maximised by the MLE. With the centred index ``cos`` and ``sin``
    are orthogonal and ``sin`` sums to 0, so the Gram matrix needs only closed-form sums.
    The step is ``d'r / (d' (I - P) d)`` with ``d = dmodel/dw``; it vanishes exactly where
    ``dE/dw = 2 d'r`` does.
    """
    n = folded.n
    phase = omega[:, None] * folded.m
    c = np.cos(phase)
    s = np.sin(phase)
    yc = np.einsum("ij,ij->i", folded.even, c) + folded.centre
    ys = np.einsum("ij,ij->i", folded.odd, s)
    myc = np.einsum("ij,ij->i", folded.m_odd, c)
    mys = np.einsum("ij,ij->i", folded.m_even, s)

    sum_c, sum_ms, _ = _dirichlet_sums(omega, n)
    sum_c2, sum_ms2, sum_m2c2 = _dirichlet_sums(2.0 * omega, n)
    # A tiny ridge keeps the solves finite at 0 and Nyquist, where cos or sin vanishes.
    ridge = 1e-12 * n
    cc = 0.5 * (n + sum_c2) + ridge
    ss = 0.5 * (n - sum_c2) + ridge
    beta = ys / ss
    if offset:
        det = np.maximum(cc * n - sum_c**2, ridge * n)
        alpha = (n * yc - sum_c * folded.total) / det
        gamma = (cc * folded.total - sum_c * yc) / det
    else:
        alpha = yc / cc
        gamma = np.zeros_like(alpha)
    energy = alpha * yc + beta * ys + gamma * folded.total

    # Inner products of d = m (beta cos - alpha sin) with the data and the regressors.
    cd = -0.5 * alpha * sum_ms2
    sd = 0.5 * beta * sum_ms2
    one_d = -alpha * sum_ms
    s2 = n * (n * n - 1) / 12.0  # sum of m^2
    dd = 0.5 * alpha**2 * (s2 - sum_m2c2) + 0.5 * beta**2 * (s2 + sum_m2c2)
    yd = beta * myc - alpha * mys
    rd = yd - (alpha * cd + beta * sd + gamma * one_d)
    if offset:
        proj = (n * cd**2 - 2.0 * sum_c * cd * one_d + cc * one_d**2) / det + sd**2 / ss
    else:
        proj = cd**2 / cc + sd**2 / ss
    curvature = dd - proj
    ok = curvature > 1e-14 * np.maximum(dd, 1e-300)
    step = np.where(ok, rd / np.where(ok, curvature, 1.0), 0.0)
    return energy, step


def _nls_omega(
    x: np.ndarray,
    omega0: np.ndarray,
    peak: np.ndarray,
    offset: bool,
    max_iter: int,
    tol: float,
) -> np.ndarray:
    """Guarded Gauss-Newton ascent of the white-noise concentrated cost, in rad/sample
    (see :func:`_guarded_ascent`)."""
    folded = _Folded.of(x)

    def cost(rows: np.ndarray, omega: np.ndarray):
        sub = folded.take(rows) if rows.size < x.shape[0] else folded
        return _gauss_newton(sub, omega, offset)

    return _guarded_ascent(cost, x.shape[1], omega0, peak, max_iter, tol)


def _guarded_ascent(cost, n: int, omega0, peak, max_iter: int, tol: float) -> np.ndarray:
    """Guarded Gauss-Newton ascent of a concentrated cost, in rad/sample.

    ``cost(rows, omega)`` gives the cost and the Gauss-Newton step of the series ``rows``
    at ``omega``. Starts at ``omega0`` and stays within one DFT bin (``2 pi / N``) of
    ``peak``, the periodogram's peak, i.e. inside its main lobe. A step that lowers the
    cost is halved.
    """
    lo = np.maximum(peak - 2.0 * np.pi / n, 0.0)
    hi = np.minimum(peak + 2.0 * np.pi / n, np.pi)
    omega = np.clip(omega0, lo, hi)
    active = np.arange(omega.size)
    energy, step = cost(active, omega)
    stop = tol * np.pi / n
    for _ in range(max_iter):
        if active.size == 0:
            break
        w_old = omega[active]
        w_new = np.clip(w_old + step[active], lo[active], hi[active])
        e_new, s_new = cost(active, w_new)
        e_old = energy[active]
        # Accept unless the projected energy drops beyond rounding; otherwise halve the step.
        better = e_new >= e_old - 1e-12 * np.abs(e_old)
        moved = np.abs(w_new - w_old)
        omega[active] = np.where(better, w_new, w_old)
        energy[active] = np.where(better, e_new, e_old)
        step[active] = np.where(better, s_new, 0.5 * step[active])
        done = np.where(better, moved < stop, np.abs(step[active]) < stop)
        active = active[~done]
    return omega


def _whitened_grid_peak(yw: np.ndarray, m: np.ndarray, pad: int, offset: bool, noise) -> np.ndarray:
    """Per whitened series ``yw`` (batch, N), the frequency (rad/sample) of the ``pad``-times
    padded DFT grid where the concentrated likelihood is largest (:func:`_grid_peak`)."""
    n = yw.shape[1]
    return _grid_peak(yw, m, 2.0 * np.pi * np.arange(pad * n // 2 + 1) / (pad * n), offset, noise)


def best_of_grid(x, frequencies, offset: bool) -> np.ndarray:
    """Per series, the one of ``frequencies`` (cycles per window, shared by all series) at
    which least squares in white noise fits the series best."""
    arr = _as_batch(x)
    n = arr.shape[1]
    grid = 2.0 * np.pi * np.asarray(frequencies, float) / (n - 1)
    omega = _grid_peak(arr, np.arange(n) - (n - 1) / 2.0, grid, offset, noise_models.White())
    return _to_cycles(omega, n)


def _grid_peak(
    yw: np.ndarray, m: np.ndarray, grid: np.ndarray, offset: bool, noise, chunk: int = 2048
) -> np.ndarray:
    """Per whitened series ``yw`` (batch, N), the frequency of ``grid`` (rad/sample) where
    the concentrated likelihood ``b' G^-1 b`` is largest (``b`` the whitened data against
    the whitened regressors, ``G`` their Gram matrix)."""
    n = yw.shape[1]
    phase = grid[:, None] * m
    columns = [np.cos(phase), np.sin(phase)] + ([np.ones_like(phase)] if offset else [])
    h = noise.whiten(np.stack(columns, axis=1))  # (grid, p, N)
    gram = np.einsum("gpn,gqn->gpq", h, h) + 1e-12 * n * np.eye(len(columns))
    inverse = np.linalg.inv(gram)
    flat = h.reshape(-1, n)
    best = np.empty(len(yw), dtype=int)
    for start in range(0, len(yw), chunk):
        b = (yw[start : start + chunk] @ flat.T).reshape(-1, len(grid), len(columns))
        likelihood = np.einsum("bgp,gpq,bgq->bg", b, inverse, b)
        best[start : start + chunk] = np.argmax(likelihood, axis=1)
    return grid[best]


def _whitened_gauss_newton(
    yw: np.ndarray, m: np.ndarray, omega: np.ndarray, offset: bool, noise
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_gauss_newton` for whitened data ``yw`` (batch, N): the regressors
    ``cos(w m), sin(w m) (, 1)`` and the model's derivative are whitened by ``noise`` and
    the projections solved numerically (no closed forms survive the whitening)."""
    phase = omega[:, None] * m
    c, s = np.cos(phase), np.sin(phase)
    columns = [c, s] + ([np.ones_like(c)] if offset else [])
    h = noise.whiten(np.stack(columns, axis=1))  # (batch, p, N)
    gram = np.einsum("bpn,bqn->bpq", h, h)
    # The same tiny ridge as the closed-form path: finite solves at 0 and Nyquist.
    gram += 1e-12 * yw.shape[1] * np.eye(len(columns))
    hy = np.einsum("bpn,bn->bp", h, yw)
    theta = np.linalg.solve(gram, hy[..., None])[..., 0]
    energy = np.einsum("bp,bp->b", theta, hy)
    d = noise.whiten(m * (theta[:, 1:2] * c - theta[:, 0:1] * s))
    resid = yw - np.einsum("bp,bpn->bn", theta, h)
    hd = np.einsum("bpn,bn->bp", h, d)
    dd = np.einsum("bn,bn->b", d, d)
    proj = np.einsum("bp,bp->b", hd, np.linalg.solve(gram, hd[..., None])[..., 0])
    curvature = dd - proj
    ok = curvature > 1e-14 * np.maximum(dd, 1e-300)
    step = np.where(ok, np.einsum("bn,bn->b", d, resid) / np.where(ok, curvature, 1.0), 0.0)
    return energy, step


NoiseEntry = Annotated[Any, noise_models.Entry()]


def nls(
    x,
    *,
    offset: bool = True,
    max_iter: Annotated[int, Range(min=0)] = 30,
    tol: Annotated[float, Range(min=0, min_exclusive=True)] = 1e-10,
    pad: Annotated[int, Range(min=2), MultipleOf(2)] = 4,
    noise: NoiseEntry = None,
) -> np.ndarray:
    """Maximum-likelihood (nonlinear least squares) frequency, in cycles per window.

    Fits ``alpha cos(w n) + beta sin(w n) (+ gamma)`` with amplitude, phase and (when
    ``offset``) a constant all unknown, which is the MLE in Gaussian noise of the ``noise``
    model (None: white). For a trial ``w`` the linear parameters are solved exactly
    (in closed form in white noise); the concentrated cost is maximised by Gauss-Newton
    steps taken for all series at once, starting from :func:`fft_interp`. A step that
    lowers the cost is halved, and ``w`` stays within one DFT bin of the periodogram's
    peak (inside its main lobe) and within [0, Nyquist]. In coloured noise the series and
    the model are whitened (:meth:`sinefreq.noise.NoiseModel.whiten`) and the start and
    the bracket are the padded DFT grid's maximum of the exact concentrated likelihood.

    Parameters
    ----------
    x : array of shape (batch, N) or (N,)
        Real series sampled on ``t = linspace(0, 2*pi, N)``.
    offset : bool
        Whether the model includes an unknown constant offset.
    max_iter : int
        Most Gauss-Newton (or halving) steps per series.
    tol : float
        Stop once a step moves ``w`` by less than ``tol`` half-bins (``tol * pi / N``).
    pad : int
        Zero-padding factor of the starting :func:`fft_interp`.
    noise : noise model or config entry
        The noise the series carry (``{model: white}`` where None).

    Returns
    -------
    1-D array of frequencies in cycles per window, within ``[0, (N - 1) / 2]``.
    """
    if max_iter < 0:
        raise ValueError(f"max_iter must be >= 0, got {max_iter}")
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    pad = _check_pad(pad)
    model = noise_models.from_spec(noise)
    arr = _as_batch(x)
    if arr.shape[0] == 0:
        return np.empty(0)
    if model.white:
        omega0, peak = _fft_interp_omega(arr, pad, n_iter=4)
        return _to_cycles(_nls_omega(arr, omega0, peak, offset, max_iter, tol), arr.shape[1])
    whitened = model.whiten(arr)
    n = arr.shape[1]
    m = np.arange(n) - (n - 1) / 2.0
    # Start at the padded grid's maximum of the exact concentrated likelihood: the
    # whitened series' periodogram weighs frequencies unlike it (by the noise's spectrum),
    # and near the threshold its peak can lie far from the likelihood's.
    peak = _whitened_grid_peak(whitened, m, pad, offset, model)

    def cost(rows: np.ndarray, omega: np.ndarray):
        return _whitened_gauss_newton(whitened[rows], m, omega, offset, model)

    return _to_cycles(_guarded_ascent(cost, n, peak, peak, max_iter, tol), n)


def nls_near(x, f0, offset: bool = True, max_iter: int = 50, tol: float = 1e-10) -> np.ndarray:
    """Least squares' optimum nearest ``f0`` (cycles per window, one per series): the
    guarded Gauss-Newton ascent of :func:`nls` in white noise, started there."""
    arr = _as_batch(x)
    n = arr.shape[1]
    omega0 = 2.0 * np.pi * np.asarray(f0, float) / (n - 1)
    return _to_cycles(_nls_omega(arr, omega0.copy(), omega0, offset, max_iter, tol), n)


def nls_white(
    x,
    *,
    offset: bool = True,
    max_iter: Annotated[int, Range(min=0)] = 30,
    tol: Annotated[float, Range(min=0, min_exclusive=True)] = 1e-10,
    pad: Annotated[int, Range(min=2), MultipleOf(2)] = 4,
) -> np.ndarray:
    """:func:`nls` assuming white noise whatever noise the data carry (it has no ``noise``
    option for the workflow to fill): least squares without prewhitening, the MLE in white
    noise only; beside :func:`nls` on coloured data it shows what prewhitening buys."""
    return nls(x, offset=offset, max_iter=max_iter, tol=tol, pad=pad)


@dataclass(frozen=True)
class Interval:
    """A :mod:`sinefreq.params` constraint: a list ``[lo, hi]`` with ``min <= lo < hi``;
    an upper limit that depends on the data (Nyquist) is checked when the series come.

    Here rather than in :mod:`sinefreq.params`: an edit there re-runs every network (the
    workflow fingerprints the code each step runs), an edit here only the estimators."""

    min: float | None = None

    def allows(self, value) -> bool:
        if len(value) != 2:
            return False
        lo, hi = value
        return lo < hi and (self.min is None or lo >= self.min)

    def describe(self) -> str:
        floor = "" if self.min is None else f"{self.min:g} <= "
        return f"[lo, hi] with {floor}lo < hi (cycles per window)"


# The posterior mean's grids (see posterior_mean). The coarse grid is even over the band,
# 16 points per cycle: under a third of the narrowest peak a noise-only stretch of the
# posterior has (about 0.15 cycles wide at any N), where the trapezoid rule converges
# geometrically; only the tone's own peak can be narrower, and it is refined.
_POINTS_PER_CYCLE = 16
_MIN_INTERVALS = 16  # of the coarse grid, however narrow the band
_PEAKS = 3  # the highest coarse local maxima tried: the tone's peak is among them
_PEAK_POINTS = 49  # points of each narrow peak's grid
_PEAK_CORE = 2.0  # that grid is nearly even within this many peak widths, then geometric,
_PEAK_REACH = 4  # out to this many steps of the even grid (or 8 widths if wider)
# Where the density does not vanish at a band end, a peak the band cuts short can fall by
# e-fold within a coarse step, too steep for any end correction: the last half cycle at
# each end is refined eight times.
_END_INTERVALS = 8
_END_REFINE = 8
# Gregory's end correction to the trapezoid rule on an even grid, through the fourth
# differences (added to the weights of the first five points): where the density does not
# vanish at the band's ends, the error falls from O(h^2) to O(h^6). Through the second
# only, a posterior peaked at a band end at -10 dB was off by 1e-3 of its spread.
_GREGORY = np.array([-49 / 288, 77 / 240, -7 / 30, 73 / 720, -3 / 160])
# Where the band reaches 0 or Nyquist (within 1/N rad/sample) the density grows as a power
# of 1/distance down to the Gram floor below: geometric points (in cycles) from that end.
_EDGE_DISTANCES = np.geomspace(1e-8, 0.2, 100)
# A residual below this fraction of the energy is rounding (a clean tone): flooring it keeps
# the log finite and gives a clean tone's posterior a width (about 1e-7 cycles at N = 100).
_RESIDUAL_FLOOR = 1e-12
# Times N: the least a Gram entry may be, so that the density stays finite at 0 and Nyquist.
_GRAM_FLOOR = 1e-12
_CHUNK_VALUES = 2**21  # values per chunk of series (bounds the memory)


def default_band(n_samples: int) -> tuple[float, float]:
    """The posterior mean's band when none is given: (0, Nyquist) less half a DFT bin at
    each end, where the flat-amplitude posterior would pile up (see :func:`posterior_mean`)."""
    half_bin = (n_samples - 1) / (2.0 * n_samples)
    return half_bin, (n_samples - 1) / 2.0 - half_bin


def _check_band(band, n_samples: int) -> tuple[float, float]:
    """``band`` as ``(lo, hi)`` in cycles per window, or a clear error."""
    if band is None:
        return default_band(n_samples)
    top = (n_samples - 1) / 2.0
    message = (
        f"band must be [lo, hi] in cycles per window with 0 <= lo < hi <= Nyquist "
        f"({top:g} for N = {n_samples}), got {band!r}"
    )
    try:
        lo, hi = (float(v) for v in band)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not (0.0 <= lo < hi <= top):
        raise ValueError(message)
    return lo, hi


def _tone_gram(omega: np.ndarray, n: int, offset: bool) -> tuple[np.ndarray, np.ndarray]:
    """Diagonal of the Gram matrix of ``cos(w m)`` (demeaned when ``offset``) and
    ``sin(w m)``, ``m`` the centred index: with it the matrix is diagonal (cos is even in
    ``m``, sin odd, and sin sums to 0). Floored at ``_GRAM_FLOOR * n``.

    Closed forms, except within ``1/n`` rad/sample of 0 and pi, where they cancel to a few
    digits; there direct sums, with ``cos = 1 - 2 sin^2(w m / 2)`` so that the demeaned
    cosine keeps its digits near 0.
    """
    cc = 0.5 * (n + _kernel(omega, n))
    ss = n - cc
    if offset:
        cc = cc - _kernel(0.5 * omega, n) ** 2 / n
    near = (n * omega < 1.0) | (n * (np.pi - omega) < 1.0)
    if np.any(near):
        m = np.arange(n) - (n - 1) / 2.0
        w = omega[near][:, None] * m
        ss[near] = np.sum(np.sin(w) ** 2, axis=-1)
        if offset:
            half = np.sin(0.5 * w) ** 2
            cc[near] = 4.0 * np.sum((half - half.mean(axis=-1, keepdims=True)) ** 2, axis=-1)
        else:
            cc[near] = np.sum(np.cos(w) ** 2, axis=-1)
    floor = _GRAM_FLOOR * n
    return np.maximum(cc, floor), np.maximum(ss, floor)


@dataclass(frozen=True)
class _Posterior:
    """The log posterior density of a chunk of series: the series (demeaned when the model
    has an offset), their energies, and whether the model has the offset."""

    x: np.ndarray
    energy: np.ndarray
    offset: bool

    @property
    def columns(self) -> int:
        """The model's columns: cos and sin (and the constant)."""
        return 3 if self.offset else 2

    @classmethod
    def of(cls, x: np.ndarray, offset: bool) -> _Posterior:
        x = x - x.mean(axis=1, keepdims=True) if offset else x
        return cls(x, np.einsum("ij,ij->i", x, x), offset)

    def log_density(self, omega, yc, ys, rows=slice(None)) -> tuple[np.ndarray, np.ndarray]:
        """Log posterior (up to a constant) at ``omega`` (rad/sample) from the projections
        ``yc = x' cos(w m)``, ``ys = x' sin(w m)``; and the fraction of energy explained."""
        n = self.x.shape[1]
        cc, ss = _tone_gram(omega, n, self.offset)
        explained = (yc**2 / cc + ys**2 / ss) / self.energy[rows, None]
        residual = np.maximum(1.0 - explained, 0.0) + _RESIDUAL_FLOOR
        log_p = -0.5 * np.log(cc * ss) - 0.5 * (n - self.columns) * np.log(residual)
        return log_p, explained

    def at(self, omega: np.ndarray, rows) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`log_density` at per-series frequencies ``omega`` (len(rows), k), summed
        directly over the series folded about the centre (half the trig)."""
        folded = _Folded.of(self.x[rows])
        phase = omega[..., None] * folded.m
        yc = np.einsum("rh,rkh->rk", folded.even, np.cos(phase)) + folded.centre[:, None]
        ys = np.einsum("rh,rkh->rk", folded.odd, np.sin(phase))
        return self.log_density(omega, yc, ys, rows)


@dataclass(frozen=True)
class _Grid:
    """The grid every series shares, in rad/sample and sorted (``omega``): even segments
    over the band (their values by zoom FFTs, chirp-z transforms onto exactly these
    frequencies), at each plain end a segment ``_END_REFINE`` times finer over its last
    ``_END_INTERVALS`` coarse steps, and at an end that reaches 0 or Nyquist geometric
    points in from it instead (their values by matrix products).

    ``ends``: for each segment end where Gregory's correction applies, the indices in
    ``omega`` of its points from the end inward, and its step.
    """

    omega: np.ndarray
    step: float
    fine: tuple[float, float]  # the fine end segments reach from the band's ends to these
    fine_step: float
    ends: tuple[tuple[np.ndarray, float], ...]
    segments: tuple[np.ndarray, ...]
    zooms: tuple[Callable, ...]
    extra: np.ndarray
    order: np.ndarray  # concatenate([*segments, extra])[order] is omega

    @classmethod
    def over(cls, n: int, lo: float, hi: float) -> _Grid:
        from scipy.signal import ZoomFFT

        scale = 2.0 * np.pi / (n - 1)  # cycles per window -> rad/sample
        intervals = max(int(np.ceil((hi - lo) * _POINTS_PER_CYCLE)), _MIN_INTERVALS)
        step = (hi - lo) / intervals
        plain = (n * lo * scale >= 1.0, n * (np.pi - hi * scale) >= 1.0)
        refined = min(_END_INTERVALS, intervals // 4)
        left = lo + refined * step if plain[0] else lo
        right = hi - refined * step if plain[1] else hi
        pieces = [(left, right, intervals - refined * (plain[0] + plain[1]))]
        if plain[0]:
            pieces.insert(0, (lo, left, refined * _END_REFINE))
        if plain[1]:
            pieces.append((right, hi, refined * _END_REFINE))
        segments = tuple(np.linspace(a, b, k + 1) * scale for a, b, k in pieces)
        extra = [(lo + _EDGE_DISTANCES) * scale] if not plain[0] else []
        extra += [(hi - _EDGE_DISTANCES) * scale] if not plain[1] else []
        extra = np.concatenate([np.empty(0), *extra])
        extra = extra[(extra > lo * scale) & (extra < hi * scale)]
        omega = np.concatenate([*segments, extra])
        order = np.argsort(omega, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        ends, start, k = [], 0, _GREGORY.size
        for segment in segments:
            at = rank[start : start + segment.size]
            h = segment[1] - segment[0]
            # Not at an end that reaches 0 or Nyquist: its geometric points are there.
            if segment[0] > lo * scale or plain[0]:
                ends.append((at[:k], h))
            if segment[-1] < hi * scale or plain[1]:
                ends.append((at[: -k - 1 : -1], h))
            start += segment.size
        zooms = tuple(
            ZoomFFT(n, [s[0], s[-1]], m=s.size, fs=2.0 * np.pi, endpoint=True) for s in segments
        )
        fine = (left * scale if plain[0] else -np.inf, right * scale if plain[1] else np.inf)
        return cls(
            omega[order], step * scale, fine, step * scale / _END_REFINE, tuple(ends),
            segments, zooms, extra, order,
        )  # fmt: skip

    def local_step(self, omega: np.ndarray) -> np.ndarray:
        """The grid's even step at ``omega``: the fine one within an end segment."""
        fine = (omega < self.fine[0]) | (omega > self.fine[1])
        return np.where(fine, self.fine_step, self.step)

    def projections(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``x' cos(w m)`` and ``x' sin(w m)`` at the grid, ``m`` the centred index."""
        centre = 0.5 * (x.shape[1] - 1)
        spec = [
            z(x, axis=-1) * np.exp(1j * centre * s)
            for z, s in zip(self.zooms, self.segments, strict=True)
        ]
        phase = np.outer(np.arange(x.shape[1]) - centre, self.extra)
        yc = np.concatenate([*(s.real for s in spec), x @ np.cos(phase)], axis=1)
        ys = np.concatenate([*(-s.imag for s in spec), x @ np.sin(phase)], axis=1)
        return yc[:, self.order], ys[:, self.order]


def _peaks(post: _Posterior, arr: np.ndarray, w_grid, log_grid) -> tuple[np.ndarray, np.ndarray]:
    """Centres and widths (rad/sample) of the ``_PEAKS`` highest local maxima of the coarse
    grid, shape (batch, peaks).

    Each is moved to its peak of the projected energy by nls's guarded Gauss-Newton ascent
    (within a bin of its start); its width is the curvature's (Laplace's) width of a tone's
    peak, the Cramer-Rao form with the noise and the amplitude that the peak implies.
    """
    batch, n = arr.shape
    padded = np.pad(log_grid, ((0, 0), (1, 1)), constant_values=-np.inf)
    is_max = (log_grid >= padded[:, :-2]) & (log_grid >= padded[:, 2:])
    peaks = min(_PEAKS, w_grid.size)
    top = np.argpartition(np.where(is_max, -log_grid, np.inf), peaks - 1, axis=1)[:, :peaks]
    start = w_grid[top.ravel()]
    rows = np.repeat(np.arange(batch), peaks)
    centre = _nls_omega(arr[rows], start.copy(), start, post.offset, max_iter=10, tol=1e-10)
    centre = np.clip(centre, w_grid[0], w_grid[-1]).reshape(batch, peaks)
    _, explained = post.at(centre, np.arange(batch))
    residual = np.maximum(1.0 - explained, 0.0) + _RESIDUAL_FLOOR
    curvature = (n - post.columns) * np.maximum(explained, 1e-300) * (n * n - 1) / 12.0
    return centre, np.sqrt(residual / curvature)


def _peak_grids(post: _Posterior, centre, width, coarse: _Grid, log_grid):
    """Grids (and log densities) about the peaks narrower than the even grid's step where
    they lie, shape (batch, peaks, _PEAK_POINTS): even within a few widths of the centre
    and geometric out to a few steps (``sinh`` spacing), so that any width is resolved. A
    wider peak is left to the even grid, which is exact for it; its grid repeats the band's
    first point (intervals of zero width)."""
    batch, peaks = centre.shape
    band = coarse.omega[[0, -1]]
    w_peaks = np.full((batch, peaks, _PEAK_POINTS), band[0])
    log_peaks = np.repeat(log_grid[:, :1, None], peaks, axis=1).repeat(_PEAK_POINTS, axis=2)
    step = coarse.local_step(centre)
    narrow = np.nonzero(width < step)
    if narrow[0].size:
        sigma = width[narrow][:, None]
        reach = np.maximum(_PEAK_REACH * step[narrow][:, None] / sigma, 8.0)
        spread = np.arcsinh(reach / _PEAK_CORE) * np.linspace(-1.0, 1.0, _PEAK_POINTS)
        points = centre[narrow][:, None] + _PEAK_CORE * sigma * np.sinh(spread)
        w_peaks[narrow] = np.clip(points, *band)
        log_peaks[narrow] = post.at(w_peaks[narrow], narrow[0])[0]
    return w_peaks, log_peaks


def _posterior_mean_chunk(arr: np.ndarray, coarse: _Grid, offset: bool) -> np.ndarray:
    """:func:`posterior_mean` of a chunk of (scaled) series, in rad/sample: the trapezoid
    rule on the union of the shared grid and the narrow peaks' grids, per series, with
    Gregory's correction at the shared grid's segment ends."""
    batch = arr.shape[0]
    post = _Posterior.of(arr, offset)
    w_grid = coarse.omega
    log_grid = post.log_density(w_grid, *coarse.projections(post.x))[0]
    centre, width = _peaks(post, arr, w_grid, log_grid)
    w_peaks, log_peaks = _peak_grids(post, centre, width, coarse, log_grid)
    # Shared points inside a narrow peak's grid would break its smooth spacing, and with it
    # the trapezoid rule's accuracy there: they repeat the band's first point instead.
    inside = (w_grid > w_peaks[..., :1]) & (w_grid < w_peaks[..., -1:])
    covered = np.any(inside, axis=1)
    w_peaks, log_peaks = w_peaks.reshape(batch, -1), log_peaks.reshape(batch, -1)
    grid = np.concatenate([np.where(covered, w_grid[0], w_grid), w_peaks], axis=1)
    log_p = np.concatenate([np.where(covered, log_grid[:, :1], log_grid), log_peaks], axis=1)
    order = np.argsort(grid, axis=1, kind="stable")
    grid = np.take_along_axis(grid, order, axis=1)
    log_p = np.take_along_axis(log_p, order, axis=1)
    log_top = log_p.max(axis=1, keepdims=True)
    p = np.exp(log_p - log_top)
    # Moments about the densest point, so that a narrow peak keeps its digits.
    ref = np.take_along_axis(grid, np.argmax(p, axis=1)[:, None], axis=1)
    moment = p * (grid - ref)
    dw = np.diff(grid, axis=1)
    mass = 0.5 * np.sum(dw * (p[:, 1:] + p[:, :-1]), axis=1)
    first = 0.5 * np.sum(dw * (moment[:, 1:] + moment[:, :-1]), axis=1)
    # Gregory's correction at each segment end whose last few steps hold no peak grid.
    p_grid, w_rel = np.exp(log_grid - log_top), w_grid - ref
    for at, h in coarse.ends:
        zone = np.sort(w_grid[at[[0, -1]]])
        clear = ~np.any((w_peaks > zone[0]) & (w_peaks < zone[1]), axis=1)
        mass += clear * h * (p_grid[:, at] @ _GREGORY)
        first += clear * h * ((p_grid[:, at] * w_rel[:, at]) @ _GREGORY)
    return np.clip(ref[:, 0] + first / mass, w_grid[0], w_grid[-1])


def posterior_mean(
    x,
    *,
    band: Annotated[list[float], Interval(min=0)] | None = None,
    offset: bool = True,
) -> np.ndarray:
    """Posterior mean of the frequency, ``E[f | x]``, in cycles per window, by numerical
    integration: the Bayesian estimate (the least mean-square error under its model) with
    a uniform prior on ``band``. Below the SNR threshold, where least squares jumps to a
    noise peak anywhere in the band, it weighs the peaks instead: on the noise benchmark's
    draws its RMSE is 2 dB below least squares' at -10 dB, level with it at -5 dB (its
    prior is not the benchmark's, below), and the same from 0 dB up; it costs about ten
    times as much (benchmarks/bench_posterior_mean.py).

    The model is a tone ``a cos(w m) + b sin(w m) (+ c)`` in white Gaussian noise of unknown
    level ``sigma``. The nuisances are marginalised, not profiled: flat priors on the
    linear amplitudes ``a, b`` (and the offset ``c``), Jeffreys' ``1/sigma`` on the noise
    level, all integrated analytically, which leaves Bretthorst's posterior

        p(f | x) ~ det(G)^(-1/2) (1 - h(f) / |x|^2)^((k - N) / 2),

    with ``h(f)`` the energy of the projection of ``x`` on the ``k`` (2, or 3 with the
    offset) model columns, ``G`` their Gram matrix and ``|x|^2`` the data's energy (about
    its mean with the offset). Amplitude and phase uniform, as the benchmarks draw them,
    are not this prior: a flat prior on ``(a, b)`` is one on the amplitude ``~ A``, and the
    benchmarks' noise level is tied to the amplitude by their SNR, which this model does not
    know. White noise only: on coloured data it is the white-noise posterior.

    The integral is the trapezoid rule on the union of a grid every series shares and one
    per narrow peak. The shared grid is even, 1/16 cycle apart (its values by zoom FFTs),
    eight times finer over the last half cycle at each end, with Gregory's end corrections
    (the density need not vanish at the band's ends). Each of the three highest peaks on it
    is moved to its maximum (nls's Gauss-Newton steps) and, if narrower than that grid can
    resolve, gets its own: even within a few of its (Laplace) widths and geometric beyond,
    so that a peak at high SNR (1e-3 cycles at N = 100 and 30 dB; 1e-7 for a clean tone) is
    resolved. Against brute force on one very fine grid it agrees to 1e-3 of the posterior's
    spread or better (tests/test_posterior_mean.py). All in log space, vectorised, in
    chunks of series.

    With flat priors on the amplitudes the density grows without bound towards 0 and
    Nyquist (as 1/distance; as 1/distance^3 near 0 with the offset), where the model's
    columns degenerate: a band reaching them is held finite by a floor on the Gram matrix,
    and the answer depends on that floor. The default band therefore stops half a DFT bin
    short of both (:func:`default_band`); the workflow passes each dataset's own band.

    Parameters
    ----------
    x : array of shape (batch, N) or (N,)
        Real series sampled on ``t = linspace(0, 2*pi, N)``.
    band : [lo, hi] or None
        The prior's support in cycles per window, ``0 <= lo < hi <= Nyquist``.
    offset : bool
        Whether the model includes an unknown constant offset.

    Returns
    -------
    1-D array of frequencies in cycles per window, within the band.
    """
    arr = _as_batch(x)
    batch, n = arr.shape
    lo, hi = _check_band(band, n)
    if batch == 0:
        return np.empty(0)
    coarse = _Grid.over(n, lo, hi)
    # A series holds about ten arrays over the coarse grid, and a narrow peak's grid its
    # cosines and sines over half the samples.
    chunk = max(1, _CHUNK_VALUES // (10 * coarse.omega.size + _PEAKS * _PEAK_POINTS * n))
    omega = np.concatenate(
        [_posterior_mean_chunk(arr[i : i + chunk], coarse, offset) for i in range(0, batch, chunk)]
    )
    return np.clip(omega * (n - 1) / (2.0 * np.pi), lo, hi)


ESTIMATORS: dict[str, Callable[..., np.ndarray]] = {
    "fft_interp": fft_interp,
    "nls": nls,
    "nls_white": nls_white,
    "posterior_mean": posterior_mean,
}


def data_options(method: str, options: dict, noise, band: list[float] | None = None) -> dict:
    """``options`` for estimator ``method`` on data drawn in ``noise`` (a config entry) with
    frequencies in ``band`` (``[lo, hi]``, cycles per window): an estimator with a ``noise``
    or a ``band`` option gets the data's unless ``options`` sets it. A band of one
    frequency (``lo == hi``) is no prior range: the estimator keeps its default."""
    declared = params.options(ESTIMATORS[method])
    given = {"noise": noise}
    if band is not None and band[0] < band[1]:
        given["band"] = list(band)
    return {**{k: v for k, v in given.items() if k in declared}, **options}


def data_band(dataset: dict, split: str) -> list[float]:
    """``[lo, hi]``: the range a dataset's split (``dataset`` its config spec) draws its
    frequencies from, a partition's pool for either split, clipped to ``[0, Nyquist]``:
    above Nyquist a tone aliases below it. A dataset without a test split tests on a fresh
    draw of its train spec."""
    if "partition" in dataset:
        spec = dataset["partition"]["frequencies"]
    else:
        spec = dataset.get(split, dataset["train"])["frequencies"]
    top = signals.nyquist(dataset["n_samples"])
    return [float(np.clip(v, 0.0, top)) for v in signals.frequency_range(spec)]


def option_problems(method: str, given: dict, key: str) -> list[str]:
    """Every unknown or disallowed option in ``given`` for estimator ``method``, as the
    annotations of its keyword parameters declare them; messages name ``key``.<option>."""
    return params.problems(ESTIMATORS[method], given, key, f"estimator '{method}'")


def estimate(method: str, x, **kwargs) -> np.ndarray:
    """Frequencies (cycles per window) of the series in ``x`` by the named estimator."""
    try:
        estimator = ESTIMATORS[method]
    except KeyError:
        raise ValueError(
            f"unknown estimator {method!r}; allowed: {', '.join(sorted(ESTIMATORS))}"
        ) from None
    return estimator(x, **kwargs)

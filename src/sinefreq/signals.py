"""Synthetic sine series in the thread's units (cycles per window): the signal model.

A series of ``n`` samples is ``A * sin(f * (t + o) + phase) + noise`` with
``t = linspace(0, 2*pi, n)``: ``o`` is the thread's time offset (answer 0 starts the
window at ``o``), ``phase`` a plain phase offset. Nyquist is ``(n - 1) / 2``. The noise
is a :mod:`sinefreq.noise` model (a dataset's ``noise`` entry, white by default).

The signal model's parameters and their ranges: frequency in ``(0, Nyquist)`` cycles per
window (identifiable only inside), amplitude ``A > 0``, phase in radians (any), and, where
an estimator or bound includes one, an unknown constant offset (any). Its derivatives
(:func:`tone_derivatives`) are what the Cramer-Rao bound is built from.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

FREQUENCY_FORMS = ("integers", "linspace", "uniform", "values")
# A parameter's setting: a constant, or [low, high] to draw each series uniformly in that
# range (a YAML list: lax about the container, strict about the numbers).
RangeOrValue = float | Annotated[tuple[float, float], Field(strict=False)]


def time_axis(n_samples: int) -> np.ndarray:
    """The thread's sampling grid: ``n_samples`` points over one window of 2*pi."""
    return np.linspace(0.0, 2.0 * np.pi, n_samples)


def nyquist(n_samples: int) -> float:
    """Highest frequency, in cycles per window, that ``n_samples`` samples resolve."""
    return (n_samples - 1) / 2.0


def sine_series(
    frequencies: np.ndarray,
    n_samples: int,
    *,
    amplitude: np.ndarray | float = 1.0,
    time_offset: np.ndarray | float = 0.0,
    phase: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Clean series, one row per frequency: shape ``(len(frequencies), n_samples)``."""
    f = np.asarray(frequencies, dtype=float)[:, None]
    column = [
        np.broadcast_to(np.asarray(v, float), f.shape[:1])[:, None]
        for v in (amplitude, time_offset, phase)
    ]
    a, o, p = column
    return a * np.sin(f * (time_axis(n_samples) + o) + p)


def tone_derivatives(
    frequencies: np.ndarray, phase: np.ndarray, n_samples: int, offset: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Derivatives of the unit-amplitude tone ``sin(f t + phase) (+ c)``, one row per
    ``(f, phase)`` pair: ``d/df`` of shape ``(k, N)`` and the nuisance parameters' columns
    ``d/dA, d/dphase (, d/dc)`` of shape ``(k, N, p)``.

    ``d/df`` is taken at a fixed phase at the window centre: that re-parametrises only the
    phase (a triangular, unit-diagonal change of variables), so a bound on ``f`` is
    unchanged and the nuisance block is better conditioned.
    """
    t = time_axis(n_samples)
    arg = np.asarray(frequencies, float)[:, None] * t + np.asarray(phase, float)[:, None]
    cos, sin = np.cos(arg), np.sin(arg)
    d_f = (t - np.pi) * cos
    nuisance = [sin, cos]
    if offset:
        nuisance.append(np.ones_like(sin))
    return d_f, np.stack(nuisance, axis=-1)


def noise_sigma(amplitude: np.ndarray | float, snr_db: float) -> np.ndarray:
    """Noise standard deviation for a per-sample SNR of ``A^2 / (2 sigma^2)`` in dB."""
    return np.asarray(amplitude, float) / np.sqrt(2.0 * 10.0 ** (snr_db / 10.0))


def frequency_list(spec: dict, rng: np.random.Generator) -> np.ndarray:
    """The frequencies a split spec names, before repeats.

    ``spec`` has exactly one key: ``integers: [lo, hi]`` (inclusive, the thread's
    ``range(lo, hi + 1)``), ``linspace: [lo, hi, count]``, ``uniform: [lo, hi, count]``
    (drawn from ``rng``) or ``values: [...]``.
    """
    (form, args), *rest = spec.items()
    if rest or form not in FREQUENCY_FORMS:
        raise ValueError(
            f"frequencies must have exactly one of {FREQUENCY_FORMS}, got {sorted(spec)}"
        )
    if form == "integers":
        return np.arange(int(args[0]), int(args[1]) + 1, dtype=float)
    if form == "linspace":
        return np.linspace(float(args[0]), float(args[1]), int(args[2]))
    if form == "uniform":
        return rng.uniform(float(args[0]), float(args[1]), int(args[2]))
    return np.asarray(args, dtype=float)


def frequency_range(spec: dict) -> tuple[float, float]:
    """Lower and upper ends of a frequency spec, known without drawing it."""
    ((form, args),) = spec.items()
    ends = (min(args), max(args)) if form == "values" else (args[0], args[1])
    return float(ends[0]), float(ends[1])


def highest_frequency(spec: dict) -> float:
    """Upper end of a frequency spec, known without drawing it."""
    return frequency_range(spec)[1]


def frequency_count(spec: dict) -> int:
    """How many frequencies a spec names (before repeats), known without drawing them."""
    ((form, args),) = spec.items()
    if form == "integers":
        return max(int(args[1]) - int(args[0]) + 1, 0)
    if form in ("linspace", "uniform"):
        return int(args[2])
    return len(args)

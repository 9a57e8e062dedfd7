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

import numpy as np

from sinefreq import noise

FREQUENCY_FORMS = ("integers", "linspace", "uniform", "values")


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


def highest_frequency(spec: dict) -> float:
    """Upper end of a frequency spec, known without drawing it."""
    ((form, args),) = spec.items()
    return float(max(args) if form == "values" else args[1])


def frequency_count(spec: dict) -> int:
    """How many frequencies a spec names (before repeats), known without drawing them."""
    ((form, args),) = spec.items()
    if form == "integers":
        return max(int(args[1]) - int(args[0]) + 1, 0)
    if form in ("linspace", "uniform"):
        return int(args[2])
    return len(args)


def series_counts(spec: dict) -> dict[str, int]:
    """Series in each split of a dataset spec, as :func:`make_dataset` draws them."""
    if "partition" in spec:
        pool = frequency_count(spec["partition"]["frequencies"])
        test = int(spec["partition"]["test_size"])
        return {"train": pool - test, "test": test}

    def count(split: dict) -> int:
        return frequency_count(split["frequencies"]) * int(split.get("repeats", 1))

    return {"train": count(spec["train"]), "test": count(spec.get("test", spec["train"]))}


def _draw(value, size: int, rng: np.random.Generator) -> np.ndarray:
    """A scalar as a constant column, or ``[lo, hi]`` as uniform draws."""
    if isinstance(value, list | tuple):
        return rng.uniform(float(value[0]), float(value[1]), size)
    return np.full(size, float(value))


def series_for(frequencies: np.ndarray, spec: dict, rng: np.random.Generator) -> dict:
    """Series and their generating parameters for the given frequencies.

    ``spec`` holds the dataset-wide generator parameters (``n_samples``,
    ``amplitude``, ``time_offset``, ``phase``, ``snr_db``, ``noise``). Per-series draws
    happen in this order: time offset, phase, amplitude, noise, so that a dataset with
    only a time offset draws exactly as the thread's answer 0 does.
    """
    size = len(frequencies)
    time_offset = _draw(spec.get("time_offset", 0.0), size, rng)
    phase = _draw(spec.get("phase", 0.0), size, rng)
    amplitude = _draw(spec.get("amplitude", 1.0), size, rng)
    x = sine_series(
        frequencies, spec["n_samples"], amplitude=amplitude, time_offset=time_offset, phase=phase
    )
    snr_db = spec.get("snr_db")
    sigma = np.zeros(size) if snr_db is None else noise_sigma(amplitude, snr_db)
    if snr_db is not None:
        x = x + noise.from_spec(spec.get("noise")).draw(rng, x.shape, sigma)
    return {
        "x": x,
        "y": np.asarray(frequencies, dtype=float),
        "amplitude": amplitude,
        "time_offset": time_offset,
        "phase": phase,
        "noise_sigma": sigma,
    }


def _split_frequencies(split: dict, rng: np.random.Generator) -> np.ndarray:
    f = np.tile(frequency_list(split["frequencies"], rng), int(split.get("repeats", 1)))
    return rng.permutation(f) if split.get("shuffle", False) else f


def make_dataset(spec: dict) -> dict[str, dict]:
    """Train and test splits for a dataset spec (see ``config/schema.yaml``).

    The two splits come from independent random streams derived from ``spec["seed"]``.
    Either ``train`` (and optionally ``test``, else the same draw spec again) are given,
    or ``partition``: one pool of frequencies, shuffled, whose last ``test_size``
    become the test split (the thread's answer 2).
    """
    train_rng, test_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(spec["seed"]).spawn(2)
    )
    if "partition" in spec:
        pool = spec["partition"]
        f = train_rng.permutation(frequency_list(pool["frequencies"], train_rng))
        cut = len(f) - int(pool["test_size"])
        if cut <= 0:
            raise ValueError(
                f"partition.test_size {pool['test_size']} leaves no training series (pool {len(f)})"
            )
        train_f, test_f = f[:cut], f[cut:]
    else:
        train_f = _split_frequencies(spec["train"], train_rng)
        test_f = _split_frequencies(spec.get("test", spec["train"]), test_rng)
    return {
        "train": series_for(train_f, spec, train_rng),
        "test": series_for(test_f, spec, test_rng),
    }

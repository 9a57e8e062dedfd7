"""Fresh noisy series every epoch, drawn from a generator spec and reproducible from a seed.

A spec names the ranges the series are drawn from, uniform over each (a scalar fixes it)::

    {"frequency": [1, 49], "amplitude": [0.5, 2], "phase": [0, 6.283], "snr_db": [-10, 30]}

Frequencies are in cycles per window, the phase in radians at ``t = 0`` and the SNR
(``A^2 / (2 sigma^2)``, ``sigma^2`` the noise's marginal variance) in dB, drawn per series
and uniform in dB. A series is ``A * sin(f * t + phase) + noise`` on
``t = linspace(0, 2*pi, N)`` (see ``signals``); the noise is the spec's ``noise`` entry, a
:mod:`sinefreq.noise` model (white where not given).

With ``bound=True`` the targets carry each series' exact Cramer-Rao variance as a second
column, ``y = [f, crlb_var]``, which :class:`sinefreq.losses.BoundWeightedMSE` reads.

Importing this module does not load Keras (the workflow checks specs with
:func:`check_spec` while planning): :class:`SeriesDataset` is defined on first use.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from sinefreq import noise
from sinefreq.crlb import crlb_exact
from sinefreq.signals import RangeOrValue, noise_sigma, sine_series


class GeneratorSpec(BaseModel):
    """An estimator-regime model's ``generator`` settings: the ranges its training series
    are drawn from (``config/schema.yaml`` says the same; tests/test_settings.py keeps them
    equal). A value fixes a parameter; the SNR is uniform in dB."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    # cycles per window, inside (0, Nyquist)
    frequency: RangeOrValue = (1.0, 49.0)
    amplitude: RangeOrValue = (0.5, 2.0)
    # radians
    phase: RangeOrValue = (0.0, 2.0 * math.pi)
    # per-sample SNR in dB
    snr_db: RangeOrValue = (-10.0, 30.0)
    # the training series' noise, a sinefreq.noise model (None: white)
    noise: dict[str, Any] | None = None


# The ranges' defaults as a config writes them (lists), for a run's recorded settings.
DEFAULT_SPEC = {
    key: list(value) for key, value in GeneratorSpec().model_dump(exclude_none=True).items()
}
SPEC_KEYS = tuple(DEFAULT_SPEC)
# The noise model's config entry (sinefreq.noise), white where not given.
NOISE_KEY = "noise"


def span(value) -> tuple:
    """``(lo, hi)`` of a setting that is a constant or a ``[lo, hi]`` range."""
    return (value, value) if np.isscalar(value) else tuple(value)


def check_spec(spec: dict, n_samples: int) -> dict:
    """The spec with every range present (defaults from ``DEFAULT_SPEC``) as ``(lo, hi)``,
    and its noise model under ``noise``."""
    unknown = sorted(set(spec) - set(GeneratorSpec.model_fields))
    if unknown:
        raise ValueError(
            f"generator spec has unknown key(s) {', '.join(unknown)}; allowed: "
            f"{', '.join(GeneratorSpec.model_fields)}"
        )
    out = {}
    for key in SPEC_KEYS:
        value = spec.get(key, DEFAULT_SPEC[key])
        lo, hi = span(value)
        if not float(lo) <= float(hi):
            raise ValueError(f"generator spec {key}: need lo <= hi, got {value}")
        out[key] = (float(lo), float(hi))
    nyq = (n_samples - 1) / 2.0
    if not (out["frequency"][0] > 0.0 and out["frequency"][1] < nyq):
        raise ValueError(
            f"generator spec frequency {out['frequency']} must lie inside (0, {nyq}) (Nyquist)"
        )
    try:
        out[NOISE_KEY] = noise.from_spec(spec.get(NOISE_KEY))
    except (TypeError, ValueError) as err:
        raise ValueError(f"generator spec {NOISE_KEY}: {err}") from None
    return out


def draw(n_samples: int, spec: dict, size: int, rng: np.random.Generator) -> dict:
    """``size`` series and their parameters: arrays x, y, amplitude, phase, snr_db, crlb_var."""
    spec = check_spec(spec, n_samples)
    f, amplitude, phase, snr_db = (rng.uniform(*spec[key], size) for key in SPEC_KEYS)
    x = sine_series(f, n_samples, amplitude=amplitude, phase=phase)
    sigma = noise_sigma(amplitude, snr_db)
    x = x + spec[NOISE_KEY].draw(rng, x.shape, sigma)
    return {
        "x": x.astype("float32"),
        "y": f,
        "amplitude": amplitude,
        "phase": phase,
        "snr_db": snr_db,
        "crlb_var": crlb_exact(f, n_samples, snr_db, phase=phase, noise=spec[NOISE_KEY]),
    }


def targets(batch: dict, bound: bool) -> np.ndarray:
    """Model targets: ``f`` as ``(B, 1)``, or ``[f, crlb_var]`` as ``(B, 2)`` when ``bound``."""
    cols = [batch["y"], batch["crlb_var"]] if bound else [batch["y"]]
    return np.stack(cols, axis=1).astype("float32")


def validation_set(n_samples: int, spec: dict, size: int, seed: int) -> dict:
    """A fixed set drawn from its own stream (never one a training epoch can draw)."""
    # The training stream seeds with (seed, epoch, batch); a 2-word key cannot collide.
    return draw(n_samples, spec, size, np.random.default_rng([seed, 2**31 - 1]))


@functools.cache
def _dataset_class():
    import keras

    class SeriesDataset(keras.utils.PyDataset):
        """Batches of fresh series: batch ``i`` of epoch ``e`` depends only on ``(seed, e, i)``.

        Yields ``(x, y)`` with ``x`` of shape ``(batch_size, N)`` and ``y`` from :func:`targets`.
        """

        def __init__(
            self,
            n_samples: int,
            spec: dict,
            *,
            batch_size: int = 256,
            batches: int = 100,
            seed: int = 0,
            bound: bool = False,
            **kwargs,
        ):
            super().__init__(**kwargs)
            self.n_samples, self.spec = n_samples, check_spec(spec, n_samples)
            self.batch_size, self.batches, self.seed, self.bound = batch_size, batches, seed, bound
            self.epoch = 0

        def __len__(self) -> int:
            return self.batches

        def batch(self, index: int, epoch: int | None = None) -> dict:
            """Batch ``index`` of ``epoch`` (default: the current one) with all its parameters."""
            epoch = self.epoch if epoch is None else epoch
            rng = np.random.default_rng([self.seed, epoch, index])
            return draw(self.n_samples, self.spec, self.batch_size, rng)

        def __getitem__(self, index: int):
            if not 0 <= index < self.batches:
                raise IndexError(f"batch {index} out of range (0..{self.batches - 1})")
            b = self.batch(index)
            return b["x"], targets(b, self.bound)

        def on_epoch_end(self):
            self.epoch += 1

    return SeriesDataset


def __getattr__(name: str):
    if name == "SeriesDataset":
        return _dataset_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

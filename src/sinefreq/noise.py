"""Noise models: what is added to a series, behind one interface.

A model draws zero-mean Gaussian noise of a given marginal standard deviation ``sigma``
and gives its correlation matrix (the covariance divided by ``sigma^2``). The SNR is
``A^2 / (2 sigma^2)`` with ``sigma^2`` the marginal variance, whatever the model. Everything
else follows from these two: dataset generation and the training generator draw with
:meth:`NoiseModel.draw`, the Cramer-Rao bound inverts ``J' C^-1 J`` and least squares
becomes maximum likelihood by :meth:`NoiseModel.whiten`, which by default uses the
Cholesky factor of :meth:`NoiseModel.covariance`.

A config names a model as ``{model: <name>, <parameter>: <value>, ...}`` (``config/
schema.yaml``, ``$defs/noise``); :data:`MODELS` is the registry. A new model is a frozen
dataclass with its parameters as fields, checking them in ``__post_init__``, registered
with :func:`register`.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import ClassVar

import numpy as np

MODELS: dict[str, type[NoiseModel]] = {}
DEFAULT = {"model": "white"}


def register(cls: type[NoiseModel]) -> type[NoiseModel]:
    """Class decorator: make ``cls`` available to configs under ``cls.name``."""
    MODELS[cls.name] = cls
    return cls


class NoiseModel:
    """Zero-mean stationary Gaussian noise with unit marginal variance, scaled by ``sigma``."""

    name: ClassVar[str]
    # Whether the correlation matrix is the identity: then whitening is the identity and
    # least squares keeps its closed-form (white-noise) path.
    white: ClassVar[bool] = False

    def draw(self, rng: np.random.Generator, shape: tuple, sigma) -> np.ndarray:
        """Noise of ``shape`` (series along the last axis), each series scaled by its
        ``sigma`` (broadcast against ``shape[:-1]``)."""
        raise NotImplementedError

    def covariance(self, n_samples: int) -> np.ndarray:
        """The ``(n_samples, n_samples)`` correlation matrix of one series (unit diagonal)."""
        raise NotImplementedError

    def whiten(self, x) -> np.ndarray:
        """``L^-1 x`` along the last axis, where ``covariance = L L'``: white noise of unit
        variance stays so, and least squares on whitened data and model is the MLE."""
        x = np.asarray(x, dtype=float)
        factor = _cholesky(self, x.shape[-1])
        flat = x.reshape(-1, x.shape[-1])
        return np.linalg.solve(factor, flat.T).T.reshape(x.shape)

    def spec(self) -> dict:
        """The config entry that makes this model."""
        return {"model": self.name, **dataclasses.asdict(self)}


@functools.lru_cache(maxsize=32)
def _cholesky(model: NoiseModel, n_samples: int) -> np.ndarray:
    return np.linalg.cholesky(model.covariance(n_samples))


@register
@dataclasses.dataclass(frozen=True)
class White(NoiseModel):
    """Independent Gaussian samples."""

    name: ClassVar[str] = "white"
    white: ClassVar[bool] = True

    def draw(self, rng, shape, sigma):
        # One standard_normal call of the whole shape: the stream every dataset drew before
        # noise models existed, so white datasets are bit-for-bit the same.
        return np.asarray(sigma, dtype=float)[..., None] * rng.standard_normal(shape)

    def covariance(self, n_samples):
        return np.eye(n_samples)

    def whiten(self, x):
        return np.asarray(x, dtype=float)


@register
@dataclasses.dataclass(frozen=True)
class AR1(NoiseModel):
    """First-order autoregressive noise ``e[n] = rho e[n-1] + sqrt(1 - rho^2) z[n]``, started
    in its stationary distribution: correlation ``rho^|i - j|``, with ``-1 < rho < 1``."""

    name: ClassVar[str] = "ar1"
    rho: float

    def __post_init__(self):
        if isinstance(self.rho, bool) or not isinstance(self.rho, int | float):
            raise ValueError(f"rho must be a number, got {self.rho!r}")
        if not -1.0 < self.rho < 1.0:
            raise ValueError(f"rho must lie in (-1, 1) for stationary noise, got {self.rho!r}")

    @property
    def white(self) -> bool:
        return self.rho == 0

    def draw(self, rng, shape, sigma):
        e = rng.standard_normal(shape)
        scale = np.sqrt(1.0 - self.rho**2)
        # e[0] = z[0] has the stationary (unit) variance; the recursion keeps it. A loop
        # over samples, vectorised over series: series are short, batches wide.
        for n in range(1, shape[-1]):
            e[..., n] = self.rho * e[..., n - 1] + scale * e[..., n]
        return np.asarray(sigma, dtype=float)[..., None] * e

    def covariance(self, n_samples):
        lag = np.arange(n_samples)
        return float(self.rho) ** np.abs(lag[:, None] - lag[None, :])

    def whiten(self, x):
        # The inverse of the Cholesky factor of rho^|i-j|, as a two-tap filter.
        x = np.asarray(x, dtype=float)
        out = np.empty_like(x)
        out[..., 0] = x[..., 0]
        out[..., 1:] = (x[..., 1:] - self.rho * x[..., :-1]) / np.sqrt(1.0 - self.rho**2)
        return out


def parameters(cls: type[NoiseModel]) -> list[str]:
    """The parameters a model's config entry takes (besides ``model``)."""
    return [field.name for field in dataclasses.fields(cls)]


def from_spec(spec: dict | NoiseModel | None) -> NoiseModel:
    """The model a config entry names (None: white). Raises ValueError saying what is
    wrong and what is allowed."""
    if isinstance(spec, NoiseModel):
        return spec
    spec = DEFAULT if spec is None else spec
    if not isinstance(spec, dict):
        raise ValueError(f"a noise entry is a mapping such as {{model: white}}, got {spec!r}")
    name = spec.get("model")
    if name not in MODELS:
        raise ValueError(f"model {name!r} is not a noise model; known: {', '.join(sorted(MODELS))}")
    cls = MODELS[name]
    allowed = parameters(cls)
    given = {k: v for k, v in spec.items() if k != "model"}
    unknown = sorted(set(given) - set(allowed))
    missing = [p for p in allowed if p not in given]
    if unknown or missing:
        takes = f"takes {', '.join(allowed)}" if allowed else "takes no parameters"
        wrong = []
        if unknown:
            wrong.append(f"unknown {', '.join(unknown)}")
        if missing:
            wrong.append(f"missing {', '.join(missing)}")
        raise ValueError(f"model {name} {takes} ({'; '.join(wrong)})")
    return cls(**given)


def problems(spec, key: str) -> list[str]:
    """What is wrong with a config's noise entry at ``key``, as messages naming it."""
    try:
        from_spec(spec)
    except (TypeError, ValueError) as err:
        return [f"{key}: {err}"]
    return []


class Entry:
    """A :mod:`sinefreq.params` constraint: a noise model's config entry (or null, white),
    so that an estimator's ``noise`` option is checked like its other options."""

    def allows(self, value) -> bool:
        return value is None or not problems(value, "noise")

    def describe(self) -> str:
        return f"(a noise entry such as {{model: white}}; models: {', '.join(sorted(MODELS))})"

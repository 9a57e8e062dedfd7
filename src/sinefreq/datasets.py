"""A dataset: its settings, declared once with their types, defaults and constraints, and
the draw of its two splits.

:class:`DatasetSettings` is what a config's ``datasets.<name>`` entry may hold;
``config/schema.yaml`` says the same for Snakemake's ``validate`` and
``tests/test_settings.py`` keeps the two equal, key by key. The checks that need more than
one setting (bounds in order, Nyquist, ceilings) are :mod:`sinefreq.config`'s, which words
them as the config's other messages. The signal itself is :mod:`sinefreq.signals`' model,
the noise a :mod:`sinefreq.noise` model; this module only says which series to draw. (:func:`sinefreq.config.dataset_setting_problems` words
a spec's type errors as the config's other messages.)

Only the dataset step and the config checks import this module, so editing a dataset
setting's default re-runs the datasets (and what they feed), not the training code.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sinefreq import noise
from sinefreq.signals import (
    FREQUENCY_FORMS,
    RangeOrValue,
    frequency_count,
    frequency_list,
    noise_sigma,
    sine_series,
)

NonNegativeInt = Annotated[int, Field(ge=0)]
NonNegativeFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
# [low, high, count]: a frequency range drawn or spaced count times
FrequencyRange = Annotated[
    tuple[NonNegativeFloat, NonNegativeFloat, Annotated[int, Field(ge=1)]], Field(strict=False)
]


class _Settings(BaseModel):
    # strict: YAML's true is not an integer, nor "3" a number (as in the schema).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Frequencies(_Settings):
    """Exactly one form: the frequencies of a split, before repeats."""

    # inclusive [low, high], as the thread's range(low, high + 1)
    integers: Annotated[tuple[NonNegativeInt, NonNegativeInt], Field(strict=False)] | None = None
    linspace: FrequencyRange | None = None
    # count random draws, uniform over [low, high]
    uniform: FrequencyRange | None = None
    values: Annotated[list[NonNegativeFloat], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _one_form(self):
        given = [form for form in FREQUENCY_FORMS if getattr(self, form) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(FREQUENCY_FORMS)}; got {given}")
        return self

    @property
    def spec(self) -> dict:
        """``{form: args}``, as :mod:`sinefreq.signals`' frequency helpers take it."""
        return self.model_dump(exclude_none=True)


class Split(_Settings):
    frequencies: Frequencies
    # series per frequency: the list is tiled, as range(...) * repeats
    repeats: Annotated[int, Field(ge=1)] = 1
    shuffle: bool = False


class Partition(_Settings):
    """One shuffled pool of frequencies; its last ``test_size`` series are the test split."""

    frequencies: Frequencies
    test_size: Annotated[int, Field(ge=1)]


class DatasetSettings(_Settings):
    description: str | None = None
    # samples per series (N)
    n_samples: Annotated[int, Field(ge=4)]
    seed: NonNegativeInt
    amplitude: RangeOrValue = 1.0
    # the thread's offset o, sin(f * linspace(o, 2 pi + o, N)), in radians of t
    time_offset: RangeOrValue = 0.0
    # phase offset in radians
    phase: RangeOrValue = 0.0
    # per-sample SNR A^2 / (2 sigma^2) in dB; None: clean; a list: one dataset per level
    snr_db: float | Annotated[list[float], Field(min_length=1)] | None = None
    # a sinefreq.noise model by name with its parameters (checked by sinefreq.noise)
    noise: dict[str, Any] = {"model": "white"}
    # permit frequencies above Nyquist (the thread's answer 2 needs it)
    allow_aliasing: bool = False
    # numbers that describe the dataset, e.g. max_freq: the axes of sweep figures
    labels: dict[str, float] = {}
    train: Split | None = None
    # None: the train split's draw again, from the test split's own stream
    test: Split | None = None
    partition: Partition | None = None


def of(spec: dict | DatasetSettings) -> DatasetSettings:
    """The typed settings of a dataset's config ``spec``."""
    if isinstance(spec, DatasetSettings):
        return spec
    return DatasetSettings.model_validate(spec)


def series_counts(spec: dict | DatasetSettings) -> dict[str, int]:
    """Series in each split of a dataset, as :func:`make_dataset` draws them."""
    spec = _with_splits(of(spec))
    if spec.partition is not None:
        pool = frequency_count(spec.partition.frequencies.spec)
        return {"train": pool - spec.partition.test_size, "test": spec.partition.test_size}

    def count(split: Split) -> int:
        return frequency_count(split.frequencies.spec) * split.repeats

    return {"train": count(spec.train), "test": count(spec.test or spec.train)}


def _with_splits(spec: DatasetSettings) -> DatasetSettings:
    if (spec.partition is None) == (spec.train is None):
        raise ValueError("a dataset gives either train (and optionally test) or partition")
    return spec


def _draw(value, size: int, rng: np.random.Generator) -> np.ndarray:
    """A scalar as a constant column, or ``[lo, hi]`` as uniform draws."""
    if isinstance(value, list | tuple):
        return rng.uniform(float(value[0]), float(value[1]), size)
    return np.full(size, float(value))


def series_for(frequencies: np.ndarray, spec: DatasetSettings, rng: np.random.Generator) -> dict:
    """Series and their generating parameters for the given frequencies.

    Per-series draws happen in this order: time offset, phase, amplitude, noise, so that a
    dataset with only a time offset draws exactly as the thread's answer 0 does.
    """
    if isinstance(spec.snr_db, list):
        raise ValueError(
            f"snr_db {spec.snr_db}: a list of levels makes one dataset per level "
            "(sinefreq.config.expand_snr_levels); draw each level's dataset"
        )
    size = len(frequencies)
    time_offset = _draw(spec.time_offset, size, rng)
    phase = _draw(spec.phase, size, rng)
    amplitude = _draw(spec.amplitude, size, rng)
    x = sine_series(
        frequencies, spec.n_samples, amplitude=amplitude, time_offset=time_offset, phase=phase
    )
    sigma = np.zeros(size) if spec.snr_db is None else noise_sigma(amplitude, spec.snr_db)
    if spec.snr_db is not None:
        x = x + noise.from_spec(spec.noise).draw(rng, x.shape, sigma)
    return {
        "x": x,
        "y": np.asarray(frequencies, dtype=float),
        "amplitude": amplitude,
        "time_offset": time_offset,
        "phase": phase,
        "noise_sigma": sigma,
    }


def split_frequencies(split: Split, rng: np.random.Generator) -> np.ndarray:
    """A split's frequencies: its list tiled ``repeats`` times, shuffled if it says so."""
    f = np.tile(frequency_list(split.frequencies.spec, rng), split.repeats)
    return rng.permutation(f) if split.shuffle else f


def make_dataset(spec: dict | DatasetSettings) -> dict[str, dict]:
    """Train and test splits of a dataset (its config entry or typed settings).

    The two splits come from independent random streams derived from ``seed``. Either
    ``train`` (and optionally ``test``, else the same draw spec again) are given, or
    ``partition``: one pool of frequencies, shuffled, whose last ``test_size`` become the
    test split (the thread's answer 2).
    """
    spec = _with_splits(of(spec))
    train_rng, test_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(spec.seed).spawn(2)
    )
    if spec.partition is not None:
        pool = spec.partition
        f = train_rng.permutation(frequency_list(pool.frequencies.spec, train_rng))
        cut = len(f) - pool.test_size
        if cut <= 0:
            raise ValueError(
                f"partition.test_size {pool.test_size} leaves no training series (pool {len(f)})"
            )
        train_f, test_f = f[:cut], f[cut:]
    else:
        train_f = split_frequencies(spec.train, train_rng)
        test_f = split_frequencies(spec.test or spec.train, test_rng)
    return {
        "train": series_for(train_f, spec, train_rng),
        "test": series_for(test_f, spec, test_rng),
    }

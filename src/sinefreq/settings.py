"""A model's settings, declared once: each with its type, default and constraint.

One pydantic model per training regime (:class:`ThreadModel`, :class:`EstimatorModel`),
sharing what every model has (:class:`ModelSettings`). The train step, both regimes' fits
(:func:`sinefreq.training.fit`, :func:`sinefreq.regime.fit`) and the training benchmark take
these objects, so no other code keeps a list of the keys or a second set of defaults.

``config/schema.yaml`` says the same of ``models`` for Snakemake's ``validate`` (which fills
the defaults a run's params record); ``tests/test_settings.py`` keeps the two equal.
:func:`problems` words pydantic's errors as the config's other checks do: the dotted key,
the value given and what is allowed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sinefreq import params

PositiveInt = Annotated[int, Field(ge=1)]
PositiveFloat = Annotated[float, Field(gt=0)]
# The series lengths an any-length network may be trained for (sinefreq.any_length): its
# padded spectrum needs a few bins around the peak at the short end, and a batch of the
# longest series must fit in memory at the long end.
# (the lengths one network is trained on by default are sinefreq.any_length's)
SHORTEST_SERIES, LONGEST_SERIES = 16, 65536
Length = Annotated[int, Field(ge=SHORTEST_SERIES, le=LONGEST_SERIES)]


class ModelSettings(BaseModel):
    """What every model has: a registered builder, its hyper-parameters, a label."""

    # strict: YAML's true is not an integer, nor "3" a number (as in the schema).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    description: str | None = None
    # a builder in sinefreq.models.ARCHITECTURES
    architecture: str
    # keyword arguments of the builder; its defaults are the thread's
    hyperparameters: dict[str, Any] = {}
    # the leaderboard's row label; unset: thread in the thread regime, learned in the other
    kind: Literal["learned", "hybrid", "thread"] | None = None
    learning_rate: PositiveFloat = 0.001


class ThreadModel(ModelSettings):
    """Fit the dataset's training split, as the thread did."""

    regime: Literal["thread"] = "thread"
    loss: Literal["mean_squared_error", "mean_absolute_error", "huber", "log_cosh"] = (
        "mean_squared_error"
    )
    epochs: PositiveInt
    batch_size: PositiveInt = 32
    optimizer: Literal["adam", "adamw", "sgd", "rmsprop", "nadam"] = "adam"
    # None: Keras' default, 1e-7 (the thread's Keras 2.0 Adam used 1e-8)
    epsilon: PositiveFloat | None = None
    # validate (the learning curves' test-split loss) every this many epochs and after the last
    validation_freq: PositiveInt = 10
    target_scaling: Literal["none", "minmax"] = "none"


class EstimatorModel(ModelSettings):
    """Fresh series from ``generator`` every epoch, a fixed validation set, early stopping."""

    regime: Literal["estimator"]
    loss: Literal["bound", "mse"] = "bound"
    epochs: PositiveInt = 200
    batch_size: PositiveInt = 256
    # the ranges each training series is drawn from (sinefreq.generator.check_spec)
    generator: dict[str, Any] = {}
    batches_per_epoch: PositiveInt = 100
    patience: PositiveInt = 15
    max_minutes: PositiveFloat | None = None
    # cap a series' squared error at this many times its bound (None: no cap)
    clip: PositiveFloat | None = None
    val_size: PositiveInt = 4096
    # [shortest, longest] series an any-length architecture is trained on and serves
    # (sinefreq.any_length); unset: the training dataset's length only
    lengths: Annotated[list[Length], Field(min_length=2, max_length=2)] | None = None
    # another estimator-regime model of the config whose trained network this one takes
    # instead of training (its run on the same dataset and seed; sinefreq.config checks that
    # the settings match but for layers without weights, e.g. Gauss-Newton steps); None:
    # trained as the settings say
    weights_from: str | None = None

    @field_validator("lengths")
    @classmethod
    def _shortest_first(cls, lengths):
        if lengths is not None and lengths[0] > lengths[1]:
            raise ValueError("[shortest, longest], the shortest first")
        return lengths


REGIMES: dict[str, type[ModelSettings]] = {"thread": ThreadModel, "estimator": EstimatorModel}
DEFAULT_REGIME = "thread"


def regime_keys() -> dict[str, tuple[str, ...]]:
    """Each regime's keys that the other regime lacks, in declaration order."""
    return {
        name: tuple(
            key
            for key in cls.model_fields
            if not any(key in other.model_fields for other in REGIMES.values() if other is not cls)
        )
        for name, cls in REGIMES.items()
    }


class SettingsError(ValueError):
    """A model's settings are not allowed; the message names each key at fault."""


def of(spec: dict, key: str = "model") -> ThreadModel | EstimatorModel:
    """The typed settings of a model's config ``spec`` (named ``key`` in messages)."""
    found = problems(spec, key)
    if found:
        raise SettingsError("; ".join(found))
    return REGIMES[spec.get("regime", DEFAULT_REGIME)].model_validate(spec)


def replace(settings: ModelSettings, **changes) -> ModelSettings:
    """``settings`` with ``changes``, validated as a config's would be."""
    return of({**settings.model_dump(exclude_unset=True), **changes})


def problems(spec: dict, key: str) -> list[str]:
    """What is wrong with a model's config ``spec``, each problem naming the dotted key
    (``key``.setting), the value given and what is allowed."""
    regime = spec.get("regime", DEFAULT_REGIME)
    if regime not in REGIMES:
        allowed = ", ".join(REGIMES)
        return [f"{key}.regime: {regime!r} is not allowed; allowed: {allowed}"]
    try:
        REGIMES[regime].model_validate(spec)
    except ValidationError as err:
        return _worded(err, spec, key, regime)
    return []


def _worded(err: ValidationError, spec: dict, key: str, regime: str) -> list[str]:
    """pydantic's errors in the config's words; keys of the other regime in one line."""
    found, misplaced = [], {}
    other_keys = {k: r for r, keys in regime_keys().items() if r != regime for k in keys}
    for error in err.errors():
        field = error["loc"][0] if error["loc"] else None
        if error["type"] == "extra_forbidden" and field in other_keys:
            misplaced.setdefault(other_keys[field], []).append(field)
        else:
            known = ", ".join(REGIMES[regime].model_fields)
            unknown = f"unknown setting for regime {regime}; known: {known}"
            found.append(params.validation_problem(error, key, unknown))
    for other, keys in misplaced.items():
        found.insert(
            0,
            f"{key}: {', '.join(keys)} only apply with regime: {other}, and this model has "
            f"regime: {regime}; remove them or set regime: {other}",
        )
    return found

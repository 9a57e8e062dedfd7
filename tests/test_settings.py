"""The typed model settings (sinefreq.settings): defaults, constraints, messages, and the
schema's `models` fragment agreeing with them setting by setting."""

import re
import types
import typing

import annotated_types
import pytest
import yaml
from pydantic_core import PydanticUndefined

from sinefreq import config as study
from sinefreq import datasets, generator, settings

from .conftest import ROOT

SCHEMA = yaml.safe_load((ROOT / "config" / "schema.yaml").read_text())
MODELS = SCHEMA["properties"]["models"]["additionalProperties"]
# The schema's branch for each regime: its `if` selects the estimator regime.
BRANCH = {"estimator": MODELS["then"], "thread": MODELS["else"]}


def schema_facts(regime: str, key: str) -> dict:
    """What the schema says of ``key`` in ``regime``: its base entry, then the branch's."""
    entry = {**MODELS["properties"][key], **BRANCH[regime].get("properties", {}).get(key, {})}
    types = entry.get("type", "string" if "enum" in entry else None)
    required = key in MODELS["required"] + BRANCH[regime].get("required", [])
    facts = {
        "types": set(types if isinstance(types, list) else [types]),
        "enum": set(entry["enum"]) if "enum" in entry else None,
        "gt": entry.get("exclusiveMinimum"),
        "ge": entry.get("minimum"),
        "required": required,
        "default": entry.get("default"),
    }
    return facts


# Settings whose default is null in the schema too (an explicit "none").
NULL_DEFAULTS = ("max_minutes", "clip")
JSON_TYPES = {
    int: "integer",
    float: "number",
    str: "string",
    dict: "object",
    list: "array",
    type(None): "null",
}


def _members(annotation) -> tuple:
    """The alternatives of a union (``X | None``), or the annotation alone."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def model_facts(cls, key: str) -> dict:
    """The same facts read from the pydantic field."""
    field = cls.model_fields[key]
    kinds, enum, metadata = set(), None, list(field.metadata)
    for member in _members(field.annotation):
        if typing.get_origin(member) is typing.Annotated:  # a constrained type in a union
            member, *extra = typing.get_args(member)
            metadata += [m for info in extra for m in info.metadata]
        if typing.get_origin(member) is typing.Literal:
            enum = set(typing.get_args(member))
            kinds.add("string")
        else:
            kinds.add(JSON_TYPES[typing.get_origin(member) or member])
    default = None if field.default is PydanticUndefined else field.default
    # A None default on a field the schema does not let be null means "unset" (epsilon,
    # description, kind): the schema leaves such a key out rather than filling null.
    if default is None and not field.is_required() and key not in NULL_DEFAULTS:
        kinds.discard("null")
    return {
        "types": kinds,
        "enum": enum,
        "gt": next((m.gt for m in metadata if isinstance(m, annotated_types.Gt)), None),
        "ge": next((m.ge for m in metadata if isinstance(m, annotated_types.Ge)), None),
        "required": field.is_required(),
        "default": default,
    }


@pytest.mark.parametrize("regime", sorted(settings.REGIMES))
def test_schema_and_settings_models_agree(regime):
    cls = settings.REGIMES[regime]
    declared = set().union(*(c.model_fields for c in settings.REGIMES.values()))
    assert set(MODELS["properties"]) == declared
    for key in cls.model_fields:
        if key == "regime":  # the selector: the schema's `if`, checked below
            continue
        assert model_facts(cls, key) == schema_facts(regime, key), f"{regime}: {key}"
    # Keys of the other regime only: the schema must not fill their defaults here.
    for key in study.REGIME_KEYS[next(r for r in settings.REGIMES if r != regime)]:
        assert "default" not in BRANCH[regime].get("properties", {}).get(key, {}), key


def test_schema_and_settings_agree_on_the_any_length_limits():
    items = MODELS["properties"]["lengths"]["items"]
    assert (items["minimum"], items["maximum"]) == (
        settings.SHORTEST_SERIES,
        settings.LONGEST_SERIES,
    )


def test_schema_and_library_agree_on_the_keras_backends():
    """The study's default backend is the one `sinefreq estimate` runs a model on."""
    from sinefreq import training

    entry = SCHEMA["properties"]["keras_backend"]
    assert (entry["default"], tuple(entry["enum"])) == (training.DEFAULT_BACKEND, training.BACKENDS)


def test_regime_selector_matches_the_schema():
    entry = MODELS["properties"]["regime"]
    assert set(entry["enum"]) == set(settings.REGIMES)
    assert entry["default"] == settings.DEFAULT_REGIME
    assert MODELS["if"]["properties"]["regime"]["const"] == "estimator"
    assert settings.ThreadModel.model_fields["regime"].default == "thread"


def test_regime_keys_are_derived_from_the_models():
    assert study.REGIME_KEYS == {
        "thread": ("optimizer", "epsilon", "validation_freq", "target_scaling"),
        "estimator": (
            "generator",
            "batches_per_epoch",
            "patience",
            "max_minutes",
            "clip",
            "val_size",
            "lengths",
            "weights_from",
        ),
    }


def test_defaults():
    thread = settings.of({"architecture": "a2_dnn", "epochs": 5})
    assert isinstance(thread, settings.ThreadModel)
    assert (thread.loss, thread.optimizer, thread.learning_rate) == (
        "mean_squared_error",
        "adam",
        1e-3,
    )
    assert (thread.batch_size, thread.validation_freq, thread.epsilon) == (32, 10, None)
    estimator = settings.of({"architecture": "spectral_peak", "regime": "estimator"})
    assert isinstance(estimator, settings.EstimatorModel)
    assert (estimator.epochs, estimator.batch_size, estimator.loss) == (200, 256, "bound")
    assert (estimator.patience, estimator.val_size, estimator.batches_per_epoch) == (15, 4096, 100)
    assert (estimator.clip, estimator.max_minutes, estimator.generator) == (None, None, {})


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"epochs": 0},
            "models.m.epochs: 0 is not allowed; it should be greater than or equal to 1",
        ),
        (
            {"epochs": 3, "epsilon": 0},
            "models.m.epsilon: 0 is not allowed; it should be greater than 0",
        ),
        ({"epochs": True}, "models.m.epochs: True is not allowed; it should be a valid integer"),
        ({"epochs": "3"}, "models.m.epochs: '3' is not allowed; it should be a valid integer"),
        (
            {"epochs": 3, "optimizer": "adagrad"},
            "models.m.optimizer: 'adagrad' is not allowed; it should be 'adam', 'adamw', 'sgd', "
            "'rmsprop' or 'nadam'",
        ),
        ({}, "models.m.epochs: required, and not given"),
        (
            {"epochs": 3, "patience": 4, "clip": 2},
            "models.m: patience, clip only apply with regime: estimator, and this model has "
            "regime: thread; remove them or set regime: estimator",
        ),
        (
            {"regime": "estimator", "optimizer": "sgd"},
            "models.m: optimizer only apply with regime: thread, and this model has regime: "
            "estimator; remove them or set regime: thread",
        ),
        (
            {"regime": "estimator", "clip": -1.0},
            "models.m.clip: -1.0 is not allowed; it should be greater than 0",
        ),
        (
            {"regime": "fresh"},
            "models.m.regime: 'fresh' is not allowed; allowed: thread, estimator",
        ),
        ({"epochs": 3, "epoch": 3}, "models.m.epoch: unknown setting for regime thread; known: "),
        (
            {"regime": "estimator", "lengths": [256, 32]},
            "models.m.lengths: [256, 32] is not allowed; it should be [shortest, longest], "
            "the shortest first",
        ),
        (
            {"regime": "estimator", "lengths": [8, 32]},
            "models.m.lengths.0: 8 is not allowed; it should be greater than or equal to 16",
        ),
    ],
)
def test_problems_name_the_key_the_value_and_what_is_allowed(spec, message):
    found = settings.problems({"architecture": "a2_dnn", **spec}, "models.m")
    assert any(p.startswith(message) for p in found), found
    with pytest.raises(settings.SettingsError, match="models.m"):
        settings.of({"architecture": "a2_dnn", **spec}, "models.m")


def test_replace_validates_the_change():
    base = settings.of({"architecture": "a2_dnn", "epochs": 5, "epsilon": 1e-8})
    changed = settings.replace(base, epochs=2)
    assert (changed.epochs, changed.epsilon) == (2, 1e-8)
    with pytest.raises(settings.SettingsError, match=r"model\.epochs: 0 is not allowed"):
        settings.replace(base, epochs=0)


@pytest.mark.parametrize("name", ["config.yaml", "test.yaml"])
def test_every_shipped_model_gives_typed_settings(name):
    cfg = study.load(ROOT / "config" / name, ROOT / "config" / "schema.yaml")
    for model in cfg["models"]:
        typed = settings.of(study.training_settings(cfg, model), f"models.{model}")
        resolved = study.training_settings(cfg, model)
        # Every setting the config resolves is the typed object's (none dropped, none changed).
        assert {k: getattr(typed, k) for k in resolved} == resolved


# The dataset settings (sinefreq.datasets) and the generator's (sinefreq.generator) against
# the schema: the same keys, required ones and defaults at every level.
DATASETS = SCHEMA["properties"]["datasets"]["additionalProperties"]
DEFS = SCHEMA["$defs"]


def _plain(value):
    """A default as YAML writes it: tuples are lists."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _resolved(entry: dict) -> dict:
    """A schema entry with its ``$ref`` followed (keeping the entry's own keys)."""
    if "$ref" in entry:
        return {**DEFS[entry["$ref"].rsplit("/", 1)[1]], **entry}
    return entry


def _declared(cls) -> dict:
    return {
        key: None if field.is_required() else _plain(field.default)
        for key, field in cls.model_fields.items()
    }


def _schema_declared(entry: dict) -> dict:
    entry = _resolved(entry)
    return {
        key: None if key in entry.get("required", []) else sub.get("default")
        for key, sub in entry["properties"].items()
    }


@pytest.mark.parametrize(
    "cls, entry",
    [
        (datasets.DatasetSettings, DATASETS),
        (datasets.Split, DEFS["split"]),
        (datasets.Partition, DATASETS["properties"]["partition"]),
        (datasets.Frequencies, DEFS["frequencies"]),
    ],
    ids=["dataset", "split", "partition", "frequencies"],
)
def test_schema_and_dataset_settings_agree(cls, entry):
    assert _declared(cls) == _schema_declared(entry)
    required = {k for k, f in cls.model_fields.items() if f.is_required()}
    assert required == set(_resolved(entry).get("required", []))


def test_schema_and_generator_settings_agree():
    entry = MODELS["properties"]["generator"]
    assert set(entry["properties"]) == set(generator.GeneratorSpec.model_fields)
    # The schema fills {} and names the defaults in words: each default is in them.
    for key, value in generator.DEFAULT_SPEC.items():
        shown = f"{key} [{value[0]:g}, {value[1]:g}]".replace("6.28319", "2 pi")
        assert shown in " ".join(entry["description"].split()), shown


def test_dataset_settings_fill_the_defaults_the_draw_uses():
    spec = datasets.of({"n_samples": 8, "seed": 0, "train": {"frequencies": {"integers": [1, 3]}}})
    assert (spec.amplitude, spec.time_offset, spec.phase, spec.snr_db) == (1.0, 0.0, 0.0, None)
    assert (spec.train.repeats, spec.train.shuffle, spec.test) == (1, False, None)
    assert datasets.series_counts(spec) == {"train": 3, "test": 3}


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"n_samples": 3, "seed": 0}, r"d\.n_samples: 3 is not allowed; it should be greater than or equal to 4"),
        ({"n_samples": 8, "seed": True}, r"d\.seed: True is not allowed; it should be a valid integer"),
        ({"n_samples": 8, "seed": 0, "colour": 1}, r"d\.colour: unknown setting"),
        ({"seed": 0}, r"d\.n_samples: required, and not given"),
        (
            {"n_samples": 8, "seed": 0, "train": {"frequencies": {"integers": [1, 2], "values": [3]}}},
            r"d\.train\.frequencies: .* give exactly one of integers, linspace, uniform, values",
        ),
    ],
)  # fmt: skip
def test_dataset_settings_problems_name_the_key(spec, message):
    found = study.dataset_setting_problems(spec, "d")
    assert any(re.search(message, p) for p in found), found

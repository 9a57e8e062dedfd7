"""Checks and queries on a study config, beyond what ``config/schema.yaml`` can say.

The schema (applied by Snakemake's ``validate``) catches misspelt keys, wrong types,
impossible values and unsafe names; :func:`check` catches what needs the library or
relates two values: unknown architectures, estimators and their options (checked against
the annotated signatures), ranges given high to low, names an experiment uses but nobody
defined, frequencies above Nyquist, a test split larger than its pool, a dataset too big
to hold. Every message names the dotted key, the value given and what is allowed.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
from pathlib import Path
from typing import NamedTuple

import pydantic

from sinefreq import (
    any_length,
    classical,
    estimators,
    generator,
    models,
    noise,
    params,
    paths,
    signals,
    thread,
)
from sinefreq import datasets as dataset_settings
from sinefreq import settings as model_settings

# Names of datasets, models, experiments and estimators become file paths and Snakemake
# wildcards. The schema says the same (propertyNames); a test keeps the two equal. Python's
# `$` also matches before a final newline, so `(?!\n)` refuses one; in ECMA-262 (another
# JSON-schema validator) it is always true. Match names with :func:`is_name`.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$(?!\n)"

# The config's mappings whose keys are names.
NAMED_SECTIONS = ("datasets", "models", "experiments", "classical")

# Default ceiling on one dataset's series x samples (float64 each), as in the schema: a
# typo in `repeats` should stop the plan, not fill the disk.
MAX_DATASET_VALUES = 2e8
BYTES_PER_VALUE = 8

# Every ceiling on what a setting allocates or costs, with its default: each is a top-level
# config key (the schema declares the same defaults; a test keeps them equal), so a study
# that means a bigger size raises it there. A slip of a few zeros stops the plan instead of
# a job hours later. The default study uses at most 1/50 of each.
CEILINGS = {
    # values (float64) held at once: a dataset, a model's validation set (val_size series),
    # a classical estimator's zero-padded spectra of one split (series x pad x samples)
    "max_dataset_values": MAX_DATASET_VALUES,
    # values in one training batch, batch_size x samples (the study's largest: 128,000)
    "max_batch_values": 1e7,
    # values one model's training draws or passes over in all its epochs, or one classical
    # estimator's iterations pass over (the study's largest: 1.5e10)
    "max_training_values": 1e12,
    # training steps (batches) of one model over all its epochs (the study's largest: 3e5)
    "max_training_steps": 1e7,
}


class ConfigError(ValueError):
    """The study config is inconsistent; the message names the key at fault."""


class Run(NamedTuple):
    dataset: str
    model: str
    seed: int

    @property
    def path(self) -> str:
        """The run's identity as a relative path (:data:`sinefreq.paths.RUN`)."""
        return paths.fill(paths.RUN, **self._asdict())


def is_name(text) -> bool:
    """Whether ``text`` is a safe name, the whole string (:data:`NAME_PATTERN`)."""
    return isinstance(text, str) and re.fullmatch(NAME_PATTERN, text) is not None


def load(path, schema_path) -> dict:
    """A study config file as the workflow sees it: read (refusing keys written twice),
    its names checked, validated against the schema (its defaults filled in, as
    Snakemake's ``validate`` does), then checked and expanded by :func:`prepare`."""
    from snakemake.utils import validate

    config = read(path)
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: a study config is a mapping of keys (datasets, models, ...)")
    check_before_schema(config)
    validate(config, str(schema_path))
    return prepare(config)


def read(path):
    """A YAML (or JSON) config file, read with YAML's safe types; a key written twice in
    one mapping raises :class:`ConfigError` naming it and both lines."""
    import yaml

    try:
        return yaml.load(Path(path).read_text(), Loader=_strict_loader())
    except _DuplicateKey as dup:
        raise ConfigError(f"{path}: {dup}") from None


def check_files(paths) -> None:
    """:func:`read` each config file (as Snakemake loaded them, without this check):
    raise :class:`ConfigError` on a key written twice. A file YAML cannot parse is left to
    Snakemake's loader, which has reported it already."""
    import yaml

    for path in paths:
        with contextlib.suppress(yaml.YAMLError):
            read(path)


class _DuplicateKey(Exception):
    pass


@functools.cache
def _strict_loader():
    """A ``yaml.SafeLoader`` that refuses a key written twice in one mapping, with both
    line numbers. Keys a merge (``<<: *anchor``) brings in and the mapping overrides are
    not duplicates: only keys literally written twice are."""
    import yaml

    class StrictLoader(yaml.SafeLoader):
        def get_single_data(self):
            node = self.get_single_node()
            self.paths = {}
            self._record_paths(node, "")
            return None if node is None else self.construct_document(node)

        def _record_paths(self, node, path):
            if id(node) in self.paths or not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
                return
            self.paths[id(node)] = path
            if isinstance(node, yaml.SequenceNode):
                for i, item in enumerate(node.value):
                    self._record_paths(item, f"{path}[{i}]")
                return
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else "?"
                self._record_paths(value, f"{path}.{name}" if path else name)

        def construct_mapping(self, node, deep=False):
            if isinstance(node, yaml.MappingNode):
                seen = {}
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    key = self.construct_object(key_node, deep=True)
                    line = key_node.start_mark.line + 1
                    try:
                        first = seen.get(key)
                    except TypeError:  # an unhashable key: the base class reports it
                        continue
                    if first is not None:
                        where = self.paths.get(id(node), "")
                        place = f"in '{where}'" if where else "at the top level"
                        raise _DuplicateKey(
                            f"key '{_yaml_text(key)}' appears twice {place}, at lines "
                            f"{first} and {line}; keep one"
                        )
                    seen[key] = line
            return super().construct_mapping(node, deep=deep)

    return StrictLoader


def _yaml_text(value) -> str:
    """A scalar as YAML writes it (null, true, 1.5, text)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_before_schema(config) -> None:
    """Problems the schema would misreport: a name YAML read as a number, boolean or null
    (the schema's name pattern applies to strings only)."""
    problems = _name_key_problems(config)
    if problems:
        raise ConfigError("invalid config:\n  - " + "\n  - ".join(problems))


_YAML_KINDS = {bool: "a boolean", int: "an integer", float: "a float", type(None): "null"}


def _name_problems(config) -> list[str]:
    """Names (strings) that are not whole-string matches of :data:`NAME_PATTERN`: the
    schema refuses them too, but :func:`check` must not rely on it."""
    return [
        f"{section}: the name {key!r} is not allowed; a name must match {NAME_PATTERN} "
        "(it becomes a file path and a wildcard)"
        for section in NAMED_SECTIONS
        if isinstance(config.get(section), dict)
        for key in config[section]
        if isinstance(key, str) and not is_name(key)
    ]


def _name_key_problems(config) -> list[str]:
    if not isinstance(config, dict):
        return []
    problems = []
    for section in NAMED_SECTIONS:
        names = config.get(section)
        if not isinstance(names, dict):
            continue
        for key in names:
            if isinstance(key, str):
                continue
            kind = _YAML_KINDS.get(type(key), f"a {type(key).__name__}")
            text = _yaml_text(key)
            problems.append(
                f"{section}: the name {text} is read by YAML as {kind}; quote it "
                f"('{text}', or as you wrote it) to use it as a name"
            )
    return problems


def prepare(config: dict) -> dict:
    """:func:`check`, then expand SNR lists into datasets; returns ``config``, modified.

    Checking first lets messages name the datasets as the user wrote them.
    """
    check(config)
    expand_snr_levels(config)
    return config


def snr_dataset_name(name: str, snr_db: float) -> str:
    return f"{name}_snr{snr_db:g}dB"


def snr_family(name: str, snr_db: float | None) -> str:
    """The dataset whose SNR list made dataset ``name`` (``noise_snr10dB`` -> ``noise``);
    ``name`` itself for any other."""
    return name if snr_db is None else name.removesuffix(snr_dataset_name("", snr_db))


def dataset_families(config: dict) -> dict[str, list[str]]:
    """Every dataset of a prepared ``config`` by the entry that made it: an SNR list's
    levels under the list's name, any other dataset alone, in the config's order. The
    dataset, bound and classical rules run one job per family."""
    families: dict[str, list[str]] = {}
    for name, spec in config["datasets"].items():
        families.setdefault(snr_family(name, spec.get("snr_db")), []).append(name)
    return families


def expand_snr_levels(config: dict) -> None:
    """Replace each dataset whose ``snr_db`` is a list by one dataset per level.

    ``noise`` with ``snr_db: [0, 10]`` becomes ``noise_snr0dB`` and ``noise_snr10dB``,
    each labelled with its ``snr_db``; experiments that name ``noise`` in ``datasets`` or
    ``evaluate_on`` get all levels.
    Modifies ``config`` in place (Snakemake's config, which the jobs also see).
    """
    config["datasets"], config["experiments"] = _expanded(config)


def _expanded(config: dict) -> tuple[dict, dict]:
    """The datasets and experiments :func:`expand_snr_levels` makes, ``config`` untouched."""
    datasets, levels_of = {}, {}
    for name, spec in config["datasets"].items():
        levels = spec.get("snr_db")
        if not isinstance(levels, list):
            datasets[name] = spec
            continue
        levels_of[name] = []
        for level in levels:
            level_name = snr_dataset_name(name, level)
            labels = {**spec.get("labels", {}), "snr_db": level}
            datasets[level_name] = {**spec, "snr_db": level, "labels": labels}
            levels_of[name].append(level_name)

    def expand(names):
        return [d for n in names for d in levels_of.get(n, [n])]

    experiments = {
        name: {
            **exp,
            **{key: expand(exp[key]) for key in ("datasets", "evaluate_on") if key in exp},
        }
        for name, exp in config["experiments"].items()
    }
    return datasets, experiments


def check(config: dict) -> None:
    """Raise :class:`ConfigError` listing every problem found in ``config``."""
    plain = _name_key_problems(config) + _name_problems(config) + _plain_value_problems(config)
    if plain:
        # The other checks assume YAML's plain types; report these alone.
        raise ConfigError("invalid config:\n  - " + "\n  - ".join(plain))
    datasets, experiments = _expanded(config)
    problems = [
        *_dataset_problems(config),
        *_dataset_name_problems(config),
        *_model_problems(config),
        *_weights_from_problems(config),
        *_experiment_problems(config, datasets, experiments),
        *_regime_problems(config, datasets, experiments),
        *_classical_problems(config),
        *_training_size_problems(config, datasets, experiments),
        *_classical_size_problems(config, datasets),
    ]
    if problems:
        raise ConfigError("invalid config:\n  - " + "\n  - ".join(problems))


PLAIN_TYPES = (dict, list, str, int, float, bool, type(None))


def _plain_value_problems(node, key: str = "") -> list[str]:
    """Anything but YAML's plain types (which Snakemake's YAML loader lets through as
    ``!!python/name`` and kin) has no place in a study config."""
    if isinstance(node, dict):
        return [
            p
            for k, v in node.items()
            for p in _plain_value_problems(v, f"{key}.{k}" if key else str(k))
        ]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _plain_value_problems(v, f"{key}[{i}]")]
    if isinstance(node, PLAIN_TYPES):
        return []
    return [
        f"{key}: a {type(node).__name__} is not a plain YAML value (use numbers, strings, lists, mappings)"
    ]


def _dataset_problems(config: dict) -> list[str]:
    ceiling = config.get("max_dataset_values", MAX_DATASET_VALUES)
    problems = []
    for name, spec in config["datasets"].items():
        key = f"datasets.{name}"
        typed = dataset_setting_problems(spec, key)
        if typed:
            problems += typed
            continue
        if ("partition" in spec) == ("train" in spec):
            problems.append(
                f"{key}: give either 'train' (and optionally 'test') or 'partition', not both or neither"
            )
            continue
        if "partition" in spec and "test" in spec:
            problems.append(
                f"{key}: 'test' has no meaning beside 'partition' (its test split is part of the pool)"
            )
        for field in ("amplitude", "time_offset", "phase"):
            problems += _range_problems(f"{key}.{field}", spec.get(field))
        problems += _snr_problems(f"{key}.snr_db", spec.get("snr_db"))
        problems += _noise_problems(f"{key}.noise", spec)
        split_problems = [
            p
            for split in ("train", "test", "partition")
            if split in spec
            for p in _split_problems(f"{key}.{split}", spec[split], spec)
        ]
        problems += split_problems
        if not split_problems:
            problems += _size_problems(key, spec, ceiling)
    return problems


def dataset_setting_problems(spec: dict, key: str) -> list[str]:
    """What the typed settings (:class:`sinefreq.datasets.DatasetSettings`) refuse in a
    dataset's ``spec``, each problem naming the dotted key under ``key``, the value given
    and what is allowed."""
    try:
        dataset_settings.DatasetSettings.model_validate(spec)
    except pydantic.ValidationError as err:
        return [params.validation_problem(error, key) for error in err.errors()]
    return []


def _range_problems(key: str, value) -> list[str]:
    """A constant, or ``[low, high]`` with both finite and ``low <= high``."""
    bounds = value if isinstance(value, list) else [value]
    if all(math.isfinite(b) for b in bounds) and bounds == sorted(bounds):
        return []
    return [
        f"{key}: {value!r} is not allowed; give a finite number or [low, high] with low <= high"
    ]


def _snr_problems(key: str, snr_db) -> list[str]:
    """Each level finite: an infinite SNR is a clean series (null), a NaN one is nothing."""
    levels = snr_db if isinstance(snr_db, list) else [snr_db]
    at = (lambda i: f"{key}[{i}]") if isinstance(snr_db, list) else (lambda i: key)
    return [
        f"{at(i)}: {level!r} is not allowed; give a finite level in dB (null for clean series)"
        for i, level in enumerate(levels)
        if level is not None and not math.isfinite(level)
    ]


def _noise_problems(key: str, spec: dict) -> list[str]:
    """A known noise model with its parameters, and noise only on noisy data."""
    if "noise" not in spec:
        return []
    found = noise.problems(spec["noise"], key)
    if not found and spec.get("snr_db") is None and not noise.from_spec(spec["noise"]).white:
        found.append(
            f"{key}: {spec['noise']['model']} noise on a clean dataset (snr_db null) has no "
            "effect; set snr_db or remove noise"
        )
    return found


def _split_problems(key: str, split: dict, spec: dict) -> list[str]:
    problems = _frequency_problems(f"{key}.frequencies", split["frequencies"])
    if problems:
        return problems
    top = signals.highest_frequency(split["frequencies"])
    limit = signals.nyquist(spec["n_samples"])
    if top > limit and not spec.get("allow_aliasing", False):
        dataset = key.rsplit(".", 1)[0]
        problems.append(
            f"{key}.frequencies reaches {top:g} cycles per window, above Nyquist "
            f"{limit:g} for n_samples {spec['n_samples']}; lower it or set {dataset}.allow_aliasing: true"
        )
    if "test_size" in split:
        pool = signals.frequency_count(split["frequencies"])
        if split["test_size"] >= pool:
            problems.append(
                f"{key}.test_size: {split['test_size']} is not allowed; the pool "
                f"({key}.frequencies) holds {pool} series, so at most {pool - 1} "
                "can be tested and at least one left to train on"
            )
    return problems


# What each frequency form's list holds; the schema has checked lengths and types.
_FREQUENCY_SHAPES = {"integers": "[low, high]", "linspace": "[low, high, count]"}


def _frequency_problems(key: str, spec: dict) -> list[str]:
    """Bounds in order, so that no form draws from an inverted range (the typed settings,
    sinefreq.datasets, have checked they are finite)."""
    ((form, args),) = spec.items()
    if form != "values" and args[0] > args[1]:
        shape = _FREQUENCY_SHAPES.get(form, "[low, high, count]")
        return [f"{key}.{form}: {args!r} is not allowed; give {shape} with low <= high"]
    return []


def _size_problems(key: str, spec: dict, ceiling: float) -> list[str]:
    counts = dataset_settings.series_counts(spec)
    series = sum(counts.values())
    values = series * spec["n_samples"]
    if values <= ceiling:
        return []
    return [
        f"{key}: {series:,} series (train {counts['train']:,}, test {counts['test']:,}) x "
        f"{spec['n_samples']:,} samples = {values:.3g} values, {_gigabytes(values)} as float64, "
        f"above max_dataset_values {ceiling:.3g} ({_gigabytes(ceiling)}); use fewer "
        "frequencies, repeats or samples, or raise max_dataset_values at the top of the config"
    ]


def _ceiling(config: dict, name: str) -> float:
    return config.get(name, CEILINGS[name])


def _values_problem(config, key, given, values, ceiling_name, fix) -> list[str]:
    """``key``: ``given`` (what makes ``values``) above the ceiling ``ceiling_name``."""
    ceiling = _ceiling(config, ceiling_name)
    if values <= ceiling:
        return []
    return [
        f"{key}: {given} = {values:.3g} values, {_gigabytes(values)} as float64, above "
        f"{ceiling_name} {ceiling:.3g} ({_gigabytes(ceiling)}); {fix}, or raise "
        f"{ceiling_name} at the top of the config"
    ]


def _trained_lengths(
    name: str, datasets: dict, experiments: dict, lengths=None
) -> list[tuple[str, int]]:
    """``(dataset, n_samples)`` of every dataset model ``name`` is trained on, and with
    ``lengths`` (an any-length model's) ``("lengths", longest)``; longest series first (the
    first problem found is the largest)."""
    found = {
        (d, datasets[d]["n_samples"])
        for exp in experiments.values()
        if name in exp["models"]
        for d in exp["datasets"]
        if d in datasets
    }
    if lengths and found:
        found.add(("lengths", lengths[1]))
    return sorted(found, key=lambda pair: (-pair[1], pair[0]))


def _training_size_problems(config: dict, datasets: dict, experiments: dict) -> list[str]:
    """A batch, a validation set, and a run's whole training, at each training dataset's
    series length (the longest reported once per setting)."""
    problems = []
    for name, spec in config["models"].items():
        key = f"models.{name}"
        if model_settings.problems(spec, key):
            continue  # _regime_problems reports them
        typed = model_settings.of(spec, key)
        estimator = isinstance(typed, model_settings.EstimatorModel)
        found = {}
        lengths = getattr(typed, "lengths", None)
        for dataset, n in _trained_lengths(name, datasets, experiments, lengths):
            batch, epochs = typed.batch_size, typed.epochs
            if estimator:
                per_epoch = typed.batches_per_epoch
                series = per_epoch * batch
                drawn = f"{epochs:,} epochs x {per_epoch:,} batches x {batch:,} series"
            else:
                series = (_series_counts(datasets[dataset]) or {"train": 0})["train"]
                per_epoch = -(-series // batch)
                drawn = f"{epochs:,} epochs x {series:,} series ({dataset})"
            checks = [
                (
                    "batch_size",
                    _values_problem(
                        config,
                        f"{key}.batch_size",
                        f"{batch:,} series x {n:,} samples per batch",
                        batch * n,
                        "max_batch_values",
                        "lower batch_size",
                    ),
                ),
                (
                    "epochs",
                    _values_problem(
                        config,
                        f"{key}.epochs",
                        f"{drawn} x {n:,} samples",
                        epochs * series * n,
                        "max_training_values",
                        "lower epochs" + (", batches_per_epoch or batch_size" if estimator else ""),
                    ),
                ),
            ]
            if estimator:
                val = typed.val_size
                checks.append(
                    (
                        "val_size",
                        _values_problem(
                            config,
                            f"{key}.val_size",
                            f"{val:,} validation series x {n:,} samples",
                            val * n,
                            "max_dataset_values",
                            "lower val_size",
                        ),
                    )
                )
            steps, ceiling = epochs * per_epoch, _ceiling(config, "max_training_steps")
            if steps > ceiling:
                per = (
                    "batches_per_epoch"
                    if estimator
                    else f"batches per epoch ({series:,} series of {dataset} in batches of {batch:,})"
                )
                checks.append(
                    (
                        "steps",
                        [
                            f"{key}.epochs: {epochs:,} epochs x {per_epoch:,} {per} = "
                            f"{steps:.3g} training steps, above max_training_steps "
                            f"{ceiling:.3g}; lower epochs"
                            + (" or batches_per_epoch" if estimator else " or raise batch_size")
                            + ", or raise max_training_steps at the top of the config"
                        ],
                    )
                )
            checks.append(("dft", _dft_problems(key, spec, n)))
            for setting, problem in checks:
                if problem and setting not in found:
                    found[setting] = problem
        problems += [p for found_problems in found.values() for p in found_problems]
    return problems


def _dft_problems(key: str, spec: dict, n_samples: int) -> list[str]:
    """A spectral front end's frozen DFT matrix for series of ``n_samples``, against the
    ceiling its layer enforces when built (sinefreq.estimators.MAX_DFT_VALUES)."""
    if spec["architecture"] not in estimators.ARCHITECTURES:
        return []
    hyper = {**models.hyperparameters(spec["architecture"]), **spec.get("hyperparameters", {})}
    pad, margin = hyper.get("pad"), hyper.get("half_width", 0)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (pad, margin)):
        return []  # hyperparameter_problems reports these
    try:
        estimators.check_dft_size(n_samples, pad, margin)
    except ValueError as err:
        return [f"{key}.hyperparameters.pad: {err}"]
    return []


def _series_counts(spec: dict) -> dict | None:
    """:func:`datasets.series_counts`, or None for a spec whose problems are reported
    elsewhere (both forms of split, a bad frequency form)."""
    try:
        return dataset_settings.series_counts(spec)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None


def _classical_size_problems(config: dict, datasets: dict) -> list[str]:
    """A classical estimator's zero-padded spectra and its iterations, over the largest
    split of any dataset (it runs on each split at once)."""
    problems = []
    for method, options in config.get("classical", {}).items():
        if method not in classical.ESTIMATORS:
            continue
        declared = {k: d for k, (_, d) in params.options(classical.ESTIMATORS[method]).items()}
        settings = {**declared, **options}
        if not all(
            isinstance(settings.get(k, 0), int) and not isinstance(settings.get(k, 0), bool)
            for k in ("pad", "n_iter", "max_iter")
        ):
            continue  # option_problems reports these
        found = {}
        for dataset, spec in datasets.items():
            counts = _series_counts(spec)
            if counts is None:
                continue
            series, n = max(counts.values()), spec["n_samples"]
            key = f"classical.{method}"
            checks = []
            if "pad" in settings:
                pad = settings["pad"]
                given = f"{series:,} series ({dataset}) x pad {pad:,} x {n:,} samples of spectra"
                checks.append(("pad", series * pad * n, given, "max_dataset_values", "lower pad"))
            for option in ("n_iter", "max_iter"):
                if option in settings:
                    iterations = settings[option]
                    given = (
                        f"{iterations:,} iterations x {series:,} series ({dataset}) x {n:,} samples"
                    )
                    checks.append(
                        (
                            option,
                            iterations * series * n,
                            given,
                            "max_training_values",
                            f"lower {option}",
                        )
                    )
            for option, values, given, ceiling, fix in checks:
                problem = _values_problem(config, f"{key}.{option}", given, values, ceiling, fix)
                if problem and option not in found:
                    found[option] = problem
        problems += [p for found_problems in found.values() for p in found_problems]
    return problems


def _gigabytes(values: float) -> str:
    return f"{values * BYTES_PER_VALUE / 1e9:.3g} GB"


def _dataset_name_problems(config: dict) -> list[str]:
    """The names SNR levels generate must be safe (as the schema makes the given ones)
    and no two datasets may end up with one name."""
    problems, made_by = [], {}
    for key, name, level in _dataset_names(config):
        if level is not None and not is_name(name):
            problems.append(
                f"{key}: level {level!r} makes the dataset name '{name}', which does not "
                f"match {NAME_PATTERN}; give the level in plain decimal"
            )
        if name in made_by:
            problems.append(
                f"{key}: the dataset name '{name}' is also made by {made_by[name]}; rename one"
            )
        made_by.setdefault(name, key)
    return problems


def _dataset_names(config: dict):
    """``(key, name, snr level or None)`` of every dataset :func:`expand_snr_levels` makes."""
    for name, spec in config["datasets"].items():
        levels = spec.get("snr_db")
        if not isinstance(levels, list):
            yield f"datasets.{name}", name, None
            continue
        for i, level in enumerate(levels):
            yield f"datasets.{name}.snr_db[{i}]", snr_dataset_name(name, level), level


def _model_problems(config: dict) -> list[str]:
    problems = []
    for name, spec in config["models"].items():
        key = f"models.{name}"
        if spec["architecture"] not in models.ARCHITECTURES:
            known = ", ".join(sorted(models.ARCHITECTURES))
            problems.append(
                f"{key}.architecture: unknown architecture '{spec['architecture']}'; known: {known}"
            )
            continue
        given = spec.get("hyperparameters", {})
        problems += models.hyperparameter_problems(
            spec["architecture"], given, f"{key}.hyperparameters"
        )
    return problems


# A model with weights_from takes another model's trained network instead of training its
# own: the settings that make the network must be that model's. It may differ in these
# hyperparameters, of layers without weights (Gauss-Newton steps appended to the network)...
WEIGHTLESS_HYPERPARAMETERS = ("steps", "float64")
# ... and in these settings, which label it or guard a training it does not run.
OWN_SETTINGS = ("description", "kind", "max_minutes", "weights_from")


def _weights_from_problems(config: dict) -> list[str]:
    """``weights_from``: a model that takes the trained network of another instead of
    training (rule train copies its weights from that model's run on the same dataset and
    seed). The other must be another estimator-regime model of the config that trains its
    own (no chains), with this model's architecture and settings but for
    :data:`WEIGHTLESS_HYPERPARAMETERS` and :data:`OWN_SETTINGS`.

    Its runs need not be in the study: the train rule takes the base run's files as
    inputs, so the workflow trains a base run no experiment asks for (and evaluates it only
    where one does)."""
    problems = []
    for name, spec in config["models"].items():
        base = spec.get("weights_from")
        if base is None or model_settings.problems(spec, f"models.{name}"):
            continue  # _regime_problems reports its settings (weights_from's regime, type)
        key = f"models.{name}.weights_from"
        trainers = [
            m
            for m, s in config["models"].items()
            if m != name and s.get("regime") == "estimator" and s.get("weights_from") is None
        ]
        allowed = (
            "allowed: an estimator-regime model that trains its own "
            f"({', '.join(trainers) or 'none'})"
        )
        if base == name:
            problems.append(f"{key}: '{base}' is this model itself; {allowed}")
        elif base not in config["models"]:
            problems.append(f"{key}: unknown model '{base}'; {allowed}")
        elif config["models"][base].get("regime", model_settings.DEFAULT_REGIME) != "estimator":
            problems.append(f"{key}: model {base} is trained in regime thread; {allowed}")
        elif config["models"][base].get("weights_from") is not None:
            origin = config["models"][base]["weights_from"]
            problems.append(
                f"{key}: model {base} takes its weights from {origin} itself; name the model "
                f"that trains them ({origin}); {allowed}"
            )
        elif not model_settings.problems(config["models"][base], f"models.{base}"):
            problems += _weights_setting_problems(name, spec, base, config["models"][base])
    return problems


def _weights_setting_problems(name: str, spec: dict, base: str, base_spec: dict) -> list[str]:
    """The settings in which model ``name`` differs from model ``base``, whose trained
    network it takes: each by its dotted key, both values and what may differ."""
    key = f"models.{name}"
    if spec["architecture"] != base_spec["architecture"]:
        return [
            f"{key}.architecture: {spec['architecture']} is not allowed with "
            f"weights_from: {base}, whose network is a {base_spec['architecture']}; a model "
            "takes the weights of a model of its own architecture"
        ]
    if spec["architecture"] not in models.ARCHITECTURES:
        return []  # _model_problems reports it

    def resolved(model_spec: dict) -> dict:
        typed = model_settings.of(model_spec).model_dump()
        hyper = {
            **models.hyperparameters(model_spec["architecture"]),
            **typed["hyperparameters"],
        }
        return {
            **{k: v for k, v in typed.items() if k not in OWN_SETTINGS},
            "hyperparameters": {
                k: v for k, v in hyper.items() if k not in WEIGHTLESS_HYPERPARAMETERS
            },
            "generator": {**generator.DEFAULT_SPEC, **typed["generator"]},
        }

    own, theirs = resolved(spec), resolved(base_spec)
    differ = [
        (f"{key}.{setting}.{k}", own[setting].get(k), theirs[setting].get(k))
        for setting in ("hyperparameters", "generator")
        for k in sorted(own[setting].keys() | theirs[setting].keys())
        if own[setting].get(k) != theirs[setting].get(k)
    ]
    differ += [
        (f"{key}.{setting}", own[setting], theirs[setting])
        for setting in own
        if setting not in ("hyperparameters", "generator") and own[setting] != theirs[setting]
    ]
    may_differ = (
        f"{', '.join(OWN_SETTINGS[:-1])} and hyperparameters "
        f"{', '.join(WEIGHTLESS_HYPERPARAMETERS)} (layers without weights)"
    )
    return [
        f"{dotted}: {mine!r} is not allowed with weights_from: {base}, whose network was "
        f"trained with {other!r}; make them equal (a model that takes another's weights "
        f"may differ from it only in {may_differ})"
        for dotted, mine, other in differ
    ]


def _classical_problems(config: dict) -> list[str]:
    known = ", ".join(sorted(classical.ESTIMATORS))
    problems = []
    for name, options in config.get("classical", {}).items():
        key = f"classical.{name}"
        if name in classical.ESTIMATORS:
            problems += classical.option_problems(name, options, key)
        else:
            problems.append(f"{key}: unknown estimator; known: {known}")
    return problems


def _experiment_problems(config: dict, datasets: dict, experiments: dict) -> list[str]:
    """Checked after SNR expansion (``datasets``, ``experiments``): an experiment may name a
    dataset with an SNR list, or one of its levels."""
    defined = {"datasets": {**config["datasets"], **datasets}, "models": config["models"]}
    problems = []
    for name, exp in config["experiments"].items():
        for key, kind in (
            ("datasets", "datasets"),
            ("models", "models"),
            ("evaluate_on", "datasets"),
        ):
            unknown = [n for n in exp.get(key, []) if n not in defined[kind]]
            if unknown:
                known = ", ".join(sorted(config[kind])) or "none"
                problems.append(
                    f"experiments.{name}.{key}: unknown {', '.join(unknown)}; defined: {known}"
                )
            if key == "evaluate_on" and key in exp and not unknown:
                problems += _length_problems(name, experiments[name], datasets, config["models"])
        sweep = exp.get("sweep")
        if sweep:
            unlabelled = [
                d
                for d in experiments[name]["datasets"]
                if d in datasets and sweep not in datasets[d].get("labels", {})
            ]
            if unlabelled:
                problems.append(
                    f"experiments.{name}.sweep is '{sweep}' but datasets {', '.join(unlabelled)} "
                    f"have no labels.{sweep}"
                )
        if exp.get("thread_points"):
            # The thread printed its numbers along one dataset label (answer 0: max_freq).
            label, points = thread.points(exp["thread_points"])
            unmatched = [
                d
                for d in experiments[name]["datasets"]
                if d in datasets and datasets[d].get("labels", {}).get(label) not in points
            ]
            if unmatched:
                problems.append(
                    f"experiments.{name}.thread_points is '{exp['thread_points']}', which the "
                    f"thread reported at {label} {', '.join(f'{p:g}' for p in points)}, but "
                    f"datasets {', '.join(unmatched)} have no labels.{label} among those"
                )
    return problems


def _length_problems(name: str, exp: dict, datasets: dict, model_specs: dict) -> list[str]:
    """A network takes series of its training dataset's length only, or with ``lengths``
    (an any-length network) any length in them."""
    served = {m: model_specs.get(m, {}).get("lengths") for m in exp["models"]}
    served = {m: v for m, v in served.items() if _is_length_pair(v)}
    fixed = [m for m in exp["models"] if m not in served]
    problems = []
    for test in exp["evaluate_on"]:
        n = datasets[test]["n_samples"]
        for model, (shortest, longest) in served.items():
            if not shortest <= n <= longest:
                problems.append(
                    f"experiments.{name}.evaluate_on: dataset {test} has n_samples {n} but "
                    f"model {model} serves lengths {shortest} to {longest} "
                    f"(models.{model}.lengths); widen them or evaluate it within them"
                )
        for own in exp["datasets"]:
            if fixed and own in datasets and n != datasets[own]["n_samples"]:
                problems.append(
                    f"experiments.{name}.evaluate_on: dataset {test} has n_samples {n} but "
                    f"the experiment's networks are trained on {own} with n_samples "
                    f"{datasets[own]['n_samples']}; evaluate only on datasets of the same "
                    "series length (an any-length model's lengths may cover others)"
                )
    return problems


def _is_length_pair(value) -> bool:
    """``[shortest, longest]`` as the settings allow it (their checks word any other)."""
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and value[0] <= value[1]
    )


# Keys that belong to one training regime (sinefreq.settings declares them); the schema
# fills the other regime's defaults only, so a key present in the wrong regime was written
# by the user.
REGIME_KEYS = model_settings.regime_keys()


def _regime_problems(config: dict, datasets: dict, experiments: dict) -> list[str]:
    """Keys of the other regime, and generator specs that do not fit the series length
    of a dataset the model is trained on (its frequencies must lie below Nyquist)."""
    problems = []
    for name, spec in config["models"].items():
        key = f"models.{name}"
        regime = spec.get("regime", model_settings.DEFAULT_REGIME)
        problems += model_settings.problems(spec, key)
        if spec.get("optimizer") == "sgd" and "epsilon" in spec:
            problems.append(f"{key}: epsilon does not apply to optimizer sgd (it has none)")
        if regime != "estimator":
            continue
        lengths = {
            datasets[d]["n_samples"]
            for exp in experiments.values()
            if name in exp["models"]
            for d in exp["datasets"]
            if d in datasets
        }
        if "lengths" in spec:
            problems += _any_length_problems(name, spec, lengths)
            continue
        for n_samples in sorted(lengths):
            try:
                generator.check_spec(spec.get("generator", {}), n_samples)
            except ValueError as err:
                problems.append(
                    f"{key}.generator: {err} (trained on series of n_samples {n_samples})"
                )
    return problems


def _any_length_problems(name: str, spec: dict, trained_on: set[int]) -> list[str]:
    """A model with ``lengths``: an any-length architecture, its own band at every length
    (no generator frequency), the generator's other ranges, and every dataset it is trained
    on (which its run is evaluated on) within its lengths."""
    key, lengths = f"models.{name}", spec["lengths"]
    problems = []
    if spec["architecture"] in models.ARCHITECTURES and not models.takes_any_length(
        spec["architecture"]
    ):
        known = ", ".join(sorted(any_length.ARCHITECTURES))
        problems.append(
            f"{key}.lengths: architecture {spec['architecture']} takes series of one length; "
            f"lengths needs an any-length architecture ({known}), or remove it"
        )
    given = spec.get("generator", {})
    if "frequency" in given:
        problems.append(
            f"{key}.generator.frequency: a model with lengths draws f on "
            f"[{any_length.EDGE:g}, Nyquist - {any_length.EDGE:g}] at each length; remove it"
        )
    if not _is_length_pair(lengths):
        return problems  # the settings' check words it
    try:
        generator.check_spec({**given, "frequency": any_length.band(lengths[1])}, lengths[1])
    except ValueError as err:
        problems.append(f"{key}.generator: {err}")
    outside = sorted(n for n in trained_on if not lengths[0] <= n <= lengths[1])
    if outside:
        problems.append(
            f"{key}.lengths: {lengths} leaves out n_samples {', '.join(map(str, outside))} "
            "of a dataset it is trained on (its run is evaluated there); widen lengths"
        )
    return problems


def runs(config: dict) -> list[Run]:
    """Every (dataset, model, seed) any experiment asks for, each once, sorted."""
    return sorted(
        {
            Run(d, m, int(s))
            for exp in config["experiments"].values()
            for d in exp["datasets"]
            for m in exp["models"]
            for s in exp["seeds"]
        }
    )


def experiment_runs(config: dict, experiment: str) -> list[Run]:
    exp = config["experiments"][experiment]
    return [Run(d, m, int(s)) for d in exp["datasets"] for m in exp["models"] for s in exp["seeds"]]


def cross_evaluations(config: dict) -> list[tuple[Run, str]]:
    """Every (run, test dataset) an experiment's ``evaluate_on`` asks for, each once, sorted;
    a run's own dataset is left out (its own evaluation is the run's metrics.json)."""
    return sorted(
        {
            (run, test)
            for name, exp in config["experiments"].items()
            for run in experiment_runs(config, name)
            for test in exp.get("evaluate_on", [])
            if test != run.dataset
        }
    )


def evaluation_groups(config: dict) -> dict[tuple[str, str], list[tuple[Run, str]]]:
    """Every evaluation of a network, ``(run, test dataset)`` (its own dataset and those
    of ``evaluate_on``), sorted, by ``(family of the run's dataset, model)``: the evaluate
    rule runs one job per group, which starts Keras once and loads each model once (an
    evaluation takes well under a second; a job's start-up several)."""
    family_of = {d: f for f, datasets in dataset_families(config).items() for d in datasets}
    groups: dict[tuple[str, str], list[tuple[Run, str]]] = {}
    for run, test in sorted({*((r, r.dataset) for r in runs(config)), *cross_evaluations(config)}):
        groups.setdefault((family_of[run.dataset], run.model), []).append((run, test))
    return groups


def work_records(config: dict) -> dict[str, list[str]]:
    """Every benchmarked job of the study, by its name (:data:`sinefreq.paths.JOBS`), and
    the files where it records its work (see :mod:`sinefreq.speed`): a train job's
    ``training.json``, an evaluate job's ``metrics.json`` of each evaluation it ran, a
    classical job's of each dataset of its family."""
    jobs = paths.JOBS
    records = {
        paths.fill(jobs["train"], **run._asdict()): [
            paths.fill(paths.RUN_TRAINING, **run._asdict())
        ]
        for run in runs(config)
    }
    for (family, model), evaluations in evaluation_groups(config).items():
        records[paths.fill(jobs["evaluate"], family=family, model=model)] = [
            paths.evaluation(paths.METRICS, *run, test) for run, test in evaluations
        ]
    for family, datasets in dataset_families(config).items():
        records[paths.fill(jobs["classical"], family=family)] = [
            paths.fill(paths.CLASSICAL_METRICS, dataset=d, method=m)
            for m in config["classical"]
            for d in datasets
        ]
    return records


def leaderboard_datasets(config: dict) -> list[str]:
    """The datasets the leaderboard ranks estimators on: every experiment's ``evaluate_on``,
    in the config's order of datasets."""
    named = {d for exp in config["experiments"].values() for d in exp.get("evaluate_on", [])}
    return [d for d in config["datasets"] if d in named]


def model_kind(config: dict, model: str) -> str:
    """A model's leaderboard label: its ``kind``, else ``thread`` for the thread's regime
    and ``learned`` for the estimator regime."""
    spec = config["models"][model]
    default = "learned" if spec.get("regime", "thread") == "estimator" else "thread"
    return spec.get("kind", default)


# Model keys that label a model rather than train it: editing them re-trains nothing.
LABEL_KEYS = ("kind",)


def training_settings(config: dict, model: str) -> dict:
    """The resolved settings of one model: what decides whether it must be re-trained."""
    spec = {k: v for k, v in config["models"][model].items() if k not in LABEL_KEYS}
    spec["hyperparameters"] = {
        **models.hyperparameters(spec["architecture"]),
        **spec.get("hyperparameters", {}),
    }
    if spec.get("regime") == "estimator":
        # Written out in full, so the run's settings say what it was drawn from.
        spec["generator"] = {**generator.DEFAULT_SPEC, **spec.get("generator", {})}
    return spec

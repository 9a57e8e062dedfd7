"""Checks and queries on a study config, beyond what ``config/schema.yaml`` can say.

The schema (applied by Snakemake's ``validate``) catches misspelt keys, wrong types
and impossible values; :func:`check` catches what needs the library: unknown
architectures or hyper-parameters, names an experiment uses but nobody defined,
frequencies above Nyquist.
"""

from __future__ import annotations

from typing import NamedTuple

from sinefreq import classical, models, signals


class ConfigError(ValueError):
    """The study config is inconsistent; the message names the key at fault."""


class Run(NamedTuple):
    dataset: str
    model: str
    seed: int

    @property
    def path(self) -> str:
        return f"{self.dataset}/{self.model}/seed{self.seed}"


def prepare(config: dict) -> dict:
    """Expand SNR lists into datasets, then :func:`check`; returns ``config``, modified."""
    expand_snr_levels(config)
    check(config)
    return config


def snr_dataset_name(name: str, snr_db: float) -> str:
    return f"{name}_snr{snr_db:g}dB"


def expand_snr_levels(config: dict) -> None:
    """Replace each dataset whose ``snr_db`` is a list by one dataset per level.

    ``noise`` with ``snr_db: [0, 10]`` becomes ``noise_snr0dB`` and ``noise_snr10dB``,
    each labelled with its ``snr_db``; experiments that name ``noise`` get all levels.
    Modifies ``config`` in place (Snakemake's config, which the jobs also see).
    """
    expanded, levels_of = {}, {}
    for name, spec in config["datasets"].items():
        levels = spec.get("snr_db")
        if not isinstance(levels, list):
            expanded[name] = spec
            continue
        levels_of[name] = []
        for level in levels:
            level_name = snr_dataset_name(name, level)
            labels = {**spec.get("labels", {}), "snr_db": level}
            expanded[level_name] = {**spec, "snr_db": level, "labels": labels}
            levels_of[name].append(level_name)
    config["datasets"] = expanded
    for exp in config["experiments"].values():
        exp["datasets"] = [d for name in exp["datasets"] for d in levels_of.get(name, [name])]


def check(config: dict) -> None:
    """Raise :class:`ConfigError` listing every problem found in ``config``."""
    problems = [
        *_plain_value_problems(config),
        *_dataset_problems(config),
        *_model_problems(config),
        *_experiment_problems(config),
        *_classical_problems(config),
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
    problems = []
    for name, spec in config["datasets"].items():
        key = f"datasets.{name}"
        if ("partition" in spec) == ("train" in spec):
            problems.append(
                f"{key}: give either 'train' (and optionally 'test') or 'partition', not both or neither"
            )
            continue
        if "partition" in spec and "test" in spec:
            problems.append(
                f"{key}: 'test' has no meaning beside 'partition' (its test split is part of the pool)"
            )
        limit = signals.nyquist(spec["n_samples"])
        for split in ("train", "test", "partition"):
            if split not in spec:
                continue
            top = signals.highest_frequency(spec[split]["frequencies"])
            if top > limit and not spec.get("allow_aliasing", False):
                problems.append(
                    f"{key}.{split}.frequencies reaches {top:g} cycles per window, above Nyquist "
                    f"{limit:g} for n_samples {spec['n_samples']}; lower it or set {key}.allow_aliasing: true"
                )
    return problems


def _model_problems(config: dict) -> list[str]:
    problems = []
    for name, spec in config["models"].items():
        try:
            models.check_hyperparameters(spec["architecture"], spec.get("hyperparameters", {}))
        except ValueError as err:
            problems.append(f"models.{name}: {err}")
    return problems


def _classical_problems(config: dict) -> list[str]:
    known = ", ".join(sorted(classical.ESTIMATORS))
    return [
        f"classical.{name}: unknown estimator; known: {known}"
        for name in config.get("classical", {})
        if name not in classical.ESTIMATORS
    ]


def _experiment_problems(config: dict) -> list[str]:
    problems = []
    for name, exp in config["experiments"].items():
        for kind in ("datasets", "models"):
            unknown = [n for n in exp[kind] if n not in config[kind]]
            if unknown:
                known = ", ".join(sorted(config[kind])) or "none"
                problems.append(
                    f"experiments.{name}.{kind}: unknown {', '.join(unknown)}; defined: {known}"
                )
        sweep = exp.get("sweep")
        if sweep:
            unlabelled = [
                d
                for d in exp["datasets"]
                if sweep not in config["datasets"].get(d, {}).get("labels", {})
            ]
            if unlabelled:
                problems.append(
                    f"experiments.{name}.sweep is '{sweep}' but datasets {', '.join(unlabelled)} "
                    f"have no labels.{sweep}"
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


def training_settings(config: dict, model: str) -> dict:
    """The resolved settings of one model: what decides whether it must be re-trained."""
    spec = dict(config["models"][model])
    spec["hyperparameters"] = {
        **models.hyperparameters(spec["architecture"]),
        **spec.get("hyperparameters", {}),
    }
    return spec

"""Checks and queries on a study config, beyond what ``config/schema.yaml`` can say.

The schema (applied by Snakemake's ``validate``) catches misspelt keys, wrong types
and impossible values; :func:`check` catches what needs the library: unknown
architectures or hyper-parameters, names an experiment uses but nobody defined,
frequencies above Nyquist.
"""

from __future__ import annotations

from typing import NamedTuple

from sinefreq import models, signals


class ConfigError(ValueError):
    """The study config is inconsistent; the message names the key at fault."""


class Run(NamedTuple):
    dataset: str
    model: str
    seed: int

    @property
    def path(self) -> str:
        return f"{self.dataset}/{self.model}/seed{self.seed}"


def check(config: dict) -> None:
    """Raise :class:`ConfigError` listing every problem found in ``config``."""
    problems = [*_dataset_problems(config), *_model_problems(config), *_experiment_problems(config)]
    if problems:
        raise ConfigError("invalid config:\n  - " + "\n  - ".join(problems))


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

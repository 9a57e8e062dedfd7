"""Where the workflow writes every file: one template per output, read by the rules, the
run identity (:attr:`sinefreq.config.Run.path`) and the speed table, so moving or
renaming an output is an edit here.

A template's ``{fields}`` are Snakemake wildcards: :func:`fill` fills some and keeps the
others as wildcards, :func:`parse` reads them back from a path. Fields match one path
segment or part of one (names never hold ``/``: see ``config.NAME_PATTERN``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

# Templates are built with f-strings where their own text holds no field, and with +
# where it does (an f-string would read a field as its own).

# -- Datasets ------------------------------------------------------------------------
DATASET = "data/{dataset}.h5"

# -- Results -------------------------------------------------------------------------
RESULTS = "results"

# A run's identity, as a relative path: its folder under runs/, its jobs' names.
RUN = "{dataset}/{model}/seed{seed}"
RUN_DIR = f"{RESULTS}/runs/{RUN}"
RUN_MODEL = f"{RUN_DIR}/model.keras"
RUN_HISTORY = f"{RUN_DIR}/history.csv"
RUN_TRAINING = f"{RUN_DIR}/training.json"
RUN_VALIDATION = f"{RUN_DIR}/validation.h5"

# An evaluation's files, in its folder: a run's on its own dataset, a run's on dataset
# {test} (evaluate_on), a classical estimator's on {dataset}.
METRICS = "metrics.json"
PREDICTIONS = "predictions.h5"
RUN_EVALUATION = RUN_DIR
CROSS_EVALUATION = RUN_DIR + "/on/{test}"
CLASSICAL_EVALUATION = RESULTS + "/classical/{dataset}/{method}"
RUN_METRICS = f"{RUN_EVALUATION}/{METRICS}"
RUN_PREDICTIONS = f"{RUN_EVALUATION}/{PREDICTIONS}"
CROSS_METRICS = f"{CROSS_EVALUATION}/{METRICS}"
CROSS_PREDICTIONS = f"{CROSS_EVALUATION}/{PREDICTIONS}"
CLASSICAL_METRICS = f"{CLASSICAL_EVALUATION}/{METRICS}"
CLASSICAL_PREDICTIONS = f"{CLASSICAL_EVALUATION}/{PREDICTIONS}"

BOUND = RESULTS + "/bounds/{dataset}.json"


def evaluation(name: str, dataset: str, model: str, seed: int, test: str) -> str:
    """File ``name`` (:data:`METRICS`, :data:`PREDICTIONS`) of run (dataset, model, seed)'s
    evaluation on dataset ``test``: in the run's folder for its own dataset, under
    ``on/{test}`` for another."""
    run = {"dataset": dataset, "model": model, "seed": seed}
    if test == dataset:
        return fill(f"{RUN_EVALUATION}/{name}", **run)
    return fill(f"{CROSS_EVALUATION}/{name}", test=test, **run)


# Tables.
RUNS_TABLE = f"{RESULTS}/runs.csv"
SUMMARY_TABLE = f"{RESULTS}/summary.csv"
THREAD_TABLE = f"{RESULTS}/thread_comparison.csv"
THREAD_MARKDOWN = f"{RESULTS}/thread_comparison.md"
LEADERBOARD_TABLE = f"{RESULTS}/leaderboard.csv"
BY_FREQUENCY_TABLE = f"{RESULTS}/leaderboard_by_frequency.csv"
SEED_TABLE = RESULTS + "/seed_distribution/{experiment}.csv"
FAILURE_TREND_TABLE = RESULTS + "/failure_trend/{experiment}.csv"
SPEED_TABLE = f"{RESULTS}/speed.csv"

# Figures: an experiment's, or the leaderboard's (its folder in place of an experiment's).
FIGURE = RESULTS + "/figures/{experiment}/{figure}.{ext}"
LEADERBOARD_FIGURES = "leaderboard"

# The report's front page and captions, written from the tables.
REPORT_PAGE = f"{RESULTS}/report/workflow.rst"
REPORT_FACTS = f"{RESULTS}/report/facts.json"
CAPTION = RESULTS + "/report/captions/{name}.rst"

# -- Jobs' logs and benchmarks -------------------------------------------------------
# A job's name, by rule: its log is LOGS/<name>.log, and for the BENCHMARKED rules its
# benchmark is BENCHMARKS/<name>.tsv, from whose name the speed table reads the rule and
# run back (their names tell them apart; the figure rules' names need not). Rules that
# run one job per family of datasets (an SNR list's levels, or one dataset) are one rule
# per family in the workflow (dataset_<family>, ..., evaluate_<family>_<model>), under
# their common name here.
LOGS = "logs"
BENCHMARKS = f"{RESULTS}/benchmarks"
JOBS = {
    "dataset": "dataset/{family}",
    "train": f"train/{RUN}",
    "evaluate": "evaluate/{family}/{model}",
    "aggregate": "aggregate",
    "classical": "classical/{family}",
    "bound": "bound/{family}",
    "experiment_figures": "figures/{experiment}",
    "sweep_figure": "figures/{experiment}_error_vs_{sweep}",
    "frequency_figure": "figures/{experiment}_error_vs_frequency",
    "leaderboard": "leaderboard",
    "seed_distribution": "paper/seed_distribution_{experiment}",
    "failure_trend": "paper/failure_trend_{experiment}",
    "by_frequency": "paper/by_frequency",
    "report_texts": "paper/report_texts",
    "speed": "speed",
}
BENCHMARKED = ("train", "evaluate", "classical")

_FIELD = re.compile(r"\{(\w+)\}")


def fill(template: str, **values) -> str:
    """``template`` with the named fields filled; the others stay wildcards."""
    unknown = set(values) - set(fields(template))
    if unknown:
        raise KeyError(
            f"{template!r} has no field {', '.join(sorted(unknown))}; "
            f"its fields: {', '.join(fields(template)) or 'none'}"
        )
    return _FIELD.sub(lambda m: str(values.get(m[1], m[0])), template)


def fields(template: str) -> list[str]:
    """The fields of ``template``, in order, each once."""
    return list(dict.fromkeys(_FIELD.findall(template)))


def pattern(template: str) -> re.Pattern:
    """A regex matching exactly the paths ``template`` can become, each field a named
    group (a repeated field must repeat its value)."""
    parts, seen, end = [], set(), 0
    for match in _FIELD.finditer(template):
        parts.append(re.escape(template[end : match.start()]))
        name = match[1]
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>[^/]+)")
        seen.add(name)
        end = match.end()
    parts.append(re.escape(template[end:]))
    return re.compile("".join(parts))


def parse(template: str, path: str | Path) -> dict[str, str] | None:
    """The fields of ``path`` as ``template`` spells them, or None if it is not one."""
    match = pattern(template).fullmatch(Path(path).as_posix())
    return match.groupdict() if match else None


def figure(name: str, ext: str = "png", **values) -> str:
    """An experiment's figure ``name`` (``experiment``: a wildcard unless given)."""
    return fill(FIGURE, figure=name, ext=ext, **values)


def log(rule: str, **values) -> str:
    """A job's log file."""
    return fill(f"{LOGS}/{JOBS[rule]}.log", **values)


def benchmark(rule: str, **values) -> str:
    """A job's benchmark file (a BENCHMARKED rule's: the speed table reads them all)."""
    if rule not in BENCHMARKED:
        raise ValueError(
            f"rule {rule!r} has no benchmark; rules with one: {', '.join(BENCHMARKED)} "
            "(sinefreq.paths.BENCHMARKED)"
        )
    return fill(f"{BENCHMARKS}/{JOBS[rule]}.tsv", **values)


def job_of(job: str, rules: Iterable[str] = BENCHMARKED) -> tuple[str, dict[str, str]]:
    """The rule and fields of a job's name (see :data:`JOBS`), among ``rules``. Raises
    ValueError unless exactly one of their names matches."""
    rules = list(rules)
    found = [(rule, f) for rule in rules if (f := parse(JOBS[rule], job)) is not None]
    if len(found) != 1:
        names = ", ".join(rule for rule, _ in found) or "none"
        raise ValueError(
            f"job {job!r} must match the name of exactly one of the rules {', '.join(rules)} "
            f"(sinefreq.paths.JOBS); it matches {names}"
        )
    return found[0]


def under(path: str, results: str | Path) -> Path:
    """``path``, a file under :data:`RESULTS`, in the results folder ``results`` instead
    (a copy of a study's results, a test's folder)."""
    return Path(results) / Path(path).relative_to(RESULTS)

# Helpers shared by the rules: the library on the path, config checks, run lists and
# the fingerprints that make code edits re-run exactly the jobs they affect.

import os
import re
import sys
from pathlib import Path

# The library is importable here and, through the PYTHONPATH this sets (not one the user
# must provide), in every job's script: also inside conda environments and on cluster
# nodes, which re-read this file.
SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)
os.environ.update(
    PYTHONPATH=os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH")) if p)
)

from sinefreq import config as study  # noqa: E402
from sinefreq import (
    fingerprint,
    paper,
    paths,
    signals,
    texts,
    thread,
    trend,
)  # noqa: E402
from sinefreq import models as registry  # noqa: E402

# Snakemake's YAML loader keeps the last of two equal keys, so the config files it read
# are read again by one that refuses them; and a name YAML reads as a number, boolean or
# null is refused before the schema (whose name pattern only applies to strings).
try:
    study.check_files(workflow.configfiles)
    study.check_before_schema(config)
except study.ConfigError as err:
    raise WorkflowError(str(err)) from None

validate(config, schema="../config/schema.yaml")

try:
    study.prepare(config)
except study.ConfigError as err:
    raise WorkflowError(str(err)) from None

RUNS = study.runs(config)
# (run, test dataset) pairs of the experiments' evaluate_on.
CROSS = study.cross_evaluations(config)
# Every evaluation of a network, by (family of its run's dataset, model): one job each.
EVALUATION_GROUPS = study.evaluation_groups(config)
# Each benchmarked job's name -> the files where it records its work (the speed table's).
WORK_RECORDS = study.work_records(config)
# Every dataset by family: one dataset, bound and (per method) classical job per family.
DATASET_FAMILIES = study.dataset_families(config)
BENCHMARKS = study.leaderboard_datasets(config)
ENV = "../envs/sinefreq.yaml"


wildcard_constraints:
    dataset="|".join(map(re.escape, config["datasets"])) or "^$",
    model="|".join(map(re.escape, config["models"])) or "^$",
    experiment="|".join(map(re.escape, config["experiments"])) or "^$",
    method="|".join(map(re.escape, config["classical"])) or "^$",
    seed=r"\d+",


def step_code(step):
    """Fingerprint of the code a rule's step can run (its script runs ``steps.<step>``
    inside ``steps.logged``), found by following imports: a rule whose params include it
    re-runs when that code changes. Model builders' bodies are left out, in whichever
    module defines them: only rule train runs one, and its params add that builder's own
    fingerprint."""
    return fingerprint.code_fingerprint(
        "sinefreq.steps", ["logged", step], hidden=registry.builder_bodies()
    )


# The report's words: Jinja templates beside the Snakefile (report/workflow.rst.j2, one
# report/captions/<name>.rst.j2 per caption), filled from the facts the study computes.
REPORT_TEMPLATES = Path(workflow.basedir) / "report"


def builder_code(model):
    """Fingerprint of a model's builder, whose body step_code leaves out: editing it
    re-trains that model and nothing else."""
    architecture = config["models"][model]["architecture"]
    return fingerprint.function_fingerprint(registry.get_builder(architecture))


def base_run_files(wildcards):
    """The train rule's inputs from the run whose trained network a model with
    weights_from takes (that model's run on the same dataset and seed: its model, history,
    training record and validation series), so that the DAG trains it first, also where
    no experiment asks for it; none for a model that trains its own."""
    base = config["models"][wildcards.model].get("weights_from")
    if base is None:
        return {}
    run = dict(dataset=wildcards.dataset, model=base, seed=wildcards.seed)
    templates = {
        "model": paths.RUN_MODEL,
        "history": paths.RUN_HISTORY,
        "status": paths.RUN_TRAINING,
        "validation": paths.RUN_VALIDATION,
    }
    return {f"base_{name}": paths.fill(t, **run) for name, t in templates.items()}


def caption_path(name):
    """A caption the report_texts rule writes from the study's tables."""
    return paths.fill(paths.CAPTION, name=name)


def caption_of(name):
    """The same caption, as report(caption=...) wants it: relative to the rules/ folder."""
    return f"../{caption_path(name)}"


def experiment_category(wildcards):
    """The report category of an experiment's figures (the report reads in this order)."""
    return paper.category(config["experiments"][wildcards.experiment])


def seed_experiments():
    """Experiments that place the thread's numbers among their seeds (thread_points)."""
    return [
        name for name, exp in config["experiments"].items() if exp.get("thread_points")
    ]


def trend_experiments():
    """Experiments whose failure rate is tested along a label (a sweep, or thread_points)."""
    return [name for name, exp in config["experiments"].items() if trend.label_of(exp)]


def dataset_labels(datasets):
    return {d: config["datasets"][d]["labels"] for d in datasets}


def report_text_inputs(wildcards):
    """The tables the report's facts are computed from (the leaderboard's where it has
    benchmark datasets), and the templates that word them."""
    inputs = {
        "summary": paths.SUMMARY_TABLE,
        "runs": paths.RUNS_TABLE,
        "thread": paths.THREAD_TABLE,
        "seeds": expand(paths.SEED_TABLE, experiment=seed_experiments()),
    }
    inputs["speed"] = paths.SPEED_TABLE
    inputs["templates"] = sorted(map(str, REPORT_TEMPLATES.rglob("*.j2")))
    if BENCHMARKS:
        inputs["leaderboard"] = paths.LEADERBOARD_TABLE
        inputs["by_frequency"] = paths.BY_FREQUENCY_TABLE
    return inputs


def cross_files(template):
    """A file of every evaluation on another dataset (evaluate_on): ``template`` with the
    run's and the test dataset's fields."""
    return [paths.fill(template, test=test, **run._asdict()) for run, test in CROSS]


def leaderboard_evaluations(name):
    """File ``name`` (paths.METRICS, paths.PREDICTIONS) of every evaluation on a
    leaderboard dataset: the networks' own (where a run's dataset is one), their
    evaluate_on ones, and the classical estimators'."""
    return [
        *run_files(
            [r for r in RUNS if r.dataset in BENCHMARKS],
            f"{paths.RUN_EVALUATION}/{name}",
        ),
        *cross_files(f"{paths.CROSS_EVALUATION}/{name}"),
        *expand(
            f"{paths.CLASSICAL_EVALUATION}/{name}",
            dataset=BENCHMARKS,
            method=config["classical"],
        ),
    ]


def leaderboard_tests():
    """Leaderboard dataset -> its SNR (None: clean) and the dataset it is a level of."""
    return {
        d: {
            "snr_db": config["datasets"][d]["snr_db"],
            "family": study.snr_family(d, config["datasets"][d]["snr_db"]),
        }
        for d in BENCHMARKS
    }


def runs_of(experiment):
    return study.experiment_runs(config, experiment)


def classical_files(template, datasets):
    """``template`` (a classical estimator's file) for each method of the config on each of
    ``datasets``, method by method: the order steps.classical_estimates writes them in.
    """
    return [
        paths.fill(template, dataset=d, method=m)
        for m in config["classical"]
        for d in datasets
    ]


def run_files(runs, template):
    """``template`` (a run's file) for each of ``runs``."""
    return [paths.fill(template, **run._asdict()) for run in runs]


def experiment_datasets(experiment):
    return config["experiments"][experiment]["datasets"]


def nyquist_of(experiment):
    """Dataset -> Nyquist frequency, for an experiment's datasets (its figures' panels)."""
    return {
        d: signals.nyquist(config["datasets"][d]["n_samples"])
        for d in experiment_datasets(experiment)
    }


def losses_of(experiment):
    """Model -> training loss, for an experiment's models (its learning curves' axis)."""
    return {
        m: config["models"][m]["loss"]
        for m in config["experiments"][experiment]["models"]
    }


def sweep_labels(experiment, sweep):
    """Dataset -> its value of the swept label, for an experiment's datasets."""
    return {
        d: config["datasets"][d]["labels"][sweep]
        for d in experiment_datasets(experiment)
    }


def thread_sweep_points(experiment, sweep):
    """The thread's numbers to draw on an experiment's sweep figure, or None."""
    return thread.sweep_points(config["experiments"][experiment].get("thread"), sweep)


def sweep_figures():
    return [
        paths.figure(f"error_vs_{exp['sweep']}", experiment=name)
        for name, exp in config["experiments"].items()
        if exp.get("sweep")
    ]


def experiment_outputs(experiments):
    """Each experiment's own figures: what its runs need, and no other experiment's."""
    return expand(
        paths.figure("{figure}"),
        experiment=experiments,
        figure=["predicted_vs_true", "learning_curves", "error_vs_frequency"],
    )


def thread_experiments():
    return [name for name, exp in config["experiments"].items() if exp.get("thread")]


def all_outputs():
    return [
        paths.RUNS_TABLE,
        paths.SUMMARY_TABLE,
        paths.THREAD_MARKDOWN,
        *experiment_outputs(config["experiments"]),
        *sweep_figures(),
        paths.LEADERBOARD_TABLE,
        paths.figure("rmse_vs_snr", experiment=paths.LEADERBOARD_FIGURES),
        *(
            [
                paths.BY_FREQUENCY_TABLE,
                paths.figure(
                    "error_by_frequency", experiment=paths.LEADERBOARD_FIGURES
                ),
            ]
            if BENCHMARKS
            else []
        ),
        *expand(paths.SEED_TABLE, experiment=seed_experiments()),
        *expand(paths.figure("train_mae_by_seed"), experiment=seed_experiments()),
        *expand(paths.FAILURE_TREND_TABLE, experiment=trend_experiments()),
        *expand(paths.figure("failure_rate"), experiment=trend_experiments()),
        paths.SPEED_TABLE,
        paths.REPORT_PAGE,
    ]


def speed_benchmarks():
    """The benchmark file of every job of the study that writes one."""
    return [f"{paths.BENCHMARKS}/{job}.tsv" for job in WORK_RECORDS]


def speed_work_records():
    """Where those jobs record their work (train_minutes, series_per_s)."""
    return [record for records in WORK_RECORDS.values() for record in records]

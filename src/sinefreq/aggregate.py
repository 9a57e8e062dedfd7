"""Tables over runs: one row per run, statistics over seeds, the thread beside us.

Over seeds, the summary gives the mean and standard deviation and, less swayed by one
failed seed, the median and a 90% interval: the 5th to 95th percentile of the per-seed
values, rounded outward to values a seed reached, so that with fewer than 21 seeds it is
the range (min to max). Seeds whose loss diverged are left out of all of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sinefreq import crlb, thread

RUN_METRICS = ("mae", "rmse", "max_abs_error", "bias", "spread_ratio", "zero_fraction")
SUMMARY_METRICS = (
    "train_mae",
    "test_mae",
    "test_rmse",
    "test_max_abs_error",
    "test_bias",
    "test_crlb_rmse",
    "test_db_above_crlb",
)
# A setup is a model trained on a dataset and tested on a dataset: its own (test_dataset
# equal to dataset) or one its experiment's evaluate_on names.
SETUP = ["dataset", "model", "test_dataset"]
# Ways a run fails, as columns of the runs table; a run counts once in n_failed.
FAILURES = {
    "n_diverged": "diverged",
    "n_collapsed": "test_collapsed",
    "n_dead_output": "test_dead_output",
}
INTERVAL = (0.05, 0.95)


def run_row(metrics: dict) -> dict:
    """Flatten one run's metrics.json into a table row."""
    row = {key: metrics[key] for key in ("dataset", "model", "seed")}
    row["test_dataset"] = metrics.get("test_dataset", metrics["dataset"])
    row.update({key: metrics[key] for key in ("estimator", "diverged")})
    for key in ("epochs_trained", "train_minutes", "series_per_s"):
        row[key] = metrics.get(key)
    for split, values in metrics["splits"].items():
        row.update({f"{split}_{key}": values[key] for key in RUN_METRICS})
        row[f"{split}_collapsed"] = values["collapsed"]
        row[f"{split}_dead_output"] = values["dead_output"]
    return row


def runs_table(experiments: dict, metrics: list[dict], bounds: dict[str, dict]) -> pd.DataFrame:
    """One row per evaluation of a run (network or classical estimator) on a test dataset,
    with the ``experiments`` (the config's section) that ask for the run and, on noisy data,
    the Cramer-Rao bound of the test split and how far above it the RMSE lies (dB).
    ``bounds`` maps dataset -> its bounds file's content."""
    table = pd.DataFrame([run_row(m) for m in metrics])
    bound = (bounds[d]["splits"]["test"]["crlb_rmse"] for d in table["test_dataset"])
    table["test_crlb_rmse"] = [np.nan if b is None else b for b in bound]
    table["test_db_above_crlb"] = crlb.db_above_bound(table["test_rmse"], table["test_crlb_rmse"])
    table.insert(
        0, "experiments", [";".join(experiments_of(r, experiments)) for r in table.itertuples()]
    )
    return table.sort_values(["dataset", "model", "seed", "test_dataset"]).reset_index(drop=True)


def experiments_of(run, experiments: dict) -> list[str]:
    """Names of the experiments whose datasets, models and seeds include ``run``."""
    return [
        name
        for name, exp in experiments.items()
        if run.dataset in exp["datasets"]
        and run.model in exp["models"]
        and run.seed in exp["seeds"]
    ]


def p05(values: pd.Series) -> float:
    """Lower end of the 90% interval (rounded down to a value a seed reached)."""
    return values.quantile(INTERVAL[0], interpolation="lower")


def p95(values: pd.Series) -> float:
    """Upper end of the 90% interval (rounded up to a value a seed reached)."""
    return values.quantile(INTERVAL[1], interpolation="higher")


def summary_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per setup (dataset, model, test dataset): runs, failed runs (any of diverged, collapsed, dead
    output; and each), and each metric's mean, std, median and 90% interval over the seeds
    that did not diverge (NaN where none is left; std needs two)."""
    failed = runs[list(FAILURES.values())].any(axis=1)
    counts = (
        runs.assign(failed=failed)
        .groupby(SETUP, sort=True)
        .agg(
            experiments=("experiments", "first"),
            estimator=("estimator", "first"),
            n_runs=("seed", "size"),
            n_failed=("failed", "sum"),
            **{count: (column, "sum") for count, column in FAILURES.items()},
        )
    )
    stats = (
        runs[~runs["diverged"]]
        .groupby(SETUP)[list(SUMMARY_METRICS)]
        .agg(["mean", "std", "median", p05, p95])
    )
    stats.columns = [f"{metric}_{stat}" for metric, stat in stats.columns]
    return counts.join(stats).reset_index()[
        ["experiments", *SETUP, *counts.columns[1:], *stats.columns]
    ]


def thread_table(experiments: dict, labels: dict, summary: pd.DataFrame) -> pd.DataFrame:
    """The thread's reported figures beside ours, for experiments tagged with ``thread``.
    ``labels`` maps dataset -> its labels (``max_freq`` picks answer 0's number)."""
    own = summary[summary["test_dataset"] == summary["dataset"]]
    indexed = own.set_index(["dataset", "model"])
    rows = []
    for name, exp in experiments.items():
        setup = exp.get("thread")
        if not setup:
            continue
        for dataset in exp["datasets"]:
            max_freq = labels[dataset].get("max_freq")
            for model in exp["models"]:
                ours = indexed.loc[(dataset, model)]
                rows.append(
                    {
                        "setup": setup,
                        "experiment": name,
                        "dataset": dataset,
                        "model": model,
                        "max_freq": max_freq,
                        "thread_says": thread.claim(setup),
                        "thread_mae": thread.thread_value(setup, max_freq),
                        **{
                            f"{metric}_{stat}": ours[f"{metric}_{stat}"]
                            for metric in ("train_mae", "test_mae")
                            for stat in ("mean", "std", "median", "p05", "p95")
                        },
                        **{count: ours[count] for count in ("n_runs", "n_failed", *FAILURES)},
                    }
                )
    return pd.DataFrame(rows)


def median_interval(row, metric: str, fmt: str = ".3f") -> str:
    """``median [p05, p95]`` of a summary row's ``metric`` (a row of ``itertuples`` or
    ``iterrows``); the median alone where they agree (one seed); n/a if none is left."""
    median, low, high = (getattr(row, f"{metric}_{stat}") for stat in ("median", "p05", "p95"))
    if pd.isna(median):
        return "n/a"
    if low == high:
        return format(median, fmt)
    return f"{median:{fmt}} [{low:{fmt}}, {high:{fmt}}]"


def _failures(row) -> str:
    """``failed/runs`` and, if any, which way: e.g. ``2/3 (1 collapsed, 1 dead output)``."""
    kinds = [
        f"{getattr(row, count)} {count.removeprefix('n_').replace('_', ' ')}"
        for count in FAILURES
        if getattr(row, count)
    ]
    failed = f"{row.n_failed}/{row.n_runs}"
    return f"{failed} ({', '.join(kinds)})" if kinds else failed


def thread_markdown(table: pd.DataFrame) -> str:
    """The thread table as Markdown, for the report and the README: medians over seeds
    with their 90% interval (with fewer than 21 seeds, the range min to max)."""
    lines = [
        "| setup | dataset | model | thread says | thread MAE "
        "| our train MAE, median [90% interval] | our held-out MAE, median [90% interval] "
        "| failed runs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        thread_mae = "—" if pd.isna(r.thread_mae) else f"{r.thread_mae:.3f}"
        lines.append(
            f"| {r.setup} | {r.dataset} | {r.model} | {r.thread_says} | {thread_mae} | "
            f"{median_interval(r, 'train_mae')} | {median_interval(r, 'test_mae')} | "
            f"{_failures(r)} |"
        )
    return "\n".join(lines) + "\n"

"""Tables over runs: one row per run, mean and spread over seeds, the thread beside us."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sinefreq import crlb, thread
from sinefreq.config import Run, experiment_runs

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


def run_row(metrics: dict) -> dict:
    """Flatten one run's metrics.json into a table row."""
    row = {key: metrics[key] for key in ("dataset", "model", "seed", "estimator", "diverged")}
    row["epochs_trained"] = metrics.get("epochs_trained")
    for split, values in metrics["splits"].items():
        row.update({f"{split}_{key}": values[key] for key in RUN_METRICS})
        row[f"{split}_collapsed"] = values["collapsed"]
        row[f"{split}_dead_output"] = values["dead_output"]
    return row


def runs_table(config: dict, metrics: list[dict], bounds: dict[str, dict]) -> pd.DataFrame:
    """One row per run (network or classical estimator), with the experiments that ask
    for it and, on noisy data, the Cramer-Rao bound of its test split and how far above
    it the run's RMSE lies (dB). ``bounds`` maps dataset -> its bounds file's content."""
    table = pd.DataFrame([run_row(m) for m in metrics])
    bound = (bounds[d]["splits"]["test"]["crlb_rmse"] for d in table["dataset"])
    table["test_crlb_rmse"] = [np.nan if b is None else b for b in bound]
    table["test_db_above_crlb"] = crlb.db_above_bound(table["test_rmse"], table["test_crlb_rmse"])
    membership = {}
    for name in config["experiments"]:
        for run in experiment_runs(config, name):
            membership.setdefault(run, []).append(name)
    table.insert(
        0,
        "experiments",
        [";".join(membership.get(Run(r.dataset, r.model, r.seed), [])) for r in table.itertuples()],
    )
    return table.sort_values(["dataset", "model", "seed"]).reset_index(drop=True)


def summary_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, model): runs, diverged and collapsed counts, mean and std over the
    seeds that did not diverge."""
    rows = []
    for (dataset, model), group in runs.groupby(["dataset", "model"], sort=True):
        ok = group[~group["diverged"]]
        row = {
            "experiments": group["experiments"].iloc[0],
            "dataset": dataset,
            "model": model,
            "estimator": group["estimator"].iloc[0],
            "n_runs": len(group),
            "n_diverged": int(group["diverged"].sum()),
            "n_collapsed": int(group["test_collapsed"].sum()),
            "n_dead_output": int(group["test_dead_output"].sum()),
        }
        for metric in SUMMARY_METRICS:
            row[f"{metric}_mean"] = ok[metric].mean() if len(ok) else np.nan
            row[f"{metric}_std"] = ok[metric].std(ddof=1) if len(ok) > 1 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def thread_table(config: dict, summary: pd.DataFrame) -> pd.DataFrame:
    """The thread's reported figures beside ours, for experiments tagged with ``thread``."""
    indexed = summary.set_index(["dataset", "model"])
    rows = []
    for name, exp in config["experiments"].items():
        setup = exp.get("thread")
        if not setup:
            continue
        for dataset in exp["datasets"]:
            max_freq = config["datasets"][dataset].get("labels", {}).get("max_freq")
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
                        "train_mae_mean": ours["train_mae_mean"],
                        "train_mae_std": ours["train_mae_std"],
                        "test_mae_mean": ours["test_mae_mean"],
                        "test_mae_std": ours["test_mae_std"],
                        "collapsed": f"{ours['n_collapsed']}/{ours['n_runs']}",
                        "dead_output": f"{ours['n_dead_output']}/{ours['n_runs']}",
                        "diverged": f"{ours['n_diverged']}/{ours['n_runs']}",
                    }
                )
    return pd.DataFrame(rows)


def _mean_std(mean: float, std: float) -> str:
    if pd.isna(mean):
        return "n/a"
    return f"{mean:.3f}" if pd.isna(std) else f"{mean:.3f} ± {std:.3f}"


def thread_markdown(table: pd.DataFrame) -> str:
    """The thread table as Markdown, for the report and the README."""
    lines = [
        "| setup | dataset | model | thread says | thread MAE | our train MAE | our held-out MAE "
        "| collapsed | dead output | diverged |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        thread_mae = "—" if pd.isna(r.thread_mae) else f"{r.thread_mae:.3f}"
        lines.append(
            f"| {r.setup} | {r.dataset} | {r.model} | {r.thread_says} | {thread_mae} | "
            f"{_mean_std(r.train_mae_mean, r.train_mae_std)} | {_mean_std(r.test_mae_mean, r.test_mae_std)} | "
            f"{r.collapsed} | {r.dead_output} | {r.diverged} |"
        )
    return "\n".join(lines) + "\n"

"""The study as a paper: the thread's numbers in their seed distributions, where the
learned estimators fall short of the bound, and the facts the report states.

The report's words are Jinja templates (``report/`` at the workflow's top, rendered by
:mod:`sinefreq.report`); this module computes what they state from the study's tables:
numbers, names, and the outcome of every test a comparison rests on.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from sinefreq import aggregate, io, thread, trend

# A run fails in any of these ways (the runs table's columns, see sinefreq.aggregate).
FAILED = list(aggregate.FAILURES.values())
# Subset sizes for "how many seeds does a conclusion take": the spread of the median over
# every subset of this many seeds.
SUBSET_SIZES = (3, 5)


# -- the thread's numbers in our seed distributions ------------------------------------


def seed_distribution(
    runs: pd.DataFrame, datasets: list[str], models: list[str], labels: dict, setup: str
) -> pd.DataFrame:
    """Per (dataset, model): the training MAE over seeds (median, 90% interval, failed
    runs), the thread's number for the dataset and its percentile among our seeds (and as
    a count: seeds with a training MAE, those at or below the thread's number), the
    spread of the median of 3 and of 5 seeds over all such subsets, and, for every model
    after the first, a Mann-Whitney test of its seeds against the first model's."""
    label, points = thread.points(setup)
    own = runs[runs["test_dataset"] == runs["dataset"]]
    rows = []
    for dataset in datasets:
        point = labels[dataset].get(label)
        reference = None
        for model in models:
            seeds = own[(own["dataset"] == dataset) & (own["model"] == model)]
            values = seeds.loc[~seeds["diverged"], "train_mae"].to_numpy(float)
            thread_mae = points.get(point) if point is not None else None
            row = {
                "dataset": dataset,
                label: point,
                "model": model,
                "n_seeds": len(seeds),
                "n_failed": int(seeds[FAILED].any(axis=1).sum()),
                "train_mae_median": np.median(values) if len(values) else np.nan,
                "train_mae_p05": aggregate.p05(pd.Series(values)),
                "train_mae_p95": aggregate.p95(pd.Series(values)),
                "thread_mae": np.nan if thread_mae is None else thread_mae,
                "thread_percentile": percentile_of(values, thread_mae),
                # the percentile as a count, which the report states with its interval
                "n_valued": len(values),
                "n_at_or_below_thread": np.nan
                if thread_mae is None
                else int(np.sum(values <= thread_mae)),
            }
            for k in SUBSET_SIZES:
                row[f"median_of_{k}_lo"], row[f"median_of_{k}_hi"] = subset_median_range(values, k)
            row["p_vs_first_model"] = (
                np.nan if reference is None else mann_whitney_p(values, reference)
            )
            reference = values if reference is None else reference
            rows.append(row)
    return pd.DataFrame(rows)


def percentile_of(values: np.ndarray, value: float | None) -> float:
    """Percent of ``values`` at or below ``value`` (NaN without either)."""
    if value is None or len(values) == 0:
        return np.nan
    return float(100.0 * np.mean(values <= value))


def subset_median_range(values: np.ndarray, k: int) -> tuple[float, float]:
    """5th and 95th percentile of the medians of every ``k``-seed subset of ``values``:
    where a study with only ``k`` seeds would have put the median."""
    if len(values) <= k:
        return np.nan, np.nan
    medians = [np.median(c) for c in itertools.combinations(values, k)]
    return tuple(float(q) for q in np.quantile(medians, [0.05, 0.95]))


def mann_whitney_p(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided Mann-Whitney U test: do two sets of seeds come from one distribution?"""
    from scipy.stats import mannwhitneyu

    if len(a) < 2 or len(b) < 2:
        return np.nan
    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


def seed_distribution_figure(runs: pd.DataFrame, table: pd.DataFrame, label: str, title: str):
    """One panel per dataset: every seed's training MAE per model (a dot each, the median
    a bar), and the thread's number as a line with its percentile among our seeds."""
    from sinefreq import plots

    datasets = list(dict.fromkeys(table["dataset"]))
    models = list(dict.fromkeys(table["model"]))
    fig, axes = plots.grid(len(datasets), width=3.6, height=3.6)
    own = runs[runs["test_dataset"] == runs["dataset"]]
    for ax, dataset in zip(axes, datasets, strict=False):
        rows = table[table["dataset"] == dataset].set_index("model")
        for i, model in enumerate(models):
            seeds = own[(own["dataset"] == dataset) & (own["model"] == model) & ~own["diverged"]]
            values = seeds["train_mae"].to_numpy(float)
            failed = seeds[FAILED].any(axis=1).to_numpy()
            # A fixed spread instead of random jitter: the figure is the same every run.
            x = i + np.linspace(-0.15, 0.15, len(values)) if len(values) > 1 else np.full(1, i)
            colour = plots.colour(i)
            ax.scatter(x[~failed], values[~failed], s=22, color=colour, alpha=0.8, zorder=3)
            ax.scatter(x[failed], values[failed], s=30, marker="x", color=colour, zorder=3)
            ax.hlines(rows.loc[model, "train_mae_median"], i - 0.3, i + 0.3, color=colour, lw=2.5)
        thread_mae = rows["thread_mae"].iloc[0]
        if np.isfinite(thread_mae):
            shown = ", ".join(f"{p:.0f}%" for p in rows["thread_percentile"])
            ax.axhline(thread_mae, color="black", ls="--", lw=1.2, label=f"thread ({shown})")
            ax.legend(fontsize=7, loc="upper left", title="percentile among our seeds",
                      title_fontsize=6)  # fmt: skip
        ax.set_xticks(range(len(models)), models, rotation=15, fontsize=7)
        ax.set(
            yscale="log",
            title=f"{label} {rows[label].iloc[0]:g}",
            ylabel=f"training MAE ({plots.FREQ_UNIT})",
            xlabel="model (dots: seeds, x: failed run, bar: median)",
        )
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# -- where the learned estimators stop: error against frequency on noisy test sets -------


def by_frequency(evaluations: list[dict], kinds: dict, tests: dict, bounds: dict, edge: float):
    """Per estimator and noisy test set: RMSE over all series, over those within ``edge``
    cycles of 0 or Nyquist, and over the rest, each in dB above the test split's bound,
    and the share of the squared error the edges hold. From each evaluation's test-split
    predictions (``test``: ``y_true``, ``y_pred``), series by series, so the bands are exact
    at any length; networks by their best run on a test set."""
    rows = []
    for e in evaluations:
        test = e.get("test_dataset", e["dataset"])
        snr = tests.get(test, {}).get("snr_db")
        if snr is None or e["diverged"] or bounds.get(test) is None:
            continue
        y_true = np.asarray(e["test"]["y_true"], float)
        squared = (np.asarray(e["test"]["y_pred"], float) - y_true) ** 2
        near_edge = (y_true < edge) | (y_true > e["nyquist"] - edge)
        rmse = {
            part: math.sqrt(squared[mask].mean()) if mask.any() else np.nan
            for part, mask in (
                ("all", near_edge | ~near_edge),
                ("edges", near_edge),
                ("middle", ~near_edge),
            )
        }
        bound = bounds[test]
        rows.append(
            {
                "estimator": e["model"],
                "kind": "classical" if e["estimator"] == "classical" else kinds[e["model"]],
                "train_dataset": "" if e["estimator"] == "classical" else e["dataset"],
                "test_dataset": test,
                "snr_db": snr,
                **{f"rmse_{part}": value for part, value in rmse.items()},
                "bound_rmse": bound,
                **{
                    f"db_above_bound_{part}": 20 * math.log10(value / bound)
                    for part, value in rmse.items()
                },
                "edge_error_share": float(squared[near_edge].sum() / squared.sum()),
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    # A network trained at several SNRs (the thread's noise sweep) by its best training set.
    table = table.sort_values("rmse_all").drop_duplicates(["estimator", "test_dataset"])
    return table.sort_values(["snr_db", "rmse_all"]).reset_index(drop=True)


def by_frequency_figure(evaluations: list[dict], table: pd.DataFrame, tests: dict, title: str):
    """RMSE against true frequency at the highest SNR and at the lowest SNR from 0 dB, for
    every learned or hybrid network and least squares, with the bound of the test split.
    Where several benchmarks (``tests``, in the leaderboard's order) share a level, the
    first one's."""
    from sinefreq import plots

    noisy = sorted(table.loc[table["snr_db"] >= 0, "snr_db"].unique()) if len(table) else []
    levels = sorted({noisy[0], noisy[-1]}) if noisy else []
    fig, axes = plots.grid(max(len(levels), 1), width=5.5, height=4.2)
    best = {(r.estimator, r.test_dataset): r.train_dataset for r in table.itertuples()}
    for ax, level in zip(axes, levels, strict=False):
        at_level = table[(table["snr_db"] == level) & (table["kind"] != "thread")]
        test = next(t for t in tests if t in set(at_level["test_dataset"]))
        rows = at_level[at_level["test_dataset"] == test]
        for i, r in enumerate(rows.sort_values("rmse_all").itertuples()):
            e = next(
                e
                for e in evaluations
                if e["model"] == r.estimator
                and e.get("test_dataset", e["dataset"]) == test
                and ("" if e["estimator"] == "classical" else e["dataset"])
                == best[(r.estimator, test)]
            )
            bins = pd.DataFrame(e["by_frequency"])
            ax.plot(bins["frequency"], bins["rmse"], marker=".", color=plots.colour(i),
                    label=f"{r.estimator} ({r.kind})")  # fmt: skip
        plots.draw_bound(ax, ax.get_xlim(), [rows["bound_rmse"].iloc[0]] * 2)
        plots.draw_nyquist(ax, e["nyquist"])
        ax.set(
            yscale="log",
            title=f"{test} ({level:g} dB)",
            xlabel=f"true frequency ({plots.FREQ_UNIT})",
            ylabel=f"RMSE per frequency bin ({plots.FREQ_UNIT})",
        )
        ax.legend(fontsize=6)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# -- the report's categories, in reading order ------------------------------------------

THREAD, SWEEPS, NOISE, LEADERBOARD, SPEED, ALL_RUNS = CATEGORIES = (
    "1. The thread",
    "2. Sweeps",
    "3. Noise and the bound",
    "4. Leaderboard",
    "5. Speed",
    "6. All runs",
)


def category(experiment: dict) -> str:
    """The report category of an experiment's figures."""
    if experiment.get("classical"):
        return NOISE
    if experiment.get("sweep"):
        return SWEEPS
    if experiment.get("thread") or experiment.get("thread_points"):
        return THREAD
    return LEADERBOARD


# -- the report's facts: what the front page and captions state, computed from the tables --
#
# The words live in Jinja templates (report/ at the workflow's top, see sinefreq.report);
# these functions give them numbers, names and the outcome of every test a sentence rests
# on. A comparison is a dict: the direction of the difference and whether its test shows
# one (``shown``); the templates say "no difference shown" wherever it does not.

ALPHA = 0.05  # the level of every test the report's words rest on
CONFIDENCE = (
    trend.CONFIDENCE
)  # of the binomial intervals of counts (failed runs, seeds below a number)
BAND_EDGE = 2.0  # cycles from 0 or Nyquist that count as the band's edge


def value(x) -> float | None:
    """A number for the facts table: a float, or None where there is none (NaN, missing)."""
    if x is None or pd.isna(x):
        return None
    return float(x)


# A count that moves between machines (failed runs, seeds below a number) is stated with
# its binomial interval: the one the failure-trend figures draw.
count = trend.count


def spread_of(row, metric: str) -> dict:
    """A summary row's ``metric`` over seeds: median and 90% interval."""
    return {
        "median": value(row[f"{metric}_median"]),
        "lo": value(row[f"{metric}_p05"]),
        "hi": value(row[f"{metric}_p95"]),
    }


def direction(a: float, b: float) -> str | None:
    """The sign of ``a - b`` in words, as the templates print it."""
    if a is None or b is None or not (np.isfinite(a) and np.isfinite(b)):
        return None
    return "lower" if a < b else "higher" if a > b else "equal"


def tested(a: float, b: float, p: float, test: str) -> dict:
    """A comparison of ``a`` with ``b`` by a test with p-value ``p``: shown below ALPHA."""
    p = value(p)
    return {"test": test, "direction": direction(a, b), "p": p,
            "shown": p is not None and p < ALPHA and direction(a, b) != "equal"}  # fmt: skip


def by_intervals(a: dict, b: dict, test: str) -> dict:
    """A comparison of two estimates ``{"value", "lo", "hi"}``: shown where their
    intervals do not overlap."""
    apart = None not in (a["hi"], a["lo"], b["lo"], b["hi"]) and (
        a["hi"] < b["lo"] or b["hi"] < a["lo"]
    )
    return {"test": test, "direction": direction(a["value"], b["value"]), "p": None,
            "shown": bool(apart)}  # fmt: skip


def against_interval(x: float | None, spread: dict) -> str | None:
    """Where ``x`` lies against an interval: "below", "inside" or "above" it."""
    if x is None or spread["lo"] is None:
        return None
    return "below" if x < spread["lo"] else "above" if x > spread["hi"] else "inside"


def own_rows(summary: pd.DataFrame, experiment: dict) -> pd.DataFrame:
    """The summary's rows of an experiment's networks on their own test splits."""
    if summary.empty:
        return summary
    rows = summary[
        summary["dataset"].isin(experiment["datasets"])
        & summary["model"].isin(experiment["models"])
        & (summary["test_dataset"] == summary["dataset"])
    ]
    return rows.sort_values(["model", "dataset"])


def thread_facts(table: pd.DataFrame) -> dict:
    """Each thread setup (and answer 0 at each max_freq): ours on the split the thread
    measured, the thread's number and where it lies against our interval over seeds, and
    failed runs; and all failed runs together."""
    if table.empty:
        return {"setups": [], "failed": count(0, 0)}
    setups = []
    # One row per setup, and one per point where the thread printed a number.
    for _, r in table[table["thread_mae"].notna() | ~table["setup"].duplicated()].iterrows():
        split = thread.MEASURED_ON.get(r["setup"], "train")
        ours = spread_of(r, f"{split}_mae")
        setups.append(
            {
                "setup": r["setup"],
                "model": r["model"],
                "max_freq": value(r["max_freq"]),
                "split": split,
                "ours": ours,
                "thread_mae": value(r["thread_mae"]),
                "thread_against_ours": against_interval(value(r["thread_mae"]), ours),
                "failed": count(r["n_failed"], r["n_runs"]),
            }
        )
    return {"setups": setups, "failed": count(table["n_failed"].sum(), table["n_runs"].sum())}


def seed_facts(table: pd.DataFrame, label: str) -> dict:
    """An experiment with thread_points: at each point, per model, the training MAE over
    seeds, failed runs, how many seeds lie at or below the thread's number, where a median
    of 3 or 5 seeds could land, and (after the first model) the Mann-Whitney comparison
    with the first model's seeds."""
    models = list(dict.fromkeys(table["model"]))
    points = []
    for dataset, rows in table.groupby("dataset", sort=False):
        rows = rows.set_index("model")
        first = rows.loc[models[0]]
        entries = []
        for model, r in rows.iterrows():
            entries.append(
                {
                    "model": model,
                    "median": value(r["train_mae_median"]),
                    "lo": value(r["train_mae_p05"]),
                    "hi": value(r["train_mae_p95"]),
                    "failed": count(r["n_failed"], r["n_seeds"]),
                    "at_or_below_thread": count(r["n_at_or_below_thread"], r["n_valued"])
                    if pd.notna(r["thread_mae"])
                    else None,
                    "median_of": {  # keyed by text, as in facts.json
                        str(k): [value(r[f"median_of_{k}_lo"]), value(r[f"median_of_{k}_hi"])]
                        for k in SUBSET_SIZES
                    },
                    "against_first": None
                    if model == models[0]
                    else tested(
                        r["train_mae_median"],
                        first["train_mae_median"],
                        r["p_vs_first_model"],
                        "Mann-Whitney",
                    ),  # fmt: skip
                }
            )
        points.append({"dataset": dataset, "point": value(first[label]),
                       "thread_mae": value(first["thread_mae"]), "models": entries})  # fmt: skip
    return {"label": label, "models": models, "points": points}


def experiment_facts(summary: pd.DataFrame, runs: pd.DataFrame, experiment: dict) -> dict:
    """An experiment's networks on their own test splits: per (model, dataset) the MAE and
    largest error over seeds, failed runs and training effort; and where the largest
    median error and the smallest median MAE are."""
    rows = own_rows(summary, experiment)
    entries = []
    for _, r in rows.iterrows():
        mine = runs[(runs["dataset"] == r["dataset"]) & (runs["model"] == r["model"])
                    & (runs["test_dataset"] == runs["dataset"])]  # fmt: skip
        entries.append(
            {
                "model": r["model"],
                "dataset": r["dataset"],
                "train_mae": spread_of(r, "train_mae"),
                "test_mae": spread_of(r, "test_mae"),
                "max_error": spread_of(r, "test_max_abs_error"),
                "failed": count(r["n_failed"], r["n_runs"]),
                "epochs": value(mine["epochs_trained"].median()),
                "minutes": value(mine["train_minutes"].median()),
            }
        )
    finite = [e for e in entries if None not in (e["max_error"]["median"], e["test_mae"]["median"])]
    return {
        "rows": entries,
        "largest_error": max(finite, key=lambda e: e["max_error"]["median"], default=None),
        "smallest_mae": min(finite, key=lambda e: e["test_mae"]["median"], default=None),
    }


def sweep_facts(summary: pd.DataFrame, experiment: dict, labels: dict, sweep: str) -> dict:
    """Per model: the held-out MAE at both ends of the sweep and at its largest, with the
    failed runs at every point; per classical estimator, its distance to the bound from
    the sweep's point 0 up."""
    rows = summary[
        summary["dataset"].isin(experiment["datasets"])
        & (summary["test_dataset"] == summary["dataset"])
    ].copy()
    rows["point"] = [labels[d].get(sweep) for d in rows["dataset"]]

    def at(r) -> dict:
        return {"point": value(r["point"]), "mae": spread_of(r, "test_mae")}

    models = []
    for model, own in rows[rows["model"].isin(experiment["models"])].groupby("model"):
        own = own.sort_values("point")
        largest = own.iloc[int(np.argmax(own["test_mae_median"].fillna(np.inf)))]
        models.append(
            {
                "model": model,
                "first": at(own.iloc[0]),
                "last": at(own.iloc[-1]),
                "largest": at(largest),
                "failed": [
                    {"point": value(r["point"]), **count(r["n_failed"], r["n_runs"])}
                    for _, r in own.iterrows()
                ],  # fmt: skip
            }
        )
    classical = []
    if experiment.get("classical"):
        for method, own in rows[rows["estimator"] == "classical"].groupby("model"):
            noisy = own.loc[own["point"].notna() & (own["point"] >= 0), "test_db_above_crlb_median"]
            classical.append({"method": method, **value_range(noisy)})
    return {"label": sweep, "models": models, "classical": classical}


def value_range(values) -> dict:
    """The smallest and largest finite value (None for both where there is none)."""
    values = [v for v in values if pd.notna(v) and np.isfinite(v)]
    return {"lo": min(values) if values else None, "hi": max(values) if values else None}


def bound_facts(board: pd.DataFrame) -> dict | None:
    """The leaderboard against the bound: from 0 dB SNR up, the best estimator of each kind
    per level in dB above the bound, with its 95% bootstrap interval, and at how many levels
    that interval holds the bound; below 0 dB, the lowest RMSE against least squares' by
    their intervals; on clean test sets, the lowest MAE of a learned or hybrid network."""
    if board.empty or board["snr_db"].notna().sum() == 0:
        return None
    noisy = board[board["snr_db"].notna()]
    high = noisy[noisy["snr_db"] >= 0]
    kinds = []
    for kind in ("classical", "thread", "learned", "hybrid"):
        rows = high[high["kind"] == kind].dropna(subset=["db_above_bound"])
        if rows.empty:
            continue
        best = rows.loc[rows.groupby("snr_db")["db_above_bound"].idxmin()]
        holds = (best["rmse_lo"] <= best["bound_rmse"]) & (best["bound_rmse"] <= best["rmse_hi"])
        kinds.append(
            {
                "kind": kind,
                "estimators": list(dict.fromkeys(best["estimator"])),
                "db": value_range(best["db_above_bound"]),
                "bound_inside": count(holds.sum(), len(best)),
            }
        )
    below = []
    for snr in sorted(noisy.loc[noisy["snr_db"] < 0, "snr_db"].unique()):
        rows = noisy[noisy["snr_db"] == snr].sort_values("rmse")
        top, nls = rows.iloc[0], rows[rows["estimator"] == "nls"]
        entry = {"snr_db": value(snr), "best": _estimate(top), "nls": None, "against_nls": None}
        if not nls.empty and top["estimator"] != "nls":
            entry["nls"] = _estimate(nls.iloc[0])
            entry["against_nls"] = by_intervals(entry["best"], entry["nls"], "bootstrap")
        below.append(entry)
    clean = board[board["snr_db"].isna() & board["kind"].isin(["learned", "hybrid"])]
    lowest_clean = [
        {"test": test, "kind": kind, "estimator": top["estimator"], "mae": value(top["mae"])}
        for (test, kind), rows in clean.groupby(["test_dataset", "kind"])
        for top in [rows.sort_values("mae").iloc[0]]
    ]
    return {"snr": value_range(high["snr_db"]), "kinds": kinds, "below_threshold": below,
            "clean": lowest_clean}  # fmt: skip


def _estimate(row) -> dict:
    """A leaderboard row's RMSE with its bootstrap interval, and whose it is."""
    return {"estimator": row["estimator"], "value": value(row["rmse"]),
            "lo": value(row["rmse_lo"]), "hi": value(row["rmse_hi"])}  # fmt: skip


def edge_facts(table: pd.DataFrame) -> list[dict]:
    """At the highest SNR, the best estimator of each kind: dB above the bound over all
    series and away from the band edges, and the share of its squared error the edges hold."""
    if table.empty:
        return []
    top = table[table["snr_db"] == table["snr_db"].max()]
    found = []
    for kind in ("learned", "hybrid", "classical"):
        rows = top[top["kind"] == kind]
        if not rows.empty:
            r = rows.iloc[0]
            found.append({"kind": kind, "estimator": r["estimator"], "snr_db": value(r["snr_db"]),
                          "db_all": value(r["db_above_bound_all"]),
                          "db_middle": value(r["db_above_bound_middle"]),
                          "edge_share": value(r["edge_error_share"])})  # fmt: skip
    return found


def speed_facts(speed: pd.DataFrame) -> dict | None:
    """Jobs and time in all, and per rule whose jobs record their work: share of the time,
    median seconds per job and of them start-up."""
    if speed.empty:
        return None
    wall = speed["wall_min"].sum()
    rules = [
        {"rule": r["rule"], "jobs": int(r["jobs"]), "share": value(r["wall_min"] / wall),
         "median_s": value(r["median_wall_s"]), "startup_s": value(r["median_startup_s"])}
        for _, r in speed.iterrows()
        if pd.notna(r["median_startup_s"])
    ]  # fmt: skip
    return {"jobs": int(speed["jobs"].sum()), "wall_min": value(wall),
            "cpu_min": value(speed["cpu_min"].sum()), "rules": rules}  # fmt: skip


def runs_facts(runs: pd.DataFrame) -> dict:
    """How many evaluations of what kind, and the trained runs that failed on their own
    test split."""
    if runs.empty:
        return {"evaluations": 0, "trained": 0, "networks": 0, "classical": 0,
                "failed": count(0, 0)}  # fmt: skip
    networks = runs[runs["estimator"] == "network"]
    trained = networks[networks["test_dataset"] == networks["dataset"]]
    return {"evaluations": len(runs), "trained": len(trained), "networks": len(networks),
            "classical": len(runs) - len(networks),
            "failed": count(trained[FAILED].any(axis=1).sum(), len(trained))}  # fmt: skip


def read_table(path) -> pd.DataFrame:
    """A study table; no rows (an empty file, e.g. no thread setups) or no path: empty."""
    if not path:
        return pd.DataFrame()
    try:
        return io.read_table(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


TABLES = ("summary", "runs", "thread", "leaderboard", "by_frequency", "speed")


def facts(inputs: dict, experiments: dict, labels: dict) -> dict:
    """Everything the report's front page and captions state, from the tables ``inputs``
    names (``seeds``: one per experiment with thread_points, in config order)."""
    tables = {name: read_table(inputs.get(name)) for name in TABLES}
    seeding = [n for n, e in experiments.items() if e.get("thread_points")]
    seed_tables = dict(zip(seeding, map(read_table, inputs.get("seeds", [])), strict=True))
    return facts_of_tables(tables, seed_tables, experiments, labels)


def facts_of_tables(tables: dict, seed_tables: dict, experiments: dict, labels: dict) -> dict:
    """:func:`facts` of tables already read (``tables`` by the names of TABLES, a missing
    one empty; ``seed_tables`` by experiment)."""
    table = {name: tables.get(name, pd.DataFrame()) for name in TABLES}
    summary, runs = table["summary"], table["runs"]
    return {
        "alpha": ALPHA,
        "confidence": CONFIDENCE,
        "band_edge": BAND_EDGE,
        "categories": list(CATEGORIES),
        "thread": thread_facts(table["thread"]),
        "seeds": {
            n: seed_facts(t, thread.points(experiments[n]["thread_points"])[0])
            for n, t in seed_tables.items()
        },
        "experiments": {n: experiment_facts(summary, runs, e) for n, e in experiments.items()},
        "sweeps": {
            n: sweep_facts(summary, e, labels, e["sweep"])
            for n, e in experiments.items()
            if e.get("sweep")
        },
        "bound": bound_facts(table["leaderboard"]),
        "edges": edge_facts(table["by_frequency"]),
        "trends": {
            n: trend.facts(
                trend.experiment_trend(runs, e, labels), trend.label_of(e), trend.claim_of(e)
            )
            for n, e in experiments.items()
            if trend.label_of(e)
        },
        "speed": speed_facts(table["speed"]),
        "runs": runs_facts(runs),
    }

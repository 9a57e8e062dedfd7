"""The study as a paper: the thread's numbers in their seed distributions, where the
learned estimators fall short of the bound, and the report's text.

Every caption and the report's front page state their findings with the numbers of the run
that made them, computed here from the study's tables: nothing in them is typed in.
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
    runs), the thread's number for the dataset and its percentile among our seeds, the
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
    and the share of the squared error the edges hold. From the evaluations' per-frequency
    bins (metrics.json ``by_frequency``); networks by their best run on a test set."""
    rows = []
    for e in evaluations:
        test = e.get("test_dataset", e["dataset"])
        snr = tests.get(test, {}).get("snr_db")
        if snr is None or e["diverged"] or bounds.get(test) is None:
            continue
        bins = pd.DataFrame(e["by_frequency"])
        near_edge = (bins["frequency"] < edge) | (bins["frequency"] > e["nyquist"] - edge)
        squared = bins["n"] * bins["rmse"] ** 2
        rmse = {
            part: math.sqrt(squared[mask].sum() / bins["n"][mask].sum()) if mask.any() else np.nan
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


def by_frequency_figure(evaluations: list[dict], table: pd.DataFrame, title: str):
    """RMSE against true frequency at the highest SNR and at the lowest SNR from 0 dB, for
    every learned or hybrid network and least squares, with the bound of the test split."""
    from sinefreq import plots

    noisy = sorted(table.loc[table["snr_db"] >= 0, "snr_db"].unique()) if len(table) else []
    levels = sorted({noisy[0], noisy[-1]}) if noisy else []
    fig, axes = plots.grid(max(len(levels), 1), width=5.5, height=4.2)
    best = {(r.estimator, r.test_dataset): r.train_dataset for r in table.itertuples()}
    for ax, level in zip(axes, levels, strict=False):
        rows = table[(table["snr_db"] == level) & (table["kind"] != "thread")]
        test = rows["test_dataset"].iloc[0]
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


# -- the report's text ------------------------------------------------------------------


def num(x: float) -> str:
    """A number with three significant digits ("n/a" where there is none)."""
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{x:.3g}"


def db(x: float) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:+.1f} dB"


def spread(row, metric: str) -> str:
    """``median [p05, p95]`` of a summary row's metric, to 3 significant digits."""
    return aggregate.median_interval(row, metric, fmt=".3g")


def db_range(values) -> str:
    values = [v for v in values if np.isfinite(v)]
    if not values:
        return "n/a"
    low, high = min(values), max(values)
    return db(low) if abs(high - low) < 0.05 else f"{low:+.1f} to {high:+.1f} dB"


def own_rows(summary: pd.DataFrame, experiment: dict) -> pd.DataFrame:
    """The summary's rows of an experiment's networks on their own test splits."""
    rows = summary[
        summary["dataset"].isin(experiment["datasets"])
        & summary["model"].isin(experiment["models"])
        & (summary["test_dataset"] == summary["dataset"])
    ]
    return rows.sort_values(["model", "dataset"])


def failures(row) -> str:
    return f"{int(row['n_failed'])}/{int(row['n_runs'])} failed"


def _finding(sentences: list[str]) -> str:
    sentences = [s for s in sentences if s]
    return "**Finding:** " + " ".join(sentences) if sentences else ""


def predicted_vs_true_finding(rows: pd.DataFrame) -> str:
    return _finding(
        [
            "; ".join(
                f"{r['model']} on {r['dataset']}: held-out MAE {spread(r, 'test_mae')} "
                f"cycles over {int(r['n_runs'])} seeds ({failures(r)})"
                for _, r in rows.iterrows()
            )
            + "."
        ]
    )


def learning_curves_finding(rows: pd.DataFrame, runs: pd.DataFrame) -> str:
    parts = []
    for _, r in rows.iterrows():
        mine = runs[(runs["dataset"] == r["dataset"]) & (runs["model"] == r["model"])]
        mine = mine[mine["test_dataset"] == mine["dataset"]]
        parts.append(
            f"{r['model']} on {r['dataset']}: training MAE {num(r['train_mae_median'])} "
            f"against held-out {num(r['test_mae_median'])} (medians), after "
            f"{num(mine['epochs_trained'].median())} epochs and "
            f"{num(mine['train_minutes'].median())} minutes of training"
        )
    return _finding(["; ".join(parts) + "."])


def error_vs_frequency_finding(rows: pd.DataFrame) -> str:
    rows = rows.dropna(subset=["test_max_abs_error_median", "test_mae_median"])
    if rows.empty:
        return _finding(["no run of this experiment ended with finite predictions."])
    worst = rows.loc[rows["test_max_abs_error_median"].idxmax()]
    best = rows.loc[rows["test_mae_median"].idxmin()]
    return _finding(
        [
            f"the largest held-out error is {num(worst['test_max_abs_error_median'])} cycles "
            f"({worst['model']} on {worst['dataset']}, median over seeds); the lowest "
            f"held-out MAE is {num(best['test_mae_median'])} ({best['model']} on "
            f"{best['dataset']})."
        ]
    )


def sweep_finding(summary: pd.DataFrame, experiment: dict, labels: dict, sweep: str) -> str:
    """Per model: the held-out MAE at both ends of the sweep and its worst point, with the
    failed runs; per classical estimator, its distance to the bound over the sweep."""
    parts = []
    rows = summary[
        summary["dataset"].isin(experiment["datasets"])
        & (summary["test_dataset"] == summary["dataset"])
    ].copy()
    rows["point"] = [labels[d].get(sweep) for d in rows["dataset"]]
    for model, own in rows[rows["model"].isin(experiment["models"])].groupby("model"):
        own = own.sort_values("point")
        first, last = own.iloc[0], own.iloc[-1]
        worst = own.loc[own["test_mae_median"].fillna(np.inf).idxmax()]
        failed = own[own["n_failed"] > 0]
        failed_at = ", ".join(
            f"{r['point']:g} ({int(r['n_failed'])}/{int(r['n_runs'])})"
            for _, r in failed.iterrows()
        )
        parts.append(
            f"{model}: held-out MAE {num(first['test_mae_median'])} at {sweep} "
            f"{first['point']:g}, {num(last['test_mae_median'])} at {last['point']:g}, worst "
            f"{num(worst['test_mae_median'])} at {worst['point']:g}; failed runs "
            + (f"at {failed_at}" if failed_at else "none")
            + "."
        )
    if experiment.get("classical"):
        classical = rows[rows["estimator"] == "classical"]
        for method, own in classical.groupby("model"):
            noisy = own[own["point"].notna() & (own["point"] >= 0)]
            parts.append(
                f"{method}: {db_range(noisy['test_db_above_crlb_median'])} above the "
                f"Cramer-Rao bound from {sweep} 0 up."
            )
    return _finding(parts)


def leaderboard_finding(board: pd.DataFrame) -> str:
    """The best learned network, the hybrid, least squares and the thread's networks in dB
    above the bound from 0 dB up; below 0 dB, the lowest RMSE against least squares'; on
    clean test sets, the lowest MAE of a learned network."""
    if board.empty:
        return ""
    noisy = board[board["snr_db"].notna()]
    high = noisy[noisy["snr_db"] >= 0]
    parts = []
    if not high.empty:
        span = f"from {high['snr_db'].min():g} to {high['snr_db'].max():g} dB SNR"
        best = best_per_kind(board)
        parts.append(
            f"{span}, the best of each kind lies above the Cramer-Rao bound by: "
            + "; ".join(f"{kind} {text}" for kind, text in best.items())
            + "."
        )
    parts += [
        below_threshold(noisy, snr)
        for snr in sorted(noisy.loc[noisy["snr_db"] < 0, "snr_db"].unique())
    ]
    parts += [
        f"On clean {test}, the best {kind} network's MAE is {num(mae)} cycles ({name})."
        for (test, kind), (name, mae) in best_clean(board).items()
    ]
    return _finding(parts)


def best_per_kind(board: pd.DataFrame) -> dict[str, str]:
    """Kind -> how far above the bound its best estimator lies at each SNR from 0 dB
    (a range over the levels) and which estimators those are."""
    high = board[board["snr_db"].notna() & (board["snr_db"] >= 0)]
    best = {}
    for kind in ("learned", "hybrid", "classical", "thread"):
        rows = high[high["kind"] == kind]
        if rows.empty:
            continue
        per_level = rows.loc[rows.groupby("snr_db")["db_above_bound"].idxmin()]
        names = ", ".join(dict.fromkeys(per_level["estimator"]))
        best[kind] = f"{db_range(per_level['db_above_bound'])} ({names})"
    return best


def below_threshold(noisy: pd.DataFrame, snr: float) -> str:
    """The lowest RMSE at ``snr`` against least squares', with both intervals."""
    rows = noisy[noisy["snr_db"] == snr].sort_values("rmse")
    top = rows.iloc[0]
    nls = rows[rows["estimator"] == "nls"]
    against = ""
    if not nls.empty and top["estimator"] != "nls":
        n = nls.iloc[0]
        apart = "apart" if top["rmse_hi"] < n["rmse_lo"] else "overlapping"
        against = (
            f" against least squares' {num(n['rmse'])} [{num(n['rmse_lo'])}, "
            f"{num(n['rmse_hi'])}] (intervals {apart})"
        )
    return (
        f"At {snr:g} dB the lowest RMSE is {top['estimator']}'s {num(top['rmse'])} "
        f"[{num(top['rmse_lo'])}, {num(top['rmse_hi'])}]{against}."
    )


def best_clean(board: pd.DataFrame) -> dict[tuple[str, str], tuple[str, float]]:
    """(clean test set, kind) -> the learned or hybrid network with the lowest MAE, and it."""
    clean = board[board["snr_db"].isna() & board["kind"].isin(["learned", "hybrid"])]
    found = {}
    for (test, kind), rows in clean.groupby(["test_dataset", "kind"]):
        top = rows.sort_values("mae").iloc[0]
        found[(test, kind)] = (top["estimator"], top["mae"])
    return found


def by_frequency_finding(table: pd.DataFrame, edge: float) -> str:
    if table.empty:
        return ""
    top = table[table["snr_db"] == table["snr_db"].max()]
    parts = []
    for kind in ("learned", "hybrid", "classical"):
        rows = top[top["kind"] == kind]
        if rows.empty:
            continue
        r = rows.iloc[0]
        parts.append(
            f"at {r['snr_db']:g} dB the best {kind} estimator, {r['estimator']}, lies "
            f"{db(r['db_above_bound_all'])} above the bound over all series and "
            f"{db(r['db_above_bound_middle'])} away from the band edges (within {edge:g} "
            f"cycles of 0 or Nyquist), which hold {100 * r['edge_error_share']:.0f}% of its "
            "squared error"
        )
    return _finding(["; ".join(parts) + "."])


def seed_finding(table: pd.DataFrame, label: str) -> str:
    parts = []
    models = list(dict.fromkeys(table["model"]))
    for _, rows in table.groupby("dataset", sort=False):
        rows = rows.set_index("model")
        first = rows.iloc[0]
        text = [
            f"{label} {first[label]:g}: the thread's {num(first['thread_mae'])} lies at the "
            + ", ".join(
                f"{rows.loc[m, 'thread_percentile']:.0f}th percentile of {m}'s "
                f"{int(rows.loc[m, 'n_seeds'])} seeds (median "
                f"{num(rows.loc[m, 'train_mae_median'])}, {int(rows.loc[m, 'n_failed'])} failed"
                + (
                    f", Mann-Whitney p = {rows.loc[m, 'p_vs_first_model']:.2f} against {models[0]}"
                    if np.isfinite(rows.loc[m, "p_vs_first_model"])
                    else ""
                )
                + ")"
                for m in rows.index
            )
        ]
        if np.isfinite(first["median_of_3_lo"]):
            text.append(
                f"a median of 3 seeds of {models[0]} falls anywhere from "
                f"{num(first['median_of_3_lo'])} to {num(first['median_of_3_hi'])}, of 5 from "
                f"{num(first['median_of_5_lo'])} to {num(first['median_of_5_hi'])} "
                "(5th to 95th percentile over subsets)"
            )
        parts.append("; ".join(text) + ".")
    return _finding(parts)


def thread_table_finding(table: pd.DataFrame) -> str:
    parts = []
    for _, r in table.iterrows():
        where = f" at max_freq {r['max_freq']:g}" if pd.notna(r["max_freq"]) else ""
        ours = f"{r['setup']}{where}: our training MAE {spread(r, 'train_mae')}"
        if pd.notna(r["thread_mae"]):
            inside = r["train_mae_p05"] <= r["thread_mae"] <= r["train_mae_p95"]
            ours += f", the thread's {num(r['thread_mae'])} " + (
                "inside our interval" if inside else "outside it"
            )
        parts.append(f"{ours} ({int(r['n_failed'])}/{int(r['n_runs'])} failed)")
    return _finding(["; ".join(parts) + "."]) if parts else ""


def speed_finding(speed: pd.DataFrame | None) -> str:
    if speed is None or speed.empty:
        return ""
    rules = speed.set_index("rule")
    total_wall, total_cpu = speed["wall_min"].sum(), speed["cpu_min"].sum()
    parts = [
        f"the {int(speed['jobs'].sum())} benchmarked jobs add up to {num(total_wall)} "
        f"minutes of job time (at least {num(total_cpu)} CPU-minutes as Snakemake samples "
        "them), what one core would take at the jobs' measured speed"
    ]
    parts += [
        f"{rule}: {int(r['jobs'])} jobs, {100 * r['wall_min'] / total_wall:.0f}% of the time, "
        f"median {num(r['median_wall_s'])} s per job of which {num(r['median_startup_s'])} s "
        "start-up"
        for rule, r in rules.iterrows()
        if np.isfinite(r["median_startup_s"])
    ]
    return _finding(["; ".join(parts) + "."])


def runs_finding(runs: pd.DataFrame) -> str:
    networks = runs[runs["estimator"] == "network"]
    trained = networks[networks["test_dataset"] == networks["dataset"]]
    failed = trained[FAILED].any(axis=1).sum()
    return _finding(
        [
            f"{len(runs)} evaluations: {len(trained)} trained runs, {len(networks)} network "
            f"evaluations and {len(runs) - len(networks)} of classical estimators; "
            f"{failed} of the trained runs failed on their own test split "
            "(diverged, collapsed or a dead output)."
        ]
    )


# How to read each figure and table; the finding follows, computed from the run.
HOW_TO_READ = {
    "predicted_vs_true": (
        "Predicted against true frequency on the held-out split of {experiment}, one panel "
        "per dataset and model, one colour per seed. The dashed line is a perfect estimator; "
        "a horizontal band means the network collapsed onto one value; the dotted line "
        "marks the Nyquist limit where the data reach it."
    ),
    "learning_curves": (
        "Loss per epoch for {experiment}, one colour per seed: training (solid) and "
        "held-out (dashed, at the validation stride), on the scale the network was trained on."
    ),
    "error_vs_frequency": (
        "Held-out RMSE against true frequency for {experiment}: each network (pooled over "
        "seeds) and each classical estimator on the same series. Above the Nyquist limit "
        "(N - 1) / 2 (dotted) frequencies alias, and no estimator can recover them. Errors "
        "below 1e-12 (least squares on clean data) are drawn at 1e-12."
    ),
    "sweep": (
        "Median held-out and training MAE over seeds against the swept dataset label for "
        "{experiment}, with the 90% interval over seeds (the range below 21 seeds); stars "
        "are the thread's own numbers (on training data)."
    ),
    "leaderboard": (
        "Held-out RMSE (cycles per window) against SNR on the noise benchmark for every "
        "estimator: networks trained the estimator way (learned; hybrid: a network plus "
        "unrolled Gauss-Newton steps), the thread's networks (each at its best training "
        "SNR), least squares and FFT interpolation, and the exact Cramer-Rao bound (black). "
        "Bands are 95% bootstrap intervals (1000 resamples of the test series, the same for "
        "every estimator on a level)."
    ),
    "leaderboard_table": (
        "Every estimator on every benchmark test set: RMSE with its 95% bootstrap interval, "
        "MAE, bias, the share of outliers (errors above half a cycle), the bound and the dB "
        "above it, inference rate on one core and training minutes."
    ),
    "by_frequency": (
        "Where the estimators lose to the bound: held-out RMSE per true-frequency bin on the "
        "noise benchmark at its lowest SNR from 0 dB and at its highest, for every network "
        "trained the estimator way and the classical estimators; the black line is the "
        "bound of the test split, the dotted line Nyquist."
    ),
    "by_frequency_table": (
        "Per estimator and noisy benchmark level: RMSE over all series, over those near the "
        "band edges and over the rest, each in dB above the test split's bound, and the "
        "share of the squared error the edges hold."
    ),
    "seed_distribution": (
        "The thread's numbers in the spread over seeds: every seed's training MAE (dots; "
        "crosses are failed runs) and the median (bar) per model, at each of the thread's "
        "points; the dashed line is the number the thread printed, with its percentile "
        "among our seeds."
    ),
    "seed_table": (
        "Per point and model: the training MAE over seeds (median, 90% interval), failed "
        "runs, the thread's number and its percentile among our seeds, where the median of "
        "3 or 5 seeds could have landed (5th to 95th percentile over all subsets), and a "
        "Mann-Whitney test against the first model."
    ),
    "thread_table": (
        "The thread's setups beside ours: what the thread says, its number where it printed "
        "one, and our training and held-out MAE (median and 90% interval over seeds) and "
        "failed runs."
    ),
    "speed_table": (
        "Where the study's time goes, per rule: jobs, their summed wall and CPU minutes "
        "(from Snakemake's benchmark files; it samples CPU time, which misses up to the "
        "last 30 s of a job, so CPU minutes are a lower bound), and where a job records its "
        "work (training minutes, prediction rate) the median work and start-up seconds per "
        "job."
    ),
    "failure_trend": (
        "Failed runs' share per point of {experiment} (diverged, collapsed or a dead output), "
        "one series per model, with 95% Wilson intervals and k/n; the legend gives each "
        "model's Cochran-Armitage test for a trend over the label (two-sided)."
    ),
    "failure_trend_table": (
        "Per model and point: runs, failed runs, the failure rate and its 95% Wilson "
        "interval, and the model's Cochran-Armitage trend test over the label (z, p)."
    ),
    "runs_table": "One row per evaluation: a run (or classical estimator) on a test dataset.",
    "summary_table": (
        "Per setup (dataset, model, test dataset): runs, failed runs and each metric's mean, "
        "standard deviation, median and 90% interval over seeds."
    ),
}


# The caption files rule report_texts writes (results/report/captions/<name>.rst).
CAPTIONS = tuple(HOW_TO_READ)


def caption(name: str, finding: str, **fields) -> str:
    return HOW_TO_READ[name].format(**fields) + ("\n\n" + finding if finding else "") + "\n"


def per_wildcard(texts: dict[str, str], wildcard: str = "experiment") -> str:
    """One caption file for a rule with wildcards: the report renders it with Jinja for each
    output, and this picks the text of the output's ``wildcard``."""
    branches = [
        f'{"if" if i == 0 else "elif"} snakemake.wildcards.{wildcard} == "{key}"'
        for i, key in enumerate(texts)
    ]
    lines = []
    for branch, text in zip(branches, texts.values(), strict=True):
        lines += [f"{{% {branch} %}}", text.rstrip("\n")]
    return "\n".join([*lines, "{% endif %}", ""]) if texts else ""


# -- the front page: the answer in five sentences ----------------------------------------

QUESTION = "Can a neural network predict the frequency of a sine wave?"


def answer(
    thread_table: pd.DataFrame,
    seed_tables: dict[str, pd.DataFrame],
    board: pd.DataFrame,
    frequency_table: pd.DataFrame,
) -> list[str]:
    """The study's answer, one sentence per part it could measure (up to five)."""
    sentences = [
        thread_sentence(thread_table),
        *(seed_sentence(table) for table in seed_tables.values()),
        *bound_sentences(board, frequency_table),
    ]
    return [s for s in sentences if s]


def thread_sentence(table: pd.DataFrame) -> str:
    if table.empty:
        return ""
    shown = table[table["thread_mae"].notna() | ~table["setup"].duplicated()]
    parts = []
    for _, r in shown.iterrows():
        where = f" at max_freq {r['max_freq']:g}" if pd.notna(r["max_freq"]) else ""
        # Compared on the split the thread measured; training MAE where it printed nothing.
        split = thread.MEASURED_ON.get(r["setup"], "train")
        thread_mae = f", thread {num(r['thread_mae'])}" if pd.notna(r["thread_mae"]) else ""
        named = "training" if split == "train" else "held-out"
        parts.append(f"{r['setup']}{where} {num(r[f'{split}_mae_median'])} ({named}{thread_mae})")
    failed, total = int(table["n_failed"].sum()), int(table["n_runs"].sum())
    return (
        "Trained as the thread trained them, the networks' MAE (median over seeds, cycles "
        f"per window) is {'; '.join(parts)}, and {failed} of {total} runs fail (collapse "
        "onto one value or a dead output)."
    )


def seed_sentence(table: pd.DataFrame) -> str:
    models = list(dict.fromkeys(table["model"]))
    if table.empty or table["thread_mae"].isna().all():
        return ""
    label = table.columns[1]
    first = table[table["model"] == models[0]]
    text = (
        f"Over {int(first['n_seeds'].min())} seeds, the thread's numbers at {label} "
        + ", ".join(f"{v:g}" for v in first[label])
        + " lie at the "
        + ", ".join(f"{p:.0f}" for p in first["thread_percentile"])
        + f"th percentiles of {models[0]}'s training MAE"
    )
    for model in models[1:]:
        other = table[table["model"] == model]
        differs = other.loc[other["p_vs_first_model"] < 0.05, label]
        text += (
            ", and at the "
            + ", ".join(f"{p:.0f}" for p in other["thread_percentile"])
            + f"th of {model}'s (medians "
            + ", ".join(num(v) for v in other["train_mae_median"])
            + " against "
            + ", ".join(num(v) for v in first["train_mae_median"])
            + "; "
            + (
                f"different at {label} {', '.join(f'{v:g}' for v in differs)} by a "
                "Mann-Whitney test at 5%"
                if len(differs)
                else "no point differs by a Mann-Whitney test at 5%"
            )
            + ")"
        )
    return text + "."


def bound_sentences(board: pd.DataFrame, frequency_table: pd.DataFrame) -> list[str]:
    if board.empty or board["snr_db"].notna().sum() == 0:
        return []
    best = best_per_kind(board)
    high = board[board["snr_db"].notna() & (board["snr_db"] >= 0)]
    span = f"{high['snr_db'].min():g} to {high['snr_db'].max():g} dB SNR"
    sentences = [
        f"Against the Cramer-Rao bound, from {span}, the best classical estimator lies "
        f"{best.get('classical', 'n/a')} above it and the thread's best network "
        f"{best.get('thread', 'n/a')}."
    ]
    if "learned" in best or "hybrid" in best:
        noisy = board[board["snr_db"].notna()]
        lowest = noisy["snr_db"].min()
        sentences.append(
            f"Trained the estimator way (fresh noisy series every epoch), the best learned "
            f"network lies {best.get('learned', 'n/a')} above the bound and the hybrid "
            f"{best.get('hybrid', 'n/a')}; "
            + below_threshold(noisy, lowest)[0].lower()
            + below_threshold(noisy, lowest)[1:]
        )
    limits = []
    clean = best_clean(board)
    for (test, kind), (name, mae) in clean.items():
        if kind == "learned":
            limits.append(
                f"on clean {test} the best learned network's MAE is {num(mae)} cycles ({name})"
            )
    learned = (
        frequency_table[frequency_table["kind"] == "learned"]
        if len(frequency_table)
        else frequency_table
    )
    if len(learned):
        top = learned[learned["snr_db"] == learned["snr_db"].max()].iloc[0]
        limits.append(
            f"at {top['snr_db']:g} dB the band edges hold "
            f"{100 * top['edge_error_share']:.0f}% of {top['estimator']}'s squared error "
            f"(away from them it lies {db(top['db_above_bound_middle'])} above the bound)"
        )
    if limits:
        sentences.append("Where learning stops short: " + "; ".join(limits) + ".")
    return sentences


def front_page(sentences: list[str], categories: list[str]) -> str:
    """The report's front page: the question, the answer, and how the report reads."""
    lines = [
        QUESTION,
        "=" * len(QUESTION),
        "",
        " ".join(sentences) if sentences else "(this study measured none of the parts yet)",
        "",
        "sinefreq regenerates every setup of a question-and-answer thread on this question,",
        "trains each over several seeds, measures it on held-out series, and sets every",
        "network against least squares and the Cramer-Rao bound. Frequencies are in cycles",
        "per window; every number on this page and in the captions comes from this run's",
        "tables. The results, in reading order: " + "; ".join(categories) + ".",
        "",
    ]
    return "\n".join(lines)


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


# -- the report's texts from the study's tables -------------------------------------------

BAND_EDGE = 2.0  # cycles from 0 or Nyquist that count as the band's edge


def read_table(path) -> pd.DataFrame:
    """A study table; no rows (an empty file, e.g. no thread setups) or no path: empty."""
    if not path:
        return pd.DataFrame()
    try:
        return io.read_table(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def report_texts(inputs: dict, experiments: dict, labels: dict) -> dict[str, str]:
    """The report's front page (``workflow``) and every caption, from the tables ``inputs``
    names (``seeds``: one per experiment with thread_points, in config order)."""
    table = {name: read_table(inputs.get(name)) for name in
             ("summary", "runs", "thread", "leaderboard", "by_frequency", "speed")}  # fmt: skip
    seeding = [n for n, e in experiments.items() if e.get("thread_points")]
    seed_tables = dict(zip(seeding, map(read_table, inputs.get("seeds", [])), strict=True))
    written = captions(table["summary"], table["runs"], table["thread"], table["leaderboard"],
                       table["by_frequency"], seed_tables, experiments, labels,
                       table["speed"])  # fmt: skip
    sentences = answer(table["thread"], seed_tables, table["leaderboard"], table["by_frequency"])
    written["workflow"] = front_page(sentences, list(CATEGORIES))
    return written


def captions(
    summary,
    runs,
    thread_table,
    board,
    frequency_table,
    seed_tables,
    experiments,
    labels,
    speed=None,
) -> dict[str, str]:
    """Caption name -> its text (per-experiment captions with one branch per experiment)."""
    mine = {name: own_rows(summary, exp) for name, exp in experiments.items()}
    per_experiment = {
        "predicted_vs_true": lambda n: predicted_vs_true_finding(mine[n]),
        "learning_curves": lambda n: learning_curves_finding(mine[n], runs),
        "error_vs_frequency": lambda n: error_vs_frequency_finding(mine[n]),
    }
    texts = {
        name: per_wildcard({n: caption(name, finding(n), experiment=n) for n in experiments})
        for name, finding in per_experiment.items()
    }
    sweeps = {n: e for n, e in experiments.items() if e.get("sweep")}
    texts["sweep"] = per_wildcard(
        {
            n: caption("sweep", sweep_finding(summary, e, labels, e["sweep"]), experiment=n)
            for n, e in sweeps.items()
        }
    )
    seeds = {
        n: seed_finding(t, thread.points(experiments[n]["thread_points"])[0])
        for n, t in seed_tables.items()
    }
    texts["seed_distribution"] = per_wildcard(
        {n: caption("seed_distribution", f) for n, f in seeds.items()}
    )
    texts["seed_table"] = per_wildcard({n: caption("seed_table", f) for n, f in seeds.items()})
    trends = {
        n: _finding([trend.finding(trend.experiment_trend(runs, e, labels), trend.label_of(e))])
        for n, e in experiments.items()
        if trend.label_of(e)
    }
    texts["failure_trend"] = per_wildcard(
        {n: caption("failure_trend", f, experiment=n) for n, f in trends.items()}
    )
    texts["failure_trend_table"] = per_wildcard(
        {n: caption("failure_trend_table", f) for n, f in trends.items()}
    )
    texts["leaderboard"] = caption("leaderboard", leaderboard_finding(board))
    texts["leaderboard_table"] = caption("leaderboard_table", leaderboard_finding(board))
    frequency = by_frequency_finding(frequency_table, BAND_EDGE)
    texts["by_frequency"] = caption("by_frequency", frequency)
    texts["by_frequency_table"] = caption("by_frequency_table", frequency)
    texts["thread_table"] = caption("thread_table", thread_table_finding(thread_table))
    texts["speed_table"] = caption("speed_table", speed_finding(speed))
    texts["runs_table"] = caption("runs_table", runs_finding(runs))
    texts["summary_table"] = caption("summary_table", runs_finding(runs))
    return texts

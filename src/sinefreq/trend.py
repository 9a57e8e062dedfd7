"""Does a failure rate change along a sweep? Failed runs per point, with a binomial interval,
and one trend test over the points.

The thread's answer 0 says training "diverges more often as max_freq grows". Over ten seeds
a point's failure count moves by several runs from one machine to the next, so the claim is
tested, not read off the counts: a Cochran-Armitage test of the failure rate against the
swept label's values (the scores), two-sided. It is the score test of a logistic (or
linear) trend in the rate, needs no fit that can fail to converge when a point has no
failures or only failures, and is a dozen lines of scipy.

A point's interval is Wilson's 95 % score interval: with ten runs Clopper-Pearson's is wider
than it need be (it guarantees at least 95 % coverage, about 98 % at n = 10), while Wilson's
coverage stays close to 95 % and, unlike the normal approximation, never leaves [0, 1] and
is not empty at 0 or n failures.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sinefreq import aggregate, thread

CONFIDENCE = 0.95
ALPHA = 0.05  # the level the trend test is read at
INTERVAL_METHOD = "wilson"  # scipy.stats.binomtest(...).proportion_ci's method


def cochran_armitage(failed, runs, scores) -> tuple[float, float]:
    """Cochran-Armitage test for a trend in ``failed``/``runs`` over ``scores`` (one of each
    per point): ``(z, two-sided p)``, z > 0 when the rate grows with the score.

    T = sum s_i (k_i - n_i p), Var T = p (1 - p) [sum n_i s_i^2 - (sum n_i s_i)^2 / N], with p
    the pooled rate and N the runs (Armitage 1955; z^2 is R's ``prop.trend.test``). Points
    that share a score count as one. With fewer than two distinct scores there is no trend
    to test (NaN, NaN); where every run failed, or none did, every reordering of the runs
    gives T = 0: z = 0, p = 1.
    """
    from scipy.stats import norm

    k, n, s = (np.asarray(v, dtype=float) for v in (failed, runs, scores))
    if not (k.shape == n.shape == s.shape and k.ndim == 1):
        raise ValueError(
            f"failed, runs and scores must be equal-length lists, got {k.shape}, {n.shape}, {s.shape}"
        )
    if np.any(n < 1) or np.any(k < 0) or np.any(k > n) or not np.all(np.isfinite(s)):
        raise ValueError(
            f"each point needs runs >= 1, 0 <= failed <= runs and a finite score; got failed "
            f"{k.tolist()}, runs {n.tolist()}, scores {s.tolist()}"
        )
    if len(np.unique(s)) < 2:
        return math.nan, math.nan
    total = n.sum()
    rate = k.sum() / total
    variance = rate * (1 - rate) * (np.sum(n * s**2) - np.sum(n * s) ** 2 / total)
    if variance == 0:
        return 0.0, 1.0
    z = float(np.sum(s * (k - n * rate)) / math.sqrt(variance))
    return z, float(2 * norm.sf(abs(z)))


def rate_interval(failed: int, runs: int) -> tuple[float, float]:
    """The 95 % Wilson interval of a failure rate ``failed``/``runs``."""
    from scipy.stats import binomtest

    ci = binomtest(int(failed), int(runs)).proportion_ci(CONFIDENCE, method=INTERVAL_METHOD)
    return float(ci.low), float(ci.high)


def failure_trend(
    runs: pd.DataFrame, label: str, points: dict[str, float], models: list[str], seeds: list[int]
) -> pd.DataFrame:
    """Per model and point (a dataset of ``points``: dataset -> its value of ``label``): the
    runs of ``seeds``, how many failed (any of :data:`sinefreq.aggregate.FAILURES`, on the
    run's own test split), the rate and its 95 % Wilson interval; and, on every row of a
    model, its Cochran-Armitage test over the label (``trend_z``, ``trend_p``).

    ``runs`` is the runs table (results/runs.csv); a (dataset, model) with none of the
    seeds in it is an error, not a point with no runs.
    """
    own = runs[
        (runs["test_dataset"] == runs["dataset"])
        & runs["dataset"].isin(points)
        & runs["model"].isin(models)
        & runs["seed"].isin(seeds)
    ]
    failed = own[list(aggregate.FAILURES.values())].any(axis=1)
    counts = own.assign(failed=failed).groupby(["model", "dataset"])["failed"].agg(["size", "sum"])
    rows = []
    for model in models:
        for dataset, value in sorted(points.items(), key=lambda item: (item[1], item[0])):
            if (model, dataset) not in counts.index:
                raise ValueError(
                    f"the runs table has no run of model {model} on dataset {dataset} with "
                    f"seeds {seeds}: run the study's aggregate step for them first"
                )
            n, k = (int(x) for x in counts.loc[(model, dataset)])
            low, high = rate_interval(k, n)
            rows.append(
                {
                    "model": model,
                    "dataset": dataset,
                    label: value,
                    "n_runs": n,
                    "n_failed": k,
                    "failure_rate": k / n,
                    "rate_lo": low,
                    "rate_hi": high,
                }
            )
    table = pd.DataFrame(rows)
    for _, rows_of_model in table.groupby("model", sort=False):
        z, p = cochran_armitage(
            rows_of_model["n_failed"], rows_of_model["n_runs"], rows_of_model[label]
        )
        table.loc[rows_of_model.index, ["trend_z", "trend_p"]] = z, p
    return table


def label_of(experiment: dict) -> str | None:
    """The dataset label an experiment's failures are tested along: its sweep's, or the
    label of the thread's points it places among its seeds; None if it has neither."""
    if experiment.get("sweep"):
        return experiment["sweep"]
    if experiment.get("thread_points"):
        return thread.points(experiment["thread_points"])[0]
    return None


def claim_of(experiment: dict) -> str | None:
    """What the thread says of the experiment's failures along its label, or None."""
    setup = experiment.get("thread") or experiment.get("thread_points")
    return thread.failure_claim(setup, label_of(experiment))


def experiment_trend(runs: pd.DataFrame, experiment: dict, labels: dict) -> pd.DataFrame:
    """:func:`failure_trend` of an experiment (its config section) along :func:`label_of`;
    ``labels`` maps each of its datasets to its labels."""
    label = label_of(experiment)
    if label is None:
        raise ValueError(
            "the experiment has neither a sweep nor thread_points: no label to test along"
        )
    points = {d: labels[d][label] for d in experiment["datasets"]}
    return failure_trend(runs, label, points, experiment["models"], experiment["seeds"])


def count(failed: int, runs: int) -> dict:
    """``failed`` of ``runs`` with its 95 % Wilson interval, as the report states a count
    that moves between machines (failed runs, seeds below a number)."""
    k, n = int(failed), int(runs)
    if n == 0:
        return {"k": k, "n": n, "lo": None, "hi": None}
    low, high = rate_interval(k, n)
    return {"k": k, "n": n, "lo": low, "hi": high}


def facts(table: pd.DataFrame, label: str, claim: str | None) -> dict:
    """What the report says of a :func:`failure_trend` table: per model, each point's
    failed runs with their interval, and the trend test; ``shown`` only below ALPHA."""
    models = []
    for model, rows in table.groupby("model", sort=False):
        z, p = (float(rows[c].iloc[0]) for c in ("trend_z", "trend_p"))
        testable = math.isfinite(p)
        models.append(
            {
                "model": model,
                "points": [
                    {"point": float(r[label]), "failed": count(r["n_failed"], r["n_runs"])}
                    for _, r in rows.iterrows()
                ],
                "z": z if testable else None,
                "p": p if testable else None,
                "shown": testable and p < ALPHA,
                "direction": ("grows" if z > 0 else "falls") if testable else None,
            }
        )
    return {"label": label, "claim": claim, "models": models}

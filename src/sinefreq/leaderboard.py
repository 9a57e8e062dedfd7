"""The leaderboard: every estimator on the benchmark datasets, against the Cramer-Rao bound.

One row per (estimator, training dataset, test dataset): a network trained on one dataset
is one estimator, a classical method another. Errors are in cycles per window; a network
with several seeds gets the median over the seeds that did not diverge, the range of its
seeds' RMSE (how much one training run moves it), and a bootstrap interval of the median
RMSE (the test series resampled, the same resamples for every estimator on a test set, so
that close curves can be told apart).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sinefreq import crlb

# An outlier misses by more than half a DFT bin (a bin of N samples is (N - 1)/N, about one
# cycle per window): the estimate sits on another peak, the threshold effect of low SNR.
OUTLIER_CYCLES = 0.5
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0
INTERVAL = (0.025, 0.975)  # a 95% interval

COLUMNS = [
    "estimator",
    "kind",
    "train_dataset",
    "test_dataset",
    "snr_db",
    "n_runs",
    "n_diverged",
    "rmse",
    "rmse_lo",
    "rmse_hi",
    "rmse_seed_min",
    "rmse_seed_max",
    "mae",
    "bias",
    "outlier_rate",
    "bound_rmse",
    "db_above_bound",
    "offset_bound_rmse",
    "db_above_offset_bound",
    "series_per_s",
    "train_minutes",
]


def errors(evaluation: dict) -> np.ndarray:
    """Test-split errors (prediction - truth) of one evaluation."""
    return np.asarray(evaluation["test"]["y_pred"], float) - np.asarray(
        evaluation["test"]["y_true"], float
    )


def resamples(n: int, test: str, count: int = BOOTSTRAP_RESAMPLES) -> np.ndarray:
    """``(count, n)`` indices of bootstrap resamples of a test set of ``n`` series, the
    same for every estimator on it (seeded by the test set's name)."""
    rng = np.random.default_rng([BOOTSTRAP_SEED, *test.encode()])
    return rng.integers(0, n, size=(count, n))


def _median(values) -> float:
    values = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.median(values)) if values else np.nan


def table(
    evaluations: list[dict],
    tests: dict,
    kinds: dict,
    bounds: dict,
    offset_bounds: dict | None = None,
) -> pd.DataFrame:
    """The leaderboard from ``evaluations`` (metrics.json contents, each with its test
    split's predictions under ``test``), restricted to ``tests`` (test dataset ->
    ``{"snr_db": dB or None, "family": the dataset it is a level of}``); ``kinds`` maps a network's model to its kind, ``bounds`` a test dataset to
    the bound on its test split's RMSE (None on clean data), ``offset_bounds`` to the bound
    with an unknown DC offset (the reference of the estimators that fit one)."""
    tests = {test: info["snr_db"] for test, info in tests.items()}
    groups: dict[tuple, list[dict]] = {}
    for e in evaluations:
        test = e.get("test_dataset", e["dataset"])
        if test not in tests:
            continue
        train = "" if e["estimator"] == "classical" else e["dataset"]
        groups.setdefault((e["model"], train, test), []).append(e)
    indices: dict[str, np.ndarray] = {}
    rows = []
    for (name, train, test), runs in groups.items():
        kept = [r for r in runs if not r["diverged"]]
        errs = [errors(r) for r in kept]
        seed_rmse = [float(np.sqrt(np.mean(e**2))) for e in errs]
        rmse = _median(seed_rmse)
        lo = hi = np.nan
        if errs and np.isfinite(rmse):
            if test not in indices:
                indices[test] = resamples(len(errs[0]), test)
            idx = indices[test]
            boot = np.median([np.sqrt(np.mean(e[idx] ** 2, axis=1)) for e in errs], axis=0)
            lo, hi = np.quantile(boot, INTERVAL)
        bound, offset_bound = (
            np.nan if b is None else b for b in (bounds.get(test), (offset_bounds or {}).get(test))
        )
        rows.append(
            {
                "estimator": name,
                "kind": "classical" if not train else kinds[name],
                "train_dataset": train,
                "test_dataset": test,
                "snr_db": np.nan if tests[test] is None else tests[test],
                "n_runs": len(runs),
                "n_diverged": len(runs) - len(kept),
                "rmse": rmse,
                "rmse_lo": lo,
                "rmse_hi": hi,
                "rmse_seed_min": min(seed_rmse, default=np.nan),
                "rmse_seed_max": max(seed_rmse, default=np.nan),
                "mae": _median(np.mean(np.abs(e)) for e in errs),
                "bias": _median(np.mean(e) for e in errs),
                "outlier_rate": _median(np.mean(np.abs(e) > OUTLIER_CYCLES) for e in errs),
                "bound_rmse": bound,
                "db_above_bound": float(crlb.db_above_bound(rmse, bound)),
                "offset_bound_rmse": offset_bound,
                "db_above_offset_bound": float(crlb.db_above_bound(rmse, offset_bound)),
                "series_per_s": _median(r.get("series_per_s") for r in kept),
                "train_minutes": _median(r.get("train_minutes") for r in kept),
            }
        )
    board = pd.DataFrame(rows, columns=COLUMNS)
    order = {t: i for i, t in enumerate(tests)}
    board = board.assign(_test=board["test_dataset"].map(order))
    board = board.sort_values(["_test", "rmse", "estimator", "train_dataset"], na_position="last")
    return board.drop(columns="_test").reset_index(drop=True)


def curves(board: pd.DataFrame, tests: dict) -> dict[str, dict]:
    """What the RMSE-against-SNR figure draws, one panel per family of noisy test sets:
    ``{panel: {"bound": (snr, rmse), "curves": [{"label", "kind", "snr", "rmse", "lo",
    "hi"}]}}``. An estimator trained on several datasets (a noise sweep) is drawn as its
    best training dataset at each SNR, and labelled so."""
    noisy = board[board["snr_db"].notna()].copy()
    noisy["panel"] = [tests[t]["family"] for t in noisy["test_dataset"]]
    panels = {}
    for panel, rows in noisy.groupby("panel", sort=False):
        bound = rows.drop_duplicates("test_dataset").sort_values("snr_db")
        drawn = []
        for name, own in rows.groupby("estimator", sort=False):
            trained_on = own["train_dataset"].nunique()
            best = own.sort_values("rmse").drop_duplicates("test_dataset").sort_values("snr_db")
            label = name if trained_on == 1 else f"{name} (best of {trained_on} training sets)"
            drawn.append(
                {
                    "label": label,
                    "kind": own["kind"].iloc[0],
                    **{key: best[column].to_numpy() for key, column in CURVE_COLUMNS.items()},
                }
            )
        panels[panel] = {
            "bound": (bound["snr_db"].to_numpy(), bound["bound_rmse"].to_numpy()),
            "curves": sorted(drawn, key=lambda c: (KIND_ORDER.index(c["kind"]), c["label"])),
        }
    return panels


CURVE_COLUMNS = {"snr": "snr_db", "rmse": "rmse", "lo": "rmse_lo", "hi": "rmse_hi"}
KIND_ORDER = ("classical", "hybrid", "learned", "thread")

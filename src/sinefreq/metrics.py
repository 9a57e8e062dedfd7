"""Error metrics of frequency estimates, in cycles per window."""

from __future__ import annotations

import numpy as np

# A network whose predictions spread less than this fraction of the targets' spread
# has collapsed onto (nearly) one value: the thread's "learns nothing".
COLLAPSE_SPREAD_RATIO = 0.1
# A network with at least this share of its predictions exactly 0 has a dead ReLU output
# over part of the input range (no target frequency is 0): a partial collapse that the
# spread alone misses.
DEAD_OUTPUT_FRACTION = 0.1
# Below this many distinct true frequencies, errors are tabulated per frequency;
# above it (continuous draws) per equal-width bin.
MAX_DISTINCT_FREQUENCIES = 60
FREQUENCY_BINS = 25


def error_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    """MAE, RMSE, max and median absolute error, bias and spread of ``y_pred``.

    Non-finite predictions (a diverged network) give ``finite: False`` and NaN errors
    rather than an exception, so the study can count them.
    """
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has {y_pred.shape}")
    finite = bool(np.all(np.isfinite(y_pred)))
    error = y_pred - y_true
    target_std = float(np.std(y_true))
    pred_std = float(np.std(y_pred)) if finite else float("nan")
    spread_ratio = pred_std / target_std if target_std > 0 else float("nan")
    zero_fraction = float(np.mean(y_pred == 0))
    return {
        "n": int(y_true.size),
        "finite": finite,
        "mae": float(np.mean(np.abs(error))),
        "rmse": float(np.sqrt(np.mean(error**2))),
        "max_abs_error": float(np.max(np.abs(error))),
        "median_abs_error": float(np.median(np.abs(error))),
        "bias": float(np.mean(error)),
        "pred_std": pred_std,
        "target_std": target_std,
        "spread_ratio": spread_ratio,
        "collapsed": bool(finite and spread_ratio < COLLAPSE_SPREAD_RATIO),
        "zero_fraction": zero_fraction,
        "dead_output": bool(zero_fraction >= DEAD_OUTPUT_FRACTION),
    }


def error_by_frequency(y_true: np.ndarray, y_pred: np.ndarray) -> list[dict]:
    """MAE, RMSE and bias per true frequency (or per bin when frequencies are continuous)."""
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    distinct = np.unique(y_true)
    if len(distinct) <= MAX_DISTINCT_FREQUENCIES:
        keys, centres = np.searchsorted(distinct, y_true), distinct
    else:
        edges = np.linspace(distinct[0], distinct[-1], FREQUENCY_BINS + 1)
        keys = np.clip(np.digitize(y_true, edges) - 1, 0, FREQUENCY_BINS - 1)
        centres = (edges[:-1] + edges[1:]) / 2
    rows = []
    for key, centre in enumerate(centres):
        err = y_pred[keys == key] - y_true[keys == key]
        if err.size:
            rows.append(
                {
                    "frequency": float(centre),
                    "n": int(err.size),
                    "mae": float(np.mean(np.abs(err))),
                    "rmse": float(np.sqrt(np.mean(err**2))),
                    "bias": float(np.mean(err)),
                }
            )
    return rows


def evaluate_predictions(predictions: dict[str, dict]) -> dict:
    """Metrics per split plus the test split's error per frequency."""
    return {
        "splits": {s: error_metrics(p["y_true"], p["y_pred"]) for s, p in predictions.items()},
        "by_frequency": error_by_frequency(
            predictions["test"]["y_true"], predictions["test"]["y_pred"]
        ),
    }

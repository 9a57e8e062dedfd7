import numpy as np
import pandas as pd
import pytest

from sinefreq import aggregate, thread

CONFIG = {
    "datasets": {
        "a0_maxf10": {"labels": {"max_freq": 10}},
        "a0_maxf12": {"labels": {"max_freq": 12}},
    },
    "experiments": {
        "a0": {
            "thread": "A0-lstm",
            "datasets": ["a0_maxf10", "a0_maxf12"],
            "models": ["m"],
            "seeds": [0, 1, 2],
        }
    },
}


def metrics(
    dataset,
    seed,
    test_mae,
    diverged=False,
    collapsed=False,
    dead=False,
    estimator="network",
    model="m",
):
    split = {
        "mae": test_mae,
        "rmse": test_mae * 1.2,
        "max_abs_error": 3 * test_mae,
        "bias": 0.0,
        "spread_ratio": 1.0,
        "collapsed": collapsed,
        "zero_fraction": 0.5 if dead else 0.0,
        "dead_output": dead,
    }
    return {
        "dataset": dataset,
        "model": model,
        "estimator": estimator,
        "seed": seed,
        "diverged": diverged,
        "epochs_trained": 5,
        "splits": {"train": {**split, "mae": test_mae / 2}, "test": split},
    }


LABELS = {name: spec["labels"] for name, spec in CONFIG["datasets"].items()}


@pytest.fixture
def runs():
    return aggregate.runs_table(
        CONFIG["experiments"],
        [
            metrics("a0_maxf12", 0, 0.1, estimator="classical", model="nls"),
            metrics("a0_maxf10", 0, 1.0),
            metrics("a0_maxf10", 1, 3.0, collapsed=True),
            metrics("a0_maxf10", 2, np.nan, diverged=True),
            metrics("a0_maxf12", 0, 2.0),
            metrics("a0_maxf12", 1, 2.0, dead=True),
            metrics("a0_maxf12", 2, 2.0),
        ],
        BOUNDS,
    )


BOUNDS = {
    "a0_maxf10": {"splits": {"test": {"crlb_rmse": None}}},
    "a0_maxf12": {"splits": {"test": {"crlb_rmse": 0.12}}},
}


def test_one_row_per_run_with_its_experiments(runs):
    assert len(runs) == 7
    assert list(runs["experiments"]) == ["a0"] * 6 + [""]  # sorted: model "m" before "nls"


def test_efficiency_is_db_above_the_bound_on_noisy_data(runs):
    noisy = runs[runs["dataset"] == "a0_maxf12"].set_index("model")
    assert noisy.loc["nls", "test_db_above_crlb"] == pytest.approx(0.0)
    assert noisy.loc["m", "test_db_above_crlb"].iloc[0] == pytest.approx(20 * np.log10(2.4 / 0.12))
    assert runs[runs["dataset"] == "a0_maxf10"]["test_db_above_crlb"].isna().all()
    assert list(runs.columns[:4]) == ["experiments", "dataset", "model", "seed"]


def test_summary_counts_failures_and_averages_the_rest(runs):
    summary = aggregate.summary_table(runs).set_index("dataset")
    row = summary.loc["a0_maxf10"]
    counts = ["n_runs", "n_failed", "n_diverged", "n_collapsed", "n_dead_output"]
    assert list(row[counts]) == [3, 2, 1, 1, 0]
    assert summary.loc["a0_maxf12"].set_index("model").loc["m", "n_dead_output"] == 1
    assert row["test_mae_mean"] == pytest.approx(2.0)
    assert row["test_mae_std"] == pytest.approx(np.std([1.0, 3.0], ddof=1))
    networks = summary[summary["estimator"] == "network"]
    assert networks.loc["a0_maxf12", "test_mae_std"] == 0


def test_summary_median_and_interval_over_seeds(runs):
    row = aggregate.summary_table(runs).set_index(["dataset", "model"]).loc[("a0_maxf10", "m")]
    # the diverged seed is left out: the two others are 1.0 and 3.0
    assert (row["test_mae_median"], row["test_mae_p05"], row["test_mae_p95"]) == (2.0, 1.0, 3.0)


@pytest.mark.parametrize(("n_seeds", "interval"), [(3, (0, 2)), (20, (0, 19)), (41, (2, 38))])
def test_interval_is_the_range_below_21_seeds(n_seeds, interval):
    values = pd.Series(np.arange(n_seeds, dtype=float))
    assert (aggregate.p05(values), aggregate.p95(values)) == interval


def test_a_setup_whose_seeds_all_diverged_has_counts_and_no_statistics():
    runs = aggregate.runs_table({}, [metrics("a0_maxf10", 0, np.nan, diverged=True)], BOUNDS)
    row = aggregate.summary_table(runs).iloc[0]
    assert (row["n_runs"], row["n_failed"]) == (1, 1)
    assert np.isnan(row["test_mae_median"]) and np.isnan(row["test_mae_mean"])


def test_thread_table_sets_the_threads_number_beside_ours(runs):
    table = aggregate.thread_table(CONFIG["experiments"], LABELS, aggregate.summary_table(runs))
    assert len(table) == 2  # networks of thread experiments only
    first = table.iloc[0]
    assert first["thread_mae"] == thread.A0_TRAIN_MAE[10]
    assert first["train_mae_mean"] == pytest.approx(1.0)
    assert first["train_mae_median"] == pytest.approx(1.0)
    failures = ["n_runs", "n_failed", "n_diverged", "n_collapsed", "n_dead_output"]
    assert list(first[failures]) == [3, 2, 1, 1, 0]
    assert table.iloc[1]["n_dead_output"] == 1
    assert pd.isna(table.iloc[1]["thread_mae"])  # the thread never ran max_freq 12
    text = aggregate.thread_markdown(table)
    assert "| A0-lstm | a0_maxf10 | m | " in text and "| 0.050 |" in text
    assert "| 1.000 [0.500, 1.500] | 2.000 [1.000, 3.000] | 2/3 (1 diverged, 1 collapsed) |" in text
    assert "| 1.000 | 2.000 | 1/3 (1 dead output) |" in text  # equal seeds: no interval


def test_thread_reference_numbers():
    assert thread.a2_lstm_heldout_mae() == pytest.approx(0.8807, abs=1e-4)
    assert thread.thread_value("A0-lstm", 30) == 0.4067
    assert thread.thread_value("Q-dense", None) is None

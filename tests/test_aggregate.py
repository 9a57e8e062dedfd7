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


def test_evaluations_on_other_datasets_are_rows_with_their_bound():
    cross = {**metrics("a0_maxf10", 0, 1.0), "test_dataset": "a0_maxf12", "series_per_s": 9.0}
    runs = aggregate.runs_table(
        CONFIG["experiments"], [metrics("a0_maxf10", 0, 1.0), cross], BOUNDS
    )
    assert list(runs["test_dataset"]) == ["a0_maxf10", "a0_maxf12"]  # own evaluation first
    assert np.isnan(runs.loc[0, "test_crlb_rmse"]) and runs.loc[1, "test_crlb_rmse"] == 0.12
    assert runs.loc[1, "series_per_s"] == 9.0
    summary = aggregate.summary_table(runs)
    assert list(summary["test_dataset"]) == ["a0_maxf10", "a0_maxf12"]
    # the thread comparison reads own evaluations only
    only_own = {"a0": {**CONFIG["experiments"]["a0"], "datasets": ["a0_maxf10"]}}
    table = aggregate.thread_table(only_own, LABELS, summary)
    assert len(table) == 1 and table.iloc[0]["test_mae_mean"] == 1.0


def evaluation(model, dataset, test, errors, estimator="network", seed=0, **extra):
    truth = np.linspace(1.0, 40.0, len(errors))
    return {
        "dataset": dataset,
        "model": model,
        "seed": seed,
        "test_dataset": test,
        "estimator": estimator,
        "diverged": False,
        "series_per_s": 100.0,
        "train_minutes": None if estimator == "classical" else 2.0,
        "test": {"y_true": truth, "y_pred": truth + np.asarray(errors, float)},
        **extra,
    }


def test_leaderboard_rows_medians_outliers_and_intervals():
    from sinefreq import leaderboard

    rng = np.random.default_rng(0)
    small, large = rng.normal(0, 0.01, 400), rng.normal(0, 0.01, 400)
    large[:40] = 5.0  # 10% outliers
    tests = {
        "bench_snr0dB": {"snr_db": 0, "family": "bench"},
        "clean": {"snr_db": None, "family": "clean"},
    }
    board = leaderboard.table(
        [
            evaluation("net", "train", "bench_snr0dB", large, seed=0),
            evaluation("net", "train", "bench_snr0dB", large * 3, seed=1),
            evaluation("net", "train", "bench_snr0dB", small, seed=2, diverged=True),
            evaluation("nls", "bench_snr0dB", "bench_snr0dB", small, estimator="classical"),
            evaluation("nls", "clean", "clean", small * 0, estimator="classical"),
            evaluation("nls", "other", "other", small, estimator="classical"),  # not a test set
        ],
        tests,
        {"net": "learned"},
        {"bench_snr0dB": 0.1, "clean": None},
        {"bench_snr0dB": 0.2, "clean": None},
    )
    assert list(board.columns) == leaderboard.COLUMNS
    assert list(zip(board["estimator"], board["test_dataset"], strict=True)) == [
        ("nls", "bench_snr0dB"),
        ("net", "bench_snr0dB"),
        ("nls", "clean"),
    ]
    net = board.iloc[1]
    assert (net["kind"], net["n_runs"], net["n_diverged"]) == ("learned", 3, 1)
    rmses = [np.sqrt(np.mean(large**2)), np.sqrt(np.mean((3 * large) ** 2))]
    assert net["rmse"] == pytest.approx(np.median(rmses))
    # the range over the seeds that did not diverge: how much one training run moves it
    assert (net["rmse_seed_min"], net["rmse_seed_max"]) == pytest.approx((min(rmses), max(rmses)))
    assert net["outlier_rate"] == pytest.approx(0.1)
    assert net["rmse_lo"] < net["rmse"] < net["rmse_hi"]
    assert net["db_above_bound"] == pytest.approx(20 * np.log10(net["rmse"] / 0.1))
    assert net["db_above_offset_bound"] == pytest.approx(20 * np.log10(net["rmse"] / 0.2))
    assert (net["series_per_s"], net["train_minutes"]) == (100.0, 2.0)
    clean = board.iloc[2]
    assert clean["kind"] == "classical" and clean["rmse"] == 0 and np.isnan(clean["db_above_bound"])
    assert np.isnan(clean["snr_db"]) and clean["train_dataset"] == ""
    panels = leaderboard.curves(board, tests)
    assert list(panels) == ["bench"]  # clean sets have no SNR axis
    assert [c["label"] for c in panels["bench"]["curves"]] == ["nls", "net"]


def test_leaderboard_draws_a_sweep_as_its_best_training_set():
    from sinefreq import leaderboard

    tests = {f"b_snr{s}dB": {"snr_db": s, "family": "b"} for s in (0, 10)}
    good, bad = np.full(50, 0.1), np.full(50, 1.0)
    board = leaderboard.table(
        [
            evaluation("lstm", "noise_snr0dB", "b_snr0dB", good),
            evaluation("lstm", "noise_snr0dB", "b_snr10dB", bad),
            evaluation("lstm", "noise_snr10dB", "b_snr0dB", bad),
            evaluation("lstm", "noise_snr10dB", "b_snr10dB", good),
        ],
        tests,
        {"lstm": "thread"},
        {t: 0.01 for t in tests},
    )
    assert len(board) == 4
    (curve,) = leaderboard.curves(board, tests)["b"]["curves"]
    assert curve["label"] == "lstm (best of 2 training sets)"
    np.testing.assert_allclose(curve["rmse"], [0.1, 0.1])


def test_a_study_without_evaluate_on_has_an_empty_leaderboard(tmp_path):
    from sinefreq import leaderboard, plots

    board = leaderboard.table(
        [evaluation("nls", "d", "d", [0.1], estimator="classical")], {}, {}, {}
    )
    assert list(board.columns) == leaderboard.COLUMNS and board.empty
    plots.save(plots.rmse_vs_snr(leaderboard.curves(board, {}), "empty"), tmp_path / "f.png")
    assert (tmp_path / "f.png").stat().st_size > 0

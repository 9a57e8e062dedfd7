"""The paper layer: seed distributions, errors by frequency band, and report texts that
state findings with the run's numbers."""

import jinja2
import numpy as np
import pandas as pd
import pytest

from sinefreq import paper, steps

LABELS = {"a0_maxf10": {"max_freq": 10}, "a0_maxf20": {"max_freq": 20}}


def seed_runs(values: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    """A runs table: one row per seed's own evaluation, training MAE as given."""
    rows = []
    for (dataset, model), maes in values.items():
        for seed, mae in enumerate(maes):
            rows.append(
                {
                    "dataset": dataset,
                    "model": model,
                    "seed": seed,
                    "test_dataset": dataset,
                    "estimator": "network",
                    "diverged": False,
                    "train_mae": mae,
                    "test_mae": mae,
                    "test_collapsed": mae > 5,
                    "test_dead_output": False,
                    "epochs_trained": 200,
                    "train_minutes": 0.5,
                }  # fmt: skip
            )
    return pd.DataFrame(rows)


def summary_of_one_setup(n_runs: int, n_failed: int, **metrics: float) -> pd.DataFrame:
    """A summary table of one network on a0_maxf10 (experiment "e"): each metric's mean,
    median and interval all equal to the value given."""
    stats = {
        f"{metric}_{stat}": value
        for metric, value in metrics.items()
        for stat in ("mean", "median", "p05", "p95")
    }
    row = {"experiments": "e", "dataset": "a0_maxf10", "model": "m",
           "test_dataset": "a0_maxf10", "estimator": "network", "n_runs": n_runs,
           "n_failed": n_failed, **stats}  # fmt: skip
    return pd.DataFrame([row])


def test_the_thread_number_is_placed_among_our_seeds():
    maes = list(np.linspace(0.01, 0.10, 10))  # the thread's 0.0504 sits above five of them
    runs = seed_runs({("a0_maxf10", "m"): maes, ("a0_maxf10", "k2"): [v * 10 for v in maes]})
    table = paper.seed_distribution(runs, ["a0_maxf10"], ["m", "k2"], LABELS, "A0-lstm")
    first, second = table.iloc[0], table.iloc[1]
    assert (first["n_seeds"], first["thread_mae"]) == (10, 0.0504)
    assert first["thread_percentile"] == pytest.approx(50.0)
    assert second["thread_percentile"] == 0.0  # every Keras-2 seed lies above it
    assert np.isnan(first["p_vs_first_model"]) and second["p_vs_first_model"] < 0.01
    # a median of 3 seeds could land much further out than one of 5
    width = {k: first[f"median_of_{k}_hi"] - first[f"median_of_{k}_lo"] for k in (3, 5)}
    assert width[3] > width[5] > 0


def test_subset_medians_need_more_seeds_than_the_subset():
    assert np.isnan(paper.subset_median_range(np.array([1.0, 2.0, 3.0]), 3)[0])


def evaluation(model, estimator, rmse_by_bin, test="bench_snr30dB", dataset="bench_clean"):
    bins = [{"frequency": f, "n": 10, "rmse": r} for f, r in rmse_by_bin.items()]
    return {"model": model, "estimator": estimator, "dataset": dataset, "test_dataset": test,
            "diverged": False, "nyquist": 49.5, "by_frequency": bins}  # fmt: skip


def test_errors_are_split_between_the_band_edges_and_the_rest():
    tests = {"bench_snr30dB": {"snr_db": 30.0}}
    learned = evaluation("net", "network", {1.0: 0.3, 25.0: 0.01, 48.5: 0.3})
    nls = evaluation("nls", "classical", {1.0: 0.001, 25.0: 0.001, 48.5: 0.001})
    table = paper.by_frequency([learned, nls], {"net": "learned"}, tests,
                               {"bench_snr30dB": 0.001}, edge=2.0)  # fmt: skip
    net = table.set_index("estimator").loc["net"]
    assert net["edge_error_share"] == pytest.approx(0.18 / 0.1801)
    assert net["db_above_bound_middle"] == pytest.approx(20.0)
    assert net["db_above_bound_all"] > net["db_above_bound_middle"]
    assert table.set_index("estimator").loc["nls", "db_above_bound_all"] == pytest.approx(0.0)


def test_per_experiment_captions_pick_the_branch_of_their_wildcard():
    text = paper.per_wildcard({"a": "caption of a", "b": "caption of b"})
    render = jinja2.Environment().from_string(text).render

    class Wildcards:
        experiment = "b"

    assert render(snakemake=type("S", (), {"wildcards": Wildcards})).strip() == "caption of b"


def test_captions_and_front_page_state_the_run_numbers():
    maes = list(np.linspace(0.01, 0.10, 10))
    runs = seed_runs({("a0_maxf10", "m"): maes})
    summary = summary_of_one_setup(10, 1, train_mae=0.055, test_mae=0.0625, test_max_abs_error=0.4)
    experiments = {"e": {"datasets": ["a0_maxf10"], "models": ["m"], "seeds": list(range(10)),
                         "thread_points": "A0-lstm"}}  # fmt: skip
    seeds = {"e": paper.seed_distribution(runs, ["a0_maxf10"], ["m"], LABELS, "A0-lstm")}
    texts = paper.captions(summary, runs, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(),
                           seeds, experiments, LABELS)  # fmt: skip
    assert set(texts) == set(paper.CAPTIONS)
    assert "held-out MAE 0.0625" in texts["predicted_vs_true"]
    assert "50th percentile" in texts["seed_distribution"]
    assert "m failed 0/10 at 10 [0.00, 0.28]" in texts["failure_trend"]  # one point: no test
    page = paper.front_page(paper.answer(pd.DataFrame(), seeds, pd.DataFrame(),
                                         pd.DataFrame()), list(paper.CATEGORIES))  # fmt: skip
    assert page.startswith(paper.QUESTION) and "0.0504" not in page  # numbers, as printed
    assert "max_freq 10 lie at the 50th percentiles" in page


def test_texts_of_a_study_without_thread_setups_or_leaderboard(tmp_path):
    """The thread table of such a study has no rows (an empty file): the texts still come."""
    runs = seed_runs({("a0_maxf10", "m"): [0.1, 0.2]})
    summary = summary_of_one_setup(2, 0, train_mae=0.15, test_mae=0.15, test_max_abs_error=0.15)
    inputs = {"runs": tmp_path / "runs.csv", "summary": tmp_path / "summary.csv",
              "thread": tmp_path / "thread.csv", "seeds": []}  # fmt: skip
    runs.to_csv(inputs["runs"], index=False)
    summary.to_csv(inputs["summary"], index=False)
    inputs["thread"].write_text("\n")
    out = {"workflow": tmp_path / "workflow.rst",
           **{name: tmp_path / f"{name}.rst" for name in paper.CAPTIONS}}  # fmt: skip
    experiments = {"e": {"datasets": ["a0_maxf10"], "models": ["m"], "seeds": [0, 1]}}
    steps.report_texts(inputs, experiments, LABELS, out)
    assert "held-out MAE 0.15" in out["predicted_vs_true"].read_text()
    assert out["workflow"].read_text().startswith(paper.QUESTION)

"""The paper layer: seed distributions, errors by frequency band, the report's facts (by
value, on small hand-built tables) and the templates that word them (every template
renders; a difference its test does not show is worded "no difference shown")."""

import docutils.core
import jinja2
import numpy as np
import pandas as pd
import pytest

from sinefreq import paper, steps, texts

from .conftest import ROOT

LABELS = {"a0_maxf10": {"max_freq": 10}, "a0_maxf20": {"max_freq": 20}}
TEMPLATES = ROOT / "report"


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


def board_row(estimator, kind, snr, rmse, lo, hi, bound=1.0, mae=None) -> dict:
    """A leaderboard row: RMSE with its bootstrap interval, against ``bound``."""
    return {"estimator": estimator, "kind": kind, "test_dataset": f"bench_{snr}",
            "snr_db": snr, "rmse": rmse, "rmse_lo": lo, "rmse_hi": hi,
            "mae": rmse if mae is None else mae, "bound_rmse": bound,
            "db_above_bound": 20 * np.log10(rmse / bound) if bound else np.nan}  # fmt: skip


def render(facts: dict) -> dict[str, str]:
    """Every text the repository's templates make of ``facts``."""
    return texts.render(texts.load(sorted(TEMPLATES.rglob("*.j2"))), facts)


def as_snakemake_shows(text: str, experiment: str) -> str:
    """A caption as Snakemake's report renders it for an output of ``experiment``."""
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    wildcards = type("Wildcards", (), {"experiment": experiment})
    return env.from_string(text).render(snakemake=type("S", (), {"wildcards": wildcards}))


def assert_valid_rst(text: str) -> None:
    """docutils reads ``text`` without a warning (Snakemake's report turns it into HTML)."""
    docutils.core.publish_parts(text, writer="html",
                                settings_overrides={"halt_level": 2, "report_level": 2})  # fmt: skip


# -- statistics -------------------------------------------------------------------------


def test_the_thread_number_is_placed_among_our_seeds():
    maes = list(np.linspace(0.01, 0.10, 10))  # the thread's 0.0504 sits above five of them
    runs = seed_runs({("a0_maxf10", "m"): maes, ("a0_maxf10", "k2"): [v * 10 for v in maes]})
    table = paper.seed_distribution(runs, ["a0_maxf10"], ["m", "k2"], LABELS, "A0-lstm")
    first, second = table.iloc[0], table.iloc[1]
    assert (first["n_seeds"], first["thread_mae"]) == (10, 0.0504)
    assert first["thread_percentile"] == pytest.approx(50.0)
    assert (first["n_at_or_below_thread"], first["n_valued"]) == (5, 10)
    assert second["thread_percentile"] == 0.0  # every Keras-2 seed lies above it
    assert second["n_at_or_below_thread"] == 0
    assert np.isnan(first["p_vs_first_model"]) and second["p_vs_first_model"] < 0.01
    # a median of 3 seeds could land much further out than one of 5
    width = {k: first[f"median_of_{k}_hi"] - first[f"median_of_{k}_lo"] for k in (3, 5)}
    assert width[3] > width[5] > 0


def test_subset_medians_need_more_seeds_than_the_subset():
    assert np.isnan(paper.subset_median_range(np.array([1.0, 2.0, 3.0]), 3)[0])


def evaluation(model, estimator, rmse_by_bin, test="bench_snr30dB", dataset="bench_clean"):
    """Ten test series at each frequency, their errors +-rmse (the bins say the same)."""
    bins = [{"frequency": f, "n": 10, "rmse": r} for f, r in rmse_by_bin.items()]
    y_true = np.repeat(list(rmse_by_bin), 10)
    errors = np.repeat(list(rmse_by_bin.values()), 10) * np.tile([1.0, -1.0], 5 * len(bins))
    return {"model": model, "estimator": estimator, "dataset": dataset, "test_dataset": test,
            "diverged": False, "nyquist": 49.5, "by_frequency": bins,
            "test": {"y_true": y_true, "y_pred": y_true + errors}}  # fmt: skip


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
    assert table.set_index("estimator").loc["nls", "db_above_bound_all"] == pytest.approx(
        0.0, abs=1e-9
    )


def test_the_bands_are_exact_at_any_length_series_by_series():
    """At N = 1024 a bin of the metrics' per-frequency table spans ten cycles: the edge band
    (2 cycles) is split from the predictions, series by series."""
    tests = {"long_snr30dB": {"snr_db": 30.0}}
    near = evaluation("net", "network", {1.5: 0.3, 7.0: 0.01, 510.0: 0.3}, test="long_snr30dB")
    near["nyquist"], near["by_frequency"] = 511.5, [{"frequency": 5.0, "n": 30, "rmse": 0.17}]
    table = paper.by_frequency([near], {"net": "learned"}, tests, {"long_snr30dB": 0.01},
                               edge=2.0)  # fmt: skip
    row = table.iloc[0]
    assert row["rmse_edges"] == pytest.approx(0.3) and row["rmse_middle"] == pytest.approx(0.01)


def test_the_frequency_figure_draws_the_first_benchmark_where_two_share_a_level():
    """bench_noise and the coloured-noise benchmark both have a 30 dB level; the hybrid
    ran on both, the learned network only on the first."""
    tests = {"bench_snr30dB": {"snr_db": 30.0}, "ar1_snr30dB": {"snr_db": 30.0}}
    runs = [
        evaluation("net", "network", {1.0: 0.3, 25.0: 0.01}),
        evaluation("hybrid", "network", {1.0: 0.002, 25.0: 0.001}),
        evaluation("hybrid", "network", {1.0: 0.002, 25.0: 0.001}, test="ar1_snr30dB"),
        evaluation("nls", "classical", {1.0: 0.001, 25.0: 0.001}, test="ar1_snr30dB"),
    ]
    kinds = {"net": "learned", "hybrid": "hybrid"}
    bounds = {"bench_snr30dB": 0.001, "ar1_snr30dB": 0.002}
    table = paper.by_frequency(runs, kinds, tests, bounds, edge=2.0)
    fig = paper.by_frequency_figure(runs, table, tests, "title")
    (ax,) = fig.axes
    assert ax.get_title() == "bench_snr30dB (30 dB)"
    assert {line.get_label() for line in ax.lines} >= {"net (learned)", "hybrid (hybrid)"}
    assert "nls (classical)" not in {line.get_label() for line in ax.lines}


# -- facts, by value ----------------------------------------------------------------------


def test_a_count_comes_with_its_wilson_interval():
    none = paper.count(0, 10)
    assert (none["k"], none["n"], none["lo"]) == (0, 10, 0.0)
    assert none["hi"] == pytest.approx(1.96**2 / (10 + 1.96**2), abs=1e-4)  # Wilson at k = 0
    half = paper.count(5, 10)
    assert half["lo"] == pytest.approx(0.2366, abs=1e-3) and half["hi"] == pytest.approx(
        0.7634, abs=1e-3
    )
    assert paper.count(0, 0) == {"k": 0, "n": 0, "lo": None, "hi": None}


@pytest.mark.parametrize(
    ("a", "b", "p", "expected"),
    [
        (0.1, 0.2, 0.01, ("lower", True)),
        (0.3, 0.2, 0.001, ("higher", True)),
        (0.1, 0.2, 0.4, ("lower", False)),  # one sign, but the test finds nothing
        (0.1, 0.2, 0.05, ("lower", False)),  # at the level is not below it
        (0.1, 0.2, np.nan, ("lower", False)),  # too few seeds to test
    ],
)
def test_a_difference_is_shown_only_where_its_test_finds_one(a, b, p, expected):
    c = paper.tested(a, b, p, "Mann-Whitney")
    assert (c["direction"], c["shown"]) == expected


def test_intervals_show_a_difference_only_where_they_are_apart():
    nls = {"value": 13.1, "lo": 12.7, "hi": 13.5}
    apart = paper.by_intervals({"value": 10.6, "lo": 10.3, "hi": 10.9}, nls, "bootstrap")
    overlap = paper.by_intervals({"value": 12.9, "lo": 12.0, "hi": 13.0}, nls, "bootstrap")
    assert (apart["direction"], apart["shown"]) == ("lower", True)
    assert (overlap["direction"], overlap["shown"]) == ("lower", False)


def thread_table() -> pd.DataFrame:
    """Two thread setups: answer 0 at max_freq 10 (the thread's number below our interval)
    and the question's dense network (no number printed)."""
    rows = [
        {"setup": "A0-lstm", "model": "a0", "max_freq": 10.0, "thread_mae": 0.0504,
         "train_mae_median": 0.18, "train_mae_p05": 0.1, "train_mae_p95": 0.3,
         "test_mae_median": 0.2, "test_mae_p05": 0.1, "test_mae_p95": 0.4,
         "n_runs": 10, "n_failed": 3},
        {"setup": "Q-dense", "model": "q", "max_freq": np.nan, "thread_mae": np.nan,
         "train_mae_median": 28.4, "train_mae_p05": 27.0, "train_mae_p95": 29.0,
         "test_mae_median": 28.0, "test_mae_p05": 27.0, "test_mae_p95": 29.0,
         "n_runs": 3, "n_failed": 0},
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_thread_facts_place_the_thread_against_our_interval_and_count_failures():
    found = paper.thread_facts(thread_table())
    a0, dense = found["setups"]
    assert a0["ours"] == {"median": 0.18, "lo": 0.1, "hi": 0.3}
    assert (a0["thread_mae"], a0["thread_against_ours"], a0["max_freq"]) == (0.0504, "below", 10)
    assert (a0["failed"]["k"], a0["failed"]["n"]) == (3, 10)
    assert (dense["thread_mae"], dense["thread_against_ours"], dense["max_freq"]) == (
        None,
        None,
        None,
    )
    assert (found["failed"]["k"], found["failed"]["n"]) == (3, 13)


def leaderboard() -> pd.DataFrame:
    """Three levels from 0 dB and one below: the hybrid's interval holds the bound at 0 and
    10 dB, not at 20; at -10 dB the learned network's interval is apart from least
    squares'."""
    rows = [
        board_row("nls", "classical", 0, 1.0, 0.98, 1.02),
        board_row("nls", "classical", 10, 1.0, 0.97, 1.03),
        board_row("nls", "classical", 20, 1.0, 0.99, 1.01),
        board_row("hybrid", "hybrid", 0, 1.01, 0.99, 1.03),
        board_row("hybrid", "hybrid", 10, 1.0, 0.98, 1.02),
        board_row("hybrid", "hybrid", 20, 1.1, 1.05, 1.15),
        board_row("net", "learned", 0, 1.3, 1.2, 1.4),
        board_row("net", "learned", 10, 2.0, 1.8, 2.2),
        board_row("net", "learned", 20, 8.0, 7.0, 9.0),
        board_row("net", "learned", -10, 10.6, 10.3, 10.9),
        board_row("nls", "classical", -10, 13.1, 12.7, 13.5),
        board_row("net", "learned", None, 0.01, np.nan, np.nan, bound=None, mae=0.00124),
    ]
    return pd.DataFrame(rows).assign(snr_db=lambda t: t["snr_db"].astype(float))


def test_bound_facts_state_each_kind_against_the_bound_with_its_intervals():
    found = paper.bound_facts(leaderboard())
    assert found["snr"] == {"lo": 0, "hi": 20}
    kinds = {k["kind"]: k for k in found["kinds"]}
    assert set(kinds) == {"classical", "hybrid", "learned"}
    assert kinds["hybrid"]["db"]["hi"] == pytest.approx(20 * np.log10(1.1))
    assert (kinds["hybrid"]["bound_inside"]["k"], kinds["hybrid"]["bound_inside"]["n"]) == (2, 3)
    assert kinds["classical"]["bound_inside"]["k"] == 3
    (below,) = found["below_threshold"]
    assert (below["best"]["estimator"], below["nls"]["value"]) == ("net", 13.1)
    assert below["against_nls"]["shown"] and below["against_nls"]["direction"] == "lower"
    assert found["clean"] == [{"test": "bench_None", "kind": "learned", "estimator": "net",
                               "mae": 0.00124}]  # fmt: skip


def test_sweep_facts_give_both_ends_the_largest_point_and_failures_per_point():
    summary = pd.concat(
        [summary_of_one_setup(3, 0, test_mae=0.2),
         summary_of_one_setup(3, 2, test_mae=0.9).assign(dataset="a0_maxf20",
                                                        test_dataset="a0_maxf20")]
    )  # fmt: skip
    experiment = {"datasets": ["a0_maxf10", "a0_maxf20"], "models": ["m"], "sweep": "max_freq"}
    (m,) = paper.sweep_facts(summary, experiment, LABELS, "max_freq")["models"]
    assert (m["first"]["point"], m["first"]["mae"]["median"]) == (10, 0.2)
    assert (m["largest"]["point"], m["last"]["point"]) == (20, 20)
    assert [(f["point"], f["k"], f["n"]) for f in m["failed"]] == [(10, 0, 3), (20, 2, 3)]


# -- the words -----------------------------------------------------------------------------


def seed_study(k2_scale: float):
    """Runs of a Keras 3 and a Keras 2 model on one thread point, the Keras 2 seeds the
    Keras 3 ones times ``k2_scale``; the experiment and its seed table."""
    maes = list(np.linspace(0.01, 0.10, 10))
    runs = seed_runs({("a0_maxf10", "m"): maes,
                      ("a0_maxf10", "k2"): [v * k2_scale for v in maes]})  # fmt: skip
    experiments = {"e": {"datasets": ["a0_maxf10"], "models": ["m", "k2"],
                         "seeds": list(range(10)), "thread_points": "A0-lstm"}}  # fmt: skip
    table = paper.seed_distribution(runs, ["a0_maxf10"], ["m", "k2"], LABELS, "A0-lstm")
    return runs, experiments, table


def facts_of(runs, experiments, seed_table=None, **tables) -> dict:
    """The facts of hand-built tables, as report_texts computes them from its inputs."""
    summary = tables.pop("summary", summary_of_one_setup(10, 1, train_mae=0.055,
                                                         test_mae=0.0625, test_max_abs_error=0.4))  # fmt: skip
    seeds = {n: seed_table for n, e in experiments.items() if e.get("thread_points")}
    return paper.facts_of_tables(
        {"runs": runs, "summary": summary, **tables}, seeds, experiments, LABELS
    )


def test_one_sign_without_a_test_is_worded_no_difference_shown():
    runs, experiments, table = seed_study(k2_scale=0.95)  # lower medians, same spread
    facts = facts_of(runs, experiments, table)
    (point,) = facts["seeds"]["e"]["points"]
    comparison = point["models"][1]["against_first"]
    assert comparison["direction"] == "lower" and comparison["p"] >= 0.05
    written = render(facts)
    for text in (written["workflow"], as_snakemake_shows(written["seed_table"], "e")):
        assert "no difference shown (two-sided Mann-Whitney p = " in text
        assert "lower" not in text and "higher" not in text


def test_a_difference_its_test_shows_is_worded_with_its_p_value():
    runs, experiments, table = seed_study(k2_scale=10)
    written = render(facts_of(runs, experiments, table))
    for text in (written["workflow"], as_snakemake_shows(written["seed_distribution"], "e")):
        assert (
            "k2's median 0.55 is higher than m's 0.055 (two-sided Mann-Whitney p < 0.001)" in text
        )
        assert "no difference shown" not in text


def test_intervals_that_overlap_are_worded_no_difference_shown():
    board = leaderboard()
    board.loc[board["snr_db"] == -10, ["rmse_lo", "rmse_hi"]] = [[10.0, 13.0], [12.7, 13.5]]
    runs, experiments, table = seed_study(k2_scale=1)
    written = render(facts_of(runs, experiments, table, leaderboard=board))
    for text in (written["workflow"], written["leaderboard"]):
        assert (
            "net's RMSE 10.6 [10, 13] against least squares' 13.1 [12.7, 13.5]: no difference shown (95% bootstrap intervals overlap)"
            in text
        )
        assert "lower than least squares'" not in text
    written = render(facts_of(runs, experiments, table, leaderboard=leaderboard()))
    assert ("net's RMSE 10.6 [10.3, 10.9] is lower than least squares' 13.1 [12.7, 13.5] "
            "(95% bootstrap intervals apart)") in written["workflow"]  # fmt: skip


def test_counts_are_given_with_their_intervals():
    runs, experiments, table = seed_study(k2_scale=10)
    written = render(facts_of(runs, experiments, table, thread=thread_table()))
    page = written["workflow"]
    assert "m 5 of 10 (95% interval 24-76%) seeds at or below the thread's 0.0504" in page
    assert "3 of 13 (95% interval 8-50%) of the thread's runs fail" in page
    assert "0.0504, below our interval" in page
    assert "3 of 10 (95% interval 11-60%)" in as_snakemake_shows(written["thread_table"], "e")


def every_table():
    """Hand-built tables for every part of the report: the thread, a seed experiment, a
    sweep, the leaderboard and its errors by frequency, and the speed table."""
    runs, experiments, table = seed_study(k2_scale=1.5)
    experiments["s"] = {
        "datasets": ["a0_maxf10"],
        "models": ["m"],
        "seeds": [0],
        "sweep": "max_freq",
    }
    by_frequency = pd.DataFrame(
        [
            {
                "estimator": "net",
                "kind": "learned",
                "snr_db": 20.0,
                "db_above_bound_all": 18.0,
                "db_above_bound_middle": 3.8,
                "edge_error_share": 0.97,
            }
        ]
    )
    speed = pd.DataFrame(
        [{"rule": "train", "jobs": 4, "wall_min": 3.0, "cpu_min": 2.5, "median_wall_s": 40.0,
          "median_startup_s": 9.0},
         {"rule": "aggregate", "jobs": 1, "wall_min": 0.1, "cpu_min": 0.1, "median_wall_s": 6.0,
          "median_startup_s": np.nan}]
    )  # fmt: skip
    return facts_of(runs, experiments, table, thread=thread_table(), leaderboard=leaderboard(),
                    by_frequency=by_frequency, speed=speed)  # fmt: skip


def test_every_template_renders_valid_text_from_every_part():
    facts = every_table()
    written = render(facts)
    assert set(written) == {"workflow", *texts.caption_names(TEMPLATES)}
    for name, text in written.items():
        shown = [text] if name not in texts.PER_EXPERIMENT else [
            as_snakemake_shows(text, e) for e in facts[texts.PER_EXPERIMENT[name]]
        ]  # fmt: skip
        assert shown, f"{name} is shown for no experiment"
        for each in shown:
            assert_valid_rst(each)
            assert name == "workflow" or "**Finding:**" in each, f"{name} states no finding"
    page = written["workflow"]
    assert page.startswith("Can a neural network predict the frequency of a sine wave?")
    assert "the bound inside the 95% bootstrap interval" in page and "at 2 of 3 levels" in page
    assert "hold 97% of net's squared error" in page


def test_a_per_experiment_caption_shows_its_experiment_only():
    runs, experiments, table = seed_study(k2_scale=1)
    experiments["f"] = {**experiments["e"], "thread_points": None, "models": ["m"]}
    written = render(facts_of(runs, experiments, table))
    assert "held-out split of e," in as_snakemake_shows(written["predicted_vs_true"], "e")
    shown = as_snakemake_shows(written["predicted_vs_true"], "f")
    assert "held-out split of f," in shown and "split of e," not in shown


def test_a_caption_template_a_per_experiment_caption_needs_is_named_when_missing():
    templates = texts.load(sorted(TEMPLATES.rglob("*.j2")))
    del templates["captions/sweep.rst.j2"]
    with pytest.raises(ValueError, match=r"captions/<name>\.rst\.j2.*'sweep'"):
        texts.render(templates, every_table())


def test_report_texts_write_the_facts_and_texts_of_a_study_without_thread_setups(tmp_path):
    """The thread table of such a study has no rows (an empty file): the texts still come."""
    runs = seed_runs({("a0_maxf10", "m"): [0.1, 0.2]})
    summary = summary_of_one_setup(2, 0, train_mae=0.15, test_mae=0.15, test_max_abs_error=0.15)
    inputs = {"runs": tmp_path / "runs.csv", "summary": tmp_path / "summary.csv",
              "thread": tmp_path / "thread.csv", "seeds": [],
              "templates": sorted(TEMPLATES.rglob("*.j2"))}  # fmt: skip
    runs.to_csv(inputs["runs"], index=False)
    summary.to_csv(inputs["summary"], index=False)
    inputs["thread"].write_text("\n")
    out = {"workflow": tmp_path / "workflow.rst", "facts": tmp_path / "facts.json",
           **{name: tmp_path / f"{name}.rst" for name in texts.caption_names(TEMPLATES)}}  # fmt: skip
    experiments = {"e": {"datasets": ["a0_maxf10"], "models": ["m"], "seeds": [0, 1]}}
    steps.report_texts(inputs, experiments, LABELS, out)
    facts = paper.io.read_json(out["facts"])
    assert facts["thread"]["setups"] == [] and facts["bound"] is None
    (row,) = facts["experiments"]["e"]["rows"]
    assert row["test_mae"] == {"median": 0.15, "lo": 0.15, "hi": 0.15}
    shown = as_snakemake_shows(out["predicted_vs_true"].read_text(), "e")
    assert "m on a0_maxf10 0.15, 0 of 2 (95% interval 0-66%) runs failed." in shown
    assert out["workflow"].read_text().startswith("Can a neural network")


def test_the_front_page_states_the_thread_claim_as_its_trend_test_finds_it():
    runs, experiments, table = seed_study(k2_scale=1.0)
    written = render(facts_of(runs, experiments, table))
    # One thread point: nothing to test a trend along, and the page says so.
    assert (
        'The thread\'s claim that training "diverges more often as max_freq grows"'
        in (written["workflow"])
    )
    assert "m: one max_freq value, no trend to test." in written["workflow"]

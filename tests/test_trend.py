"""The failure-rate trend test: Cochran-Armitage against published and independently computed
values, Wilson intervals by value, and the per-point table from a hand-built runs table."""

import math

import numpy as np
import pandas as pd
import pytest

from sinefreq import aggregate, trend

from .conftest import ROOT

Z95 = 1.959963984540054  # the normal's 97.5th percentile


def test_cochran_armitage_reproduces_r_prop_trend_test():
    # R's ?prop.trend.test example (smokers among patients in four groups, scores 1-4),
    # whose printed result is X-squared = 8.2249, df = 1, p-value = 0.004132.
    z, p = trend.cochran_armitage([83, 90, 129, 70], [86, 93, 136, 82], [1, 2, 3, 4])
    assert z**2 == pytest.approx(8.2249, abs=5e-5)
    assert p == pytest.approx(0.004132, abs=5e-7)
    assert z < 0  # the share of smokers falls from group to group


def weighted_regression_chi_square(k, n, s) -> float:
    """The chi-square for trend as R's prop.trend.test computes it: the regression sum of
    squares of the proportions on the scores, weighted by n / (p (1 - p))."""
    k, n, s = (np.asarray(v, float) for v in (k, n, s))
    pooled = k.sum() / n.sum()
    w = n / (pooled * (1 - pooled))
    slope, intercept = np.polyfit(s, k / n, 1, w=np.sqrt(w))  # polyfit squares its weights
    fitted = intercept + slope * s
    mean = np.sum(w * k / n) / w.sum()
    return float(np.sum(w * (fitted - mean) ** 2))


@pytest.mark.parametrize("seed", range(5))
def test_cochran_armitage_is_the_weighted_regression_chi_square(seed):
    rng = np.random.default_rng(seed)
    n = rng.integers(3, 15, size=6)
    k = rng.binomial(n, rng.uniform(0.1, 0.9, size=6))
    scores = np.sort(rng.uniform(5, 50, size=6))
    z, p = trend.cochran_armitage(k, n, scores)
    assert z**2 == pytest.approx(weighted_regression_chi_square(k, n, scores), rel=1e-9)
    assert p == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-12)


def test_cochran_armitage_rejects_at_its_level_under_no_trend():
    # Eight points of ten runs at one failure rate: about 5% of studies find a trend at 5%.
    rng = np.random.default_rng(21)
    n, scores = np.full(8, 10), np.arange(10, 50, 5)
    p = [trend.cochran_armitage(rng.binomial(n, 0.3), n, scores)[1] for _ in range(2000)]
    assert 0.03 < np.mean(np.array(p) < 0.05) < 0.07


def test_a_clear_trend_has_a_small_p_and_a_flat_rate_a_large_one():
    n, scores = [10, 10, 10, 10], [10, 20, 30, 40]
    z, p = trend.cochran_armitage([0, 2, 5, 9], n, scores)
    assert z > 0 and p < 1e-4
    z, p = trend.cochran_armitage([9, 5, 2, 0], n, scores)
    assert z < 0 and p < 1e-4
    assert trend.cochran_armitage([3, 3, 3, 3], n, scores) == (0.0, 1.0)
    assert trend.cochran_armitage([3, 2, 3, 2], n, scores)[1] > 0.5


def test_no_failures_all_failures_and_one_point():
    assert trend.cochran_armitage([0, 0, 0], [10, 3, 10], [10, 20, 30]) == (0.0, 1.0)
    assert trend.cochran_armitage([10, 3, 10], [10, 3, 10], [10, 20, 30]) == (0.0, 1.0)
    z, p = trend.cochran_armitage([1, 4], [10, 10], [30, 30])  # one score: no trend
    assert math.isnan(z) and math.isnan(p)


@pytest.mark.parametrize(
    ("failed", "runs", "scores", "message"),
    [
        ([11], [10], [1], "0 <= failed <= runs"),
        ([0, 1], [0, 3], [1, 2], "runs >= 1"),
        ([0, 1], [3, 3], [1, math.nan], "finite score"),
        ([0, 1], [3, 3], [1], "equal-length"),
    ],
)
def test_cochran_armitage_refuses_impossible_counts(failed, runs, scores, message):
    with pytest.raises(ValueError, match=message):
        trend.cochran_armitage(failed, runs, scores)


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson's score interval from its closed form."""
    rate, q = k / n, Z95**2 / n
    centre = (rate + q / 2) / (1 + q)
    half = Z95 * math.sqrt(rate * (1 - rate) / n + q / (4 * n)) / (1 + q)
    return centre - half, centre + half


@pytest.mark.parametrize(("k", "n"), [(0, 10), (10, 10), (3, 10), (1, 3), (0, 1)])
def test_rate_interval_is_wilsons(k, n):
    low, high = trend.rate_interval(k, n)
    assert (low, high) == pytest.approx(wilson(k, n), abs=1e-12)
    assert 0 <= low <= k / n <= high <= 1


def test_rate_interval_values_at_the_ends():
    # 0 of 10 failed: the interval reaches z^2 / (n + z^2) = 0.2775, not 0 (the normal
    # approximation's empty interval); 10 of 10 mirrors it.
    assert trend.rate_interval(0, 10) == pytest.approx((0.0, 0.27753), abs=1e-5)
    assert trend.rate_interval(10, 10) == pytest.approx((0.72247, 1.0), abs=1e-5)
    assert trend.rate_interval(3, 10) == pytest.approx((0.10779, 0.60322), abs=1e-5)


def runs_table(failures: dict[tuple[str, str], list[str | None]]) -> pd.DataFrame:
    """A runs table: per (dataset, model) one run per entry, failed in the way it names (a
    column of aggregate.FAILURES; "both" fails two ways) or not (None); seeds from 0."""
    rows = []
    for (dataset, model), outcomes in failures.items():
        for seed, outcome in enumerate(outcomes):
            row = {"dataset": dataset, "model": model, "seed": seed, "test_dataset": dataset}
            row.update({column: False for column in aggregate.FAILURES.values()})
            if outcome == "both":
                row.update(diverged=True, test_dead_output=True)
            elif outcome:
                row[outcome] = True
            rows.append(row)
    return pd.DataFrame(rows)


POINTS = {"d10": 10, "d20": 20, "d30": 30}


def test_failure_trend_counts_each_failed_run_once_per_point():
    runs = runs_table(
        {
            ("d10", "m"): [None, None, None, None],
            ("d20", "m"): ["diverged", "both", None, None],
            ("d30", "m"): ["test_collapsed", "test_dead_output", "diverged", "both"],
        }
    )
    # Rows the test must leave out: an evaluation on another dataset (failed), a seed
    # outside the experiment's, another model.
    other = runs.iloc[[0]].assign(test_dataset="elsewhere", diverged=True)
    extra_seed = runs.iloc[[0]].assign(seed=99, diverged=True)
    stranger = runs.iloc[[0]].assign(model="x", diverged=True)
    table = trend.failure_trend(
        pd.concat([runs, other, extra_seed, stranger]), "max_freq", POINTS, ["m"], [0, 1, 2, 3]
    )
    assert list(table["max_freq"]) == [10, 20, 30]
    assert list(table["n_runs"]) == [4, 4, 4]
    assert list(table["n_failed"]) == [0, 2, 4]
    assert list(table["failure_rate"]) == [0.0, 0.5, 1.0]
    assert table["rate_lo"].tolist() == pytest.approx([wilson(k, 4)[0] for k in (0, 2, 4)])
    assert table["rate_hi"].tolist() == pytest.approx([wilson(k, 4)[1] for k in (0, 2, 4)])
    z, p = trend.cochran_armitage([0, 2, 4], [4, 4, 4], [10, 20, 30])
    assert (table["trend_z"] == z).all() and (table["trend_p"] == p).all() and p < 0.01


def test_failure_trend_tests_each_model_apart():
    runs = runs_table(
        {
            **{(d, "rising"): ["diverged"] * i + [None] * (9 - i) for i, d in enumerate(POINTS)},
            **{(d, "flat"): ["diverged", None, None] * 3 for d in POINTS},
        }
    )
    table = trend.failure_trend(runs, "max_freq", POINTS, ["rising", "flat"], list(range(9)))
    assert list(table["model"]) == ["rising"] * 3 + ["flat"] * 3
    assert list(table["n_failed"]) == [0, 1, 2, 3, 3, 3]
    rising, flat = table.groupby("model", sort=False)["trend_p"].first()
    assert rising < 0.2 and flat == 1.0


def test_failure_trend_names_a_missing_run():
    runs = runs_table({("d10", "m"): [None], ("d20", "m"): [None]})
    with pytest.raises(ValueError, match="no run of model m on dataset d30"):
        trend.failure_trend(runs, "max_freq", POINTS, ["m"], [0])


def test_an_experiment_is_tested_along_its_sweep_or_its_thread_points():
    sweep = {"datasets": ["d10", "d30"], "models": ["m"], "seeds": [0], "sweep": "max_freq"}
    seeds = {"datasets": ["d10"], "models": ["m"], "seeds": [0], "thread_points": "A0-lstm"}
    answer0 = {**sweep, "thread": "A0-lstm"}
    assert trend.label_of(sweep) == trend.label_of(seeds) == "max_freq"
    assert trend.label_of({"datasets": [], "models": [], "seeds": []}) is None
    assert (
        trend.claim_of(answer0) == trend.claim_of(seeds) == "diverges more often as max_freq grows"
    )
    assert trend.claim_of(sweep) is None
    runs = runs_table({("d10", "m"): [None], ("d30", "m"): ["diverged"]})
    labels = {d: {"max_freq": v} for d, v in POINTS.items()}
    assert list(trend.experiment_trend(runs, sweep, labels)["n_failed"]) == [0, 1]
    one_point = trend.experiment_trend(runs, seeds, labels)
    assert one_point["trend_p"].isna().all()
    assert "no trend to test" in caption(trend.facts(one_point, "max_freq", None))


def caption(facts: dict) -> str:
    """The failure-rate figure's caption (report/captions/failure_trend.rst.j2) of ``facts``."""
    from sinefreq import texts

    templates = texts.load(sorted((ROOT / "report").rglob("*.j2")))
    template = texts.environment(templates).get_template("captions/failure_trend.rst.j2")
    return template.render(experiment="e", e=facts)


def test_the_words_say_only_what_the_test_shows():
    rising = runs_table({(d, "m"): ["diverged"] * (4 * i) + [None] * (10 - 4 * i)
                         for i, d in enumerate(POINTS)})  # fmt: skip
    facts = trend.facts(
        trend.failure_trend(rising, "max_freq", POINTS, ["m"], list(range(10))), "max_freq", None
    )
    (m,) = facts["models"]
    assert m["shown"] and m["direction"] == "grows" and m["p"] < 0.05
    assert m["points"][0]["failed"] == pytest.approx(
        {"k": 0, "n": 10, "lo": 0.0, "hi": 0.27753}, abs=1e-5
    )
    text = caption(facts)
    assert "the failure rate grows with max_freq" in text
    assert "0 of 10 (95% interval 0-28%) at max_freq 10" in text
    # More failures at the top, but too few runs for the test to tell.
    weak = runs_table({("d10", "m"): [None] * 3, ("d20", "m"): [None] * 3,
                       ("d30", "m"): ["diverged", None, None]})  # fmt: skip
    facts = trend.facts(
        trend.failure_trend(weak, "max_freq", POINTS, ["m"], [0, 1, 2]), "max_freq", "diverges"
    )
    assert not facts["models"][0]["shown"]
    text = caption(facts)
    assert "no trend over max_freq shown" in text and "grows" not in text
    assert 'the thread says training "diverges"' in text

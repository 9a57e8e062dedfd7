import numpy as np
import pytest

from sinefreq import metrics


def test_known_errors():
    m = metrics.error_metrics(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 3.0, 2.0, 6.0]))
    assert m["mae"] == pytest.approx(1.0)
    assert m["rmse"] == pytest.approx(np.sqrt(6 / 4))
    assert m["max_abs_error"] == 2.0
    assert m["bias"] == pytest.approx(0.5)
    assert m["n"] == 4 and m["finite"] and not m["collapsed"]


def test_a_constant_prediction_shows_as_collapsed():
    y = np.arange(1.0, 101.0)
    m = metrics.error_metrics(y, np.zeros_like(y))
    assert m["collapsed"] and m["pred_std"] == 0.0
    assert m["mae"] == pytest.approx(50.5)
    nearly_constant = metrics.error_metrics(y, 50 + 0.01 * y)
    assert nearly_constant["collapsed"]


def test_non_finite_predictions_are_flagged_not_raised():
    m = metrics.error_metrics(np.array([1.0, 2.0]), np.array([np.nan, 2.0]))
    assert not m["finite"] and np.isnan(m["mae"]) and not m["collapsed"]


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match=r"y_true has shape \(2,\) but y_pred has \(3,\)"):
        metrics.error_metrics(np.zeros(2), np.zeros(3))


def test_error_by_integer_frequency():
    y = np.tile([1.0, 2.0, 3.0], 2)
    rows = metrics.error_by_frequency(y, y + np.array([0.1, 0, 0, 0.3, 0, -1]))
    assert [r["frequency"] for r in rows] == [1.0, 2.0, 3.0]
    assert rows[0]["mae"] == pytest.approx(0.2) and rows[0]["n"] == 2
    assert rows[2]["bias"] == pytest.approx(-0.5)


def test_error_by_frequency_bins_continuous_values():
    y = np.linspace(1, 50, 500)
    rows = metrics.error_by_frequency(y, y + 1)
    assert len(rows) == metrics.FREQUENCY_BINS
    assert sum(r["n"] for r in rows) == 500
    assert all(r["mae"] == pytest.approx(1) for r in rows)


def test_predictions_pinned_at_zero_show_as_a_dead_output():
    y = np.arange(1.0, 41.0)
    half_dead = np.where(y < 20, 0.0, y)  # a ReLU output dead for the low frequencies
    m = metrics.error_metrics(y, half_dead)
    assert m["zero_fraction"] == pytest.approx(19 / 40) and m["dead_output"]
    assert not m["collapsed"]  # the spread alone misses it
    healthy = metrics.error_metrics(y, y + 0.1)
    assert healthy["zero_fraction"] == 0 and not healthy["dead_output"]

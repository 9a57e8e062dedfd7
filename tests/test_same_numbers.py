"""dev/same_numbers.py: two leaderboards compared to the digit, timings aside."""

import importlib.util

import pandas as pd

from sinefreq import leaderboard

from .conftest import ROOT

spec = importlib.util.spec_from_file_location("same_numbers", ROOT / "dev" / "same_numbers.py")
same_numbers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(same_numbers)


def board(rmse="0.0123456", series_per_s="1000.0", extra=False):
    rows = [
        {"estimator": "nls", "kind": "classical", "train_dataset": "", "test_dataset": "b",
         "rmse": "0.01", "series_per_s": "5000.0"},
        {"estimator": "net", "kind": "learned", "train_dataset": "c", "test_dataset": "b",
         "rmse": rmse, "series_per_s": series_per_s, "train_minutes": "3.5"},
    ]  # fmt: skip
    if extra:
        rows.append(
            {"estimator": "net2", "kind": "learned", "train_dataset": "c", "test_dataset": "b"}
        )
    return pd.DataFrame(rows, columns=leaderboard.COLUMNS)


def compare(tmp_path, first, second):
    paths = [tmp_path / "first.csv", tmp_path / "second.csv"]
    for path, table in zip(paths, (first, second), strict=True):
        table.to_csv(path, index=False)
    return same_numbers.main([str(p) for p in paths])


def test_equal_boards_pass_and_timings_do_not_count(tmp_path, capsys):
    assert compare(tmp_path, board(), board(series_per_s="870.5")) == 0
    assert "0 differences" in capsys.readouterr().out


def test_a_last_digit_or_a_missing_row_is_a_difference(tmp_path, capsys):
    assert compare(tmp_path, board(), board(rmse="0.0123457", extra=True)) == 1
    out = capsys.readouterr().out
    assert "net / c / b: rmse 0.0123456 != 0.0123457" in out
    assert "only in the second: net2 / c / b" in out

#!/usr/bin/env python3
"""Do two runs of the study give the same numbers? Compares two leaderboards row by row.

    python dev/same_numbers.py results/leaderboard.csv ../second/results/leaderboard.csv

Rows are matched by (estimator, train_dataset, test_dataset); every column is compared as
written (to the digit), except those that measure the machine rather than the estimator
(``series_per_s``, ``train_minutes``). Prints each row and column that differs, and the
rows only one table has; exits 0 when there are none, 1 otherwise. A run's numbers must not
depend on the machine's load: training stops on steps and patience, never on the clock.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

KEY = ["estimator", "train_dataset", "test_dataset"]
TIMINGS = ("series_per_s", "train_minutes")  # of the machine, not of the estimator


def differences(first: pd.DataFrame, second: pd.DataFrame) -> list[str]:
    """What differs between two leaderboards (read as text, so equal means to the digit)."""
    found = []
    a, b = (t.fillna("").set_index(KEY) for t in (first, second))
    for name, only in (
        ("first", a.index.difference(b.index)),
        ("second", b.index.difference(a.index)),
    ):
        found += [f"only in the {name}: {' / '.join(map(str, key))}" for key in only]
    columns = [c for c in a.columns if c in b.columns and c not in TIMINGS]
    for key in a.index.intersection(b.index):
        for column in columns:
            if a.at[key, column] != b.at[key, column]:
                where = " / ".join(map(str, key))
                found.append(f"{where}: {column} {a.at[key, column]} != {b.at[key, column]}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    args = parser.parse_args(argv)
    first, second = (
        pd.read_csv(p, dtype=str, keep_default_na=False) for p in (args.first, args.second)
    )
    found = differences(first, second)
    for line in found:
        print(line)
    print(f"{len(first)} and {len(second)} rows; {len(found)} differences")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

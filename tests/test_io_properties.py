"""Every name comes back as the string it was, through every writer and reader of
sinefreq.io: a dataset or model called "1.5", "true", "null" or "NA" is not a number, a
boolean or a missing value; numbers stay numbers, and missing numbers stay missing."""

import json
import tempfile
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sinefreq import io

# Names that JSON, YAML or pandas would read as something else.
NASTY = ("1.5", "true", "null", "NaN", "1e3", "inf", "None", "NA", "0x10", "007")
NASTY += ("True", "false", "nan", "-1", "+1", "1_000", "1.", ".5", "n/a", "NULL", "-inf")

names = st.one_of(
    st.sampled_from(NASTY),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,20}", fullmatch=True),
)
name_lists = st.lists(names, min_size=1, max_size=6)


def splits(fields, rows=2):
    return {s: {f: np.arange(rows * 3.0).reshape(rows, 3) for f in fields} for s in io.SPLITS}


def attrs_with(names: list[str]) -> dict:
    """Names as values, as keys, in a dict, in a list, beside numbers, booleans and None."""
    return {
        "name": names[0],
        "spec": {"dataset": names[0], "models": names, "by_name": dict.fromkeys(names, 1.5)},
        "n_samples": 16,
        "nyquist": 7.5,
        "names": names,
        "flag": True,
        "missing": None,
        **{f"attr_{n}": n for n in names},
    }


def check_attrs(read: dict, written: dict) -> None:
    for key, value in written.items():
        assert read[key] == value and type(read[key]) is type(value), key
    assert "json_attributes" not in read


@settings(max_examples=100, deadline=None)
@given(name_lists)
@example(list(NASTY))
def test_names_come_back_as_the_strings_written(names):
    attrs = attrs_with(names)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)

        io.write_dataset(tmp / "d.h5", splits(io.SERIES_FIELDS), attrs)
        _, read = io.read_dataset(tmp / "d.h5")
        check_attrs(read, attrs)

        io.write_predictions(tmp / "p.h5", splits(io.PREDICTION_FIELDS), attrs)
        _, read = io.read_predictions(tmp / "p.h5")
        check_attrs(read, attrs)

        io.write_arrays(tmp / "v.h5", {"x": np.ones((2, 3))}, attrs)
        arrays, read = io.read_arrays(tmp / "v.h5")
        check_attrs(read, attrs)
        np.testing.assert_array_equal(arrays["x"], np.ones((2, 3)))
        with h5py.File(tmp / "v.h5") as h5:  # plain h5py: strings as written, JSON listed
            assert h5.attrs["name"] == names[0]
            assert json.loads(h5.attrs["spec"]) == attrs["spec"]
            assert set(json.loads(h5.attrs["json_attributes"])) == {
                "spec",
                "names",
                "flag",
                "missing",
            }

        record = {"name": names[0], "names": names, "by_name": dict.fromkeys(names, None)}
        io.write_json(tmp / "m.json", record)
        assert io.read_json(tmp / "m.json") == record

        table = pd.DataFrame(
            {
                "dataset": names,
                "model": names[::-1],
                "seed": range(len(names)),
                "rmse": [np.nan if i % 2 else 0.1 * i for i in range(len(names))],
                "collapsed": [i % 2 == 0 for i in range(len(names))],
                "snr_db": np.nan,
            }
        )
        io.write_table(tmp / "t.csv", table)
        read = io.read_table(tmp / "t.csv")
        assert list(read["dataset"]) == names and list(read["model"]) == names[::-1]
        assert list(read["seed"]) == list(range(len(names))) and read["seed"].dtype == np.int64
        np.testing.assert_array_equal(read["rmse"], table["rmse"])  # NaN where missing
        assert read["rmse"].dtype == np.float64 and read["snr_db"].isna().all()
        assert read["collapsed"].dtype == bool and list(read["collapsed"]) == list(
            table["collapsed"]
        )


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), names), min_size=1, max_size=6))
def test_a_missing_name_reads_as_missing_and_the_others_as_written(cells):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        io.write_table(path, pd.DataFrame({"model": cells, "mae": 1.0}))
        read = io.read_table(path)
    assert [None if pd.isna(v) else v for v in read["model"]] == cells
    assert list(read["mae"]) == [1.0] * len(cells)


def test_a_table_without_quotes_keeps_text_and_reads_only_empty_cells_as_missing(tmp_path):
    """Another program's table (a Snakemake benchmark): "NA" is text, an empty cell missing."""
    path = tmp_path / "b.tsv"
    path.write_text("s\tmax_rss\tjob\n1.5\tNA\tnull\n2.5\t\tTrue\n")
    read = io.read_table(path, sep="\t")
    assert list(read["s"]) == [1.5, 2.5]
    assert read["max_rss"].iloc[0] == "NA" and pd.isna(read["max_rss"].iloc[1])
    assert list(read["job"]) == ["null", "True"]


def test_files_written_before_json_attributes_still_read(tmp_path):
    """Older files stored JSON without listing it: dicts, lists, booleans and None are
    decoded; a string that reads as a number was a string, and stays one."""
    path = tmp_path / "old.h5"
    with h5py.File(path, "w") as h5:
        for split in io.SPLITS:
            for field in io.PREDICTION_FIELDS:
                h5[f"{split}/{field}"] = np.zeros(2)
        h5.attrs.update(
            {"sinefreq_version": "0.1", "settings": '{"a": 1}', "name": "1.5", "snr": "null"}
        )
    _, attrs = io.read_predictions(path)
    assert attrs == {"sinefreq_version": "0.1", "settings": {"a": 1}, "name": "1.5", "snr": None}

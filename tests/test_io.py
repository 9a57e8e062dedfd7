import h5py
import numpy as np
import pytest

from sinefreq import datasets, io

SPEC = {
    "n_samples": 16,
    "seed": 0,
    "time_offset": [0, 1],
    "train": {"frequencies": {"integers": [1, 5]}, "repeats": 2},
}


@pytest.fixture
def dataset_file(tmp_path):
    path = tmp_path / "d.h5"
    io.write_dataset(
        path,
        datasets.make_dataset(SPEC),
        {"name": "d", "spec": SPEC, "n_samples": 16, "nyquist": 7.5},
    )
    return path


def test_dataset_round_trip(dataset_file):
    splits, attrs = io.read_dataset(dataset_file)
    expected = datasets.make_dataset(SPEC)
    for split in io.SPLITS:
        for field in io.SERIES_FIELDS:
            np.testing.assert_array_equal(splits[split][field], expected[split][field])
    assert attrs["spec"] == SPEC
    assert attrs["n_samples"] == 16
    assert attrs["sinefreq_version"]


def test_dataset_is_plain_hdf5_chunked_and_compressed(dataset_file):
    with h5py.File(dataset_file) as h5:
        x = h5["train/x"]
        assert x.shape == (10, 16)
        assert x.compression == "gzip" and x.chunks is not None
        assert "spec" in h5.attrs


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(io.DataFileError, match=r"nope\.h5: file not found"):
        io.read_dataset(tmp_path / "nope.h5")


def test_missing_dataset_and_attribute_are_named(dataset_file):
    with h5py.File(dataset_file, "a") as h5:
        del h5["test/y"]
        del h5.attrs["nyquist"]
    with pytest.raises(io.DataFileError, match=r"missing attribute 'nyquist', dataset '/test/y'"):
        io.read_dataset(dataset_file)


def test_truncated_file_is_reported_not_read(dataset_file):
    data = dataset_file.read_bytes()
    dataset_file.write_bytes(data[: len(data) // 2])
    with pytest.raises(io.DataFileError, match=r"d\.h5: .*(truncated|corrupt)"):
        io.read_dataset(dataset_file)


def test_failed_write_leaves_no_file(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError), io.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_json_round_trip_with_numpy_values(tmp_path):
    io.write_json(tmp_path / "m.json", {"a": np.float64(1.5), "b": np.arange(3)})
    assert io.read_json(tmp_path / "m.json") == {"a": 1.5, "b": [0, 1, 2]}
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(io.DataFileError, match="bad.json: not valid JSON"):
        io.read_json(tmp_path / "bad.json")

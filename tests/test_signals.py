import numpy as np
import pytest

from sinefreq import datasets, signals


@pytest.mark.parametrize("n_samples", [100, 2000])
@pytest.mark.parametrize("f", [1, 7, 33])
def test_integer_frequency_is_exactly_f_cycles_per_window(n_samples, f):
    # t spans 2 pi over N-1 intervals, so the first N-1 samples are one whole period of
    # the window: a clean tone of f cycles puts all its energy in DFT bin f.
    x = signals.sine_series(np.array([f]), n_samples)[0, :-1]
    spectrum = np.abs(np.fft.rfft(x))
    assert np.argmax(spectrum) == f
    assert np.sum(spectrum**2) - spectrum[f] ** 2 < 1e-12 * spectrum[f] ** 2


def test_series_follow_the_thread_formula():
    # Answer 0: sin(f * linspace(o, 2 pi + o, N)).
    spec = {
        "n_samples": 100,
        "seed": 5,
        "time_offset": [0, 1],
        "train": {"frequencies": {"integers": [1, 9]}, "repeats": 10},
    }
    train = datasets.make_dataset(spec)["train"]
    assert train["x"].shape == (90, 100)
    np.testing.assert_array_equal(train["y"], np.tile(np.arange(1, 10), 10))
    for row, f, o in zip(train["x"], train["y"], train["time_offset"], strict=True):
        np.testing.assert_allclose(row, np.sin(f * np.linspace(o, 2 * np.pi + o, 100)), atol=1e-12)
    assert train["time_offset"].min() >= 0 and train["time_offset"].max() <= 1


def test_nyquist_of_the_threads_grids():
    assert signals.nyquist(100) == 49.5
    assert signals.nyquist(2000) == 999.5


def test_same_spec_gives_identical_arrays_and_another_seed_does_not():
    spec = {
        "n_samples": 64,
        "seed": 1,
        "snr_db": 5,
        "phase": [0, 6.28],
        "train": {"frequencies": {"uniform": [1, 20, 50]}},
    }
    a, b = datasets.make_dataset(spec), datasets.make_dataset(dict(spec))
    for split in ("train", "test"):
        for key in a[split]:
            np.testing.assert_array_equal(a[split][key], b[split][key])
    c = datasets.make_dataset({**spec, "seed": 2})
    assert not np.array_equal(a["train"]["x"], c["train"]["x"])


def test_test_split_is_new_data_not_training_series():
    spec = {
        "n_samples": 100,
        "seed": 3,
        "time_offset": [0, 1],
        "train": {"frequencies": {"integers": [1, 9]}, "repeats": 10},
    }
    splits = datasets.make_dataset(spec)
    train, test = splits["train"]["x"], splits["test"]["x"]
    distances = np.min(np.abs(test[:, None, :] - train[None, :, :]).max(axis=2), axis=1)
    assert distances.min() > 1e-6


def test_partition_splits_one_shuffled_pool_without_overlap():
    spec = {
        "n_samples": 100,
        "seed": 2,
        "allow_aliasing": True,
        "partition": {"frequencies": {"linspace": [1, 50, 2500]}, "test_size": 500},
    }
    splits = datasets.make_dataset(spec)
    train_f, test_f = splits["train"]["y"], splits["test"]["y"]
    assert (len(train_f), len(test_f)) == (2000, 500)
    assert not set(train_f) & set(test_f)
    np.testing.assert_allclose(np.sort(np.concatenate([train_f, test_f])), np.linspace(1, 50, 2500))
    assert not np.all(np.diff(train_f) > 0), "the pool is shuffled"


def test_partition_that_leaves_no_training_series_is_rejected():
    spec = {
        "n_samples": 32,
        "seed": 0,
        "partition": {"frequencies": {"values": [1, 2]}, "test_size": 2},
    }
    with pytest.raises(ValueError, match="test_size 2 leaves no training series"):
        datasets.make_dataset(spec)


def test_noise_has_the_requested_snr():
    spec = {
        "n_samples": 1000,
        "seed": 0,
        "amplitude": 2.0,
        "snr_db": 10,
        "train": {"frequencies": {"uniform": [5, 50, 400]}},
    }
    train = datasets.make_dataset(spec)["train"]
    clean = signals.sine_series(train["y"], 1000, amplitude=2.0)
    noise_power = np.mean((train["x"] - clean) ** 2)
    measured_db = 10 * np.log10(2.0**2 / 2 / noise_power)
    assert abs(measured_db - 10) < 0.05
    np.testing.assert_allclose(train["noise_sigma"], 2.0 / np.sqrt(2 * 10))


def test_frequency_forms():
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(signals.frequency_list({"integers": [1, 4]}, rng), [1, 2, 3, 4])
    np.testing.assert_array_equal(signals.frequency_list({"linspace": [1, 2, 3]}, rng), [1, 1.5, 2])
    np.testing.assert_array_equal(signals.frequency_list({"values": [3, 1]}, rng), [3, 1])
    drawn = signals.frequency_list({"uniform": [2, 3, 100]}, rng)
    assert drawn.shape == (100,) and drawn.min() >= 2 and drawn.max() <= 3
    assert signals.highest_frequency({"integers": [1, 299]}) == 299
    assert signals.highest_frequency({"values": [3, 9, 2]}) == 9
    with pytest.raises(ValueError, match="exactly one of"):
        signals.frequency_list({"integers": [1, 2], "values": [1]}, rng)


@pytest.mark.parametrize(
    "spec, ends",
    [
        ({"integers": [1, 9]}, (1.0, 9.0)),
        ({"uniform": [0.5, 49, 5000]}, (0.5, 49.0)),
        ({"linspace": [2, 3, 11]}, (2.0, 3.0)),
        ({"values": [7.5, 1.25, 3]}, (1.25, 7.5)),
    ],
)
def test_a_specs_range_is_known_without_drawing(spec, ends):
    assert signals.frequency_range(spec) == ends
    assert signals.highest_frequency(spec) == ends[1]

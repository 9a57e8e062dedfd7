import numpy as np
import pandas as pd
import pytest

from sinefreq import cli, datasets, io, models, signals

FREQS = np.array([3.0, 7.25, 20.5])


@pytest.fixture
def series():
    return signals.sine_series(FREQS, 64, phase=np.array([0.1, 1.0, 2.0]))


def run(capsys, *args):
    code = cli.main(["estimate", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def read_csv(text):
    from io import StringIO

    return pd.read_csv(StringIO(text))


@pytest.mark.parametrize("method", ["nls", "fft_interp"])
def test_npy_with_a_classical_method(tmp_path, capsys, series, method):
    np.save(tmp_path / "s.npy", series)
    code, out, _ = run(capsys, tmp_path / "s.npy", "--method", method)
    assert code == 0
    np.testing.assert_allclose(read_csv(out)["frequency_cycles_per_window"], FREQS, atol=1e-4)


def test_csv_and_hz(tmp_path, capsys, series):
    np.savetxt(tmp_path / "s.csv", series, delimiter=",")
    code, out, _ = run(capsys, tmp_path / "s.csv", "--sample-rate", 630)
    table = read_csv(out)
    assert code == 0
    # 64 samples at 630 Hz span 63/630 = 0.1 s: f cycles per window = 10 f Hz.
    np.testing.assert_allclose(table["frequency_hz"], 10 * FREQS, atol=1e-3)


def test_hdf5_dataset_reports_truth_and_writes_a_file(tmp_path, capsys):
    spec = {
        "n_samples": 64,
        "seed": 0,
        "phase": [0, 6],
        "train": {"frequencies": {"uniform": [2, 30, 5]}},
    }
    io.write_dataset(
        tmp_path / "d.h5",
        datasets.make_dataset(spec),
        {"name": "d", "spec": spec, "n_samples": 64, "nyquist": 31.5},
    )
    code, _, _ = run(capsys, tmp_path / "d.h5", "--split", "train", "-o", tmp_path / "out.csv")
    table = pd.read_csv(tmp_path / "out.csv")
    assert code == 0 and len(table) == 5
    np.testing.assert_allclose(
        table["frequency_cycles_per_window"], table["true_cycles_per_window"], atol=1e-6
    )


def test_trained_model(tmp_path, capsys, series):
    model = models.build_model("a2_dnn", 64, hidden_units=4)
    model.save(tmp_path / "m.keras")
    np.save(tmp_path / "s.npy", series)
    code, out, _ = run(capsys, tmp_path / "s.npy", "--model", tmp_path / "m.keras")
    assert code == 0 and len(read_csv(out)) == 3
    np.save(tmp_path / "short.npy", series[:, :50])
    code, _, err = run(capsys, tmp_path / "short.npy", "--model", tmp_path / "m.keras")
    assert code == 2 and "series have 50 samples, shorter than the 64 that" in err


def test_the_classical_estimators_fit_an_offset_unless_told_there_is_none(tmp_path, capsys):
    """Below a few cycles a tone has a mean of its own: least squares told that the series
    carry no offset finds the tone better there; the output says which was done."""
    rng = np.random.default_rng(0)
    f = rng.uniform(0.5, 2.5, 400)
    x = signals.sine_series(f, 100, phase=rng.uniform(0, 2 * np.pi, 400))
    np.save(tmp_path / "s.npy", x + rng.normal(0.0, 0.1, x.shape))
    errors = {}
    for option, word in (("--offset", "fitted"), ("--no-offset", "none")):
        code, out, err = run(capsys, tmp_path / "s.npy", option)
        table = read_csv(out)
        assert code == 0, err
        assert set(table["dc_offset"]) == {word}
        errors[word] = np.sqrt(np.mean((table["frequency_cycles_per_window"] - f) ** 2))
    code, out, _ = run(capsys, tmp_path / "s.npy")
    assert set(read_csv(out)["dc_offset"]) == {"fitted"}  # the default, as before
    assert errors["none"] < 0.75 * errors["fitted"]


def test_an_offset_option_that_cannot_be_kept_is_refused(tmp_path, capsys, series):
    np.save(tmp_path / "s.npy", series)
    code, _, err = run(capsys, tmp_path / "s.npy", "--method", "fft_interp", "--no-offset")
    assert code == 2 and "--method fft_interp always removes each series' mean" in err
    assert "the methods that can assume no offset are nls, nls_white, posterior_mean" in err
    model = models.build_model("a2_dnn", 64, hidden_units=4)
    model.save(tmp_path / "m.keras")
    code, _, err = run(capsys, tmp_path / "s.npy", "--model", tmp_path / "m.keras", "--offset")
    assert code == 2 and "--offset and --no-offset apply to --method" in err


@pytest.mark.slow  # trains a model, then runs the installed CLI in fresh processes
def test_estimator_model_in_a_fresh_process_and_wrong_lengths(tmp_path, series):
    """An estimator's custom layers load in safe mode in a process that never built one,
    and series of another length are refused naming both lengths."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    model = models.build_model("hybrid_gn", 64, hidden_units=4, hidden_layers=1)
    model.save(tmp_path / "m.keras")
    np.save(tmp_path / "s.npy", series)
    np.save(tmp_path / "long.npy", np.zeros((2, 80)))
    exe = Path(sys.executable).with_name("sinefreq")
    # As on a fresh machine: no backend chosen, TensorFlow's logging at its default.
    env = {
        k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL")
    }

    def estimate(path, *options):
        return subprocess.run(
            [exe, "estimate", path, "--model", tmp_path / "m.keras", *options],
            capture_output=True, text=True, env=env,
        )  # fmt: skip

    proc = estimate(tmp_path / "s.npy")
    # Nothing but the answer: no library's log on standard error.
    assert (proc.returncode, proc.stderr) == (0, "")
    assert len(read_csv(proc.stdout)) == 3
    # The study's backend, JAX, without TensorFlow; --backend chooses another.
    check = (
        "import sys; from sinefreq import cli; code = cli.main(sys.argv[1:]); import keras; "
        "print(code, keras.backend.backend(), 'tensorflow' in sys.modules, file=sys.stderr)"
    )
    for options, expected in (
        ((), "0 jax False"),
        (("--backend", "tensorflow"), "0 tensorflow True"),
    ):
        proc = subprocess.run(
            [sys.executable, "-c", check, "estimate", tmp_path / "s.npy", "--model",
             tmp_path / "m.keras", *options],
            capture_output=True, text=True, env=env,
        )  # fmt: skip
        assert proc.stderr.splitlines()[-1] == expected, proc.stderr
    proc = estimate(tmp_path / "s.npy", "--backend", "theano")
    assert proc.returncode == 2 and "invalid choice: 'theano'" in proc.stderr
    proc = estimate(tmp_path / "long.npy")
    assert proc.returncode == 2
    assert "series have 80 samples, longer than the 64 that" in proc.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (np.zeros((2, 3, 4)), r"expected a 2-D array with one series a row, got shape \(2, 3, 4\)"),
        (
            np.array([[1.0, np.nan, 2, 3, 4], [1, 2, 3, 4, 5]]),
            r"NaN or infinite values in series \(rows\) 0",
        ),
    ],
)
def test_bad_arrays_are_named(tmp_path, capsys, content, message):
    np.save(tmp_path / "bad.npy", content)
    code, _, err = run(capsys, tmp_path / "bad.npy")
    assert code == 2
    assert pytest.importorskip("re").search(message, err)


def test_missing_files_and_formats(tmp_path, capsys):
    code, _, err = run(capsys, tmp_path / "none.npy")
    assert code == 2 and "none.npy: no such file" in err
    (tmp_path / "s.txt").write_text("1,2,3")
    code, _, err = run(capsys, tmp_path / "s.txt")
    assert code == 2 and "unknown format '.txt'" in err
    (tmp_path / "s.csv").write_text("1,2,3,x\n")
    code, _, err = run(capsys, tmp_path / "s.csv")
    assert code == 2 and "not a numeric CSV" in err
    np.save(tmp_path / "s.npy", np.zeros((1, 64)))
    code, _, err = run(capsys, tmp_path / "s.npy", "--model", tmp_path / "nope.keras")
    assert code == 2 and "nope.keras: no such model file" in err


def test_installed_entry_point():
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("sinefreq")
    proc = subprocess.run([exe, "estimate", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "--sample-rate" in proc.stdout

"""`sinefreq estimate` under careless and hostile input: exit 0 only with the right
frequencies, otherwise exit 2 with one line naming the file and what is wrong; never a
traceback, never a file left behind. Named cases per class, then generated ones."""

from __future__ import annotations

import re
import tempfile
from io import StringIO
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sinefreq import classical, cli, userfiles

N = 64
NYQUIST = (N - 1) / 2
T = np.linspace(0.0, 2.0 * np.pi, N)


def estimate(capsys, *args) -> tuple[int, str, str]:
    """``sinefreq estimate ARGS`` in this process: exit code, stdout, stderr."""
    code = cli.main(["estimate", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def frequencies(out: str) -> np.ndarray:
    return pd.read_csv(StringIO(out))["frequency_cycles_per_window"].to_numpy()


def assert_refused(code: int, err: str, *needles: str) -> None:
    """Exit 2 and exactly one line on stderr, containing every needle."""
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sinefreq"), err
    for needle in needles:
        assert needle in lines[0], lines[0]


def tone(f, phase=0.3, amplitude=1.0, offset=0.0):
    return amplitude * np.sin(f * T + phase) + offset


# -- 1. wrong numbers: rows without a tone, and magnitudes at float64's ends -------------


@pytest.mark.parametrize("method", sorted(classical.ESTIMATORS))
def test_rows_without_a_tone_are_refused_by_row_number(tmp_path, capsys, method):
    x = np.stack([tone(5.0), np.zeros(N), tone(9.0), np.full(N, 2.5)])
    np.save(tmp_path / "s.npy", x)
    code, out, err = estimate(capsys, tmp_path / "s.npy", "--method", method)
    assert_refused(code, err, "s.npy", "no tone", "(rows) 1, 3")
    assert out == ""


@pytest.mark.parametrize("scale", [1.7e308 / 1.5, 1e-300, 1e-310, 5e-321, -3.0e200])
@pytest.mark.parametrize("method", sorted(classical.ESTIMATORS))
def test_magnitudes_at_the_ends_of_float64(tmp_path, capsys, method, scale):
    x = np.stack([tone(7.3), tone(19.1, phase=2.0)])
    np.save(tmp_path / "s.npy", scale * x)
    np.save(tmp_path / "u.npy", x)
    code, out, err = estimate(capsys, tmp_path / "s.npy", "--method", method)
    assert code == 0, err
    _, unit, _ = estimate(capsys, tmp_path / "u.npy", "--method", method)
    # Subnormal values carry fewer digits: the answer is as exact as they are.
    digits = 1e-9 if abs(scale) > 1e-300 else 1e-3
    np.testing.assert_allclose(frequencies(out), frequencies(unit), atol=digits)


# -- 2. inputs silently altered ---------------------------------------------------------


def test_complex_series_are_refused_naming_the_file(tmp_path, capsys):
    np.save(tmp_path / "c.npy", np.exp(1j * T)[None, :])
    code, _, err = estimate(capsys, tmp_path / "c.npy")
    assert_refused(code, err, "c.npy", "complex values")
    with h5py.File(tmp_path / "c.h5", "w") as h5:
        h5["test/x"] = np.exp(1j * T)[None, :]
        h5["test/y"] = [1.0]
    code, _, err = estimate(capsys, tmp_path / "c.h5")
    assert_refused(code, err, "c.h5", "/test/x", "complex values")


@pytest.fixture(scope="module")
def odd_models(tmp_path_factory):
    """Models sinefreq estimate must refuse, or serve, as a user might hand them over."""
    import keras

    folder = tmp_path_factory.mktemp("models")
    series = keras.Input((N,))
    two = keras.Model(series, [keras.layers.Dense(1)(series), keras.layers.Dense(1)(series)])
    two.save(folder / "two_outputs.keras")
    keras.Model(series, keras.layers.Dense(3)(series)).save(folder / "three_values.keras")
    wide = keras.Input((N, 2))
    keras.Model(wide, keras.layers.Dense(1)(keras.layers.Flatten()(wide))).save(
        folder / "two_channels.keras"
    )
    any_length = keras.Input((None, 1))
    keras.Model(any_length, keras.layers.Dense(1)(keras.layers.LSTM(2)(any_length))).save(
        folder / "any_length.keras"
    )
    (folder / "garbage.keras").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "empty.keras").write_bytes(b"")
    return folder


@pytest.mark.parametrize(
    ("model", "needles"),
    [
        ("two_outputs", ["1 inputs and 2 outputs"]),
        ("three_values", ["output has shape (None, 3)", "one frequency per series"]),
        ("two_channels", ["inputs of shape (None, 64, 2)"]),
        ("garbage", ["cannot load the model"]),
        ("empty", ["cannot load the model"]),
    ],
)
def test_models_that_do_not_give_one_frequency_per_series(
    tmp_path, capsys, odd_models, model, needles
):
    np.save(tmp_path / "s.npy", np.stack([tone(4.0), tone(8.0)]))
    code, out, err = estimate(capsys, tmp_path / "s.npy", "--model", odd_models / f"{model}.keras")
    assert_refused(code, err, f"{model}.keras", *needles)
    assert out == ""


def test_a_model_that_takes_any_length_gets_every_length(tmp_path, capsys, odd_models):
    for n in (16, 200):
        np.save(tmp_path / "s.npy", np.sin(np.outer([3.0, 5.0, 7.0], np.linspace(0, 6, n))))
        code, out, err = estimate(
            capsys, tmp_path / "s.npy", "--model", odd_models / "any_length.keras"
        )
        assert code == 0, err
        assert len(frequencies(out)) == 3


# -- 5. tracebacks instead of messages --------------------------------------------------


@pytest.mark.parametrize("name", ["s.npy", "s.csv", "s.h5"])
def test_empty_files(tmp_path, capsys, name):
    (tmp_path / name).write_bytes(b"")
    code, _, err = estimate(capsys, tmp_path / name)
    assert_refused(code, err, name, "empty")


def test_npy_header_declaring_a_huge_array_is_refused_before_reading(tmp_path, capsys):
    path = tmp_path / "huge.npy"
    with path.open("wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": "<f8", "fortran_order": False, "shape": (10**12, 100)}
        )
        f.write(np.zeros(100).tobytes())
    code, _, err = estimate(capsys, path)
    assert_refused(code, err, "huge.npy", "declares shape (1000000000000, 100)", "truncated")


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (np.zeros((2, 3, 4)), ["expected a 2-D array", "(2, 3, 4)"]),
        (np.zeros((0, 64)), ["expected a 2-D array", "(0, 64)"]),
        (np.array(["a", "b"]), ["are not numbers"]),
        (np.zeros((3, 2)), ["series of 2 samples; at least 4"]),
    ],
)
def test_arrays_of_the_wrong_shape_or_type(tmp_path, capsys, content, needles):
    np.save(tmp_path / "bad.npy", content)
    code, _, err = estimate(capsys, tmp_path / "bad.npy")
    assert_refused(code, err, "bad.npy", *needles)


def test_ragged_csv_names_the_rows(tmp_path, capsys):
    rows = [",".join(map(str, tone(3.0))), ",".join(map(str, tone(3.0)[:-1]))]
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n")
    code, _, err = estimate(capsys, tmp_path / "r.csv")
    assert_refused(code, err, "r.csv")


def test_output_naming_a_directory_is_refused_before_work(tmp_path, capsys):
    np.save(tmp_path / "s.npy", tone(3.0)[None, :])
    code, _, err = estimate(capsys, tmp_path / "s.npy", "-o", tmp_path)
    assert_refused(code, err, "-o names a directory")
    (tmp_path / "file").write_text("")
    code, _, err = estimate(capsys, tmp_path / "s.npy", "-o", tmp_path / "file" / "out.csv")
    assert_refused(code, err, "is a file, not a folder")


# -- 10. every option checked before any work -------------------------------------------


@pytest.mark.parametrize("rate", ["0", "-5", "nan", "inf", "fast"])
def test_sample_rate_is_checked_before_work(tmp_path, capsys, rate):
    code, _, err = estimate(capsys, tmp_path / "missing.npy", "--sample-rate", rate)
    assert_refused(code, err, "--sample-rate")


@pytest.mark.parametrize("name", ["s.npy", "s.csv"])
def test_split_is_refused_for_files_without_splits(tmp_path, capsys, name):
    (tmp_path / name).write_text("1,2,3,4\n")
    code, _, err = estimate(capsys, tmp_path / name, "--split", "train")
    assert_refused(code, err, name, "--split applies to .h5 datasets only")


def test_output_is_written_whole_or_not_at_all(tmp_path, capsys):
    x = np.stack([tone(4.0), tone(6.0), np.zeros(N)])
    np.save(tmp_path / "s.npy", x)
    code, _, err = estimate(capsys, tmp_path / "s.npy", "-o", tmp_path / "out.csv")
    assert_refused(code, err, "(rows) 2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.npy"]


# -- 9. chunks: the same answers as one batch, and a progress bar on a terminal ---------


def test_chunked_estimates_equal_one_batch(tmp_path, capsys, monkeypatch):
    rng = np.random.default_rng(0)
    x = np.sin(np.outer(rng.uniform(1, 30, 500), T) + rng.uniform(0, 6, (500, 1)))
    x += 0.3 * rng.standard_normal(x.shape)
    np.save(tmp_path / "s.npy", x)
    np.save(tmp_path / "f.npy", np.asfortranarray(x))
    np.savetxt(tmp_path / "s.csv", x, delimiter=",", fmt="%.17g")
    monkeypatch.setattr("sinefreq.userfiles.CHUNK_VALUES", 37 * N)  # 14 chunks, the last short
    monkeypatch.setattr(cli, "PROGRESS_MIN_ROWS", 100)
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich draws the bar only on a terminal
    whole = classical.nls(x)
    for name in ("s.npy", "f.npy", "s.csv"):
        chunked, _ = cli.estimate_series(userfiles.open_series(tmp_path / name), classical.nls)
        np.testing.assert_array_equal(chunked, whole)
        code, out, err = estimate(capsys, tmp_path / name)
        assert code == 0, err
        np.testing.assert_allclose(frequencies(out), whole, rtol=1e-9)
        assert "estimating" in err


# -- generated inputs ------------------------------------------------------------------

PROPERTY = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def run_file(capsys, name: str, write, *options) -> tuple[int, str, str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        write(path)
        return estimate(capsys, path, *options)


@PROPERTY
@given(
    f=st.floats(1.0, NYQUIST - 1.0),
    phase=st.floats(0.0, 2 * np.pi),
    offset=st.floats(-2.0, 2.0),
    exponent=st.integers(-1070, 1020),
    mantissa=st.floats(0.5, 1.0),
    negative=st.booleans(),
    method=st.sampled_from(sorted(classical.ESTIMATORS)),
)
def test_any_scale_of_a_tone_gets_its_frequency(
    capsys, f, phase, offset, exponent, mantissa, negative, method
):
    """The frequency of ``c * x`` is that of ``x`` for every ``c`` that keeps ``c * x``
    finite: exactly so for a power of two, to the precision the values carry otherwise."""
    x = tone(f, phase, offset=offset)[None, :]
    c = (-1) ** negative * np.ldexp(mantissa, exponent)
    scaled = c * x
    assume(np.isfinite(scaled).all())
    code, out, err = run_file(capsys, "s.npy", lambda p: np.save(p, scaled), "--method", method)
    if code != 0:
        # Only a tone drowned by subnormal rounding may be refused, and then by its row.
        assert abs(c) < 1e-300, err
        assert_refused(code, err, "s.npy", "no tone", "(rows) 0")
        return
    reference = classical.estimate(method, x)[0]
    direct = classical.estimate(method, scaled)[0]
    if mantissa == 0.5 and abs(c) > 1e-290:  # a power of two scales exactly
        assert direct == reference
    tolerance = 1e-6 if abs(c) > 1e-290 else 0.5  # subnormals carry fewer digits
    assert abs(direct - reference) <= tolerance
    assert abs(direct - f) <= 1e-3 + tolerance
    # The CSV holds ten significant digits.
    assert frequencies(out)[0] == pytest.approx(direct, rel=1e-9)


finite_or_not = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True, width=64)
arrays = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int64, np.complex128]),
    shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=12),
    elements=None,
)


@PROPERTY
@given(x=arrays, method=st.sampled_from(sorted(classical.ESTIMATORS)))
def test_any_array_gets_in_band_answers_or_one_line(capsys, x, method):
    code, out, err = run_file(capsys, "a.npy", lambda p: np.save(p, x), "--method", method)
    assert code in (0, 2), err
    if code == 2:
        assert_refused(code, err, "a.npy")
        assert out == ""
        return
    rows = x.reshape(-1, x.shape[-1]) if x.ndim else None
    got = frequencies(out)
    assert rows is not None and len(got) == len(rows)
    assert np.isfinite(got).all() and (got >= 0).all() and (got <= (x.shape[-1] - 1) / 2).all()


@PROPERTY
@given(
    content=st.one_of(
        st.binary(max_size=300),
        st.lists(
            st.lists(finite_or_not.map(repr) | st.text(max_size=4), min_size=1, max_size=9),
            max_size=6,
        ).map(lambda rows: "\n".join(",".join(r) for r in rows).encode()),
    ),
    suffix=st.sampled_from([".npy", ".csv", ".h5"]),
)
def test_any_bytes_get_answers_or_one_line(capsys, content, suffix):
    code, out, err = run_file(capsys, f"b{suffix}", lambda p: p.write_bytes(content))
    assert code in (0, 2), err
    if code == 2:
        assert_refused(code, err)
        assert out == ""
    else:
        assert np.isfinite(frequencies(out)).all()


def test_one_line_messages_name_the_file_by_pattern(tmp_path, capsys):
    """The message starts with the program, then the file: the shape every refusal shares."""
    np.save(tmp_path / "s.npy", np.zeros((2, N)))
    _, _, err = estimate(capsys, tmp_path / "s.npy")
    assert re.fullmatch(r"sinefreq estimate: error: \S*s\.npy: .+\n", err)

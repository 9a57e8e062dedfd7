"""The any-length network: its front end is the centred, zero-padded DFT at every length;
it is indifferent to scale and DC offset; it loads and serves any length its contract
admits; its training batches are reproducible."""

import os
import subprocess
import sys

import numpy as np
import pytest

from sinefreq import any_length, cli, contract, crlb, generator, signals

from .conftest import ROOT


def direct_spectrum(x: np.ndarray, pad: int, margin: int) -> np.ndarray:
    """The centred DTFT of each demeaned, max-scaled row on the padded grid, margins included."""
    n = x.shape[1]
    x = x - x.mean(axis=1, keepdims=True)
    x = x / np.abs(x).max(axis=1, keepdims=True)
    t = np.arange(n) - (n - 1) / 2.0
    w = 2 * np.pi * np.arange(-margin, pad * n // 2 + 1 + margin) / (pad * n)
    return x @ np.exp(-1j * np.outer(t, w))


@pytest.mark.parametrize("n", [32, 33, 100, 257])
def test_the_front_end_is_the_centred_padded_dft_with_its_margins(n):
    rng = np.random.default_rng(n)
    x = rng.normal(size=(3, n))
    layer = any_length._layers().CentredSpectrum(4, margin=3)
    got = np.asarray(layer(x.astype("float32")))
    want = direct_spectrum(x, 4, 3)
    assert got.shape == (3, 4 * n // 2 + 1 + 6, 2)
    np.testing.assert_allclose(got[..., 0] + 1j * got[..., 1], want, atol=2e-5 * np.abs(want).max())


@pytest.mark.parametrize("layer", ["CentredSpectrum", "InterpolatedOffset"])
def test_odd_padding_is_refused(layer):
    with pytest.raises(ValueError, match=f"{layer}: pad 3 is not allowed; give an even one"):
        getattr(any_length._layers(), layer)(3)


@pytest.fixture(scope="module")
def small_network():
    return any_length.coarse_to_fine_any(None, hidden_units=8, hidden_layers=1)


@pytest.mark.parametrize("n", [32, 100, 1000, 4096])
def test_one_network_takes_every_length_indifferent_to_scale_and_offset(small_network, n):
    f = np.array([0.7, 3.3, (n - 1) / 2 - 0.6])
    x = signals.sine_series(f, n, phase=np.array([0.2, 1.0, 2.0]))
    base = small_network.predict(x.astype("float32"), verbose=0)
    assert base.shape == (3, 1) and np.isfinite(base).all()
    for scale, offset in ((1e-3, 0.0), (1e4, 0.0), (1.0, 5.0), (1e4, -3e4)):
        moved = small_network.predict((scale * x + offset).astype("float32"), verbose=0)
        np.testing.assert_allclose(moved, base, rtol=1e-4, atol=1e-4 * n)


def test_the_contract_serves_every_length_and_scale_between_the_limits():
    served = any_length.contract()
    assert served.lengths == (any_length.MIN_LENGTH, any_length.MAX_LENGTH)
    assert "f in [0.5, Nyquist - 0.5] cycles per window, any amplitude" in served.describe()
    assert served.rows_off_scale(1e9 * np.ones((2, 64))).size == 0
    assert any_length.band(101) == (0.5, 49.5)


@pytest.fixture(scope="module")
def saved_network(tmp_path_factory, small_network):
    path = tmp_path_factory.mktemp("any") / "any.keras"
    small_network.save(path)
    contract.write(path, any_length.contract())
    return path


def test_the_cli_estimates_a_csv_of_256_sample_series(tmp_path, capsys, saved_network):
    x = signals.sine_series(np.array([3.0, 40.5, 100.25]), 256, amplitude=[1e-3, 2.0, 5e3])
    np.savetxt(tmp_path / "s.csv", x + 7.0, delimiter=",")
    code = cli.main(["estimate", str(tmp_path / "s.csv"), "--model", str(saved_network)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert len(out.splitlines()) == 4


def test_the_cli_serves_any_float64_scale_and_offset(tmp_path, capsys, saved_network):
    """Beyond float32's range, or a tone on a large offset: the same answer as the plain
    series (the CLI demeans and scales by powers of two before the network's float32)."""
    plain = signals.sine_series(np.array([3.3, 40.5]), 256, phase=np.array([0.4, 1.0]))
    rows = np.concatenate([plain, 1e40 * plain, 1e-40 * plain, plain + 1e6])
    np.save(tmp_path / "s.npy", rows)
    code = cli.main(["estimate", str(tmp_path / "s.npy"), "--model", str(saved_network)])
    out, err = capsys.readouterr()
    assert code == 0, err
    found = np.array([float(line.split(",")[1]) for line in out.splitlines()[1:]])
    np.testing.assert_allclose(found.reshape(4, 2), np.tile(found[:2], (4, 1)), rtol=1e-5)


def test_the_cli_refuses_a_length_outside_the_contract(tmp_path, capsys, saved_network):
    np.save(tmp_path / "s.npy", signals.sine_series(np.array([3.0]), 16))
    code = cli.main(["estimate", str(tmp_path / "s.npy"), "--model", str(saved_network)])
    _, err = capsys.readouterr()
    assert code == 2
    assert "series have 16 samples; " in err and "serves series of 32 to 4096 samples" in err


def test_training_batches_are_reproducible_and_one_length_each():
    data = any_length._dataset_class()
    a = data({}, batch_size=64, batches=16, seed=3)
    b = data({}, batch_size=64, batches=16, seed=3)
    lengths = set()
    for i in range(16):
        (xa, ya), (xb, yb) = a[i], b[i]
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
        n = xa.shape[1]
        lengths.add(n)
        assert n in any_length.TRAINING_LENGTHS
        low, high = any_length.band(n)
        assert ya.shape == (64, 2) and (ya[:, 0] >= low).all() and (ya[:, 0] <= high).all()
    assert lengths == set(any_length.TRAINING_LENGTHS)  # each length once an epoch
    a.on_epoch_end()
    assert not np.array_equal(a[0][0][:, :32], b[0][0][:, :32])


def test_training_lengths_span_the_asked_range_on_the_log_grid():
    assert any_length.training_lengths() == any_length.TRAINING_LENGTHS
    assert any_length.training_lengths(200, 300) == (200, 256, 300)
    assert any_length.training_lengths(64, 64) == (64,)


def test_a_fit_validates_on_every_length_alike_and_returns_them_by_length():
    from sinefreq.settings import EstimatorModel

    settings = EstimatorModel(
        architecture="coarse_to_fine_any", regime="estimator", lengths=[32, 64], epochs=1,
        batches_per_epoch=2, batch_size=8, val_size=20,
    )  # fmt: skip
    model = any_length.coarse_to_fine_any(None, hidden_units=4, hidden_layers=1)
    # under the tests' backend, TensorFlow, which must see that the length varies
    history, validation = any_length.fit(model, settings, verbose=0)
    assert len(history["loss"]) == 1 and "val_loss" in history
    # 20 series asked for: a batch of 8 at each length it trains on
    assert sorted(validation) == ["n32", "n45", "n64"]
    for n in (32, 45, 64):
        group = validation[f"n{n}"]
        assert group["x"].shape == (8, n)
        assert (group["y"] >= 0.5).all() and (group["y"] <= (n - 1) / 2 - 0.5).all()
    served = any_length.contract(settings.generator, settings.lengths)
    assert served.lengths == (32, 64) and served.scale_free and served.dc_offset


@pytest.mark.slow  # trains in a fresh process
def test_the_benchmark_trains_measures_and_saves(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_any_length.py"), "--quick",
         "--threads", "1", "--out", str(tmp_path)],
        env={**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    # 2 lengths x 3 estimators at one SNR (all / edges / interior), then 2 lengths' speeds
    accuracy = [r for r in rows if r.count(" / ") == 2]
    assert len(accuracy) == 6 and {r.split(" | ")[1] for r in accuracy} == {
        "coarse_to_fine_any", "coarse_to_fine_any + 4 GN steps", "nls"
    }  # fmt: skip
    speeds = [r for r in rows if r.startswith(("| 32 | ", "| 100 | ")) and " / " not in r]
    assert len(speeds) == 2
    assert contract.read(tmp_path / "model.keras") == any_length.contract()
    assert (tmp_path / "history.csv").read_text().startswith("epoch,")


def test_the_interpolated_offset_alone_finds_a_mid_band_tone():
    """With the learned terms zeroed, the estimate is the peak bin plus the exact two-sample
    interpolator's offset: off only by the real tone's image (tiny mid-band, long series)."""
    import keras

    net = any_length.coarse_to_fine_any(None, hidden_units=8, hidden_layers=1, interpolate=True)
    for layer in net.layers:
        if isinstance(layer, keras.layers.Dense):
            layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    for n in (100, 1024):
        f = n / 4 + np.array([0.0, 0.13, 0.21, 0.37])  # offsets across a padded bin
        x = signals.sine_series(f, n, phase=np.array([0.3, 1.1, 2.0, 0.7]))
        found = net.predict(x.astype("float32"), verbose=0).ravel()
        # the image, 2f cycles away, leaks about 1 / (pi 2f) of the tone into the two samples
        np.testing.assert_allclose(found, f, atol=1 / (np.pi * f[0]))


@pytest.mark.parametrize("n", [64, 100, 1024])
def test_the_hybrid_through_the_cli_is_on_the_offset_bound_over_the_whole_band(tmp_path, capsys, n):
    """Held-back series over the whole band, edges included, at 10, 20 and 30 dB: the
    any-length hybrid through ``sinefreq estimate`` is within 1 dB of the exact bound with
    the offset unknown, and gives least squares' answers. Its coarse part here is the
    periodogram's peak alone (the head's output layers zeroed), a quarter cycle from the
    tone at worst: the steps, which fit the offset, do the rest."""
    import keras

    model = any_length.coarse_to_fine_any(None, hidden_units=8, hidden_layers=1, steps=4)
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense) and layer.units == 1:
            layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    model.save(tmp_path / "hybrid.keras")
    contract.write(tmp_path / "hybrid.keras", any_length.contract())
    rng = np.random.default_rng(n)
    spec = {"frequency": any_length.band(n), "amplitude": [0.5, 2.0]}
    for snr_db in (10.0, 20.0, 30.0):
        test = generator.draw(n, {**spec, "snr_db": snr_db}, 1000, rng)
        np.save(tmp_path / "s.npy", test["x"])
        answers = {}
        for how in (["--model", str(tmp_path / "hybrid.keras")], ["--method", "nls"]):
            code = cli.main(["estimate", str(tmp_path / "s.npy"), *how])
            out, err = capsys.readouterr()
            assert code == 0, err
            answers[how[0]] = np.array([float(line.split(",")[1]) for line in out.splitlines()[1:]])
        bound = crlb.crlb_exact(test["y"], n, snr_db, phase=test["phase"], offset=True)
        rmse = np.sqrt(np.mean((answers["--model"] - test["y"]) ** 2))
        assert crlb.db_above_bound(rmse, np.sqrt(bound.mean())) < 1.0, (n, snr_db)
        np.testing.assert_allclose(answers["--model"], answers["--method"], atol=2e-3)

"""The estimator-regime library: custom layers, architectures, generator, bound loss."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from sinefreq import classical, estimators, generator, io, losses, regime  # noqa: E402
from sinefreq.settings import EstimatorModel  # noqa: E402
from sinefreq.signals import sine_series  # noqa: E402

N = 64
SPEC = {"frequency": [2.0, 30.0], "snr_db": [0.0, 20.0]}
# Parameter counts at N = 64 with default hyper-parameters: a change here is a change of
# architecture, which should be deliberate.
PARAMS = {"conv_resnet": 60033, "spectral_cnn": 134769, "coarse_to_fine": 35604, "hybrid_gn": 35604}


@pytest.fixture(scope="module")
def batch():
    return generator.draw(N, SPEC, 64, np.random.default_rng(0))


@pytest.mark.parametrize("name", sorted(estimators.ARCHITECTURES))
def test_architecture_shape_params_and_safe_round_trip(name, batch, tmp_path):
    model = estimators.ARCHITECTURES[name](N)
    assert model.count_params() == PARAMS[name]
    before = model.predict(batch["x"], verbose=0)
    assert before.shape == (64, 1)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(loaded.predict(batch["x"], verbose=0), before, rtol=1e-6)


@pytest.mark.slow  # trains every estimator network
@pytest.mark.parametrize("name", sorted(estimators.ARCHITECTURES))
def test_a_short_fit_lowers_the_loss(name):
    keras.utils.set_random_seed(0)
    model = estimators.ARCHITECTURES[name](N)
    settings = EstimatorModel(
        architecture=name,
        regime="estimator",
        generator=SPEC,
        epochs=3,
        batches_per_epoch=10,
        batch_size=64,
        val_size=256,
    )
    _, history = regime.fit(model, N, settings, verbose=0)
    assert history["loss"][-1] < history["loss"][0]


def test_training_past_its_time_guard_fails_instead_of_stopping_early():
    """A run cut by the clock would have as many epochs as the machine's load allowed."""
    model = estimators.coarse_to_fine(N, hidden_units=4, hidden_layers=1)
    settings = EstimatorModel(
        architecture="coarse_to_fine", regime="estimator", generator=SPEC, epochs=3,
        batches_per_epoch=2, batch_size=8, val_size=16, max_minutes=1e-9,
    )  # fmt: skip
    with pytest.raises(
        regime.TimeLimitExceeded, match=r"max_minutes guard \(1e-09\) after epoch 1 "
    ):
        regime.fit(model, N, settings, verbose=0)


def test_gauss_newton_converges_from_half_a_bin_to_the_true_frequency():
    rng = np.random.default_rng(1)
    f = rng.uniform(1.0, 31.0, 500)
    x = sine_series(f, N, amplitude=rng.uniform(0.5, 2.0, 500), phase=rng.uniform(0, 6.3, 500))
    start = f + rng.uniform(-0.5, 0.5, 500)  # one DFT bin is (N - 1)/N cycles
    layer = estimators.GaussNewtonRefine(steps=4)
    refined = keras.ops.convert_to_numpy(layer([x, start[:, None]]))[:, 0]
    np.testing.assert_allclose(refined, f, atol=2e-5)  # float32 resolution of f itself
    np.testing.assert_allclose(refined, classical.nls(x, offset=False), atol=2e-5)


def test_gauss_newton_matches_nls_in_noise_and_passes_through_in_training():
    rng = np.random.default_rng(2)
    noisy = generator.draw(N, {**SPEC, "snr_db": 10.0}, 300, rng)
    start = classical.fft_interp(noisy["x"])[:, None]
    layer = estimators.GaussNewtonRefine(steps=4)
    refined = keras.ops.convert_to_numpy(layer([noisy["x"], start]))[:, 0]
    np.testing.assert_allclose(refined, classical.nls(noisy["x"], offset=False), atol=1e-4)
    passed = keras.ops.convert_to_numpy(layer([noisy["x"], start], training=True))
    np.testing.assert_array_equal(passed, start.astype("float32"))


def test_gauss_newton_with_an_offset_is_four_parameter_least_squares_at_the_low_edge():
    """A tone of a few cycles has a mean of its own: the steps that fit an offset find what
    nls with the offset finds, on a series with an offset or none, down to half a cycle."""
    rng = np.random.default_rng(3)
    f = rng.uniform(0.5, 3.0, 400)
    clean = sine_series(f, N, phase=rng.uniform(0, 6.3, 400))
    noisy = clean + rng.normal(0.0, 0.1, clean.shape) + rng.uniform(-1.0, 1.0, (400, 1))
    layer = estimators.GaussNewtonRefine(steps=6, float64=True, offset=True)
    for x in (clean, noisy):
        start = classical.nls(x, offset=True) + rng.uniform(-0.2, 0.2, 400)
        refined = keras.ops.convert_to_numpy(layer([x, start[:, None]]))[:, 0]
        gap = np.abs(refined - classical.nls(x, offset=True))
        # Where the noisy cost is flat (a tone below half a cycle) six steps come within 1e-4.
        assert np.quantile(gap, 0.99) < 1e-6 and gap.max() < 1e-4
    # Without the offset the steps fit a pure tone to the series: off at the low edge.
    plain = estimators.GaussNewtonRefine(steps=6, float64=True)
    start = classical.nls(noisy, offset=True)[:, None]
    biased = keras.ops.convert_to_numpy(plain([noisy, start]))[:, 0]
    assert np.sqrt(np.mean((biased - f) ** 2)) > 5 * np.sqrt(np.mean((refined - f) ** 2))


def test_gauss_newton_leaves_a_start_on_the_band_edge():
    """At exactly 0 or Nyquist a column of the model vanishes, and with it the step: a
    coarse estimate on the edge bin starts a quarter bin inside instead."""
    nyquist = (N - 1) / 2
    f = np.array([0.6, 1.0, nyquist - 1.0, nyquist - 0.6])
    x = sine_series(f, N, phase=np.array([0.3, 1.1, 2.0, 0.7]))
    start = np.array([[0.0], [0.0], [nyquist], [nyquist]])
    for offset in (False, True):
        layer = estimators.GaussNewtonRefine(steps=8, float64=True, offset=offset)
        refined = keras.ops.convert_to_numpy(layer([x, start]))[:, 0]
        np.testing.assert_allclose(refined, f, atol=1e-5)


@pytest.mark.parametrize("refine_in_training", [False, True])
def test_a_hybrid_is_fitted_as_its_coarse_network_sharing_its_weights(refine_in_training):
    hybrid = estimators.hybrid_gn(32, steps=2, hidden_units=4, hidden_layers=1,
                                  refine_in_training=refine_in_training)  # fmt: skip
    fitted = estimators.coarse_network(hybrid)
    if refine_in_training:  # the loss sees the steps: fit the whole model
        assert fitted is hybrid
        return
    assert fitted.output is hybrid.get_layer("gauss_newton").input[1]
    assert {id(v) for v in fitted.weights} == {id(v) for v in hybrid.weights}
    plain = estimators.coarse_to_fine(32, hidden_units=4, hidden_layers=1)
    assert estimators.coarse_network(plain) is plain


def test_spectral_transform_is_the_padded_dft():
    x = np.random.default_rng(3).standard_normal((4, N)).astype("float32")
    spec = keras.ops.convert_to_numpy(estimators.SpectralTransform(pad=2, margin=0)(x))
    # Centred time only multiplies bin k by exp(i w_k (N - 1)/2).
    w = estimators.dft_grid(N, 2)
    ref = np.fft.rfft(x, n=2 * N, axis=1) * np.exp(1j * w * (N - 1) / 2)
    np.testing.assert_allclose(spec[..., 0] + 1j * spec[..., 1], ref, atol=1e-4)


def test_peak_window_finds_the_peak_bin():
    # Away from 0 and Nyquist: within about a bin of them the tone's negative-frequency
    # image can move the periodogram's peak (at f = 30.9 here it sits on Nyquist).
    f = np.array([3.0, 17.4, 29.2])
    x = sine_series(f, N)
    spec = estimators.SpectralTransform(pad=4, margin=3)(x)
    features, peak = estimators.PeakWindow(half_width=3, margin=3)(spec)
    peak_f = keras.ops.convert_to_numpy(peak)[:, 0] * estimators.cycles_per_bin(N, 4)
    assert np.all(np.abs(peak_f - f) <= 0.5 * estimators.cycles_per_bin(N, 4) + 1e-6)
    centre = keras.ops.convert_to_numpy(features)[:, 3]  # window divided by its peak bin
    np.testing.assert_allclose(centre, 1.0, rtol=1e-6)


def test_local_spectrum_is_the_centred_dtft_around_the_estimate():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, N)).astype("float32")
    f = np.array([[0.3], [12.34], [31.2]], dtype="float32")
    features = keras.ops.convert_to_numpy(estimators.LocalSpectrum(2, 0.25)([x, f]))
    m = np.arange(N) - (N - 1) / 2
    omega = 2 * np.pi * (f / (N - 1) + np.arange(-2, 3)[None, :] * 0.25 / N)
    dtft = np.exp(-1j * omega[:, :, None] * m) @ x[:, :, None]
    ratio = dtft[:, :, 0] / dtft[:, 2:3, 0]
    np.testing.assert_allclose(features[:, :5] + 1j * features[:, 5:10], ratio, atol=2e-4)
    phasor = dtft[:, 2, 0] / np.abs(dtft[:, 2, 0])
    np.testing.assert_allclose(features[:, 10] + 1j * features[:, 11], phasor, atol=1e-5)
    np.testing.assert_allclose(features[:, 13], f[:, 0] / ((N - 1) / 2), rtol=1e-6)


def _gradient(fn, value):
    """d sum(fn(value)) / d value with the backend's own autodiff."""
    if keras.backend.backend() == "jax":
        import jax

        return np.asarray(jax.grad(lambda v: keras.ops.sum(fn(v)))(value))
    import tensorflow as tf

    value = tf.convert_to_tensor(value)
    with tf.GradientTape() as tape:
        tape.watch(value)
        total = tf.reduce_sum(fn(value))
    return tape.gradient(total, value, unconnected_gradients="zero").numpy()


def test_a_second_stage_is_a_second_head_whose_features_do_not_steer_the_first():
    one = estimators.coarse_to_fine(N, hidden_units=8, hidden_layers=1)
    two = estimators.coarse_to_fine(N, hidden_units=8, hidden_layers=1, stages=2)
    # the same number of features in: the window, phasor, share and position
    assert two.count_params() == 2 * one.count_params()
    local = two.get_layer("local_spectrum_2")
    x = keras.ops.convert_to_tensor(sine_series(np.array([5.3, 20.1]), N).astype("float32"))
    f = np.array([[5.0], [20.0]], dtype="float32")
    grad = _gradient(lambda g: local([x, g]), f)
    np.testing.assert_array_equal(grad, 0.0)  # a stage corrects the last, it does not steer it


def test_generator_is_reproducible_from_the_seed_and_keeps_snr_in_spec():
    def epochs(seed):
        ds = generator.SeriesDataset(N, SPEC, batch_size=32, batches=3, seed=seed, bound=True)
        first = [ds[i] for i in range(3)]
        ds.on_epoch_end()
        return first, [ds[i] for i in range(3)]

    (a0, a1), (b0, _) = epochs(7), epochs(7)
    for (xa, ya), (xb, yb) in zip(a0, b0, strict=True):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(a0[0][0], a1[0][0])  # a fresh draw every epoch
    assert not np.array_equal(a0[0][0], epochs(8)[0][0][0])
    ds = generator.SeriesDataset(N, SPEC, batch_size=500, seed=7)
    b = ds.batch(0)
    assert b["snr_db"].min() >= 0.0 and b["snr_db"].max() <= 20.0
    assert b["x"].shape == (500, N) and ds[0][1].shape == (500, 1)
    # The noise power matches the drawn per-series SNR.
    clean = sine_series(b["y"], N, amplitude=b["amplitude"], phase=b["phase"])
    snr = b["amplitude"] ** 2 / (2.0 * np.mean((b["x"] - clean) ** 2, axis=1))
    assert abs(np.median(10 * np.log10(snr) - b["snr_db"])) < 0.3
    with pytest.raises(ValueError, match="unknown key"):
        generator.check_spec({"snr": 3}, N)


def test_bound_weighted_loss_is_mse_with_one_shared_bound():
    rng = np.random.default_rng(4)
    y, pred = rng.uniform(1, 30, (32, 1)), rng.uniform(1, 30, (32, 1)).astype("float32")
    mse = np.mean((y - pred) ** 2)
    packed = np.concatenate([y, np.full_like(y, 0.37)], axis=1)
    loss = losses.BoundWeightedMSE()
    assert float(loss(packed, pred)) == pytest.approx(mse, rel=1e-5)
    # Different bounds: the weighted mean sum(e^2 / v) / sum(1 / v).
    var = rng.uniform(1e-4, 1e-1, (32, 1))
    e2 = (y - pred) ** 2
    expected = np.sum(e2 / var) / np.sum(1 / var)
    packed = np.concatenate([y, var], axis=1)
    assert float(loss(packed, pred)) == pytest.approx(expected, rel=1e-5)
    restored = keras.losses.deserialize(keras.losses.serialize(losses.BoundWeightedMSE(clip=9.0)))
    assert restored.clip == 9.0


def test_the_registry_holds_the_estimators_with_checked_hyperparameters():
    from sinefreq import models

    assert set(estimators.ARCHITECTURES) <= set(models.ARCHITECTURES)
    assert models.builder_bodies()["sinefreq.estimators"] == sorted(
        estimators.ARCHITECTURES, key=list(estimators.ARCHITECTURES).index
    )
    assert models.hyperparameter_problems("hybrid_gn", {"steps": 0, "hedge": "yes"}) == [
        "hyperparameters.steps: 0 is not allowed; architecture 'hybrid_gn' takes an integer >= 1 "
        "and <= 100",
        "hyperparameters.hedge: 'yes' is not allowed; architecture 'hybrid_gn' takes true or false",
    ]


def test_importing_the_generator_or_registry_loads_no_backend():
    """The workflow checks generator specs and lists builders while planning."""
    import subprocess
    import sys

    code = (
        "import sys; from sinefreq import config, generator, models; "
        "print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_validation_set_is_written_for_any_h5py_reader(tmp_path):
    import h5py

    val = generator.validation_set(N, SPEC, 16, seed=3)
    io.write_arrays(tmp_path / "v.h5", val, {"seed": 3, "settings": {"a": 1}})
    with h5py.File(tmp_path / "v.h5") as h5:
        np.testing.assert_array_equal(h5["x"][()], val["x"])
        np.testing.assert_array_equal(h5["crlb_var"][()], val["crlb_var"])
        assert h5.attrs["seed"] == 3 and h5.attrs["settings"] == '{"a": 1}'
    assert not list(tmp_path.glob(".*"))  # written atomically, nothing left behind

"""Noise models behind one interface: draws, covariance, the bound, least squares, config."""

import copy
import dataclasses
from typing import ClassVar

import numpy as np
import pytest
from snakemake.utils import validate

from sinefreq import classical, crlb, datasets, generator, noise, signals
from sinefreq import config as study

from .test_config import TEST_CONFIG, edit, set_at, validated


def legacy_series_for(frequencies, spec, rng):
    """``datasets.series_for`` as it was before noise models (white noise drawn inline):
    the reference that keeps every existing dataset's draws identical."""
    size = len(frequencies)
    time_offset = datasets._draw(spec.get("time_offset", 0.0), size, rng)
    phase = datasets._draw(spec.get("phase", 0.0), size, rng)
    amplitude = datasets._draw(spec.get("amplitude", 1.0), size, rng)
    x = signals.sine_series(
        frequencies, spec["n_samples"], amplitude=amplitude, time_offset=time_offset, phase=phase
    )
    if spec.get("snr_db") is not None:
        sigma = signals.noise_sigma(amplitude, spec["snr_db"])
        x = x + sigma[:, None] * rng.standard_normal(x.shape)
    return x


def test_white_datasets_draw_exactly_as_before_noise_models(schema_path):
    cfg = validated(TEST_CONFIG, schema_path)  # the schema fills noise: {model: white}
    for name, spec in cfg["datasets"].items():
        assert spec["noise"] == {"model": "white"}
        train_rng, test_rng = (
            np.random.default_rng(s) for s in np.random.SeedSequence(spec["seed"]).spawn(2)
        )
        splits = datasets.make_dataset(spec)
        if "partition" in spec:
            pool = spec["partition"]
            f = train_rng.permutation(signals.frequency_list(pool["frequencies"], train_rng))
            cut = len(f) - pool["test_size"]
            frequencies = {"train": f[:cut], "test": f[cut:]}
        else:
            typed = datasets.of(spec)
            frequencies = {
                split: datasets.split_frequencies(getattr(typed, split) or typed.train, rng)
                for split, rng in (("train", train_rng), ("test", test_rng))
            }
        expected = {
            split: legacy_series_for(frequencies[split], spec, rng)
            for split, rng in (("train", train_rng), ("test", test_rng))
        }
        for split in ("train", "test"):
            np.testing.assert_array_equal(splits[split]["x"], expected[split], err_msg=name)


def test_generator_white_draw_is_the_stream_it_was():
    n, spec = 32, {"frequency": [1, 14], "snr_db": [0, 20]}
    batch = generator.draw(n, spec, 64, np.random.default_rng(3))
    rng = np.random.default_rng(3)
    f, amplitude, phase, snr_db = (
        rng.uniform(*generator.check_spec(spec, n)[k], 64) for k in generator.SPEC_KEYS
    )
    clean = signals.sine_series(f, n, amplitude=amplitude, phase=phase)
    legacy = clean + signals.noise_sigma(amplitude, snr_db)[:, None] * rng.standard_normal(
        clean.shape
    )
    np.testing.assert_array_equal(batch["x"], legacy.astype("float32"))
    np.testing.assert_array_equal(batch["crlb_var"], crlb.crlb_exact(f, n, snr_db, phase=phase))


@dataclasses.dataclass(frozen=True)
class IdentityByCholesky(noise.NoiseModel):
    """White noise seen only through the interface's defaults (whitening by the Cholesky
    factor of ``covariance``, least squares by its numerical path)."""

    name: ClassVar[str] = "identity_by_cholesky"

    def draw(self, rng, shape, sigma):
        return noise.White().draw(rng, shape, sigma)

    def covariance(self, n_samples):
        return np.eye(n_samples)


def test_the_interface_defaults_reproduce_white_noise():
    rng = np.random.default_rng(0)
    n, f, phase = 64, rng.uniform(1, 30, 40), rng.uniform(0, 2 * np.pi, 40)
    for offset in (False, True):
        white = crlb.crlb_exact(f, n, 10.0, phase=phase, offset=offset)
        generic = crlb.crlb_exact(
            f, n, 10.0, phase=phase, offset=offset, noise=IdentityByCholesky()
        )
        np.testing.assert_allclose(generic, white, rtol=1e-12)
    x = signals.sine_series(f, n, phase=phase) + 0.1 * rng.standard_normal((40, n))
    for offset in (False, True):
        fast = classical.nls(x, offset=offset)
        numerical = classical.nls(x, offset=offset, noise=IdentityByCholesky())
        np.testing.assert_allclose(numerical, fast, atol=1e-9)


def test_white_bound_and_nls_are_unchanged_by_an_explicit_white_entry():
    rng = np.random.default_rng(1)
    f, phase = rng.uniform(1, 40, 30), rng.uniform(0, 6, 30)
    white = {"model": "white"}
    np.testing.assert_array_equal(
        crlb.crlb_exact(f, 100, 0.0, phase=phase, noise=white), crlb.crlb_exact(f, 100, 0.0, phase)
    )
    x = signals.sine_series(f, 100, phase=phase) + rng.standard_normal((30, 100))
    np.testing.assert_array_equal(classical.nls(x, noise=white), classical.nls(x))


def test_white_draw_has_the_marginal_variance_and_covariance_is_identity():
    model = noise.from_spec({"model": "white"})
    sigma = np.array([0.5, 2.0])
    draws = model.draw(np.random.default_rng(2), (2, 200_000), sigma)
    np.testing.assert_allclose(draws.std(axis=1), sigma, rtol=0.01)
    np.testing.assert_array_equal(model.covariance(5), np.eye(5))
    assert noise.from_spec(None) == model and model.spec() == {"model": "white"}


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"model": "pink"}, r"model 'pink' is not a noise model; known: .*white"),
        ({"rho": 0.5}, r"model None is not a noise model"),
        ({"model": "white", "rho": 0.5}, r"model white takes no parameters \(unknown rho\)"),
        ("white", r"a noise entry is a mapping such as \{model: white\}"),
    ],
)
def test_bad_noise_entries_are_refused_naming_what_is_allowed(entry, message):
    with pytest.raises(ValueError, match=message):
        noise.from_spec(entry)


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"model": "pink"}, r"'pink' is not one of \['white'"),
        ({"model": "white", "sigma": 1}, r"'sigma' was unexpected"),
        ({}, r"'model' is a required property"),
    ],
)
def test_schema_refuses_bad_noise_entries(entry, message, schema_path):
    for cfg in (
        edit("datasets.tiny_bench.noise", entry),
        edit("models.tiny_estimator.generator.noise", entry),
    ):
        with pytest.raises(Exception, match=message):
            validate(cfg, str(schema_path))


def checked(schema_path, path, value):
    """``config.check`` of the test config, schema defaults filled, with ``path`` set after
    the schema (as a value the schema lets through reaches the check)."""
    cfg = copy.deepcopy(TEST_CONFIG)
    validate(cfg, str(schema_path))
    set_at(cfg, path, value)
    study.check(cfg)


@pytest.mark.parametrize(
    "path, value, message",
    [
        (
            "datasets.tiny_bench.noise",
            {"model": "white", "rho": 0.5},
            r"datasets.tiny_bench.noise: model white takes no parameters \(unknown rho\)",
        ),
        (
            "models.tiny_estimator.generator.noise",
            {"model": "pink"},
            r"models.tiny_estimator.generator: generator spec noise: model 'pink' is not",
        ),
        (
            "classical",
            {"nls": {"noise": {"model": "pink"}}},
            r"classical.nls.noise: \{'model': 'pink'\} is not allowed; estimator 'nls' takes "
            r"anything \(a noise entry such as \{model: white\}; models: ar1, white\)",
        ),
    ],
)
def test_config_check_names_the_noise_key(schema_path, path, value, message):
    with pytest.raises(study.ConfigError, match=message):
        checked(schema_path, path, value)


def test_nls_is_given_the_datas_noise_and_nls_white_is_not():
    ar = {"model": "some_model"}
    assert classical.data_options("nls", {"offset": False}, ar) == {"offset": False, "noise": ar}
    assert classical.data_options("nls", {"noise": None}, ar) == {"noise": None}
    assert classical.data_options("nls_white", {}, ar) == {}
    assert classical.data_options("fft_interp", {}, ar) == {}


# AR(1) noise.


@pytest.mark.parametrize("rho", [0.5, 0.9, -0.6])
def test_ar1_draw_has_the_covariance_it_declares(rho):
    model = noise.from_spec({"model": "ar1", "rho": rho})
    n, sigma = 12, np.array([2.0] * 40_000)
    draws = model.draw(np.random.default_rng(5), (sigma.size, n), sigma)
    empirical = np.cov(draws, rowvar=False) / 4.0
    # 40,000 draws: the standard error of each entry is about 0.005-0.01.
    np.testing.assert_allclose(empirical, model.covariance(n), atol=0.03)


def test_ar1_whitening_filter_is_the_cholesky_inverse_and_whitens():
    model = noise.AR1(0.9)
    x = np.random.default_rng(6).standard_normal((3, 20))
    np.testing.assert_allclose(model.whiten(x), noise.NoiseModel.whiten(model, x), atol=1e-12)
    w = model.whiten(model.draw(np.random.default_rng(7), (20_000, 10), 1.0))
    np.testing.assert_allclose(np.cov(w, rowvar=False), np.eye(10), atol=0.05)


def test_ar1_bound_at_rho_zero_is_the_white_bound_and_grows_at_low_frequency():
    rng = np.random.default_rng(8)
    f, phase = rng.uniform(1, 49, 50), rng.uniform(0, 2 * np.pi, 50)
    white = crlb.crlb_exact(f, 100, 5.0, phase=phase)
    zero = crlb.crlb_exact(f, 100, 5.0, phase=phase, noise={"model": "ar1", "rho": 0.0})
    np.testing.assert_allclose(zero, white, rtol=1e-12)
    # rho > 0 puts the noise power at low frequencies: the bound there is larger, at high
    # frequencies smaller, by about the noise spectrum's ratio to white.
    ar = {"model": "ar1", "rho": 0.9}
    low, high = (
        crlb.crlb_exact(f0, 100, 5.0, noise=ar) / crlb.crlb_exact(f0, 100, 5.0)
        for f0 in (5.0, 45.0)
    )
    spectrum = lambda f0: (1 - 0.81) / abs(1 - 0.9 * np.exp(-2j * np.pi * f0 / 99)) ** 2  # noqa: E731
    assert low == pytest.approx(spectrum(5.0), rel=0.1)
    assert high == pytest.approx(spectrum(45.0), rel=0.1)


def test_ar1_bound_matches_an_independent_fisher_inverse():
    n, f, phase, rho = 40, 7.3, 0.4, 0.7
    model = noise.AR1(rho)
    t = signals.time_axis(n)
    jac = np.stack([t * np.cos(f * t + phase), np.sin(f * t + phase), np.cos(f * t + phase)], 1)
    fisher = jac.T @ np.linalg.inv(model.covariance(n)) @ jac / 0.5  # A = 1, sigma^2 = 1/2
    expected = np.linalg.inv(fisher)[0, 0]
    got = crlb.crlb_exact(f, n, 0.0, phase=phase, noise=model)
    assert got == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("rho", [0.5, 0.9])
def test_prewhitened_nls_is_unbiased_and_near_the_bound_at_high_snr(rho):
    n, snr_db, size = 100, 20.0, 2000
    model = noise.AR1(rho)
    rng = np.random.default_rng(9)
    f, phase = rng.uniform(3, 46, size), rng.uniform(0, 2 * np.pi, size)
    x = signals.sine_series(f, n, phase=phase)
    x = x + model.draw(rng, x.shape, signals.noise_sigma(1.0, snr_db))
    var = crlb.crlb_exact(f, n, snr_db, phase=phase, noise=model)
    err = classical.nls(x, offset=False, noise=model) - f
    assert abs(err.mean()) < 3 * err.std() / np.sqrt(size)
    # Squared errors in units of each series' bound: mean 1 on the bound (an RMSE pooled
    # over frequencies is dominated by the few with the largest bounds, so noisier).
    efficiency = np.mean(err**2 / var)
    assert efficiency == pytest.approx(1.0, abs=0.15)
    # Least squares assuming white noise pays for it, the more so the more coloured.
    white = np.mean((classical.nls_white(x, offset=False) - f) ** 2 / var)
    assert white > {0.5: 1.0, 0.9: 1.2}[rho] * efficiency


def test_generator_draws_coloured_series_and_their_bound():
    n, spec = 64, {"frequency": [1, 30], "snr_db": [10, 10], "noise": {"model": "ar1", "rho": 0.9}}
    batch = generator.draw(n, spec, 4000, np.random.default_rng(10))
    clean = signals.sine_series(batch["y"], n, amplitude=batch["amplitude"], phase=batch["phase"])
    e = (batch["x"] - clean) / signals.noise_sigma(batch["amplitude"], 10.0)[:, None]
    lag1 = np.mean(e[:, 1:] * e[:, :-1]) / np.mean(e**2)
    assert lag1 == pytest.approx(0.9, abs=0.02)
    np.testing.assert_allclose(
        batch["crlb_var"],
        crlb.crlb_exact(batch["y"], n, 10.0, phase=batch["phase"], noise=spec["noise"]),
    )


def test_coloured_dataset_is_drawn_and_bounded_under_its_noise(schema_path):
    cfg = validated(edit("datasets.tiny_bench.noise", {"model": "ar1", "rho": 0.5}), schema_path)
    spec = cfg["datasets"]["tiny_bench_snr20dB"]
    white = dict(spec, noise={"model": "white"})
    coloured, plain = datasets.make_dataset(spec)["test"], datasets.make_dataset(white)["test"]
    np.testing.assert_array_equal(coloured["y"], plain["y"])  # the same signals
    assert not np.array_equal(coloured["x"], plain["x"])
    bound = crlb.split_bound(coloured, 32, 20.0, spec["noise"])
    assert bound["asymptotic_rmse"] is None
    assert bound["crlb_rmse"] != crlb.split_bound(plain, 32, 20.0)["crlb_rmse"]


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"model": "ar1"}, r"model ar1 takes rho \(missing rho\)"),
        ({"model": "ar1", "rho": 1.0}, r"rho must lie in \(-1, 1\) for stationary noise, got 1.0"),
        ({"model": "ar1", "rho": "0.5"}, r"rho must be a number, got '0.5'"),
    ],
)
def test_bad_ar1_entries_are_refused(entry, message):
    with pytest.raises(ValueError, match=message):
        noise.from_spec(entry)


def test_schema_takes_ar1_and_refuses_a_pole_outside_the_unit_interval(schema_path):
    validate(edit("datasets.tiny_bench.noise", {"model": "ar1", "rho": 0.9}), str(schema_path))
    with pytest.raises(Exception, match=r"1 is greater than or equal to the maximum of 1"):
        validate(edit("datasets.tiny_bench.noise", {"model": "ar1", "rho": 1}), str(schema_path))


@pytest.mark.parametrize(
    "path, value, message",
    [
        (
            "datasets.tiny_bench.noise",
            {"model": "ar1"},
            r"datasets.tiny_bench.noise: model ar1 takes rho \(missing rho\)",
        ),
        (
            "datasets.tiny_a0_f5.noise",
            {"model": "ar1", "rho": 0.5},
            r"datasets.tiny_a0_f5.noise: ar1 noise on a clean dataset \(snr_db null\) has no effect",
        ),
        (
            "models.tiny_estimator.generator.noise",
            {"model": "ar1", "rho": -1.5},
            r"models.tiny_estimator.generator: generator spec noise: rho must lie in \(-1, 1\)",
        ),
    ],
)
def test_config_check_refuses_bad_ar1_entries(schema_path, path, value, message):
    with pytest.raises(study.ConfigError, match=message):
        checked(schema_path, path, value)


def concentrated_likelihood(x: np.ndarray, frequencies: np.ndarray, model) -> np.ndarray:
    """``b' (S' C^-1 S)^-1 b`` with ``b = S' C^-1 x``, ``S = [cos f t, sin f t]``: the
    likelihood, amplitude and phase profiled out, at each frequency (cycles per window)."""
    t = signals.time_axis(len(x))
    inverse = np.linalg.inv(model.covariance(len(x)))
    out = []
    for f in frequencies:
        s = np.stack([np.cos(f * t), np.sin(f * t)], axis=1)
        b = s.T @ inverse @ x
        out.append(b @ np.linalg.solve(s.T @ inverse @ s, b))
    return np.array(out)


def test_prewhitened_nls_finds_the_likelihoods_global_maximum():
    """The noise benchmark's 0 dB level in AR(1) noise, rho 0.5 (as the study draws it):
    the whitened periodogram's peak once started least squares far from the likelihood's
    maximum (tones at 1.65 and 4.32 cycles came out at 39.4 and 49.5). Every estimate more
    than a cycle off is now the likelihood's own global maximum (its threshold), and those
    two series are found."""
    model = noise.from_spec({"model": "ar1", "rho": 0.5})
    bench = {
        "n_samples": 100, "seed": 30, "amplitude": [0.5, 2.0], "phase": [0, 2 * np.pi],
        "snr_db": 0.0, "noise": {"model": "ar1", "rho": 0.5},
        "train": {"frequencies": {"uniform": [1, 49, 100]}},
        "test": {"frequencies": {"uniform": [1, 49, 5000]}},
    }  # fmt: skip
    test = datasets.make_dataset(bench)["test"]
    found = classical.nls(test["x"], offset=False, noise=model.spec())
    for true in (1.652, 4.323):
        row = int(np.argmin(np.abs(test["y"] - true)))
        assert abs(test["y"][row] - true) < 1e-3 and abs(found[row] - true) < 0.5
    fine = np.arange(0.05, 49.45, 0.005)
    for row in np.flatnonzero(np.abs(found - test["y"]) > 1.0):
        x = test["x"][row].astype(float)
        at_found = concentrated_likelihood(x, found[row : row + 1], model)[0]
        assert at_found >= concentrated_likelihood(x, fine, model).max() * (1 - 1e-6)

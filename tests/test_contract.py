"""A trained model's contract: written into its .keras file, read back by the CLI, which
refuses series outside it and names it."""

import zipfile

import keras
import numpy as np
import pytest

from sinefreq import classical, cli, contract, generator, models, signals

from .conftest import prepared_config

SERVED = contract.Contract(
    lengths=(64, 64), frequency=(1.0, 30.0), snr_db=(0.0, 30.0), amplitude=(0.5, 2.0)
)


def estimate(capsys, *args):
    code = cli.main(["estimate", *map(str, args)])
    return code, *capsys.readouterr()


@pytest.fixture
def model_with_contract(tmp_path):
    path = tmp_path / "m.keras"
    models.build_model("a2_dnn", 64, hidden_units=4).save(path)
    contract.write(path, SERVED)
    return path


def test_the_contract_travels_inside_the_keras_file(model_with_contract):
    assert contract.read(model_with_contract) == SERVED
    assert contract.ENTRY in zipfile.ZipFile(model_with_contract).namelist()
    # Keras loads the file as ever, and a model saved without a contract has none.
    loaded = keras.saving.load_model(model_with_contract, compile=False)
    assert loaded.count_params() > 0
    plain = model_with_contract.with_name("plain.keras")
    loaded.save(plain)
    assert contract.read(plain) is None


def test_series_inside_the_contract_are_estimated(tmp_path, capsys, model_with_contract):
    rng = np.random.default_rng(0)
    batch = generator.draw(64, {"frequency": [1, 30], "snr_db": [0, 30]}, 200, rng)
    np.save(tmp_path / "s.npy", batch["x"])
    code, out, err = estimate(capsys, tmp_path / "s.npy", "--model", model_with_contract)
    assert code == 0, err
    assert len(out.splitlines()) == 201


def test_another_length_is_refused_with_the_contract(tmp_path, capsys, model_with_contract):
    np.save(tmp_path / "s.npy", signals.sine_series(np.array([3.0, 9.5]), 256))
    code, out, err = estimate(capsys, tmp_path / "s.npy", "--model", model_with_contract)
    assert (code, out) == (2, "")
    assert "series have 256 samples; " in err
    assert (
        "serves series of 64 samples, f in [1, 30] cycles per window, amplitude 0.5 to 2, "
        "SNR 0 to 30 dB in white noise, no DC offset"
    ) in err


def test_series_at_another_scale_are_refused_by_row(tmp_path, capsys, model_with_contract):
    x = signals.sine_series(np.array([3.0, 9.5, 12.0, 20.0]), 64, amplitude=[1, 1000, 1, 1e-3])
    np.save(tmp_path / "s.npy", x)
    code, out, err = estimate(capsys, tmp_path / "s.npy", "--model", model_with_contract)
    assert (code, out) == (2, "")
    assert "series (rows) 1, 3 have an RMS outside [0.177, 4]: the model serves" in err


def test_a_broken_contract_is_named(tmp_path, capsys):
    path = tmp_path / "broken.keras"
    models.build_model("a2_dnn", 64, hidden_units=4).save(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(contract.ENTRY, '{"lengths": [64]}')
    np.save(tmp_path / "s.npy", signals.sine_series(np.array([3.0]), 64))
    code, _, err = estimate(capsys, tmp_path / "s.npy", "--model", path)
    assert code == 2 and f"broken.keras: its {contract.ENTRY} is not a contract" in err


@pytest.mark.parametrize("seed", range(3))
def test_no_series_a_contract_admits_is_off_scale(seed):
    """Every series the default generator draws (lowest SNR, smallest amplitude, fewest
    cycles) lies inside the contract's scale, at the shortest length a network takes."""
    n = 32
    served = contract.of_generator(n, {"frequency": [0.5, 15]})
    batch = generator.draw(n, {"frequency": [0.5, 15]}, 20_000, np.random.default_rng(seed))
    assert served.rows_off_scale(batch["x"]).size == 0
    assert served.rows_off_scale(100 * batch["x"]).size == batch["x"].shape[0]


def test_series_on_a_dc_offset_are_refused_by_row_naming_what_fits_one(
    tmp_path, capsys, model_with_contract
):
    rng = np.random.default_rng(1)
    batch = generator.draw(64, {"frequency": [1, 30], "snr_db": 20.0}, 40, rng)
    x = batch["x"].copy()
    x[[3, 17]] += 0.5
    np.save(tmp_path / "s.npy", x)
    code, out, err = estimate(capsys, tmp_path / "s.npy", "--model", model_with_contract)
    assert (code, out) == (2, "")
    assert "series (rows) 3, 17 carry a DC offset: the model serves series of 64 samples" in err
    assert "no DC offset; use --method nls, which fits an offset" in err


@pytest.mark.parametrize("seed", range(3))
def test_no_series_a_contract_admits_carries_an_offset(seed):
    """A tone of half a cycle has a mean of its own, and least squares jumps to a noise peak
    below the threshold: neither is taken for an offset, at any SNR the generator draws."""
    n = 32 + 34 * seed
    spec = {"frequency": [0.5, (n - 1) / 2 - 0.5]}
    batch = generator.draw(n, spec, 5_000, np.random.default_rng(seed))
    assert classical.rows_with_offset(batch["x"]).size == 0
    rng = np.random.default_rng(seed)
    f, phase = rng.uniform(*spec["frequency"], 500), rng.uniform(0, 2 * np.pi, 500)
    assert classical.rows_with_offset(signals.sine_series(f, n, phase=phase)).size == 0
    # An offset of a fifth of the amplitude is found in most series from 10 dB (not in a
    # tone of a cycle or less, whose own mean can take it up, at N = 32).
    loud = generator.draw(n, {**spec, "snr_db": [10, 30]}, 500, np.random.default_rng(seed))
    offset = 0.2 * loud["amplitude"][:, None]
    assert classical.rows_with_offset(loud["x"] + offset).size > 0.85 * 500


def test_the_contracts_of_the_studys_regimes():
    cfg = prepared_config("config.yaml")
    assert contract.of_generator(100, {}) == contract.Contract(
        lengths=(100, 100), frequency=(1.0, 49.0), snr_db=(-10.0, 30.0), amplitude=(0.5, 2.0)
    )
    coloured = contract.of_generator(100, {"noise": {"model": "ar1", "rho": 0.5}})
    assert coloured.noise == "ar1"
    spec = cfg["datasets"]["a0_maxf30"]
    served = contract.of_dataset(spec, np.array([1.0, 29.0, 5.0]))
    assert served == contract.Contract(
        lengths=(100, 100), frequency=(1.0, 29.0), snr_db=None, amplitude=(1.0, 1.0)
    )
    assert "clean series" in served.describe()

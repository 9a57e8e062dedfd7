"""A saved model's custom layers take their settings from the file: a crafted value is
refused when the layer is built, quickly, naming the layer, the setting and the range."""

import json
import time
import zipfile

import pytest

keras = pytest.importorskip("keras")

from sinefreq import estimators, models  # noqa: E402

N = 16


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A small two-stage hybrid_gn model (every custom layer), saved once."""
    path = tmp_path_factory.mktemp("saved") / "hybrid.keras"
    estimators.hybrid_gn(N, steps=2, hidden_units=4, hidden_layers=1, stages=2).save(path)
    return path


def crafted(saved, tmp_path, layer_class, setting, value, shape=None):
    """A copy of ``saved`` with ``setting`` of every ``layer_class`` layer set to ``value``
    (and, with ``shape``, the input's series length) in its config.json."""
    with zipfile.ZipFile(saved) as src:
        files = {name: src.read(name) for name in src.namelist()}
    config = json.loads(files["config.json"])
    found = 0
    for layer in config["config"]["layers"]:
        if layer["class_name"] == layer_class:
            layer["config"][setting] = value
            found += 1
            if shape:
                layer["build_config"]["input_shape"] = [None, shape]
        if shape and layer["class_name"] == "InputLayer":
            layer["config"]["batch_shape"] = [None, shape]
    assert found, f"no {layer_class} in the saved model"
    files["config.json"] = json.dumps(config).encode()
    path = tmp_path / "crafted.keras"
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in files.items():
            dst.writestr(name, data)
    return path


def test_the_saved_model_loads_unchanged(saved):
    models.register_custom_objects()
    keras.saving.load_model(saved, safe_mode=True, compile=False)


@pytest.mark.parametrize(
    ("layer", "setting", "value", "message"),
    [
        ("SpectralTransform", "pad", 10**7, r"SpectralTransform: pad 10000000 is not allowed; give an integer from 1 to 64"),
        ("SpectralTransform", "pad", 0, r"SpectralTransform: pad 0 is not allowed; give an integer from 1 to 64"),
        ("SpectralTransform", "pad", 4.5, r"SpectralTransform: pad 4.5 is not allowed"),
        ("SpectralTransform", "margin", 10**9, r"SpectralTransform: margin 1000000000 is not allowed; give an integer from 0 to 64"),
        ("SpectralTransform", "output", "phase", r"SpectralTransform: output 'phase' is not allowed; give one of 'complex', 'magnitude'"),
        ("PeakWindow", "half_width", 10**9, r"PeakWindow: half_width 1000000000 is not allowed; give an integer from 0 to 64"),
        ("PeakWindow", "margin", -1, r"PeakWindow: margin -1 is not allowed; give an integer from 3 to 64"),
        ("LocalSpectrum", "half_width", 10**9, r"LocalSpectrum: half_width 1000000000 is not allowed; give an integer from 1 to 64"),
        ("LocalSpectrum", "spacing", 0.0, r"LocalSpectrum: spacing 0.0 is not allowed; give a number of DFT bins in \(0, 1\]"),
        ("LocalSpectrum", "spacing", "1e9", r"LocalSpectrum: spacing '1e9' is not allowed"),
        ("GaussNewtonRefine", "steps", 10**9, r"GaussNewtonRefine: steps 1000000000 is not allowed; give an integer from 0 to 100"),
        ("GaussNewtonRefine", "steps", True, r"GaussNewtonRefine: steps True is not allowed"),
        ("GaussNewtonRefine", "float64", "yes", r"GaussNewtonRefine: float64 'yes' is not allowed; give one of False, True"),
        ("GaussNewtonRefine", "offset", 1, r"GaussNewtonRefine: offset 1 is not allowed; give one of False, True"),
    ],
)  # fmt: skip
def test_a_crafted_setting_is_refused_quickly(saved, tmp_path, layer, setting, value, message):
    models.register_custom_objects()
    path = crafted(saved, tmp_path, layer, setting, value)
    start = time.perf_counter()
    with pytest.raises(Exception, match=message):  # noqa: B017 (Keras may wrap the ValueError)
        keras.saving.load_model(path, safe_mode=True, compile=False)
    assert time.perf_counter() - start < 1.0


def test_a_crafted_series_length_cannot_ask_for_a_huge_dft(saved, tmp_path):
    models.register_custom_objects()
    path = crafted(saved, tmp_path, "SpectralTransform", "pad", 64, shape=10**6)
    start = time.perf_counter()
    with pytest.raises(
        Exception,
        match=r"SpectralTransform: series of 1,000,000 samples at pad 64 need a DFT matrix of 6.4e\+13 values",
    ):  # noqa: B017, E501
        keras.saving.load_model(path, safe_mode=True, compile=False)
    assert time.perf_counter() - start < 1.0


SMALL = {"hidden_units": 4, "hidden_layers": 1}


@pytest.mark.parametrize(
    ("name", "hyper"),
    [
        ("spectral_cnn", {"pad": 2, "filters": 1, "dense_units": 1}),
        ("coarse_to_fine", {"pad": 4, "half_width": 4, **SMALL}),
        ("hybrid_gn", {"pad": 4, "half_width": 4, "steps": 4, **SMALL}),
    ],
)
def test_the_bounds_admit_the_studys_settings(name, hyper):
    """The study's settings build, at its longest series (2000 samples)."""
    assert models.hyperparameter_problems(name, hyper) == []
    estimators.ARCHITECTURES[name](2000, **hyper)


def test_sinefreq_estimate_refuses_a_crafted_model_in_one_line(saved, tmp_path, capsys):
    import numpy as np

    from sinefreq import cli

    path = crafted(saved, tmp_path, "GaussNewtonRefine", "steps", 10**9)
    np.save(tmp_path / "s.npy", np.sin(np.outer([2.0, 3.0], np.linspace(0, 6.3, N))))
    code = cli.main(["estimate", str(tmp_path / "s.npy"), "--model", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "crafted.keras: cannot load the model (TypeError: GaussNewtonRefine: steps" in err

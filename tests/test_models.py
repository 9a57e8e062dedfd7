import inspect
from typing import Annotated, Literal

import numpy as np
import pytest

from sinefreq import config as study
from sinefreq import models, params, training
from sinefreq.params import OneOf, Range
from sinefreq.settings import ThreadModel

# (architecture, series length, layer output sizes in order, parameter count), from
# SETUPS.md: the counts follow from the layer sizes, e.g. LSTM(u) on 1 feature has
# 4 * (u * (1 + u) + u) weights.
THREAD_MODELS = [
    ("q_dense", 2000, [100, 1], 2000 * 100 + 100 + 100 + 1),
    ("q_lstm", 2000, [100, 1], 4 * (100 * 101 + 100) + 101),
    ("a0_lstm", 100, [100, 100, 100, 1], 4 * (100 * 101 + 100) + 100 * 100 + 100 + 101),
    ("a2_lstm", 100, [10, 100, 1], 4 * (10 * 11 + 10) + 10 * 100 + 100 + 101),
    ("a2_dnn", 100, [100, 100, 1], 2 * (100 * 100 + 100) + 101),
]


@pytest.mark.parametrize(("name", "n_samples", "sizes", "n_params"), THREAD_MODELS)
def test_thread_architectures_have_the_threads_sizes(name, n_samples, sizes, n_params):
    model = models.build_model(name, n_samples)
    layers = [layer for layer in model.layers if layer.__class__.__name__ != "InputLayer"]
    assert [layer.output.shape[-1] for layer in layers] == sizes
    assert model.count_params() == n_params


def test_thread_activations():
    kinds = {
        name: [
            (layer.__class__.__name__, getattr(layer, "activation", None))
            for layer in models.build_model(name, 100).layers[1:]
        ]
        for name in ("q_dense", "a0_lstm", "a2_dnn")
    }
    acts = {
        name: [a.__name__ for _, a in layers if a is not None] for name, layers in kinds.items()
    }
    assert acts["q_dense"] == ["linear", "relu"]
    assert acts["a0_lstm"][-2:] == ["relu", "relu"]  # Dense(100, relu), [Dropout], Dense(1, relu)
    assert ("Dropout", None) in kinds["a0_lstm"]
    assert acts["a2_dnn"] == ["linear", "linear", "linear"]


def test_unknown_architecture_and_hyperparameter_are_named():
    with pytest.raises(
        ValueError, match="unknown architecture 'transformer'; known: a0_lstm, a2_dnn"
    ):
        models.build_model("transformer", 100)
    with pytest.raises(
        ValueError, match="'a2_lstm' has no hyper-parameter units; allowed: dense_units, lstm_units"
    ):
        models.build_model("a2_lstm", 100, units=3)


def test_bad_hyperparameter_values_are_named_with_what_is_allowed():
    with pytest.raises(ValueError) as err:
        models.build_model("a0_lstm", 100, dropout=1.5, lstm_units=True)
    assert str(err.value) == (
        "hyperparameters.dropout: 1.5 is not allowed; architecture 'a0_lstm' takes a finite "
        "number >= 0 and < 1; hyperparameters.lstm_units: True is not allowed; architecture "
        "'a0_lstm' takes an integer >= 1 and <= 4096"
    )


@pytest.mark.parametrize("name", sorted(models.ARCHITECTURES))
def test_every_hyperparameter_declares_what_it_accepts(name):
    """A builder's options are checked only as far as they are annotated: each must be,
    in a form sinefreq.params understands, and its default must pass its own check."""
    declared = params.options(models.get_builder(name))
    assert declared and set(declared) == set(models.hyperparameters(name))
    for option, (hint, default) in declared.items():
        assert params.supported(hint), f"{name}.{option}: {hint} is not checkable"
        assert params.allows(hint, default), f"{name}.{option}: default {default!r}"


def test_activation_names_are_kerass():
    """The names a config may give are those keras.activations.get resolves to a function
    of the input alone."""
    import keras

    def takes_input_only(fn):
        required = [p for p in inspect.signature(fn).parameters.values() if p.default is p.empty]
        return len(required) == 1

    names = {
        n
        for n in dir(keras.activations)
        if not n.startswith("_") and n not in {"get", "serialize", "deserialize"}
    }
    usable = {n for n in names if takes_input_only(keras.activations.get(n))}
    assert set(models.KERAS_ACTIVATIONS) == usable


def test_annotations_a_new_builder_may_use():
    """What a future builder can declare: literals, optional values, lists of bounded ints."""

    def conv(
        n_samples: int,
        filters: list[Annotated[int, Range(min=1)]] = [8],  # noqa: B006 (never mutated)
        padding: Literal["same", "valid"] = "same",
        pool: Annotated[int, Range(min=2)] | None = None,
        activation: Annotated[str, OneOf(models.KERAS_ACTIVATIONS)] = "relu",
    ):
        pass

    assert (
        params.problems(conv, {"filters": [4, 16], "padding": "valid", "pool": 2}, "k", "c") == []
    )
    found = params.problems(
        conv, {"filters": [4, 0], "padding": "full", "pool": 1, "n_samples": 3}, "k", "conv"
    )
    assert found == [
        "k.filters: [4, 0] is not allowed; conv takes a list, each an integer >= 1",
        "k.padding: 'full' is not allowed; conv takes one of 'same', 'valid'",
        "k.pool: 1 is not allowed; conv takes an integer >= 2 or null",
        "k.n_samples: conv has no option n_samples; allowed: activation, filters, padding, pool",
    ]


def test_minmax_scaling_maps_targets_onto_minus_one_one():
    y = np.array([1.0, 5.0, 9.0])
    scale, offset = training.target_scaling(y, "minmax")
    np.testing.assert_allclose((y - offset) / scale, [-1, 0, 1])
    assert training.target_scaling(y, "none") == (1.0, 0.0)
    with pytest.raises(ValueError, match="unknown target_scaling 'log'"):
        training.target_scaling(y, "log")


def test_input_of_the_wrong_length_is_named():
    model = models.build_model("a2_dnn", 100)
    with pytest.raises(
        ValueError, match=r"expects series of 100 samples, got an array of shape \(3, 50\)"
    ):
        training.as_model_input(model, np.zeros((3, 50)))


def test_keras2_variant_has_the_threads_keras_gates_and_loads_in_safe_mode(tmp_path):
    """Keras 2's hard sigmoid is clip(0.2 x + 0.5, 0, 1), not Keras 3's slope 1/6; a model
    holding it saves and loads (safe mode) with the same predictions."""
    import keras

    gate = models.keras2.hard_sigmoid()
    x = np.array([-3.0, -2.5, -1.0, 0.0, 1.0, 2.5, 3.0], dtype="float32")
    assert np.allclose(keras.ops.convert_to_numpy(gate(x)), [0, 0, 0.3, 0.5, 0.7, 1, 1])
    assert not np.allclose(keras.ops.convert_to_numpy(keras.activations.hard_sigmoid(x)),
                           [0, 0, 0.3, 0.5, 0.7, 1, 1])  # fmt: skip
    model = models.build_model("a0_lstm", 16, lstm_units=3, dense_units=3,
                               recurrent_activation="keras2_hard_sigmoid")  # fmt: skip
    lstm = next(layer for layer in model.layers if layer.__class__.__name__ == "LSTM")
    assert lstm.cell.recurrent_activation is gate
    path = tmp_path / "keras2.keras"
    model.save(path)
    models.register_custom_objects()
    loaded = keras.saving.load_model(path, safe_mode=True, compile=False)
    series = np.random.default_rng(0).normal(size=(4, 16, 1)).astype("float32")
    assert np.allclose(loaded.predict(series, verbose=0), model.predict(series, verbose=0))


def test_a_models_epsilon_reaches_its_optimizer():
    model = models.build_model("a2_dnn", 8, hidden_units=4)
    data = {"x": np.ones((4, 8), "float32"), "y": np.arange(4.0)}
    settings = ThreadModel(architecture="a2_dnn", target_scaling="none", optimizer="adam",
                           learning_rate=1e-3, epsilon=1e-8, loss="mean_squared_error",
                           epochs=1, batch_size=4)  # fmt: skip
    training.fit(model, data, data, settings)
    assert float(model.optimizer.epsilon) == pytest.approx(1e-8)


def mean_spectrum_mlp(n_samples: int, hidden_units: Annotated[int, Range(min=1, max=64)] = 4):
    """A builder as a contributor would add one: a function with annotated options."""
    from keras import Input, Model, layers

    inputs = Input(shape=(n_samples,), name="series")
    hidden = layers.Dense(hidden_units, activation="relu")(inputs)
    return Model(inputs, layers.Dense(1)(hidden), name="mean_spectrum_mlp")


def test_a_new_architecture_is_its_builder_and_a_config_entry(monkeypatch, schema_path):
    """Adding an estimator architecture touches the builder's file (registered there) and
    the config: no schema, check, step or rule names architectures."""
    from .test_config import edit, validated

    monkeypatch.setitem(models.ARCHITECTURES, "mean_spectrum_mlp", mean_spectrum_mlp)
    new_net = {"architecture": "mean_spectrum_mlp", "regime": "estimator"}
    cfg = edit("models.new_net", {**new_net, "generator": {"frequency": [1, 14]}})
    cfg["models"]["new_net"]["hyperparameters"] = {"hidden_units": 8}
    cfg["experiments"]["bench"]["models"].append("new_net")
    cfg = validated(cfg, schema_path)
    settings = study.training_settings(cfg, "new_net")
    assert settings["hyperparameters"] == {"hidden_units": 8}
    model = models.build_model("mean_spectrum_mlp", 32, **settings["hyperparameters"])
    assert model.output_shape == (None, 1)
    # Its options are checked from its annotations like every builder's.
    cfg["models"]["new_net"]["hyperparameters"] = {"hidden_units": 65}
    with pytest.raises(ValueError, match=r"new_net\.hyperparameters\.hidden_units: 65"):
        validated(cfg, schema_path)

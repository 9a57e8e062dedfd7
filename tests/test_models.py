import numpy as np
import pytest

from sinefreq import models, training

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


def test_fingerprints_are_per_builder():
    prints = {name: models.builder_fingerprint(name) for name in models.ARCHITECTURES}
    assert len(set(prints.values())) == len(prints)
    assert prints["a0_lstm"] == models.builder_fingerprint("a0_lstm")


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

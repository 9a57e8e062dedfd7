"""Registry of Keras 3 model builders, the thread's architectures first.

A builder takes the series length and its hyper-parameters (defaults are the
thread's) and returns an uncompiled ``keras.Model``. Builders import Keras inside
their body so that the workflow can list, inspect and hash them without loading a
backend. Only backend-neutral Keras API is used, so ``KERAS_BACKEND`` may be
tensorflow, jax or torch.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable

ARCHITECTURES: dict[str, Callable] = {}


def architecture(builder: Callable) -> Callable:
    """Register ``builder`` under its function name."""
    ARCHITECTURES[builder.__name__] = builder
    return builder


@architecture
def q_dense(n_samples: int, hidden_units: int = 100, output_activation: str = "relu"):
    """The question's dense net: Input(N) -> Dense(100, linear) -> Dense(1, relu)."""
    from keras import Input, Model, layers

    inputs = Input(shape=(n_samples,), name="Input")
    hidden = layers.Dense(hidden_units)(inputs)
    return Model(inputs, layers.Dense(1, activation=output_activation)(hidden), name="q_dense")


@architecture
def q_lstm(n_samples: int, lstm_units: int = 100, output_activation: str = "relu"):
    """The question's LSTM: Input((N, 1)) -> LSTM(100) -> Dense(1, relu)."""
    from keras import Input, Model, layers

    inputs = Input(shape=(n_samples, 1), name="Input")
    lstm = layers.LSTM(lstm_units)(inputs)
    return Model(inputs, layers.Dense(1, activation=output_activation)(lstm), name="q_lstm")


@architecture
def a0_lstm(
    n_samples: int,
    lstm_units: int = 100,
    dense_units: int = 100,
    dropout: float = 0.1,
    output_activation: str = "relu",
):
    """Answer 0: LSTM(100) -> Dense(100, relu) -> Dropout(0.1) -> Dense(1, relu)."""
    from keras import Input, Model, layers

    inputs = Input(shape=(n_samples, 1), name="Input")
    hidden = layers.Dense(dense_units, activation="relu")(layers.LSTM(lstm_units)(inputs))
    hidden = layers.Dropout(dropout)(hidden)
    return Model(inputs, layers.Dense(1, activation=output_activation)(hidden), name="a0_lstm")


@architecture
def a2_lstm(n_samples: int, lstm_units: int = 10, dense_units: int = 100):
    """Answer 2 (tflearn, ported): LSTM(10) -> Dense(100, relu) -> Dense(1, linear)."""
    from keras import Input, Model, layers

    inputs = Input(shape=(n_samples, 1), name="Input")
    hidden = layers.Dense(dense_units, activation="relu")(layers.LSTM(lstm_units)(inputs))
    return Model(inputs, layers.Dense(1)(hidden), name="a2_lstm")


@architecture
def a2_dnn(
    n_samples: int, hidden_units: int = 100, hidden_layers: int = 2, activation: str = "linear"
):
    """Answer 2's dense alternative: Dense(100) -> Dense(100) -> Dense(1), all linear
    (tflearn's default activation)."""
    from keras import Input, Model, layers

    inputs = Input(shape=(n_samples,), name="Input")
    hidden = inputs
    for _ in range(hidden_layers):
        hidden = layers.Dense(hidden_units, activation=activation)(hidden)
    return Model(inputs, layers.Dense(1)(hidden), name="a2_dnn")


def hyperparameters(name: str) -> dict:
    """The hyper-parameters a builder accepts, with their defaults."""
    params = inspect.signature(get_builder(name)).parameters
    return {key: p.default for key, p in params.items() if key != "n_samples"}


def get_builder(name: str) -> Callable:
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise ValueError(
            f"unknown architecture '{name}'; known: {', '.join(sorted(ARCHITECTURES))}"
        ) from None


def check_hyperparameters(name: str, given: dict) -> None:
    """Raise ValueError naming any hyper-parameter the builder does not take."""
    unknown = sorted(set(given) - set(hyperparameters(name)))
    if unknown:
        allowed = ", ".join(sorted(hyperparameters(name))) or "none"
        raise ValueError(
            f"architecture '{name}' has no hyper-parameter {', '.join(unknown)}; allowed: {allowed}"
        )


def build_model(name: str, n_samples: int, **hyper):
    """Build architecture ``name`` for series of ``n_samples``."""
    check_hyperparameters(name, hyper)
    return get_builder(name)(n_samples, **hyper)


def builder_fingerprint(name: str) -> str:
    """Hash of one builder's source: editing it re-runs that model's jobs only."""
    return hashlib.sha256(inspect.getsource(get_builder(name)).encode()).hexdigest()[:16]

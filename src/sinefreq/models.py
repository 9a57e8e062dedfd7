"""Registry of Keras 3 model builders: the thread's architectures, then the estimators of
:mod:`sinefreq.estimators` (spectral front ends, a coarse-to-fine head, a Gauss-Newton hybrid).

A builder takes the series length and its hyper-parameters (defaults are the
thread's) and returns an uncompiled ``keras.Model``. Builders import Keras inside
their body so that the workflow can list, inspect and hash them without loading a
backend. Only backend-neutral Keras API is used, so ``KERAS_BACKEND`` may be
tensorflow, jax or torch.

Each hyper-parameter declares what it accepts in the builder's signature
(``Annotated[int, Range(min=1)]``, see :mod:`sinefreq.params`): the workflow refuses a
bad value before any job runs, and editing one builder's spec re-trains only its models.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from sinefreq import any_length, estimators, keras2, params
from sinefreq.params import OneOf, Range, Units

# Keras 3's activation names, known without importing Keras (which loads a backend): all
# of keras.activations but 'threshold', which needs arguments. A test keeps it in step.
KERAS_ACTIVATIONS = (
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
    "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus",
    "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh",
    "tanh_shrink",
)  # fmt: skip

ARCHITECTURES: dict[str, Callable] = {}


def architecture(builder: Callable) -> Callable:
    """Register ``builder`` under its function name."""
    ARCHITECTURES[builder.__name__] = builder
    return builder


@architecture
def q_dense(
    n_samples: int,
    hidden_units: Units = 100,
    output_activation: Annotated[str, OneOf(KERAS_ACTIVATIONS)] = "relu",
):
    """The question's dense net: Input(N) -> Dense(100, linear) -> Dense(1, relu)."""
    from keras import Input, Model, layers

    inputs = Input(shape=(n_samples,), name="Input")
    hidden = layers.Dense(hidden_units)(inputs)
    return Model(inputs, layers.Dense(1, activation=output_activation)(hidden), name="q_dense")


@architecture
def q_lstm(
    n_samples: int,
    lstm_units: Units = 100,
    output_activation: Annotated[str, OneOf(KERAS_ACTIVATIONS)] = "relu",
):
    """The question's LSTM: Input((N, 1)) -> LSTM(100) -> Dense(1, relu)."""
    from keras import Input, Model, layers

    inputs = Input(shape=(n_samples, 1), name="Input")
    lstm = layers.LSTM(lstm_units)(inputs)
    return Model(inputs, layers.Dense(1, activation=output_activation)(lstm), name="q_lstm")


@architecture
def a0_lstm(
    n_samples: int,
    lstm_units: Units = 100,
    dense_units: Units = 100,
    dropout: Annotated[float, Range(min=0, max=1, max_exclusive=True)] = 0.1,
    output_activation: Annotated[str, OneOf(KERAS_ACTIVATIONS)] = "relu",
    recurrent_activation: Annotated[
        str, OneOf((*KERAS_ACTIVATIONS, keras2.HARD_SIGMOID))
    ] = "sigmoid",
):
    """Answer 0: LSTM(100) -> Dense(100, relu) -> Dropout(0.1) -> Dense(1, relu).
    ``recurrent_activation: keras2_hard_sigmoid`` gives the LSTM the gates of the thread's
    Keras 2 (:mod:`sinefreq.keras2`)."""
    from keras import Input, Model, layers

    if recurrent_activation == keras2.HARD_SIGMOID:
        recurrent_activation = keras2.hard_sigmoid()
    inputs = Input(shape=(n_samples, 1), name="Input")
    lstm = layers.LSTM(lstm_units, recurrent_activation=recurrent_activation)(inputs)
    hidden = layers.Dense(dense_units, activation="relu")(lstm)
    hidden = layers.Dropout(dropout)(hidden)
    return Model(inputs, layers.Dense(1, activation=output_activation)(hidden), name="a0_lstm")


@architecture
def a2_lstm(
    n_samples: int,
    lstm_units: Units = 10,
    dense_units: Units = 100,
):
    """Answer 2 (tflearn, ported): LSTM(10) -> Dense(100, relu) -> Dense(1, linear)."""
    from keras import Input, Model, layers

    inputs = Input(shape=(n_samples, 1), name="Input")
    hidden = layers.Dense(dense_units, activation="relu")(layers.LSTM(lstm_units)(inputs))
    return Model(inputs, layers.Dense(1)(hidden), name="a2_lstm")


@architecture
def a2_dnn(
    n_samples: int,
    hidden_units: Units = 100,
    hidden_layers: Annotated[
        int, Range(min=1, max=params.MAX_LAYERS, ceiling="sinefreq.params.MAX_LAYERS")
    ] = 2,
    activation: Annotated[str, OneOf(KERAS_ACTIVATIONS)] = "linear",
):
    """Answer 2's dense alternative: Dense(100) -> Dense(100) -> Dense(1), all linear
    (tflearn's default activation)."""
    from keras import Input, Model, layers

    inputs = Input(shape=(n_samples,), name="Input")
    hidden = inputs
    for _ in range(hidden_layers):
        hidden = layers.Dense(hidden_units, activation=activation)(hidden)
    return Model(inputs, layers.Dense(1)(hidden), name="a2_dnn")


# The estimators' builders live in their own modules (with their custom layers) and join
# the registry here, so configs, checks and fingerprints see one list.
for _name, _builder in {**estimators.ARCHITECTURES, **any_length.ARCHITECTURES}.items():
    if _name in ARCHITECTURES:
        raise RuntimeError(f"architecture {_name!r} is registered twice")
    ARCHITECTURES[_name] = _builder


def takes_any_length(name: str) -> bool:
    """Whether architecture ``name``'s models take series of any length (their builder
    ignores ``n_samples``; sinefreq.any_length)."""
    return name in any_length.ARCHITECTURES


def register_custom_objects() -> None:
    """Register every custom layer and activation a saved model may hold (call before
    ``keras.saving.load_model``)."""
    any_length.register()  # and the estimators' layers
    keras2.hard_sigmoid()


def builder_bodies() -> dict[str, list[str]]:
    """Module -> names of the builders it defines: the bodies a step's code fingerprint
    leaves out, since each run's params carry its own builder's fingerprint instead."""
    found: dict[str, list[str]] = {}
    for builder in ARCHITECTURES.values():
        found.setdefault(builder.__module__, []).append(builder.__name__)
    return found


def hyperparameters(name: str) -> dict:
    """The hyper-parameters a builder accepts, with their defaults."""
    return {key: default for key, (_, default) in params.options(get_builder(name)).items()}


def get_builder(name: str) -> Callable:
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise ValueError(
            f"unknown architecture '{name}'; known: {', '.join(sorted(ARCHITECTURES))}"
        ) from None


def hyperparameter_problems(name: str, given: dict, key: str = "hyperparameters") -> list[str]:
    """Every unknown or disallowed hyper-parameter in ``given``, each message naming
    ``key``.<name>, the value and what the builder's signature allows."""
    builder = get_builder(name)
    return params.problems(builder, given, key, f"architecture '{name}'", "hyper-parameter")


def check_hyperparameters(name: str, given: dict) -> None:
    """Raise ValueError listing every problem :func:`hyperparameter_problems` finds."""
    problems = hyperparameter_problems(name, given)
    if problems:
        raise ValueError("; ".join(problems))


def build_model(name: str, n_samples: int, **hyper):
    """Build architecture ``name`` for series of ``n_samples``."""
    check_hyperparameters(name, hyper)
    return get_builder(name)(n_samples, **hyper)

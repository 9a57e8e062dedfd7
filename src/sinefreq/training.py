"""Training one network: seeding, thread pools, target scaling, ``model.fit``."""

from __future__ import annotations

import math
import os

import numpy as np

TARGET_SCALINGS = ("none", "minmax")


def configure_runtime(threads: int, seed: int) -> None:
    """Pin thread pools to the job's ``threads`` and seed every RNG.

    Must run before Keras is first imported: TensorFlow reads its thread settings
    when it starts.
    """
    for var in (
        "TF_NUM_INTRAOP_THREADS",
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
    ):
        os.environ[var] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(seed)


def target_scaling(y: np.ndarray, method: str) -> tuple[float, float]:
    """``(scale, offset)`` with ``y_scaled = (y - offset) / scale``.

    ``minmax`` maps the training targets onto [-1, 1], answer 1's advice.
    """
    if method == "none":
        return 1.0, 0.0
    if method == "minmax":
        lo, hi = float(np.min(y)), float(np.max(y))
        half_range = (hi - lo) / 2.0 or 1.0
        return half_range, lo + half_range
    raise ValueError(f"unknown target_scaling '{method}'; allowed: {', '.join(TARGET_SCALINGS)}")


def with_output_scaling(model, scale: float, offset: float):
    """Append a Rescaling layer so the saved model predicts cycles per window."""
    if (scale, offset) == (1.0, 0.0):
        return model
    from keras import Model, layers

    outputs = layers.Rescaling(scale, offset, name="to_cycles_per_window")(model.outputs[0])
    return Model(model.inputs, outputs, name=model.name)


def as_model_input(model, x: np.ndarray) -> np.ndarray:
    """Reshape series ``(batch, N)`` to what the model takes: ``(batch, N)`` or ``(batch, N, 1)``."""
    expected = tuple(model.inputs[0].shape[1:])
    if x.ndim != 2 or x.shape[1] != expected[0]:
        raise ValueError(
            f"model expects series of {expected[0]} samples, got an array of shape {x.shape}"
        )
    return x.reshape((len(x), *expected)).astype("float32")


def fit(model, train: dict, test: dict, settings: dict) -> tuple[object, dict[str, list], bool]:
    """Compile and fit ``model`` as ``settings`` say (loss, optimizer, learning_rate,
    epochs, batch_size, target_scaling).

    The test split is passed as validation data only to draw learning curves; it
    never steers training. Returns the model that predicts cycles per window, the
    per-epoch history, and whether the loss became NaN or infinite (training stops).
    """
    import keras

    scale, offset = target_scaling(train["y"], settings["target_scaling"])
    optimizer = keras.optimizers.get(
        {
            "class_name": settings["optimizer"],
            "config": {"learning_rate": settings["learning_rate"]},
        }
    )
    model.compile(optimizer=optimizer, loss=settings["loss"])
    history = model.fit(
        as_model_input(model, train["x"]),
        (train["y"] - offset) / scale,
        validation_data=(as_model_input(model, test["x"]), (test["y"] - offset) / scale),
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        callbacks=[keras.callbacks.TerminateOnNaN()],
        verbose=2,
    )
    losses = history.history.get("loss", [])
    diverged = not all(math.isfinite(v) for v in losses)
    return with_output_scaling(model, scale, offset), history.history, diverged


def predict(model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Frequencies (cycles per window) a trained model predicts for series ``x``."""
    return np.asarray(
        model.predict(as_model_input(model, x), batch_size=batch_size, verbose=0)
    ).reshape(-1)

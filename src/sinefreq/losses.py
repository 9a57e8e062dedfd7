"""Losses for training estimators against the Cramer-Rao bound.

Plain MSE over a mix of SNRs is dominated by the noisiest series: a series at 30 dB has a
bound 1000x smaller in variance than one at 0 dB, so its errors barely move the loss.
:class:`BoundWeightedMSE` weights each squared error by its own bound, so every series
counts by how far it is from what is possible.

The bound travels in the targets: ``y_true = [f, crlb_var]`` (shape ``(B, 2)``, see
``generator.targets``). That keeps the loss self-normalising per batch (Keras sample weights
are only ever summed and divided by the batch size, so they could not be).
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="sinefreq")
class BoundWeightedMSE(keras.losses.Loss):
    """``sum_i (e_i^2 / v_i) / sum_i (1 / v_i)``: the MSE with weights ``1 / crlb_var``.

    With one shared bound it is the plain MSE; an efficient estimator scores the harmonic
    mean of the batch's bounds. ``clip`` caps each series' ``e^2 / v`` (in units of its
    bound), so outliers below the SNR threshold, which no estimator avoids, cannot swamp the
    precision the loss is for. ``y_true`` of shape ``(B, 1)``, or ``weighted=False``, gives
    the plain MSE.
    """

    def __init__(
        self,
        clip: float | None = None,
        weighted: bool = True,
        name: str = "bound_weighted_mse",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        self.clip, self.weighted = clip, weighted

    def call(self, y_true, y_pred):
        y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
        err2 = ops.square(y_pred[:, 0] - y_true[:, 0])
        if y_true.shape[-1] == 1 or not self.weighted:
            return err2
        weight = 1.0 / y_true[:, 1]
        ratio = err2 * weight
        if self.clip is not None:
            ratio = ops.minimum(ratio, self.clip)
        # Per series, scaled so that the batch mean (the default reduction) is the
        # weighted mean sum(w e^2) / sum(w).
        return ratio / ops.mean(weight)

    def get_config(self):
        return {**super().get_config(), "clip": self.clip, "weighted": self.weighted}


@keras.saving.register_keras_serializable(package="sinefreq")
def frequency_mse(y_true, y_pred):
    """Plain MSE on the frequency column only: a metric that ignores a bound column."""
    return ops.mean(ops.square(y_pred[:, 0] - ops.cast(y_true[:, 0], y_pred.dtype)))


@keras.saving.register_keras_serializable(package="sinefreq")
def bound_ratio(y_true, y_pred):
    """Mean ``e^2 / crlb_var``: 1 is an efficient estimator (0 dB above the bound)."""
    y_true = ops.cast(y_true, y_pred.dtype)
    return ops.mean(ops.square(y_pred[:, 0] - y_true[:, 0]) / y_true[:, -1])


def get(name: str, clip: float | None = None):
    """The loss a training setting names: ``"mse"`` or ``"bound"`` (bound-weighted)."""
    if name == "bound":
        return BoundWeightedMSE(clip=clip)
    if name == "mse":
        return BoundWeightedMSE(weighted=False, name="mse")  # ignores any bound column
    raise ValueError(f"unknown loss '{name}'; allowed: bound, mse")

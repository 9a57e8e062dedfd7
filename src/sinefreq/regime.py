"""Training in the estimator regime: fresh series every epoch, a fixed validation set, the
bound-weighted loss, a learning-rate schedule and early stopping; plus the measurement of
an estimator against the exact Cramer-Rao bound, SNR by SNR.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from sinefreq import generator, losses
from sinefreq.crlb import db_above_bound
from sinefreq.settings import EstimatorModel


def fit(
    model,
    n_samples: int,
    settings: EstimatorModel,
    *,
    seed: int = 0,
    verbose: int = 2,
    validation: dict | None = None,
):
    """Compile and fit ``model`` (predicting cycles per window) on series drawn from
    ``settings.generator``, as the estimator regime's ``settings`` say.

    ``loss`` is ``"bound"`` (:class:`losses.BoundWeightedMSE`, ``clip`` caps a series'
    squared error in units of its bound) or ``"mse"``. The learning rate halves when the
    validation loss stalls for ``patience // 3`` epochs; training stops after ``epochs`` or
    after ``patience`` epochs without improvement (keeping the best weights), never on the
    clock: ``max_minutes`` is a guard, and passing it fails (:class:`TimeLimitExceeded`).
    ``validation`` is the fixed validation set (:func:`generator.validation_set` of
    ``val_size`` series by default; pass it to keep what the run validated on).
    Returns ``(model, history)`` with the per-epoch history dict.
    """
    spec = settings.generator
    train = generator.SeriesDataset(
        n_samples,
        spec,
        batch_size=settings.batch_size,
        batches=settings.batches_per_epoch,
        seed=seed,
        bound=True,
    )
    val = validation
    if val is None:
        val = generator.validation_set(n_samples, spec, settings.val_size, seed)
    validation_data = (val["x"], generator.targets(val, bound=True))
    return model, fit_batches(model, train, validation_data, settings, verbose)


def fit_batches(model, train, validation_data, settings: EstimatorModel, verbose: int = 2):
    """Compile ``model`` (a hybrid: its coarse network, :func:`sinefreq.estimators.
    coarse_network`) with ``settings``' loss and learning rate and fit it on the ``train``
    batches with the regime's schedule and stopping; returns the history dict.
    :func:`fit` and :func:`sinefreq.any_length.fit` draw the batches."""
    import keras

    from sinefreq import estimators

    model = estimators.coarse_network(model)  # shares the weights of the model given
    patience = settings.patience
    model.compile(
        optimizer=keras.optimizers.Adam(settings.learning_rate),
        loss=losses.get(settings.loss, clip=settings.clip),
        metrics=[losses.frequency_mse, losses.bound_ratio],
    )
    callbacks = [
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=max(2, patience // 3)),
        keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True),
    ]
    if settings.max_minutes is not None:
        callbacks.append(_time_limit(settings.max_minutes))
    history = model.fit(
        train,
        validation_data=validation_data,
        epochs=settings.epochs,
        callbacks=callbacks,
        verbose=verbose,
    )
    return history.history


class TimeLimitExceeded(RuntimeError):
    """Training ran past its ``max_minutes`` guard."""


def _time_limit(minutes: float):
    """A callback that fails training that runs past ``minutes`` of wall time (checked per
    epoch). It never stops training early: a run cut by the clock would have as many
    epochs as the machine's load allowed, and its numbers would move with that load."""
    import keras

    start = time.monotonic()

    class TimeLimit(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            elapsed = (time.monotonic() - start) / 60.0
            if elapsed > minutes:
                raise TimeLimitExceeded(
                    f"training passed its max_minutes guard ({minutes:g}) after epoch "
                    f"{epoch + 1} ({elapsed:.1f} minutes); stopping it there would make its "
                    "numbers depend on the machine's load: raise max_minutes or remove it, "
                    "or lower epochs or patience"
                )

    return TimeLimit()


def bound_table(
    estimate: Callable[[np.ndarray], np.ndarray],
    n_samples: int,
    spec: dict,
    snrs_db=(0.0, 10.0, 20.0, 30.0),
    size: int = 2000,
    seed: int = 12345,
) -> list[dict]:
    """RMSE of ``estimate`` (series -> cycles per window) against the exact bound, per SNR.

    Each SNR gets ``size`` fresh series from ``spec`` with the SNR fixed; the bound is
    the root of the mean per-series bound (the one to compare with a pooled RMSE).
    """
    rows = []
    for i, snr in enumerate(snrs_db):
        test = generator.draw(
            n_samples, {**spec, "snr_db": snr}, size, np.random.default_rng([seed, i])
        )
        err = np.asarray(estimate(test["x"]), dtype=float).reshape(-1) - test["y"]
        rmse = float(np.sqrt(np.mean(err**2)))
        bound = float(np.sqrt(np.mean(test["crlb_var"])))
        rows.append(
            {
                "snr_db": snr,
                "rmse": rmse,
                "mae": float(np.mean(np.abs(err))),
                "bound_rmse": bound,
                "db_above_bound": float(db_above_bound(rmse, bound)),
            }
        )
    return rows

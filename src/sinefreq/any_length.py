"""One network for series of any length (issue 20): a spectral front end at a fixed
resolution per cycle, so that a tone looks the same at every length, and a learned head.

The front end removes the series' mean (a DC offset) and divides by its largest magnitude
(its scale), then takes the ``pad``-times zero-padded DFT with an FFT: bins are ``1/pad``
cycles per window apart whatever ``N`` is, and a tone's main lobe always spans ``2 pad``
bins. The head sees what :class:`sinefreq.estimators.PeakWindow` sees (the bins around
the periodogram's peak, divided by the peak bin) and, since they differ with the length,
``log N`` (the per-series SNR is ``N`` times the per-sample one) and the peak's distance in
cycles to 0 and to Nyquist (where the tone's negative-frequency image bends the lobe),
clipped at :data:`REACH`. It regresses the offset from the peak bin, in bins. With
``steps``, :class:`sinefreq.estimators.GaussNewtonRefine` refines it (the hybrid).

Training draws each batch at one length from :data:`TRAINING_LENGTHS` (one compiled
program each) with ``f`` uniform on ``[EDGE, Nyquist - EDGE]`` at that length; the model
takes any length from :data:`MIN_LENGTH` to :data:`MAX_LENGTH`.
"""

from __future__ import annotations

import functools
import math
import types

import numpy as np

from sinefreq import estimators, generator
from sinefreq.estimators import HalfWidth, Pad, Steps
from sinefreq.params import Layers, Units

MIN_LENGTH, MAX_LENGTH = 32, 4096
# Log-spaced, a factor sqrt(2) apart (plus the study's N = 100).
TRAINING_LENGTHS = (32, 45, 64, 91, 100, 128, 181, 256, 362, 512, 724, 1024, 1448, 2048, 2896, 4096)
EDGE = 0.5  # cycles from 0 and from Nyquist: the band is [EDGE, Nyquist - EDGE]
REACH = 4.0  # cycles from 0 or Nyquist within which the image lobe matters


def band(n_samples: int) -> tuple[float, float]:
    """The frequencies, in cycles per window, the network serves at ``n_samples``."""
    return EDGE, (n_samples - 1) / 2.0 - EDGE


def training_lengths(shortest: int = MIN_LENGTH, longest: int = MAX_LENGTH) -> tuple[int, ...]:
    """The lengths a network serving ``[shortest, longest]`` is trained on: both ends and
    every one of :data:`TRAINING_LENGTHS` between them."""
    return tuple(
        sorted({shortest, longest, *(n for n in TRAINING_LENGTHS if shortest < n < longest)})
    )


def contract(spec: dict | None = None, lengths=(MIN_LENGTH, MAX_LENGTH)):
    """What a network trained by :func:`fit` on ``lengths`` from the generator ``spec``
    serves (:mod:`sinefreq.contract`), for its ``.keras`` file."""
    from sinefreq import contract as contracts

    longest = lengths[1]
    return contracts.of_generator(
        longest,
        {**(spec or {}), "frequency": band(longest)},
        lengths=tuple(lengths),
        edge=EDGE,
        dc_offset=True,
        scale_free=True,
    )


def _check_even_pad(layer: str, pad) -> None:
    estimators.check_setting(layer, "pad", pad, 2, estimators.MAX_PAD)
    if pad % 2:
        raise ValueError(f"{layer}: pad {pad!r} is not allowed; give an even one")


@functools.cache
def _layers() -> types.SimpleNamespace:
    import keras
    from keras import ops

    @keras.saving.register_keras_serializable(package="sinefreq")
    class CentredSpectrum(keras.layers.Layer):
        """The ``pad``-times zero-padded DFT of series of any length, time centred (as
        :class:`sinefreq.estimators.SpectralTransform`), after removing each series' mean
        and scale; ``margin`` bins beyond 0 and Nyquist either side, from the spectrum's
        symmetries. Returns ``(B, pad N / 2 + 1 + 2 margin, 2)`` (real, imaginary)."""

        def __init__(self, pad=4, margin=3, **kwargs):
            # Nyquist must fall on a bin for the reflection above it
            _check_even_pad("CentredSpectrum", pad)
            estimators.check_setting(
                "CentredSpectrum", "margin", margin, 0, estimators.MAX_HALF_WIDTH
            )
            super().__init__(**kwargs)
            self.pad, self.margin = pad, margin

        def call(self, x):
            x = x - ops.mean(x, axis=-1, keepdims=True)
            x = x / (ops.max(ops.abs(x), axis=-1, keepdims=True) + 1e-30)
            n = ops.shape(x)[-1]  # a tensor while TensorFlow traces any length
            re, im = ops.rfft(x, fft_length=self.pad * n)
            n = ops.cast(n, x.dtype)
            k = ops.cast(ops.arange(ops.shape(re)[-1]), x.dtype)
            angle = (math.pi * (n - 1) / (self.pad * n)) * k  # centre time: m = t - (N-1)/2
            cos, sin = ops.cos(angle)[None, :], ops.sin(angle)[None, :]
            re, im = re * cos - im * sin, re * sin + im * cos
            if self.margin:
                m = self.margin
                # Below 0: X(-w) = conj X(w). Above Nyquist: X(2 pi - w) = (-1)^(N-1) conj X(w).
                sign = ops.cos(math.pi * (n - 1))
                re = ops.concatenate(
                    [ops.flip(re[:, 1 : m + 1], 1), re, sign * ops.flip(re[:, -m - 1 : -1], 1)],
                    axis=1,
                )
                im = ops.concatenate(
                    [-ops.flip(im[:, 1 : m + 1], 1), im, -sign * ops.flip(im[:, -m - 1 : -1], 1)],
                    axis=1,
                )
            return ops.stack([re, im], axis=-1)

        def compute_output_shape(self, input_shape):
            n = input_shape[-1]
            bins = None if n is None else (self.pad * n) // 2 + 1 + 2 * self.margin
            return (input_shape[0], bins, 2)

        def get_config(self):
            return {**super().get_config(), "pad": self.pad, "margin": self.margin}

    @keras.saving.register_keras_serializable(package="sinefreq")
    class PeakContext(keras.layers.Layer):
        """From ``[series, peak bin]``: ``[context, f at the peak, cycles per bin]``, the
        context being ``log N / log MAX_LENGTH`` and the peak's distances to 0 and Nyquist
        in units of :data:`REACH`, clipped at 1."""

        def __init__(self, pad=4, **kwargs):
            estimators.check_setting("PeakContext", "pad", pad, 2, estimators.MAX_PAD)
            super().__init__(**kwargs)
            self.pad = pad

        def call(self, inputs):
            x, peak = inputs
            n = ops.cast(ops.shape(x)[-1], peak.dtype)  # a tensor while TensorFlow traces
            step = (n - 1) / (self.pad * n)
            f_peak = peak * step
            nyquist = (n - 1) / 2.0
            log_n = ops.ones_like(peak) * (ops.log(n) / math.log(MAX_LENGTH))
            context = ops.concatenate(
                [
                    log_n,
                    ops.minimum(f_peak / REACH, 1.0),
                    ops.minimum((nyquist - f_peak) / REACH, 1.0),
                ],
                axis=1,
            )
            return [context, f_peak, ops.ones_like(peak) * step]

        def compute_output_shape(self, input_shapes):
            batch = input_shapes[1][0]
            return [(batch, 3), (batch, 1), (batch, 1)]

        def get_config(self):
            return {**super().get_config(), "pad": self.pad}

    @keras.saving.register_keras_serializable(package="sinefreq")
    class InterpolatedOffset(keras.layers.Layer):
        """The exact two-sample interpolator of a complex tone, in padded bins from the peak:
        from the centred DTFT half a DFT bin either side of the peak (``pad / 2`` padded
        bins), ``delta = 2 atan(tan(pi / 2N) Re((X+ - X-) conj(X+ + X-)) / |X+ + X-|^2)``.
        Closed form, no weights: the head learns what the real tone's image and the noise
        add to it. Inputs ``[series, spectrum with margin, peak index from 0 Hz]``."""

        def __init__(self, pad=4, margin=3, **kwargs):
            _check_even_pad("InterpolatedOffset", pad)  # half a DFT bin is pad / 2 bins
            estimators.check_setting(
                "InterpolatedOffset", "margin", margin, pad // 2, estimators.MAX_HALF_WIDTH
            )
            super().__init__(**kwargs)
            self.pad, self.margin = pad, margin

        def call(self, inputs):
            x, spec, peak = inputs
            n = ops.cast(ops.shape(x)[-1], spec.dtype)
            centre = ops.cast(peak, "int32") + self.margin
            half = self.pad // 2

            def at(index):
                pair = ops.take_along_axis(spec, index[:, :, None], axis=1)
                return pair[:, 0, 0], pair[:, 0, 1]

            pre, pim = at(centre + half)
            mre, mim = at(centre - half)
            dre, dim = pre - mre, pim - mim
            sre, sim = pre + mre, pim + mim
            ratio = (dre * sre + dim * sim) / (sre * sre + sim * sim + 1e-30)
            delta = 2.0 * ops.arctan(ops.tan(math.pi / (2.0 * n)) * ratio)
            return (delta * self.pad * n / (2.0 * math.pi))[:, None]  # rad/sample -> bins

        def compute_output_shape(self, input_shapes):
            return (input_shapes[2][0], 1)

        def get_config(self):
            return {**super().get_config(), "pad": self.pad, "margin": self.margin}

    return types.SimpleNamespace(
        CentredSpectrum=CentredSpectrum,
        PeakContext=PeakContext,
        InterpolatedOffset=InterpolatedOffset,
    )


def register() -> None:
    """Define and register the layers (before ``keras.saving.load_model``)."""
    estimators.register()
    _layers()


def coarse_to_fine_any(
    n_samples: int | None,
    pad: Pad = 4,
    half_width: HalfWidth = 3,
    hidden_units: Units = 128,
    hidden_layers: Layers = 3,
    steps: Steps | None = None,
    interpolate: bool = False,
):
    """The peak bin of the padded periodogram plus a learned offset, for series of any
    length (``n_samples`` is ignored); with ``interpolate``, the offset is the exact
    two-sample interpolator's plus a learned correction; with ``steps``, Gauss-Newton steps
    on the least-squares model with an offset refine the estimate."""
    from keras import Input, Model, layers

    lay, est = _layers(), estimators._layers()
    inputs = Input(shape=(None,), name="series")
    spec = lay.CentredSpectrum(pad, margin=half_width, name="spectrum")(inputs)
    window, peak = est.PeakWindow(half_width, margin=half_width, name="peak_window")(spec)
    context, f_peak, step = lay.PeakContext(pad, name="peak_context")([inputs, peak])
    parts = [window, context]
    if interpolate:
        interpolated = lay.InterpolatedOffset(pad, margin=half_width, name="interpolated")(
            [inputs, spec, peak]
        )
        parts.append(interpolated)
    features = layers.Concatenate()(parts)
    h = features
    for _ in range(hidden_layers):
        h = layers.Dense(hidden_units, activation="gelu")(h)
    terms = [layers.Dense(1)(h), layers.Dense(1)(features)]
    if interpolate:
        terms.append(interpolated)
    offset = layers.Add(name="offset_bins")(terms)
    f = layers.Add()([f_peak, layers.Multiply()([step, offset])])
    if steps:
        # The front end is blind to a DC offset, so the steps fit one (the four-parameter
        # least-squares model): a tone of a few cycles has a mean of its own, which a model
        # without the offset would read as part of the tone.
        refine = est.GaussNewtonRefine(steps, offset=True, name="gauss_newton")
        f = refine([inputs, f])
    return Model(inputs, f, name="coarse_to_fine_any")


# The builders whose models take series of any length (sinefreq.models registers them).
ARCHITECTURES = {"coarse_to_fine_any": coarse_to_fine_any}


@functools.cache
def _dataset_class():
    class LengthsDataset(generator.SeriesDataset):
        """:class:`sinefreq.generator.SeriesDataset` with each batch at one of ``lengths``
        (each as often) and ``f`` uniform on :func:`band` of that length; ``fixed`` keeps
        the epoch at 0 (a validation set)."""

        def __init__(self, spec, lengths=TRAINING_LENGTHS, *, fixed=False, **kwargs):
            # the spec's other ranges are checked once, at the longest length
            super().__init__(MAX_LENGTH, {**spec, "frequency": band(MAX_LENGTH)}, bound=True,
                             **kwargs)  # fmt: skip
            self.given, self.lengths, self.fixed = dict(spec), tuple(lengths), fixed

        def batch(self, index: int, epoch: int | None = None) -> dict:
            epoch = self.epoch if epoch is None else epoch
            # Every length in turn, in an order drawn per epoch: each length as often, and
            # batches 0 and 1 of different lengths, from which Keras's TensorFlow adapter
            # infers that the length varies.
            order = np.random.default_rng([self.seed, epoch]).permutation(len(self.lengths))
            n = self.lengths[order[index % len(self.lengths)]]
            rng = np.random.default_rng([self.seed, epoch, index])
            return generator.draw(n, {**self.given, "frequency": band(n)}, self.batch_size, rng)

        def on_epoch_end(self):
            if not self.fixed:
                super().on_epoch_end()

    return LengthsDataset


def fit(model, settings, *, seed: int = 0, workers: int = 1, verbose: int = 2):
    """Fit ``model`` on :class:`LengthsDataset` batches drawn from ``settings.generator``
    at the lengths ``settings.lengths`` asks for (:func:`training_lengths`; a
    :class:`sinefreq.settings.EstimatorModel`), as :func:`sinefreq.regime.fit` fits a
    fixed-length network. Returns ``(history, validation)``: the history dict and the
    fixed validation series (at least ``val_size``, as many at each length) by length,
    ``{"n32": {"x": ..., "y": ..., ...}, ...}``."""
    from sinefreq import regime

    data = _dataset_class()
    spec, size = settings.generator, settings.batch_size
    lengths = training_lengths(*(settings.lengths or (MIN_LENGTH, MAX_LENGTH)))
    train = data(spec, lengths, batch_size=size, batches=settings.batches_per_epoch, seed=seed,
                 workers=workers)  # fmt: skip
    # The fixed validation batches come from their own stream: no training batch uses it.
    # At least val_size series, the same number of batches at each length.
    per_length = -(-settings.val_size // (size * len(lengths)))
    val = data(spec, lengths, batch_size=size, batches=per_length * len(lengths),
               seed=seed + 2**31 - 1, fixed=True)  # fmt: skip
    history = regime.fit_batches(model, train, val, settings, verbose)
    return history, _by_length([val.batch(i) for i in range(len(val))])


def _by_length(batches: list[dict]) -> dict[str, dict]:
    """Batches of series, concatenated by length: ``{"n<N>": arrays}``, shortest first."""
    grouped: dict[int, list[dict]] = {}
    for b in batches:
        grouped.setdefault(b["x"].shape[1], []).append(b)
    return {
        f"n{n}": {key: np.concatenate([b[key] for b in group]) for key in group[0]}
        for n, group in sorted(grouped.items())
    }

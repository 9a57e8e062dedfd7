"""Networks built the estimator way: a fixed spectral front end, a learned head, and a
Gauss-Newton refinement on the least-squares cost unrolled as a Keras layer.

Every builder takes ``(n_samples, **hyper-parameters)`` and returns an uncompiled
``keras.Model`` mapping series of shape ``(B, N)`` to **f in cycles per window**, shape
``(B, 1)``: no external target scaling is needed. Each learned head regresses a quantity of
order one (a fixed ``Rescaling`` maps ``[-1, 1]`` onto ``[0, Nyquist]``, or an offset in
padded DFT bins is added to the peak bin's frequency), which is the target scaling.

A *learned* estimator holds only trainable layers and fixed parameter-free operations (a
zero-padded DFT as a frozen matrix, magnitudes, the bins around the peak divided by the
peak bin); the hybrid adds :class:`GaussNewtonRefine`, a fixed number of unrolled
Gauss-Newton steps, which is iterative fitting and is reported as such.

Importing this module does not load Keras: the layers are defined on first use (a builder,
attribute access such as ``estimators.GaussNewtonRefine``, or :func:`register`, which must
run before ``keras.saving.load_model`` of a model that holds them).
"""

from __future__ import annotations

import functools
import math
import types
from collections.abc import Callable
from typing import Annotated

import numpy as np

from sinefreq.params import Layers, Range, Units

# Bounds on the custom layers' settings. A saved model's settings come from its file, so
# each layer checks them when built (from_config calls __init__): a crafted zero-padding
# factor or step count must stop the load, not hang it or ask for 150 GB. The builders'
# hyper-parameters declare the same maxima, so the workflow refuses them before any job.
MAX_PAD = 64  # zero-padding factor of the DFT (the study uses 2 and 4)
MAX_HALF_WIDTH = 64  # bins either side of the peak (the study uses 3 and 4)
MAX_STEPS = 100  # unrolled Gauss-Newton steps (the study uses 2 and 4)
MAX_STAGES = 8  # learned stages of coarse_to_fine (the study uses 1 and 2)
# Values of the frozen DFT matrix, N x 2 (pad N / 2 + 1 + 2 margin): 1e8 is 0.8 GB as
# float64 (the study's largest, N = 100 and pad 4, holds 81,800; N = 2000 would hold 1.6e7).
MAX_DFT_VALUES = 100_000_000

# Hyper-parameters declare what they accept (sinefreq.params), as the thread's builders
# in sinefreq.models do: the workflow refuses a bad value before any job runs. Sizes have
# a ceiling too (sinefreq.params.Units, Layers), against a slip of a few zeros.
Pad = Annotated[int, Range(min=1, max=MAX_PAD, ceiling="sinefreq.estimators.MAX_PAD")]
HalfWidth = Annotated[
    int, Range(min=1, max=MAX_HALF_WIDTH, ceiling="sinefreq.estimators.MAX_HALF_WIDTH")
]
Steps = Annotated[int, Range(min=1, max=MAX_STEPS, ceiling="sinefreq.estimators.MAX_STEPS")]
Stages = Annotated[int, Range(min=1, max=MAX_STAGES, ceiling="sinefreq.estimators.MAX_STAGES")]
KernelSize = Annotated[int, Range(min=1, max=1024, ceiling="sinefreq.estimators.conv_resnet")]

LAYER_NAMES = ("SpectralTransform", "PeakWindow", "LocalSpectrum", "GaussNewtonRefine")


def dft_grid(n_samples: int, pad: int, margin: int = 0) -> np.ndarray:
    """Frequencies (rad/sample) of the ``pad``-times zero-padded DFT from 0 to Nyquist,
    extended by ``margin`` bins either side (a real series' DTFT is defined there too), so a
    window around any peak in ``[0, pi]`` stays on the grid."""
    half = (pad * n_samples) // 2
    return 2.0 * np.pi * np.arange(-margin, half + 1 + margin) / (pad * n_samples)


def dft_values(n_samples: int, pad: int, margin: int = 0) -> int:
    """Values of :class:`SpectralTransform`'s frozen matrix for series of ``n_samples``."""
    return n_samples * 2 * ((pad * n_samples) // 2 + 1 + 2 * margin)


def check_setting(layer: str, setting: str, value, low: int, high: int) -> int:
    """``value`` if it is an integer in ``[low, high]``, else a ValueError that names the
    layer, the setting, the value and the range."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(
            f"{layer}: {setting} {value!r} is not allowed; give an integer from {low} to {high}"
        )
    return value


def check_choice(layer: str, setting: str, value, choices: tuple):
    if not any(type(value) is type(c) and value == c for c in choices):
        allowed = ", ".join(map(repr, choices))
        raise ValueError(f"{layer}: {setting} {value!r} is not allowed; give one of {allowed}")
    return value


def check_dft_size(n_samples: int, pad: int, margin: int) -> None:
    """Refuse a DFT matrix above :data:`MAX_DFT_VALUES` before allocating it."""
    values = dft_values(n_samples, pad, margin)
    if values > MAX_DFT_VALUES:
        raise ValueError(
            f"SpectralTransform: series of {n_samples:,} samples at pad {pad} need a DFT matrix "
            f"of {values:.3g} values ({values * 8 / 1e9:.3g} GB as float64), above the ceiling "
            f"{MAX_DFT_VALUES:.3g} (sinefreq.estimators.MAX_DFT_VALUES); use a lower pad or "
            "shorter series"
        )


def cycles_per_bin(n_samples: int, pad: int) -> float:
    """Spacing of the padded DFT grid in cycles per window."""
    return (n_samples - 1) / (pad * n_samples)


@functools.cache
def _layers() -> types.SimpleNamespace:
    import keras
    from keras import ops

    def relative_window(re, im, centre, energy):
        """Features of a complex window ``(B, K)`` about its ``centre`` column: each value
        divided by the centre one (removing amplitude and phase), the centre's unit phasor,
        and the log of the centre's power over ``energy`` (a per-series SNR)."""
        pre, pim = re[:, centre : centre + 1], im[:, centre : centre + 1]
        ppow = pre * pre + pim * pim + 1e-20
        # z / z_centre = z conj(z_centre) / |z_centre|^2
        nre = (re * pre + im * pim) / ppow
        nim = (im * pre - re * pim) / ppow
        rms = ops.sqrt(ppow)
        share = ops.log(ppow / (energy + 1e-20))
        return ops.concatenate([nre, nim, pre / rms, pim / rms, share], axis=1)

    @keras.saving.register_keras_serializable(package="sinefreq")
    class SpectralTransform(keras.layers.Layer):
        """Zero-padded DFT of real series as a frozen matrix (recomputed from the config,
        never trained or saved). Time is centred, ``m = n - (N - 1)/2``, so a tone's
        spectrum is a real Dirichlet kernel times its phasor, with no linear phase.

        ``output``: ``"complex"`` gives ``(B, K, 2)`` (real, imaginary); ``"magnitude"``
        gives ``(B, K)``, divided by its per-series maximum when ``normalize``.
        """

        def __init__(self, pad=4, margin=0, output="complex", normalize=False, **kwargs):
            name = "SpectralTransform"
            check_setting(name, "pad", pad, 1, MAX_PAD)
            check_setting(name, "margin", margin, 0, MAX_HALF_WIDTH)
            check_choice(name, "output", output, ("complex", "magnitude"))
            check_choice(name, "normalize", normalize, (False, True))
            super().__init__(**kwargs)
            self.pad, self.margin, self.kind, self.normalize = pad, margin, output, normalize

        def build(self, input_shape):
            n = int(input_shape[-1])
            check_dft_size(n, self.pad, self.margin)
            m = np.arange(n) - (n - 1) / 2.0
            phase = np.outer(m, dft_grid(n, self.pad, self.margin))
            self.bins = phase.shape[1]
            self._matrix = np.concatenate([np.cos(phase), -np.sin(phase)], axis=1)

        def call(self, x):
            matrix = ops.convert_to_tensor(self._matrix.astype(self.compute_dtype))
            both = ops.matmul(x, matrix)
            re, im = both[:, : self.bins], both[:, self.bins :]
            if self.kind == "complex":
                return ops.stack([re, im], axis=-1)
            mag = ops.sqrt(re * re + im * im + 1e-12)
            if self.normalize:
                mag = mag / ops.max(mag, axis=1, keepdims=True)
            return mag

        def compute_output_shape(self, input_shape):
            bins = (self.pad * int(input_shape[-1])) // 2 + 1 + 2 * self.margin
            tail = (2,) if self.kind == "complex" else ()
            return (input_shape[0], bins, *tail)

        def get_config(self):
            return {
                **super().get_config(),
                "pad": self.pad,
                "margin": self.margin,
                "output": self.kind,
                "normalize": self.normalize,
            }

    @keras.saving.register_keras_serializable(package="sinefreq")
    class PeakWindow(keras.layers.Layer):
        """The ``2 half_width + 1`` bins around the periodogram's peak, as features.

        Takes a complex spectrum ``(B, K, 2)`` whose first and last ``margin`` bins lie
        outside ``[0, Nyquist]``; the peak is sought inside. Returns ``[features, peak]``:
        the window divided by the peak bin (removing amplitude and phase, so a noiseless
        complex tone gives a function of its offset alone), the peak bin's unit phasor (the
        negative-frequency image depends on it), and the log of the peak's share of the
        spectrum's energy (a per-series SNR); ``peak`` is the peak's index from 0 Hz.
        """

        def __init__(self, half_width=3, margin=3, **kwargs):
            check_setting("PeakWindow", "half_width", half_width, 0, MAX_HALF_WIDTH)
            check_setting("PeakWindow", "margin", margin, half_width, MAX_HALF_WIDTH)
            super().__init__(**kwargs)
            self.half_width, self.margin = half_width, margin

        def call(self, spec):
            re, im = spec[..., 0], spec[..., 1]
            power = re * re + im * im
            bins = ops.shape(power)[1]
            index = ops.arange(bins)
            inside = (index >= self.margin) & (index < bins - self.margin)
            peak = ops.argmax(ops.where(inside[None, :], power, -1.0), axis=1)
            window = peak[:, None] + ops.arange(-self.half_width, self.half_width + 1)[None, :]
            wre = ops.take_along_axis(re, window, axis=1)
            wim = ops.take_along_axis(im, window, axis=1)
            energy = ops.sum(ops.where(inside[None, :], power, 0.0), axis=1, keepdims=True)
            features = relative_window(wre, wim, self.half_width, energy)
            return [features, ops.cast(peak[:, None] - self.margin, self.compute_dtype)]

        def compute_output_shape(self, input_shape):
            width = 2 * (2 * self.half_width + 1) + 3
            return [(input_shape[0], width), (input_shape[0], 1)]

        def get_config(self):
            return {**super().get_config(), "half_width": self.half_width, "margin": self.margin}

    @keras.saving.register_keras_serializable(package="sinefreq")
    class LocalSpectrum(keras.layers.Layer):
        """The centred DTFT at ``2 half_width + 1`` frequencies ``spacing`` DFT bins apart
        around an estimate ``f`` (cycles per window), as features for a further learned
        stage: a fixed linear map of the series, at frequencies the previous stage chose.

        Inputs ``[x (B, N), f (B, 1)]``; returns what :class:`PeakWindow` returns for its
        window (each value divided by the centre one, the centre's unit phasor, the log of
        its share of the series' energy), plus ``f`` over Nyquist. No gradient flows to
        ``f`` through these features: each stage learns a correction of the one before.
        """

        def __init__(self, half_width=3, spacing=0.25, **kwargs):
            check_setting("LocalSpectrum", "half_width", half_width, 1, MAX_HALF_WIDTH)
            if not isinstance(spacing, float) or not 0.0 < spacing <= 1.0:
                raise ValueError(
                    f"LocalSpectrum: spacing {spacing!r} is not allowed; give a number of "
                    "DFT bins in (0, 1]"
                )
            super().__init__(**kwargs)
            self.half_width, self.spacing = half_width, spacing

        def call(self, inputs):
            x, f = inputs
            f = ops.stop_gradient(f)
            n = ops.cast(ops.shape(x)[-1], x.dtype)  # a tensor while TensorFlow traces
            m = ops.cast(ops.arange(ops.shape(x)[-1]), x.dtype) - (n - 1.0) / 2.0
            offsets = ops.cast(ops.arange(-self.half_width, self.half_width + 1), x.dtype)
            # X(w0 + k d) = sum_m (x_m e^{-i w0 m}) e^{-i k d m}: shift each series down to
            # its estimate, then one fixed (N, K) matrix; memory and work O(B N), not O(B K N).
            shift = (2.0 * math.pi / (n - 1.0)) * f * m[None, :]
            xr, xi = x * ops.cos(shift), -x * ops.sin(shift)
            grid = (2.0 * math.pi * self.spacing / n) * m[:, None] * offsets[None, :]
            cos, sin = ops.cos(grid), ops.sin(grid)
            re = ops.matmul(xr, cos) + ops.matmul(xi, sin)
            im = ops.matmul(xi, cos) - ops.matmul(xr, sin)
            # n sum(x^2) is the DFT's energy over the whole circle (Parseval)
            energy = n * ops.sum(x * x, axis=-1, keepdims=True)
            features = relative_window(re, im, self.half_width, energy)
            return ops.concatenate([features, f / ((n - 1.0) / 2.0)], axis=1)

        def compute_output_shape(self, input_shapes):
            return (input_shapes[0][0], 2 * (2 * self.half_width + 1) + 4)

        def get_config(self):
            return {**super().get_config(), "half_width": self.half_width, "spacing": self.spacing}

    @keras.saving.register_keras_serializable(package="sinefreq")
    class GaussNewtonRefine(keras.layers.Layer):
        """``steps`` unrolled Gauss-Newton steps on the concentrated least-squares cost of
        ``alpha cos(w m) + beta sin(w m)`` (amplitude and phase unknown), plus ``gamma``
        with ``offset`` (the four-parameter model of a series with a DC offset), from ``f0``.

        Inputs ``[x (B, N), f0 (B, 1)]`` in cycles per window; returns refined ``f``.
        The same step as ``classical.nls`` (``d'r / d'(I - P) d``), without its line
        search: each step is clipped to half a DFT bin instead. Written in ``keras.ops``, so
        it is differentiable. ``float64`` runs the steps in double precision (JAX needs
        ``jax_enable_x64`` for that). During training it passes ``f0`` through unless
        ``refine_in_training``: it has no weights, and its converged output does not depend
        on ``f0``, so the coarse network learns only from its own error.
        """

        def __init__(
            self, steps=3, float64=False, refine_in_training=False, offset=False, **kwargs
        ):
            name = "GaussNewtonRefine"
            check_setting(name, "steps", steps, 0, MAX_STEPS)
            check_choice(name, "float64", float64, (False, True))
            check_choice(name, "refine_in_training", refine_in_training, (False, True))
            check_choice(name, "offset", offset, (False, True))
            super().__init__(**kwargs)
            self.steps, self.float64 = steps, float64
            self.refine_in_training, self.offset = refine_in_training, offset

        def call(self, inputs, training=None):
            x, f0 = inputs
            if training and not self.refine_in_training:
                return f0
            dtype = "float64" if self.float64 else self.compute_dtype
            x = ops.cast(x, dtype)
            n = x.shape[-1]
            m = ops.convert_to_tensor((np.arange(n) - (n - 1) / 2.0)[None, :], dtype=dtype)
            to_omega = 2.0 * math.pi / (n - 1)
            half_bin = math.pi / n
            # At exactly 0 or Nyquist a column of the model vanishes and the step with it:
            # start a quarter bin inside, where a coarse estimate on the edge bin still moves.
            w = ops.clip(ops.cast(f0, dtype) * to_omega, half_bin / 2, math.pi - half_bin / 2)
            ridge = 1e-9 * n  # keeps the solves finite at 0 and Nyquist

            def total(a):
                return ops.sum(a, axis=1, keepdims=True)

            for _ in range(self.steps):
                c, s = ops.cos(w * m), ops.sin(w * m)
                # With centred m, sum(c s) = 0 and sin is odd, the constant even: the Gram
                # matrix splits into {sin} and {cos, constant}, solved in closed form.
                cc, ss = total(c * c) + ridge, total(s * s) + ridge
                beta = total(x * s) / ss
                sine_part = beta * s
                if self.offset:
                    sc, xc, x1 = total(c), total(x * c), total(x)
                    det = ops.maximum(n * cc - sc * sc, ridge * n)
                    alpha = (n * xc - sc * x1) / det
                    gamma = (cc * x1 - sc * xc) / det
                    r = x - gamma - alpha * c - sine_part
                else:
                    alpha = total(x * c) / cc
                    r = x - alpha * c - sine_part
                d = m * (beta * c - alpha * s)  # d model / d w
                cd, sd = total(c * d), total(s * d)
                if self.offset:  # d's projection on {cos, constant}, then on {sin}
                    one_d = total(d)
                    even = (n * cd * cd - 2.0 * sc * cd * one_d + cc * one_d * one_d) / det
                else:
                    even = cd * cd / cc
                curvature = total(d * d) - even - sd * sd / ss
                ok = curvature > 1e-12 * (total(d * d) + 1e-30)
                step = total(d * r) / ops.where(ok, curvature, 1.0)
                w = w + ops.clip(ops.where(ok, step, 0.0), -half_bin, half_bin)
            f = ops.clip(w / to_omega, 0.0, (n - 1) / 2.0)
            return ops.cast(f, self.compute_dtype)

        def compute_output_shape(self, input_shapes):
            return input_shapes[1]

        def get_config(self):
            return {
                **super().get_config(),
                "steps": self.steps,
                "float64": self.float64,
                "refine_in_training": self.refine_in_training,
                "offset": self.offset,
            }

    return types.SimpleNamespace(
        SpectralTransform=SpectralTransform,
        PeakWindow=PeakWindow,
        LocalSpectrum=LocalSpectrum,
        GaussNewtonRefine=GaussNewtonRefine,
    )


def coarse_network(model):
    """What training fits of ``model``: a hybrid whose Gauss-Newton steps pass the coarse
    estimate through in training (``refine_in_training`` false) is fitted as its coarse
    network alone (sharing its weights), so that validation, which runs the steps, judges
    what is trained: with the steps the validation loss barely moves, and early stopping
    kept a hybrid's first epoch. Any other model is fitted whole."""
    import keras

    for layer in model.layers:
        if isinstance(layer, _layers().GaussNewtonRefine) and not layer.refine_in_training:
            return keras.Model(model.inputs, layer.input[1], name=f"{model.name}_coarse")
    return model


def register() -> None:
    """Define and register the custom layers (call before loading a saved model)."""
    _layers()


def __getattr__(name: str):
    if name in LAYER_NAMES:
        return getattr(_layers(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _to_cycles(n_samples: int):
    """Map a head's output in [-1, 1] onto [0, Nyquist]."""
    from keras import layers

    half = (n_samples - 1) / 4.0
    return layers.Rescaling(half, offset=half, name="to_cycles_per_window")


def conv_resnet(
    n_samples: int,
    filters: Units = 32,
    blocks: Layers = 4,
    kernel_size: KernelSize = 7,
    dense_units: Units = 64,
):
    """(a) A 1-D residual conv net on the raw samples, pooled to one estimate."""
    from keras import Input, Model, layers

    inputs = Input(shape=(n_samples,), name="series")
    h = layers.Conv1D(filters, kernel_size, padding="same", activation="relu")(
        layers.Reshape((n_samples, 1))(inputs)
    )
    for _ in range(blocks):
        r = layers.Conv1D(filters, kernel_size, padding="same", activation="relu")(h)
        r = layers.Conv1D(filters, kernel_size, padding="same")(r)
        h = layers.Activation("relu")(layers.Add()([h, r]))
    # Frequency is a global property: average the local oscillation features over time.
    h = layers.Dense(dense_units, activation="relu")(layers.GlobalAveragePooling1D()(h))
    return Model(inputs, _to_cycles(n_samples)(layers.Dense(1)(h)), name="conv_resnet")


def spectral_cnn(n_samples: int, pad: Pad = 2, filters: Units = 16, dense_units: Units = 128):
    """(b) The fixed spectral front end (normalised zero-padded DFT magnitude), then a
    small conv net over the bins and a dense head."""
    from keras import Input, Model, layers

    lay = _layers()
    inputs = Input(shape=(n_samples,), name="series")
    mag = lay.SpectralTransform(pad, output="magnitude", normalize=True, name="dft")(inputs)
    h = layers.Reshape((-1, 1))(mag)
    h = layers.Conv1D(filters, 5, padding="same", activation="relu")(h)
    h = layers.Conv1D(filters, 5, padding="same", activation="relu")(h)
    h = layers.Dense(dense_units, activation="relu")(layers.Flatten()(h))
    return Model(inputs, _to_cycles(n_samples)(layers.Dense(1)(h)), name="spectral_cnn")


def _offset_head(features, hidden_units, hidden_layers, name):
    """An MLP's offset, in bins, from ``features``, plus a linear path from them (the linear
    path is nearly the classical interpolator already; the MLP corrects it); and the MLP's
    last hidden layer."""
    from keras import layers

    h = features
    for _ in range(hidden_layers):
        h = layers.Dense(hidden_units, activation="gelu")(h)
    return layers.Add(name=name)([layers.Dense(1)(h), layers.Dense(1)(features)]), h


def _coarse_to_fine(inputs, n_samples, pad, half_width, hidden_units, hidden_layers, hedge,
                    stages=1):  # fmt: skip
    """Peak bin (fixed) + a learned offset from the window around it; each further stage
    adds a learned offset from the DTFT around the estimate so far (+ a learned shrink
    towards mid-band, the MSE-optimal hedge when the peak may be noise)."""
    from keras import initializers, layers

    lay = _layers()
    spec = lay.SpectralTransform(pad, margin=half_width, name="dft")(inputs)
    features, peak = lay.PeakWindow(half_width, margin=half_width, name="peak_window")(spec)
    bins = (pad * n_samples) // 2
    features = layers.Concatenate()([features, layers.Rescaling(1.0 / bins)(peak)])
    offset, h = _offset_head(features, hidden_units, hidden_layers, "offset_bins")
    step = cycles_per_bin(n_samples, pad)
    f = layers.Add()([layers.Rescaling(step)(peak), layers.Rescaling(step)(offset)])
    for stage in range(2, stages + 1):
        local = lay.LocalSpectrum(half_width, 1.0 / pad, name=f"local_spectrum_{stage}")(
            [inputs, f]
        )
        offset, _ = _offset_head(local, hidden_units, hidden_layers, f"offset_bins_{stage}")
        f = layers.Add()([f, layers.Rescaling(step)(offset)])
    if hedge:
        # Only for MSE training below threshold: under the bound-weighted loss any shrink is
        # an error at high SNR, and outliers are clipped there, so it is off by default.
        mid = (n_samples - 1) / 4.0
        shrink = layers.Dense(
            1, activation="sigmoid", bias_initializer=initializers.Constant(-4.0), name="shrink"
        )(h)
        toward_mid = layers.Rescaling(-1.0, offset=mid)(f)
        f = layers.Add()([f, layers.Multiply()([shrink, toward_mid])])
    return f


def coarse_to_fine(
    n_samples: int,
    pad: Pad = 4,
    half_width: HalfWidth = 3,
    hidden_units: Units = 128,
    hidden_layers: Layers = 3,
    hedge: bool = False,
    stages: Stages = 1,
):
    """(c) Coarse-to-fine: the padded periodogram's peak bin, refined by an MLP that
    regresses the offset (in padded bins) from the peak-normalised window around it; with
    ``stages`` above 1, each further stage is another MLP that regresses a correction from
    the DTFT around the estimate so far (:class:`LocalSpectrum`): a cascade of learned
    heads on fixed transforms, no cost minimised."""
    from keras import Input, Model

    inputs = Input(shape=(n_samples,), name="series")
    f = _coarse_to_fine(
        inputs, n_samples, pad, half_width, hidden_units, hidden_layers, hedge, stages
    )
    return Model(inputs, f, name="coarse_to_fine")


def hybrid_gn(
    n_samples: int,
    steps: Steps = 4,
    float64: bool = False,
    pad: Pad = 4,
    half_width: HalfWidth = 3,
    hidden_units: Units = 128,
    hidden_layers: Layers = 3,
    hedge: bool = False,
    refine_in_training: bool = False,
    stages: Stages = 1,
):
    """(d) :func:`coarse_to_fine` followed by ``steps`` Gauss-Newton steps on the LS cost.

    Trains the coarse network (the refinement passes its input through in training, unless
    ``refine_in_training``: then the loss sees the refined estimate, whose gradient with
    respect to the coarse one vanishes where the steps converge); validation and
    prediction see the refined estimate.
    """
    from keras import Input, Model

    inputs = Input(shape=(n_samples,), name="series")
    f = _coarse_to_fine(
        inputs, n_samples, pad, half_width, hidden_units, hidden_layers, hedge, stages
    )
    refine = _layers().GaussNewtonRefine(
        steps, float64=float64, refine_in_training=refine_in_training, name="gauss_newton"
    )
    refined = refine([inputs, f])
    return Model(inputs, refined, name="hybrid_gn")


ARCHITECTURES: dict[str, Callable] = {
    builder.__name__: builder for builder in (conv_resnet, spectral_cnn, coarse_to_fine, hybrid_gn)
}

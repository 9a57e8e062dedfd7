"""``sinefreq estimate``: the frequency of each of a user's own series.

    sinefreq estimate signals.npy --method nls
    sinefreq estimate signals.csv --model results/runs/a2_thread/a2_lstm/seed0/model.keras
    sinefreq estimate data/noise_snr10dB.h5 --split test --method fft_interp --sample-rate 1000

Rows are series sampled on one window (the thread's ``t = linspace(0, 2 pi, N)``); the
output is one CSV row per series in cycles per window, and in Hz with ``--sample-rate``,
with a ``dc_offset`` column that says whether the estimate fitted one (``--offset``, the
classical estimators' default, or a model whose contract admits one) or took the series to
have none (``--no-offset``, or a model trained without). A model runs as the study's
evaluation runs it: on the study's Keras backend (JAX; ``--backend`` or ``KERAS_BACKEND``
chooses another), on one thread, on the series as given, so that its answers on a study
dataset are those in the run's predictions file.
Every option and what can be known of the file is checked before any work; any failure
exits 2 with one line on standard error that names the file and what is wrong, and
leaves no output behind.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import math
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from sinefreq import classical, io, params
from sinefreq.training import BACKENDS
from sinefreq.userfiles import InputError, SeriesFile, one_line, open_series

# Inputs of this many series or more (or of unknown length: CSV) get a progress bar, on a
# terminal.
PROGRESS_MIN_ROWS = 50_000


def positive_float(text: str) -> float:
    """argparse type of ``--sample-rate``: a finite number above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, got {text!r}")
    return value


def check_output(path: str | None) -> None:
    """``-o`` must name a file whose folder exists or can be made, checked before work."""
    if path is None:
        return
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{target}: -o names a directory; give a file name such as out.csv")
    parent = target.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"{target}: cannot write there: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{target}: cannot write there: no permission to write in {parent}")


def load_model(model_path: str | Path):
    """A trained model, in Keras's safe mode, checked to take one series a row and give one
    frequency each; returns ``(model, series length or None for any length, contract or
    None)``."""
    model_path = Path(model_path)
    if not model_path.is_file():
        raise InputError(f"{model_path}: no such model file")
    import keras

    from sinefreq import models, training

    # custom layers and activations, for safe-mode loading
    models.register_custom_objects()
    try:
        # Inference only: a custom training loss need not be loadable here.
        with training.tensorflow_left_unimported():
            model = keras.saving.load_model(model_path, safe_mode=True, compile=False)
    except Exception as err:  # a crafted or foreign file fails in many ways; name them all
        # Keras wraps a layer's own refusal in a long TypeError; its last part says why.
        reason = one_line(err).rpartition("Exception encountered: ")[2]
        raise InputError(
            f"{model_path}: cannot load the model ({type(err).__name__}: {reason})"
        ) from None
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise InputError(
            f"{model_path}: the model has {len(model.inputs)} inputs and "
            f"{len(model.outputs)} outputs; sinefreq estimate needs one series in and one "
            "frequency out"
        )
    shape_in = tuple(model.inputs[0].shape)
    if not (len(shape_in) == 2 or (len(shape_in) == 3 and shape_in[2] == 1)):
        raise InputError(
            f"{model_path}: the model takes inputs of shape {shape_in}; sinefreq estimate "
            "feeds series as (batch, N) or (batch, N, 1)"
        )
    shape_out = tuple(model.outputs[0].shape)
    if shape_out[1:] not in ((1,), ()):
        raise InputError(
            f"{model_path}: the model's output has shape {shape_out}; sinefreq estimate "
            "needs one frequency per series, shape (batch, 1)"
        )
    return model, shape_in[1], model_contract(model_path)


def model_contract(model_path: Path):
    """The contract a study-trained model carries (:mod:`sinefreq.contract`), else None."""
    from sinefreq import contract

    try:
        return contract.read(model_path)
    except ValueError as err:  # pydantic's ValidationError and JSON errors are ValueErrors
        raise InputError(
            f"{model_path}: its {contract.ENTRY} is not a contract ({one_line(err)})"
        ) from None


class RowsOutsideContract(ValueError):
    """Series a model's contract excludes; ``rows`` are their indices, ``what`` says why."""

    what = "outside the model's contract"

    def __init__(self, rows: np.ndarray):
        self.rows = np.asarray(rows)
        super().__init__(f"series (rows) {classical.format_rows(self.rows)} are {self.what}")


class OffScaleError(RowsOutsideContract):
    what = "off scale"


class OffsetError(RowsOutsideContract):
    what = "on a DC offset"


def without_dominant_offsets(x: np.ndarray) -> np.ndarray:
    """The rows as given, except a row whose mean outweighs its swing about that mean:
    shifted by it, in float64. A model whose contract admits an offset answers a shifted
    series alike (its front end removes the mean, its steps fit an offset), and the
    network's float32 would otherwise keep the offset's digits and lose the tone's."""
    mean = x.mean(axis=1, keepdims=True)
    swing = np.abs(x - mean).max(axis=1, keepdims=True)
    return np.where(np.abs(mean) > swing, x - mean, x)


def use_backend(chosen: str | None) -> None:
    """Run Keras on ``chosen`` (None: ``KERAS_BACKEND``, else the study's), pinned as the
    study's evaluation pins it, before Keras is first imported. Where this process already
    runs Keras (a caller's own), that backend stays; naming another is an error."""
    from sinefreq import steps, training

    if "keras" in sys.modules:
        import keras

        running = keras.backend.backend()
        if chosen is not None and chosen != running:
            raise InputError(f"--backend {chosen}: Keras already runs on {running} in this process")
        return
    backend = chosen or os.environ.get("KERAS_BACKEND") or training.DEFAULT_BACKEND
    if backend not in training.BACKENDS:
        raise InputError(
            f"KERAS_BACKEND={backend!r} is not a Keras backend; use one of "
            f"{', '.join(training.BACKENDS)}"
        )
    training.configure_runtime(steps.EVALUATION_THREADS, 0, backend)


def model_estimator(model, model_path, length: int | None, n_samples: int, served) -> Callable:
    """Predictions of ``model`` for a chunk of series, once their length is known to fit
    the model and the contract it ``served`` (None: a model without one)."""
    if served is not None and not served.admits_length(n_samples):
        raise InputError(
            f"series have {n_samples} samples; {model_path} serves {served.describe()}"
        )
    if length is not None and n_samples != length:
        relation = "shorter" if n_samples < length else "longer"
        raise InputError(
            f"series have {n_samples} samples, {relation} than the {length} that "
            f"{model_path} expects"
        )
    from sinefreq import training

    def estimate(x: np.ndarray) -> np.ndarray:
        # A network answers even for a constant row; refuse those as the estimators do.
        flat = classical.rows_without_tone(x)
        if flat.size:
            raise classical.NoToneError(flat)
        if served is not None:
            off_scale = served.rows_off_scale(x)
            if off_scale.size:
                raise OffScaleError(off_scale)
            # Least squares' test, run here, not in the contract: the study's jobs write
            # contracts and should not re-run when an estimator changes.
            with_offset = np.empty(0, int) if served.dc_offset else classical.rows_with_offset(x)
            if with_offset.size:
                raise OffsetError(with_offset)
            if served.dc_offset:
                x = without_dominant_offsets(x)
            if served.scale_free:
                # Exact powers of two: the network's float32 then holds a series of any scale.
                x = classical.scaled_rows(x)
        with training.tensorflow_left_unimported():
            return training.predict(model, x)

    return estimate


def to_hz(cycles_per_window: np.ndarray, n_samples: int, sample_rate: float) -> np.ndarray:
    """A window of N samples at ``sample_rate`` Hz lasts (N - 1) / sample_rate seconds."""
    return cycles_per_window * sample_rate / (n_samples - 1)


class RowProblems:
    """Rows found unusable across all chunks, so that one message names them all."""

    def __init__(self):
        self.nonfinite: list[np.ndarray] = []
        self.no_tone: list[np.ndarray] = []
        self.outside: dict[type, list[np.ndarray]] = {OffScaleError: [], OffsetError: []}

    def __bool__(self) -> bool:
        return bool(self.nonfinite or self.no_tone or any(self.outside.values()))

    def raise_if_any(self, path, served=None) -> None:
        for rows, what in (
            (self.nonfinite, "NaN or infinite values"),
            (self.no_tone, "no tone (constant to within rounding: no frequency to estimate)"),
        ):
            if rows:
                found = np.concatenate(rows)
                raise InputError(f"{path}: {what} in series (rows) {classical.format_rows(found)}")
        for refused, rows in self.outside.items():
            if rows:
                found = classical.format_rows(np.concatenate(rows))
                raise InputError(f"{path}: series (rows) {found} {why(refused, served)}")


def why(refused: type, served) -> str:
    """Why a model refuses rows outside its contract ``served``, and what to do instead."""
    if refused is OffScaleError:
        lo, hi = served.rms_range()
        return f"have an RMS outside [{lo:.3g}, {hi:.3g}]: the model serves {served.describe()}"
    return (
        f"carry a DC offset: the model serves {served.describe()}; use --method nls, which "
        "fits an offset, or a model whose contract admits one (such as the study's "
        "coarse_to_fine_any_gn)"
    )


def estimate_series(
    series: SeriesFile, estimate: Callable, served=None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Estimate every chunk of ``series``; the frequencies and the file's truth, if any.
    ``served``: the contract of the model behind ``estimate``, for its refusals."""
    found, truth = [], []
    problems = RowProblems()
    with progress_bar(series) as advance:
        for chunk in series.chunks():
            x = chunk.x
            bad = np.flatnonzero(~np.isfinite(x).all(axis=1))
            if bad.size:
                problems.nonfinite.append(bad + chunk.start)
            elif not problems:
                try:
                    found.append(estimate(x))
                except classical.NoToneError as err:
                    problems.no_tone.append(err.rows + chunk.start)
                except RowsOutsideContract as err:
                    problems.outside[type(err)].append(err.rows + chunk.start)
            if chunk.truth is not None:
                truth.append(chunk.truth)
            advance(len(x))
    problems.raise_if_any(series.path, served)
    return np.concatenate(found), (np.concatenate(truth) if series.has_truth else None)


@contextlib.contextmanager
def progress_bar(series: SeriesFile) -> Iterator[Callable[[int], None]]:
    """A bar on standard error while a long input is estimated (only on a terminal)."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    long_input = series.n_rows is None or series.n_rows >= PROGRESS_MIN_ROWS
    with Progress(console=console, transient=True, disable=not long_input) as bar:
        task = bar.add_task(f"estimating {series.path.name}", total=series.n_rows)
        yield lambda rows: bar.advance(task, rows)


def estimate_table(args: argparse.Namespace):
    import pandas as pd

    check_output(args.output)
    series = open_series(args.source, args.split)
    if series.n_samples < classical.MIN_SAMPLES:
        raise InputError(
            f"{series.path}: series of {series.n_samples} samples; at least "
            f"{classical.MIN_SAMPLES} are needed"
        )
    served = None
    if args.model:
        if args.offset is not None:
            raise InputError(
                "--offset and --no-offset apply to --method; a model fits an offset or not "
                "as its contract says"
            )
        use_backend(args.backend)
        model, length, served = load_model(args.model)
        estimate = model_estimator(model, args.model, length, series.n_samples, served)
        offset = "unknown" if served is None else OFFSET_WORDS[served.dc_offset]
    else:
        estimate, fitted = classical_estimator(args.method, args.offset)
        offset = OFFSET_WORDS[fitted]
    f, truth = estimate_series(series, estimate, served)
    table = pd.DataFrame(
        {"series": np.arange(len(f)), "frequency_cycles_per_window": f, "dc_offset": offset}
    )
    if args.sample_rate is not None:
        table["frequency_hz"] = to_hz(f, series.n_samples, args.sample_rate)
    if truth is not None:
        table["true_cycles_per_window"] = truth
    return table


# The dc_offset column: whether the estimate fitted an offset or took each series to have none.
OFFSET_WORDS = {True: "fitted", False: "none"}


def classical_estimator(method: str, offset: bool | None) -> tuple[Callable, bool]:
    """The estimator ``method`` with an offset fitted or not (None: its default, which fits
    one: a user's signal may carry a DC offset), and whether it fits one."""
    estimator = classical.ESTIMATORS[method]
    declared = {m: params.options(e).get("offset") for m, e in classical.ESTIMATORS.items()}
    if declared[method] is None:
        # It removes each series' mean, and models the leakage that leaves.
        if offset is False:
            takes = ", ".join(sorted(m for m, option in declared.items() if option))
            raise InputError(
                f"--no-offset: --method {method} always removes each series' mean; "
                f"the methods that can assume no offset are {takes}"
            )
        return estimator, True
    _, default = declared[method]
    fitted = default if offset is None else offset
    return functools.partial(estimator, offset=fitted), fitted


def write_table(table, output: str | None) -> None:
    if output:
        io.write_table(output, table)
    else:
        table.to_csv(sys.stdout, index=False, float_format="%.10g")


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line with exit status 2, like every other failure."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    main_parser = OneLineParser(prog="sinefreq", description=__doc__.split("\n\n")[0])
    commands = main_parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    est = commands.add_parser("estimate", help="estimate the frequency of each series in a file")
    est.add_argument("source", help=".npy or .csv (one series a row) or a sinefreq .h5 dataset")
    how = est.add_mutually_exclusive_group()
    how.add_argument("--model", help="a trained model.keras")
    how.add_argument(
        "--method",
        choices=sorted(classical.ESTIMATORS),
        default="nls",
        help="classical estimator (default nls)",
    )
    est.add_argument(
        "--offset",
        action=argparse.BooleanOptionalAction,
        help="with --method: fit a DC offset (the default) or take the series to have none",
    )
    est.add_argument(
        "--backend",
        choices=BACKENDS,
        help="with --model: the Keras backend (default: KERAS_BACKEND, else the study's, jax)",
    )
    est.add_argument("--split", help="split of an .h5 dataset: train or test (default test)")
    est.add_argument(
        "--sample-rate", type=positive_float, help="samples per second: adds a column in Hz"
    )
    est.add_argument("-o", "--output", help="write CSV here instead of standard output")
    return main_parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as stop:  # usage errors and --help: their status, also in-process
        return int(stop.code or 0)
    try:
        write_table(estimate_table(args), args.output)
    except KeyboardInterrupt:
        print("sinefreq estimate: interrupted; nothing written", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"sinefreq estimate: error: {args.source}: out of memory", file=sys.stderr)
        return 2
    except Exception as err:  # noqa: BLE001 - every failure is one line, never a traceback
        print(f"sinefreq estimate: error: {describe(err, args.source)}", file=sys.stderr)
        return 2
    return 0


def describe(err: Exception, source) -> str:
    """One line naming what is wrong: our own messages as they are; anything else with the
    input file and the error's type, since it was not foreseen."""
    if isinstance(err, InputError | io.DataFileError):
        return one_line(err)
    if isinstance(err, OSError) and err.filename:
        return f"{err.filename}: {err.strerror or one_line(err)}"
    return f"{source}: {type(err).__name__}: {one_line(err)}"


if __name__ == "__main__":
    sys.exit(main())

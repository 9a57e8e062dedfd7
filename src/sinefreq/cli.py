"""``sinefreq estimate``: the frequency of each of a user's own series.

    sinefreq estimate signals.npy --method nls
    sinefreq estimate signals.csv --model results/runs/a2_thread/a2_lstm/seed0/model.keras
    sinefreq estimate data/noise_snr10dB.h5 --split test --method fft_interp --sample-rate 1000

Rows are series sampled on one window (the thread's ``t = linspace(0, 2 pi, N)``); the
output is one CSV row per series in cycles per window, and in Hz with ``--sample-rate``.
Every option and what can be known of the file is checked before any work; any failure
exits 2 with one line on standard error that names the file and what is wrong, and
leaves no output behind.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from sinefreq import classical, io
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

    from sinefreq import models

    # custom layers and activations, for safe-mode loading
    models.register_custom_objects()
    try:
        # Inference only: a custom training loss need not be loadable here.
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


class OffScaleError(ValueError):
    """Series whose scale no training series had; ``rows`` are their indices."""

    def __init__(self, rows: np.ndarray):
        self.rows = np.asarray(rows)
        super().__init__(f"series (rows) {classical.format_rows(self.rows)} are off scale")


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
        off_scale = np.empty(0, int) if served is None else served.rows_off_scale(x)
        if off_scale.size:
            raise OffScaleError(off_scale)
        if served is not None and served.dc_offset:
            # The network removes the mean too; here, in float64, the tone keeps its digits.
            x = x - x.mean(axis=1, keepdims=True)
        if served is not None and served.scale_free:
            # Exact powers of two: the network's float32 then holds a series of any scale.
            x = classical.scaled_rows(x)
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
        self.off_scale: list[np.ndarray] = []

    def __bool__(self) -> bool:
        return bool(self.nonfinite or self.no_tone or self.off_scale)

    def raise_if_any(self, path, served=None) -> None:
        for rows, what in (
            (self.nonfinite, "NaN or infinite values"),
            (self.no_tone, "no tone (constant to within rounding: no frequency to estimate)"),
        ):
            if rows:
                found = np.concatenate(rows)
                raise InputError(f"{path}: {what} in series (rows) {classical.format_rows(found)}")
        if self.off_scale:
            found = np.concatenate(self.off_scale)
            lo, hi = served.rms_range()
            raise InputError(
                f"{path}: series (rows) {classical.format_rows(found)} have an RMS outside "
                f"[{lo:.3g}, {hi:.3g}]: the model serves {served.describe()}"
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
                except OffScaleError as err:
                    problems.off_scale.append(err.rows + chunk.start)
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
        model, length, served = load_model(args.model)
        estimate = model_estimator(model, args.model, length, series.n_samples, served)
    else:
        # With the estimators' defaults: a user's signal may carry a DC offset, which nls fits.
        estimate = classical.ESTIMATORS[args.method]
    f, truth = estimate_series(series, estimate, served)
    table = pd.DataFrame({"series": np.arange(len(f)), "frequency_cycles_per_window": f})
    if args.sample_rate is not None:
        table["frequency_hz"] = to_hz(f, series.n_samples, args.sample_rate)
    if truth is not None:
        table["true_cycles_per_window"] = truth
    return table


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

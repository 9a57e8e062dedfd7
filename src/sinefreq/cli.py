"""``sinefreq estimate``: the frequency of each of a user's own series.

    sinefreq estimate signals.npy --method nls
    sinefreq estimate signals.csv --model results/runs/a2_thread/a2_lstm/seed0/model.keras
    sinefreq estimate data/noise_snr10dB.h5 --split test --method fft_interp --sample-rate 1000

Rows are series sampled on one window (the thread's ``t = linspace(0, 2 pi, N)``); the
output is one CSV row per series in cycles per window, and in Hz with ``--sample-rate``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from sinefreq import classical, io


class InputError(ValueError):
    """The user's file or arguments cannot be estimated from; the message says why."""


def load_series(path: str | Path, split: str = "test") -> tuple[np.ndarray, np.ndarray | None]:
    """Series (rows) from ``.npy``, ``.csv`` (one series a row) or a sinefreq ``.h5`` dataset,
    and the true frequencies where the file has them."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    truth = None
    if suffix == ".npy":
        x = np.load(path, allow_pickle=False)
    elif suffix == ".csv":
        try:
            x = np.loadtxt(path, delimiter=",", ndmin=2)
        except ValueError as err:
            raise InputError(f"{path}: not a numeric CSV with one series a row ({err})") from None
    elif suffix in (".h5", ".hdf5"):
        if split not in io.SPLITS:
            raise InputError(f"--split must be one of {', '.join(io.SPLITS)}, got {split!r}")
        splits, _ = io.read_dataset(path)
        x, truth = splits[split]["x"], splits[split]["y"]
    else:
        raise InputError(
            f"{path}: unknown format {suffix!r}; use .npy, .csv or a sinefreq .h5 dataset"
        )
    return check_series(np.asarray(x, dtype=float), path), truth


def check_series(x: np.ndarray, source) -> np.ndarray:
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[0] == 0:
        raise InputError(
            f"{source}: expected a 2-D array with one series a row, got shape {x.shape}"
        )
    bad_rows = np.flatnonzero(~np.all(np.isfinite(x), axis=1))
    if bad_rows.size:
        shown = ", ".join(map(str, bad_rows[:5])) + (" ..." if bad_rows.size > 5 else "")
        raise InputError(f"{source}: NaN or infinite values in series (rows) {shown}")
    return x


def estimate_with_model(model_path: str | Path, x: np.ndarray) -> np.ndarray:
    import keras

    from sinefreq import models, training

    models.register_custom_objects()  # custom layers and activations, for safe-mode loading

    model_path = Path(model_path)
    if not model_path.is_file():
        raise InputError(f"{model_path}: no such model file")
    # Inference only: a custom training loss need not be loadable here.
    model = keras.saving.load_model(model_path, safe_mode=True, compile=False)
    expected = model.inputs[0].shape[1]
    if x.shape[1] != expected:
        relation = "shorter" if x.shape[1] < expected else "longer"
        raise InputError(
            f"series have {x.shape[1]} samples, {relation} than the {expected} that {model_path} expects"
        )
    return training.predict(model, x)


def to_hz(cycles_per_window: np.ndarray, n_samples: int, sample_rate: float) -> np.ndarray:
    """A window of N samples at ``sample_rate`` Hz lasts (N - 1) / sample_rate seconds."""
    return cycles_per_window * sample_rate / (n_samples - 1)


def estimate_table(args: argparse.Namespace):
    import pandas as pd

    x, truth = load_series(args.source, args.split)
    # With the estimators' defaults: a user's signal may carry a DC offset, which nls fits.
    f = estimate_with_model(args.model, x) if args.model else classical.estimate(args.method, x)
    table = pd.DataFrame({"series": np.arange(len(f)), "frequency_cycles_per_window": f})
    if args.sample_rate is not None:
        if not args.sample_rate > 0:
            raise InputError(f"--sample-rate must be positive, got {args.sample_rate}")
        table["frequency_hz"] = to_hz(f, x.shape[1], args.sample_rate)
    if truth is not None:
        table["true_cycles_per_window"] = truth
    return table


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="sinefreq", description=__doc__.split("\n\n")[0])
    commands = main_parser.add_subparsers(dest="command", required=True)
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
    est.add_argument("--split", default="test", help="split of an .h5 dataset (default test)")
    est.add_argument("--sample-rate", type=float, help="samples per second: adds a column in Hz")
    est.add_argument("-o", "--output", help="write CSV here instead of standard output")
    return main_parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        table = estimate_table(args)
    except (InputError, io.DataFileError, ValueError) as err:
        print(f"sinefreq estimate: error: {err}", file=sys.stderr)
        return 2
    if args.output:
        io.write_table(args.output, table)
    else:
        table.to_csv(sys.stdout, index=False, float_format="%.10g")
    return 0


if __name__ == "__main__":
    sys.exit(main())

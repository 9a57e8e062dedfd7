"""Train the any-length network (sinefreq.any_length) once and measure it against the
exact Cramer-Rao bound at several series lengths, over the whole band and by band (within
2 cycles of 0 or Nyquist, and the interior), beside least squares; the same weights with
Gauss-Newton steps (the hybrid) too.

    python benchmarks/bench_any_length.py --epochs 120
    python benchmarks/bench_any_length.py --quick          # a minute, for the tests

Prints two markdown tables (dB above the bound; series per second, with --threads 1 on
one core) and writes the model, with its contract, and the training history under --out.
``--model`` measures a model trained before instead of training one.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np


def measure(estimate, n: int, snr_db: float, size: int, seed: int) -> dict:
    """dB above the bound of ``estimate`` at length ``n``: all, edge and interior series."""
    from sinefreq import any_length, generator
    from sinefreq.crlb import db_above_bound
    from sinefreq.paper import BAND_EDGE

    spec = {"frequency": any_length.band(n), "snr_db": snr_db}
    test = generator.draw(n, spec, size, np.random.default_rng([seed, n, int(snr_db * 10)]))
    err2 = (np.asarray(estimate(test["x"]), float).reshape(-1) - test["y"]) ** 2
    edge = (test["y"] < BAND_EDGE) | (test["y"] > (n - 1) / 2.0 - BAND_EDGE)
    out = {}
    for part, rows in (("all", slice(None)), ("edges", edge), ("interior", ~edge)):
        rmse, bound = np.sqrt(err2[rows].mean()), np.sqrt(test["crlb_var"][rows].mean())
        out[part] = float(db_above_bound(rmse, bound))
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # The study's coarse_to_fine_any: training stops on epochs and patience, not the clock.
    parser.add_argument("--epochs", type=int, default=120)
    parser.add_argument("--batches", type=int, default=100, help="batches per epoch")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--patience", type=int, default=40)
    parser.add_argument("--workers", type=int, default=1, help="threads drawing batches")
    parser.add_argument("--lengths", default="32,64,100,256,1024")
    parser.add_argument("--snrs", default="0,10,20,30")
    parser.add_argument("--size", type=int, default=2000, help="test series per length and SNR")
    parser.add_argument("--out", default="results/bench_any_length")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--model", help="measure this trained model.keras; train none")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default all)")
    parser.add_argument(
        "--interpolate", action="store_true", help="offsets from the two-sample interpolator's"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.batches, args.size = 2, 5, 200
        args.lengths, args.snrs = "32,100", "10"

    from sinefreq import training

    if args.threads is not None:
        training.configure_runtime(args.threads, seed=0)
    import keras

    from sinefreq import any_length, classical

    keras.utils.set_random_seed(0)
    lengths = [int(v) for v in args.lengths.split(",")]
    if args.model:
        any_length.register()
        model = keras.saving.load_model(args.model, compile=False)
    else:
        model = train(args)
    hybrid = any_length.coarse_to_fine_any(None, **architecture(args), steps=4)
    hybrid.set_weights(model.get_weights())

    def network(net):
        return lambda x: net.predict(x, batch_size=4096, verbose=0)

    estimators = {
        "coarse_to_fine_any": network(model),
        "coarse_to_fine_any + 4 GN steps": network(hybrid),
        # without an offset: the maximum-likelihood estimator of these series, as in the study
        "nls": lambda x: classical.nls(x, offset=False),
    }
    snrs = [float(v) for v in args.snrs.split(",")]
    print(f"dB above the exact bound, {args.size} series per length and SNR "
          "(all / edges / interior)")  # fmt: skip
    print("| N | estimator | " + " | ".join(f"{s:g} dB" for s in snrs) + " |")
    print("|---|---|" + "---|" * len(snrs))
    for n in lengths:
        for name, estimate in estimators.items():
            cells = []
            for snr in snrs:
                r = measure(estimate, n, snr, args.size, seed=1)
                cells.append(f"{r['all']:+.1f} / {r['edges']:+.1f} / {r['interior']:+.1f}")
            print(f"| {n} | {name} | " + " | ".join(cells) + " |", flush=True)
    print_speed({"coarse_to_fine_any": model, "+ 4 GN steps": hybrid}, lengths)


def print_speed(models: dict, lengths: list[int], size: int = 20_000) -> None:
    """Series per second of each model at each length (the best of two timed passes)."""
    from sinefreq import generator, steps, training

    print("| N | " + " | ".join(f"{name} series/s" for name in models) + " |")
    print("|---|" + "---|" * len(models))
    for n in lengths:
        x = generator.draw(n, {"frequency": [1, (n - 1) / 4]}, size, np.random.default_rng(n))["x"]
        cells = []
        for model in models.values():
            training.predict(model, x)  # compile for this length first
            speed = steps.series_per_second(lambda v, m=model: training.predict(m, v), x)
            cells.append(f"{speed:,.0f}")
        print(f"| {n} | " + " | ".join(cells) + " |", flush=True)


def architecture(args) -> dict:
    """The network's hyper-parameters: coarse_to_fine_long's (config/config.yaml)."""
    return {"hidden_units": 256, "half_width": 4, "interpolate": args.interpolate}


def train(args):
    """Train the network as ``args`` say; save it, its contract and its history."""
    import pandas as pd

    from sinefreq import any_length, contract, training
    from sinefreq.settings import EstimatorModel

    model = any_length.coarse_to_fine_any(None, **architecture(args))
    # coarse_to_fine_long's settings (config/config.yaml), with this run's budget
    settings = EstimatorModel(
        architecture="coarse_to_fine_any", regime="estimator", loss="bound", clip=100.0,
        epochs=args.epochs, batches_per_epoch=args.batches, batch_size=args.batch_size,
        patience=args.patience,
    )  # fmt: skip
    start = time.monotonic()
    history, _ = any_length.fit(model, settings, workers=args.workers)
    minutes = (time.monotonic() - start) / 60.0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    training.save_model(model, out / "model.keras")
    contract.write(out / "model.keras", any_length.contract())
    pd.DataFrame(history).to_csv(out / "history.csv", index_label="epoch")
    print(f"trained {len(history['loss'])} epochs in {minutes:.1f} min")
    return model


if __name__ == "__main__":
    main()

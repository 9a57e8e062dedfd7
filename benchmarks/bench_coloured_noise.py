"""Least squares in AR(1) noise: RMSE of nls assuming white noise and prewhitened, against
the exact coloured-noise Cramer-Rao bound, over SNR levels (the noise benchmark's draws:
N = 100, f ~ U(1, 49), A ~ U(0.5, 2), phase ~ U(0, 2 pi)). Prints a Markdown table.

    PYTHONPATH=src python benchmarks/bench_coloured_noise.py [--series 2000] [--rho 0.5 0.9]
"""

import argparse
import time

import numpy as np

from sinefreq import classical, crlb, noise, signals


def measure(rho: float, snr_db: float, series: int, n_samples: int, seed: int) -> dict:
    model = noise.AR1(rho)
    rng = np.random.default_rng([seed, int(rho * 1000), int(snr_db * 10) + 1000])
    f = rng.uniform(1.0, 49.0, series)
    amplitude, phase = rng.uniform(0.5, 2.0, series), rng.uniform(0.0, 2 * np.pi, series)
    x = signals.sine_series(f, n_samples, amplitude=amplitude, phase=phase)
    x = x + model.draw(rng, x.shape, signals.noise_sigma(amplitude, snr_db))
    row = {"rho": rho, "snr_db": snr_db}
    for name, options in (("nls_white", {}), ("nls", {"noise": model})):
        start = time.perf_counter()
        estimate = classical.ESTIMATORS[name](x, offset=False, **options)
        row[f"{name}_s"] = time.perf_counter() - start
        row[name] = float(np.sqrt(np.mean((estimate - f) ** 2)))
    row["bound"] = crlb.crlb_mean_rmse(f, n_samples, snr_db, phase=phase, noise=model)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--n-samples", type=int, default=100)
    parser.add_argument("--rho", type=float, nargs="+", default=[0.5, 0.9])
    parser.add_argument("--snr-db", type=float, nargs="+", default=[-5, 0, 5, 10, 20, 30])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        "| rho | SNR dB | nls assuming white | nls prewhitened | bound | white / bound (dB) "
        "| prewhitened / bound (dB) |"
    )
    print("|---|---|---|---|---|---|---|")
    for rho in args.rho:
        for snr_db in args.snr_db:
            r = measure(rho, snr_db, args.series, args.n_samples, args.seed)
            above = {k: float(crlb.db_above_bound(r[k], r["bound"])) for k in ("nls_white", "nls")}
            print(
                f"| {rho:g} | {snr_db:g} | {r['nls_white']:.4g} | {r['nls']:.4g} | "
                f"{r['bound']:.4g} | {above['nls_white']:+.2f} | {above['nls']:+.2f} |"
            )


if __name__ == "__main__":
    main()

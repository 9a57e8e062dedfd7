"""Throughput of the classical estimators on one core: series per second.

Run from the repository root::

    python benchmarks/bench_classical.py [--repeats 3] [--snr-db 20]

Pins BLAS/OpenMP to one thread before NumPy loads, times ``fft_interp`` and ``nls`` on
random tones (frequency uniform inside the band, random phase) with white noise, and
prints the best of ``--repeats`` runs, the RMSE in cycles per window, and how far that
lies above the Cramer-Rao bound.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sinefreq.classical import ESTIMATORS  # noqa: E402
from sinefreq.crlb import crlb_mean_rmse, db_above_bound  # noqa: E402

TARGETS = {("fft_interp", 100): 100_000, ("nls", 100): 20_000}


def make_series(n_series: int, n_samples: int, snr_db: float, seed: int):
    """Unit-amplitude noisy tones with f uniform in [1, Nyquist - 1] cycles per window."""
    rng = np.random.default_rng(seed)
    f = rng.uniform(1.0, (n_samples - 1) / 2.0 - 1.0, n_series)
    phase = rng.uniform(0.0, 2.0 * np.pi, n_series)
    t = np.linspace(0.0, 2.0 * np.pi, n_samples)
    sigma = 1.0 / np.sqrt(2.0 * 10.0 ** (snr_db / 10.0))
    x = np.sin(f[:, None] * t + phase[:, None])
    x += sigma * rng.standard_normal((n_series, n_samples))
    return x, f, phase


def best_time(func, x: np.ndarray, repeats: int) -> tuple[float, np.ndarray]:
    """Shortest wall time of ``repeats`` calls, and the last result."""
    best = np.inf
    out = None
    for _ in range(repeats):
        start = time.perf_counter()
        out = func(x)
        best = min(best, time.perf_counter() - start)
    return best, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snr-db", type=float, default=20.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--series-100", type=int, default=100_000, help="series at N = 100")
    parser.add_argument("--series-2000", type=int, default=10_000, help="series at N = 2000")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    rows = []
    for n_samples, n_series in ((100, args.series_100), (2000, args.series_2000)):
        x, f, phase = make_series(n_series, n_samples, args.snr_db, args.seed)
        bound = crlb_mean_rmse(f, n_samples, args.snr_db, phase=phase, offset=True)
        for name, func in ESTIMATORS.items():
            seconds, est = best_time(func, x, args.repeats)
            rmse = float(np.sqrt(np.mean((est - f) ** 2)))
            rate = n_series / seconds
            target = TARGETS.get((name, n_samples))
            rows.append((name, n_samples, n_series, seconds, rate, rmse, bound, target))

    print(f"single core, SNR {args.snr_db:g} dB, best of {args.repeats}")
    header = (
        f"{'estimator':<11}{'N':>6}{'series':>9}{'seconds':>9}{'series/s':>11}"
        f"{'RMSE':>11}{'dB>CRLB':>9}  target"
    )
    print(header)
    print("-" * len(header))
    failed = False
    for name, n, count, seconds, rate, rmse, bound, target in rows:
        verdict = ""
        if target is not None:
            ok = rate >= target
            failed |= not ok
            verdict = f">= {target:,} {'ok' if ok else 'MISSED'}"
        print(
            f"{name:<11}{n:>6}{count:>9,}{seconds:>9.3f}{rate:>11,.0f}"
            f"{rmse:>11.2e}{db_above_bound(rmse, bound):>9.2f}  {verdict}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

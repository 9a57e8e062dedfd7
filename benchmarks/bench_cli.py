"""Time and peak memory of `sinefreq estimate` on a large file of series.

    python benchmarks/bench_cli.py --rows 1000000 --samples 100 --formats npy h5
    python benchmarks/bench_cli.py --src /tmp/before/src --src src   # two versions, one run

Writes noisy tones as .npy, .h5 (a sinefreq dataset's test split) and .csv into a scratch
folder, then runs the CLI on each in a fresh process per library source (``--src``,
default this checkout's ``src``) and reports wall seconds, peak resident memory (the
child's ``ru_maxrss``) and its ratio to the series' size in memory (rows x samples x 8
bytes). Outputs of every source are compared: the same input must give the same numbers.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def write_inputs(folder: Path, rows: int, samples: int, formats: list[str]) -> None:
    """Noisy tones at 10 dB in each format asked for, written in blocks of rows."""
    import h5py

    rng = np.random.default_rng(0)
    t = np.linspace(0.0, 2.0 * np.pi, samples)
    paths = {fmt: folder / f"series.{fmt}" for fmt in formats}
    npy = np.lib.format.open_memmap(folder / "series.npy", "w+", np.float64, (rows, samples))
    truth = rng.uniform(1.0, (samples - 1) / 2 - 1.0, rows)
    for start in range(0, rows, 100_000):
        part = slice(start, min(start + 100_000, rows))
        phase = rng.uniform(0.0, 2.0 * np.pi, (len(truth[part]), 1))
        npy[part] = np.sin(truth[part, None] * t + phase)
        npy[part] += rng.normal(0.0, np.sqrt(0.05), npy[part].shape)
    npy.flush()
    if "h5" in formats:
        with h5py.File(paths["h5"], "w") as h5:
            for split in ("train", "test"):
                count = rows if split == "test" else 1
                h5.create_dataset(f"{split}/x", data=npy[:count], chunks=(min(count, 64), samples))
                h5.create_dataset(f"{split}/y", data=truth[:count])
    if "csv" in formats:
        with paths["csv"].open("w") as f:
            for start in range(0, rows, 100_000):
                np.savetxt(f, npy[start : start + 100_000], delimiter=",", fmt="%.17g")


def run_cli(
    src: Path, path: Path, options: list[str], out: Path, check: bool = True
) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (bytes) and standard error of one `sinefreq estimate` with
    ``options`` (``["--method", "nls"]``, ``["--model", path]``) in a fresh process, with the
    library from ``src``; ``check``: a failure ends the benchmark."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, "-m", "sinefreq.cli", "estimate", str(path), *options]
    start = time.perf_counter()
    proc = subprocess.Popen([*command, "-o", str(out)], env=env, stderr=subprocess.PIPE)
    stderr = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.stderr.close()
    if check and os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{src}: sinefreq estimate {path.name} failed: {stderr.strip()}")
    return wall, usage.ru_maxrss * 1024, stderr  # Linux reports KiB


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--formats", nargs="+", default=["npy", "h5"], choices=["npy", "h5", "csv"])
    parser.add_argument("--method", default="nls")
    parser.add_argument("--src", action="append", type=Path, help="library source folder(s)")
    parser.add_argument("--scratch", type=Path, help="folder for the inputs (default: temporary)")
    args = parser.parse_args(argv)
    sources = args.src or [ROOT / "src"]

    with tempfile.TemporaryDirectory(dir=args.scratch) as folder:
        folder = Path(folder)
        # Written by another process: a child's peak RSS counts the memory of the parent it
        # was forked from, so this one stays small.
        writer = multiprocessing.get_context("spawn").Process(
            target=write_inputs, args=(folder, args.rows, args.samples, args.formats)
        )
        writer.start()
        writer.join()
        inputs = {fmt: folder / f"series.{fmt}" for fmt in args.formats}
        in_memory = args.rows * args.samples * 8
        print(
            f"{args.rows:,} series x {args.samples} samples = {in_memory / 1e9:.2f} GB as float64"
        )
        print("| source | format | file GB | wall s | peak RSS GB | RSS / series size |")
        print("|---|---|---|---|---|---|")
        for fmt, path in inputs.items():
            tables = []
            for i, src in enumerate(sources):
                out = folder / f"out{i}.csv"
                wall, peak, _ = run_cli(src, path, ["--method", args.method], out)
                tables.append(pd.read_csv(out))
                size = path.stat().st_size / 1e9
                print(
                    f"| {src} | {fmt} | {size:.2f} | {wall:.1f} | {peak / 1e9:.2f} | "
                    f"{peak / in_memory:.2f} |",
                    flush=True,
                )
            same = all(table.equals(tables[0]) for table in tables)
            print(f"| all sources gave the same table for {fmt}: {same} |||||")


if __name__ == "__main__":
    main()

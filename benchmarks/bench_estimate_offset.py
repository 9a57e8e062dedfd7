"""`sinefreq estimate` against the exact bound, as a user runs it: a model's answers and
least squares' on the test series of sinefreq datasets (the noise benchmarks span the whole
band, edges included), in dB above the exact bound with an unknown DC offset and without,
over the whole band and below 2.5 cycles; and, with ``--offset``, the same series on a DC
offset, which a model trained without one should refuse.

    python benchmarks/bench_estimate_offset.py --model results/runs/bench_clean/coarse_to_fine_any_gn/seed0/model.keras \\
        --data data/bench_noise_n64_snr20dB.h5 data/bench_noise_n100_snr30dB.h5
    python benchmarks/bench_estimate_offset.py --src /tmp/before/src --model M1 --src src --model M2 ...
    python benchmarks/bench_estimate_offset.py --model .../coarse_to_fine_cascade/seed0/model.keras \\
        --offset 0.5 --data data/bench_noise_n100_snr20dB.h5

Each run of the tool is a fresh process with the library of one ``--src`` (default this
checkout's), with the caller's environment: the backend is whatever that version of the
tool chooses. Prints a markdown table, one row per dataset, source and estimator.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from bench_cli import ROOT, run_cli

LOW_BAND = 2.5  # cycles: below it a tone's own mean matters


def bounds(split: dict, rows, n: int, attrs: dict) -> dict[str, float]:
    """The exact bound's RMSE over ``rows`` of a test split, offset unknown and known (the
    study's bound files hold them for the whole split)."""
    from sinefreq import crlb, steps

    part = {key: split[key][rows] for key in ("y", "time_offset", "phase")}
    bound = crlb.split_bound(part, n, attrs["snr_db"], steps.dataset_noise(attrs))
    return {"offset": bound["crlb_offset_rmse"], "plain": bound["crlb_rmse"]}


def db_above(error: np.ndarray, bound_rmse: float) -> float:
    from sinefreq import crlb

    return float(crlb.db_above_bound(np.sqrt(np.mean(error**2)), bound_rmse))


def main(argv=None) -> None:
    from sinefreq import io

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model", type=Path, action="append", required=True,
        help="a trained model.keras (one for every --src, in order, or one for all)",
    )  # fmt: skip
    parser.add_argument("--data", type=Path, nargs="+", required=True, help="sinefreq .h5 datasets")
    parser.add_argument("--src", action="append", type=Path, help="library source folder(s)")
    parser.add_argument("--offset", type=float, help="add this DC offset to every series")
    args = parser.parse_args(argv)
    sources = args.src or [ROOT / "src"]
    if len(args.model) not in (1, len(sources)):
        parser.error("give one --model, or one for every --src")
    paired = args.model * len(sources) if len(args.model) == 1 else args.model
    models = dict(zip(sources, paired, strict=True))

    print("| dataset | source | estimator | whole band: dB above bound, offset unknown | "
          "(offset known) | below 2.5 cycles: offset unknown | dB from nls |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for path in args.data:
            splits, attrs = io.read_dataset(path)
            test, n = splits["test"], attrs["n_samples"]
            low = test["y"] < LOW_BAND
            whole, below = bounds(test, slice(None), n, attrs), bounds(test, low, n, attrs)
            given = path
            if args.offset is not None:
                given = folder / f"{path.stem}_offset.npy"
                np.save(given, test["x"] + args.offset)
            out = folder / "out.csv"
            run_cli(sources[-1], given, ["--method", "nls"], out)
            nls = pd.read_csv(out)["frequency_cycles_per_window"].to_numpy() - test["y"]
            answers = [(sources[-1], "nls", nls)]
            for src in sources:
                _, _, stderr = run_cli(src, given, ["--model", str(models[src])], out, check=False)
                refusal = [line for line in stderr.splitlines() if "error:" in line]
                if refusal:
                    print(f"| {path.stem} | {src} | model | refused: {refusal[-1][:160]} ||||")
                    continue
                found = pd.read_csv(out)["frequency_cycles_per_window"].to_numpy()
                answers.append((src, "model", found - test["y"]))
            for src, name, error in answers:
                print(
                    f"| {path.stem} | {src} | {name} | {db_above(error, whole['offset']):+.1f} | "
                    f"{db_above(error, whole['plain']):+.1f} | "
                    f"{db_above(error[low], below['offset']):+.1f} | "
                    f"{db_above(error, whole['offset']) - db_above(nls, whole['offset']):+.2f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()

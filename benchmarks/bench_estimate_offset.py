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


def bounds(split: dict, n: int, snr_db: float) -> dict[str, np.ndarray]:
    """Per test series, the exact bound's variance with the offset unknown and known."""
    from sinefreq import crlb

    phase = split["y"] * split["time_offset"] + split["phase"]
    return {
        name: crlb.crlb_exact(split["y"], n, snr_db, phase=phase, offset=offset)
        for name, offset in (("offset", True), ("plain", False))
    }


def db_above(error: np.ndarray, variance: np.ndarray) -> float:
    from sinefreq import crlb

    return float(crlb.db_above_bound(np.sqrt(np.mean(error**2)), np.sqrt(np.mean(variance))))


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
            variance = bounds(test, n, attrs["snr_db"])
            low = test["y"] < LOW_BAND
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
                    f"| {path.stem} | {src} | {name} | {db_above(error, variance['offset']):+.1f} | "
                    f"{db_above(error, variance['plain']):+.1f} | "
                    f"{db_above(error[low], variance['offset'][low]):+.1f} | "
                    f"{db_above(error, variance['offset']) - db_above(nls, variance['offset']):+.2f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Copy the README's figures from a finished study into docs/ (the only generated files
the repository keeps): `python dev/readme_figures.py` after `./study.sh --cores 2`.

Refuses, naming what is missing, when the study has not made every figure, so docs/ never
mixes figures of two runs.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# docs/<name> <- results/figures/<source>, in the README's order.
FIGURES = {
    "leaderboard.png": "leaderboard/rmse_vs_snr.png",
    "error_by_frequency.png": "leaderboard/error_by_frequency.png",
    "thread_among_seeds.png": "a0_seeds/train_mae_by_seed.png",
    "a0_sweep.png": "a0_lstm/error_vs_max_freq.png",
    "thread_predicted_vs_true.png": "a2_lstm/predicted_vs_true.png",
    "estimators_predicted_vs_true.png": "estimators/predicted_vs_true.png",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    args = parser.parse_args(argv)
    sources = {name: args.results / "figures" / source for name, source in FIGURES.items()}
    missing = [str(path) for path in sources.values() if not path.is_file()]
    if missing:
        print(
            "not a finished study, missing: " + ", ".join(missing) + "; run the default "
            "study first (./study.sh --cores 2)",
            file=sys.stderr,
        )
        return 1
    args.docs.mkdir(parents=True, exist_ok=True)
    for name, source in sources.items():
        shutil.copyfile(source, args.docs / name)
        print(f"{args.docs / name} <- {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

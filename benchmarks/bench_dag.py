"""How long Snakemake takes to plan a study, by size.

Writes a config of about ``--runs`` training runs (the default study's datasets and
models, repeated over seeds and copies of the answer-0 sweep), then times `snakemake -n`
on it in an empty directory, and on the default study. Also times a no-op `snakemake -n`
in a directory where the default study is complete, if one is given with --complete.

    python benchmarks/bench_dag.py --runs 1000 [--complete .]
"""

from __future__ import annotations

import argparse
import copy
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def big_config(runs: int) -> dict:
    """The default study with its answer-0 sweep widened until it has ``runs`` runs."""
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    base = cfg["datasets"]["a0_maxf10"]
    seeds = list(range(10))
    n_datasets = max(1, runs // (len(seeds) * 2))
    names = []
    for i in range(n_datasets):
        name = f"gen_{i}"
        spec = copy.deepcopy(base)
        spec.update(seed=1000 + i, labels={"max_freq": 10 + i % 36})
        cfg["datasets"][name] = spec
        names.append(name)
    cfg["experiments"] = {
        "generated": {
            "datasets": names,
            "models": ["a0_lstm", "a2_dnn"],
            "seeds": seeds,
            "sweep": "max_freq",
        }
    }
    return cfg


def time_dry_run(config: Path, workdir: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [
            SNAKEMAKE,
            "-s",
            str(ROOT / "Snakefile"),
            "-n",
            "--quiet",
            "--configfile",
            str(config),
            "--directory",
            str(workdir),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - start, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument(
        "--complete", type=Path, help="a directory where the default study is complete"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = tmp / "big.yaml"
        cfg = big_config(args.runs)
        path.write_text(yaml.safe_dump(cfg))
        n_runs = sum(
            len(e["datasets"]) * len(e["models"]) * len(e["seeds"])
            for e in cfg["experiments"].values()
        )
        seconds, _ = time_dry_run(path, tmp / "big")
        print(f"dry run, {n_runs} runs, nothing done yet: {seconds:.1f} s")
        seconds, _ = time_dry_run(ROOT / "config" / "config.yaml", tmp / "default")
        print(f"dry run, default study, nothing done yet: {seconds:.1f} s")
    if args.complete:
        start = time.perf_counter()
        proc = subprocess.run(
            [SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "-n", "--directory", str(args.complete)],
            capture_output=True,
            text=True,
            check=True,
        )
        done = "Nothing to be done" in proc.stdout + proc.stderr
        print(
            f"no-op dry run, default study complete: {time.perf_counter() - start:.1f} s ({'nothing to do' if done else 'JOBS PLANNED'})"
        )


if __name__ == "__main__":
    main()

"""Smoke test of benchmarks/bench_training.py: its smallest setting, TensorFlow only."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "bench_training.py"

# What the table must say of each configuration: fit time, time per step, the FLOPs of a
# step and the share of the measured matmul throughput, and whether results agree.
REQUIRED_COLUMNS = {
    "setup",
    "config",
    "thr",
    "wall s",
    "val s",
    "ms/step",
    "GF/step",
    "%peak",
    "repeat",
    "vs ref",
}


def markdown_rows(text: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|")
    ]


@pytest.mark.slow  # trains in fresh processes
def test_quick_run_prints_one_table_with_expected_columns():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,  # two test workers share the cores
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    header, rule, *rows = markdown_rows(proc.stdout)
    assert set(header) >= REQUIRED_COLUMNS and len(set(header)) == len(header)
    assert set(rule) == {"---"}
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert (row["setup"], row["config"], row["thr"], row["jit"]) == ("A0", "tf", "1", "off")
    assert int(row["epochs"]) >= 1 and int(row["steps"]) >= int(row["epochs"])
    for column in ("wall s", "ms/step", "GF/step", "test MAE"):
        assert float(row[column]) > 0, column
    # Analytic FLOPs of answer 0's net, batch 32: 3 * 32 * (LSTM 2*4*101*100*100 + dense).
    assert float(row["GF/step"]) == round(3 * 32 * (80_800 * 100 + 20_000 + 200) / 1e9, 3)
    assert "matmul GFLOP/s" in proc.stdout

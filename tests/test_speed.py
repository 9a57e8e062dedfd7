"""sinefreq.speed and benchmarks/bench_study.py on small synthetic benchmark trees."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sinefreq import speed

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "bench_study.py"
HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"

# job -> (wall s, CPU s, max RSS MB)
JOBS = {
    "train/d1/m/seed0": (40.0, 30.0, 900.0),
    "train/d1/m/seed1": (60.0, 50.0, 1000.0),
    "evaluate/d1/m": (12.0, 8.0, 500.0),
    "evaluate/d2/m": (10.0, 6.0, 450.0),
    "classical/d1": (1.0, 0.5, 90.0),
}
# job -> the files where it records its work (the plan, as config.work_records gives it)
RECORDS = {
    "train/d1/m/seed0": ["results/runs/d1/m/seed0/training.json"],
    "train/d1/m/seed1": ["results/runs/d1/m/seed1/training.json"],  # not written
    # seed0 on its own dataset and on d2
    "evaluate/d1/m": [
        "results/runs/d1/m/seed0/metrics.json",
        "results/runs/d1/m/seed0/on/d2/metrics.json",
    ],
    "evaluate/d2/m": ["results/runs/d2/m/seed0/metrics.json"],  # not written
    "classical/d1": ["results/classical/d1/fft/metrics.json"],  # not written
}


def write_benchmark(root: Path, job: str, wall: float, cpu: float, rss) -> None:
    path = root / f"{job}.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"{wall}\t0:00:{int(wall):02d}\t{rss}\t1\t1\t1\t0\t0\t50\t{cpu}\n")


def write_json(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record))


@pytest.fixture
def results(tmp_path):
    """A results folder: the JOBS' benchmark files, and work records for some of them."""
    results = tmp_path / "results"
    for job, values in JOBS.items():
        write_benchmark(results / "benchmarks", job, *values)
    write_json(results / "runs/d1/m/seed0/training.json", {"train_minutes": 0.5})
    # seed1 recorded no training.json: its work is unknown
    splits = {"train": {"n": 100}, "test": {"n": 50}}
    write_json(results / "runs/d1/m/seed0/metrics.json", {"series_per_s": 100.0, "splits": splits})
    write_json(
        results / "runs/d1/m/seed0/on/d2/metrics.json", {"series_per_s": 50.0, "splits": splits}
    )
    return results


def test_table_has_one_row_per_job_and_reads_its_rule_from_its_name(results):
    table = speed.read_benchmarks(results / "benchmarks").set_index("job")
    assert set(table.index) == set(JOBS)
    assert table.loc["evaluate/d1/m", "rule"] == "evaluate"
    assert table.loc["classical/d1", "rule"] == "classical"
    assert table.loc["train/d1/m/seed1"].tolist()[1:] == [60.0, 50.0, 1000.0]


def test_unmeasured_values_are_nan_and_repeats_are_averaged(tmp_path):
    path = tmp_path / "train/d/m/seed0.tsv"
    path.parent.mkdir(parents=True)
    path.write_text(
        HEADER + "2.0\t0:00:02\t-\t-\t-\t-\t-\t-\t-\t1.0\n4.0\t0:00:04\tNA\t1\t1\t1\t0\t0\t1\t3.0\n"
    )
    row = speed.read_benchmark(path)
    assert row["wall_s"] == 3.0 and row["cpu_s"] == 2.0 and math.isnan(row["max_rss_mb"])


def test_work_records_split_wall_into_work_and_startup(results):
    table = speed.with_work(speed.read_benchmarks(results / "benchmarks"), results, RECORDS)
    work = table.set_index("job")["work_s"]
    assert work["train/d1/m/seed0"] == pytest.approx(30.0)  # 0.5 train minutes
    # each evaluation predicts both splits, then times the test split twice: 100 + 50 + 2 *
    # 50 series, at each evaluation's rate
    assert work["evaluate/d1/m"] == pytest.approx(250 / 100.0 + 250 / 50.0)
    for unknown in ("train/d1/m/seed1", "evaluate/d2/m", "classical/d1"):
        assert math.isnan(work[unknown])
    startup = table.set_index("job")["startup_s"]
    assert startup["train/d1/m/seed0"] == pytest.approx(10.0)
    assert startup["evaluate/d1/m"] == pytest.approx(12.0 - 7.5)
    # a job the plan does not name recorded nothing; one record missing leaves the sum unknown
    assert math.isnan(speed.job_work_s("evaluate/d1/m", results))
    (results / "runs/d1/m/seed0/on/d2/metrics.json").unlink()
    assert math.isnan(speed.job_work_s("evaluate/d1/m", results, RECORDS))
    assert speed.work_records("evaluate/d1/m", "out", RECORDS) == [
        Path("out/runs/d1/m/seed0/metrics.json"),
        Path("out/runs/d1/m/seed0/on/d2/metrics.json"),
    ]


def test_rule_summary_sums_per_rule(results):
    table = speed.with_work(speed.read_benchmarks(results / "benchmarks"), results, RECORDS)
    summary = speed.rule_summary(table).set_index("rule")
    assert list(summary.index) == ["train", "evaluate", "classical"]
    train = summary.loc["train"]
    assert train["jobs"] == 2
    assert train["wall_min"] == pytest.approx(100.0 / 60)
    assert train["cpu_min"] == pytest.approx(80.0 / 60)
    assert train["median_wall_s"] == pytest.approx(50.0)
    assert train["max_rss_mb"] == 1000.0
    # only seed0 recorded its work: 10 s start-up of its 40 s
    assert train["median_startup_s"] == pytest.approx(10.0)
    assert train["startup_share"] == pytest.approx(0.25)
    evaluate = summary.loc["evaluate"]
    assert evaluate["jobs"] == 2 and evaluate["wall_min"] == pytest.approx(22.0 / 60)
    assert evaluate["startup_share"] == pytest.approx(4.5 / 12.0)  # d1/m's: d2/m's unknown
    assert math.isnan(summary.loc["classical", "startup_share"])


def test_write_summary_writes_the_csv(results, tmp_path):
    files = sorted((results / "benchmarks").rglob("*.tsv"))
    out = tmp_path / "speed.csv"
    speed.write_summary(files, out, results / "benchmarks", results)
    table = pd.read_csv(out)
    assert list(table.columns) == speed.SUMMARY_COLUMNS
    assert table["jobs"].sum() == len(JOBS)


def test_shared_job_ratios_compare_only_jobs_in_both(results):
    now = speed.read_benchmarks(results / "benchmarks")
    before = now[now["job"] != "train/d1/m/seed1"].assign(wall_s=lambda t: t["wall_s"] * 2)
    ratios = speed.shared_job_ratios(now, before).set_index("rule")
    assert ratios.loc["train", "shared"] == 1
    assert ratios.loc["train", "wall_ratio"] == pytest.approx(0.5)


def test_critical_path_picks_the_longest_chain():
    # a -> b -> d is 1 + 5 + 1 = 7; a -> c -> d is 1 + 3 + 1; e (alone) is 6
    needs = {"b": ["a"], "c": ["a"], "d": ["b", "c"], "e": []}
    cost = {"a": 1.0, "b": 5.0, "c": 3.0, "d": 1.0, "e": 6.0}
    assert speed.critical_path(needs, cost) == (["a", "b", "d"], 7.0)
    # missing costs are 0: the longer chain of free jobs does not win
    assert speed.critical_path({"x": ["y"], "y": ["z"], "w": []}, {"w": 2.0}) == (["w"], 2.0)
    assert speed.critical_path({}, {}) == ([], 0.0)


def test_critical_path_handles_long_chains_and_rejects_cycles():
    n = 5000  # deeper than Python's recursion limit
    needs = {f"j{i}": [f"j{i - 1}"] for i in range(1, n)}
    chain, total = speed.critical_path(needs, {f"j{i}": 1.0 for i in range(n)})
    assert chain[0] == "j0" and chain[-1] == f"j{n - 1}" and total == n
    with pytest.raises(ValueError, match="cycle"):
        speed.critical_path({"a": ["b"], "b": ["a"]}, {})


LOG_HEAD = """SNAKEMAKE
=========
  Date: 2026-01-01 10:00:00
  Command: snakemake --cores 2
Building DAG of jobs...
[Thu Jan  1 10:00:05 2026]
rule train:
"""


def write_logs(log_dir: Path) -> None:
    log_dir.mkdir(parents=True)
    (log_dir / "2026-01-01T100000.1.snakemake.log").write_text(
        LOG_HEAD + "[Thu Jan  1 10:30:00 2026]\n2 of 2 steps (100%) done\nElapsed time: 0:30:00.1\n"
    )
    (log_dir / "2026-01-02T100000.1.snakemake.log").write_text(
        LOG_HEAD.replace("01-01", "01-02").replace("Thu Jan  1", "Fri Jan  2")
        + "[Fri Jan  2 10:10:00 2026]\n1 of 5 steps (20%) done\n"
    )
    (log_dir / "2026-01-03T100000.1.snakemake.log").write_text("Congratulations\n")


def test_run_log_start_end_and_completeness(tmp_path):
    write_logs(tmp_path / "log")
    logs = sorted((tmp_path / "log").glob("*.log"))
    done, running, lint = (speed.read_run_log(p) for p in logs)
    assert done["complete"] and done["wall_s"] == 1800.0 and done["planned"] == 2
    assert done["elapsed"] == "0:30:00.1" and done["command"] == "snakemake --cores 2"
    assert not running["complete"] and running["wall_s"] == 600.0
    assert lint is None


def markdown_tables(text: str) -> list[list[list[str]]]:
    tables, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif current:
            tables.append(current)
            current = []
    return tables


def test_cli_prints_the_four_tables(results, tmp_path):
    before = tmp_path / "before"
    for job, (wall, cpu, rss) in JOBS.items():
        write_benchmark(before, job, 2 * wall, cpu, rss)
    dag = [
        {"job": "dataset_d1", "rule": "dataset_d1", "benchmark": None, "needs": []},
        {"job": "bound_d1", "rule": "bound_d1", "benchmark": None, "needs": ["dataset_d1"]},
        *(
            {
                "job": job,
                "rule": speed.rule_of(job),
                "benchmark": f"results/benchmarks/{job}.tsv",
                "needs": ["dataset_d1"]
                + ([] if job.startswith(("train", "classical")) else ["train/d1/m/seed0"]),
            }
            for job in JOBS
        ),
        {"job": "all", "rule": "all", "benchmark": None, "needs": list(JOBS)},
    ]
    (tmp_path / "dag.json").write_text(json.dumps(dag))
    write_logs(tmp_path / "log")
    proc = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--results",
            str(results),
            "--before",
            str(before),
            "--dag",
            str(tmp_path / "dag.json"),
            "--logs",
            str(tmp_path / "log"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    rules, compared, serial, path_now, path_before, measured = markdown_tables(out)
    rows = {row[0]: row for row in rules[2:]}
    assert set(rows) == {"train", "evaluate", "classical", "TOTAL"}
    assert rows["TOTAL"][1] == str(len(JOBS))
    assert compared[0][-3:] == ["shared jobs", "shared: wall now/before", "shared: CPU now/before"]
    assert {r[0]: r[-2] for r in compared[2:]}["TOTAL"] == "0.50"
    assert "an estimate of a one-core run" in out and "COMPUTED" in out
    assert serial[2][2] == "0:02:03"  # 123 s of job wall time
    # train seed1 (60 s) beats train seed0 (40 s) -> evaluate seed0 (12 s)
    assert [r[2] for r in path_now[2:]] == ["dataset_d1", "train/d1/m/seed1", "all"]
    # rules defined once per family are named once
    assert "counted 0: all, bound_<family>, dataset_<family>" in out
    assert "critical path: 60.0 s" in out
    assert "critical path: 120.0 s" in out  # before: every wall doubled
    assert len(path_before) > 2
    # the last complete run, and the newer one that is not complete
    assert [r[4] for r in measured[2:]] == ["(0:10:00 so far)", "0:30:00"]

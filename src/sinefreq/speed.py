"""Where a study's time goes: its jobs' benchmark files, summed per rule.

Every rule with ``benchmark:`` writes one TSV per job (Snakemake's columns ``s``,
``h:m:s``, ``max_rss``, ..., ``cpu_time``) at :func:`sinefreq.paths.benchmark`. A job is
named by its file's path under :data:`sinefreq.paths.BENCHMARKS` without ``.tsv``, e.g.
``train/a2_thread/a2_lstm/seed0``, and its rule and run are read back from the name with
the templates that wrote it (:data:`sinefreq.paths.JOBS`): rule evaluate's jobs,
``evaluate/<family>/<model>``, evaluate every run of a model on a family of datasets (an
SNR list's levels, or one dataset) on each of its test sets, and rule classical's,
``classical/<family>/<method>``, run an estimator on every dataset of a family.

Jobs that record their own work let the wall time be split into work and fixed cost
(``startup_s``: interpreter, framework imports, data and model loading, tracing, saving):

- train: ``training.json``'s ``train_minutes``, the ``fit`` alone;
- evaluate and classical (each evaluation's): ``metrics.json``'s ``series_per_s``
  is the steady one-thread rate; the job predicts both splits, then times the test split
  ``TIMED_PASSES`` more times, so its work is those series at that rate (the first pass's
  tracing counts as fixed cost).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

import pandas as pd

from sinefreq import io, paths

# Snakemake's benchmark columns we keep: wall seconds, CPU seconds, peak resident MB.
# Snakemake samples CPU time (every 0.5 s for 15 s, then every 30 s) and loses the last
# interval, so cpu_s is a lower bound: a 40 s job that used a core throughout can show 15.
BENCHMARK_COLUMNS = {"s": "wall_s", "cpu_time": "cpu_s", "max_rss": "max_rss_mb"}
TABLE_COLUMNS = ["rule", "job", "wall_s", "cpu_s", "max_rss_mb"]
# Timed passes over the test split after the predictions (steps.series_per_second).
TIMED_PASSES = 2
SUMMARY_COLUMNS = [
    "rule",
    "jobs",
    "wall_min",
    "cpu_min",
    "median_wall_s",
    "median_work_s",
    "median_startup_s",
    "startup_share",
    "max_rss_mb",
]


def job_name(path: str | Path, root: str | Path) -> str:
    """A benchmark file's job: its path under ``root`` without ``.tsv``."""
    return Path(path).relative_to(root).with_suffix("").as_posix()


def rule_of(job: str) -> str:
    """The rule of a job, by the template its name matches (ValueError if none does)."""
    return paths.job_of(job)[0]


def read_benchmark(path: str | Path) -> dict:
    """Wall s, CPU s and peak RSS of one benchmark file; the mean where the job was
    repeated (``repeat()``). Snakemake writes ``-`` or ``NA`` for what it could not
    measure (a very short job): those are NaN."""
    raw = io.read_table(path, sep="\t")
    values = raw[list(BENCHMARK_COLUMNS)].apply(pd.to_numeric, errors="coerce")
    return {BENCHMARK_COLUMNS[c]: float(values[c].mean()) for c in BENCHMARK_COLUMNS}


def benchmark_table(files: Iterable[str | Path], root: str | Path) -> pd.DataFrame:
    """One row per benchmark file under ``root``: rule, job, wall_s, cpu_s, max_rss_mb."""
    rows = []
    for path in files:
        job = job_name(path, root)
        rows.append({"rule": rule_of(job), "job": job, **read_benchmark(path)})
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def read_benchmarks(root: str | Path) -> pd.DataFrame:
    """:func:`benchmark_table` of every ``*.tsv`` under ``root`` (empty if none)."""
    return benchmark_table(sorted(Path(root).rglob("*.tsv")), root)


def work_records(
    job: str, results: str | Path, records: Mapping[str, list[str]] | None = None
) -> list[Path]:
    """The files in the results folder ``results`` where a job recorded its work:
    ``records`` maps each job to its files under :data:`sinefreq.paths.RESULTS` (the
    study's plan, :func:`sinefreq.config.work_records`); a job not there recorded none."""
    return [paths.under(record, results) for record in (records or {}).get(job, [])]


def recorded_work_s(record: dict) -> float | None:
    """Seconds of work a ``training.json`` or ``metrics.json`` records (see the module's
    docstring), or None if it records none."""
    if "series_per_s" in record:
        rate, splits = record.get("series_per_s"), record.get("splits", {})
        if not rate or not math.isfinite(rate) or "test" not in splits:
            return None
        series = sum(s["n"] for s in splits.values()) + TIMED_PASSES * splits["test"]["n"]
        return series / rate
    minutes = record.get("train_minutes")
    return None if minutes is None else 60.0 * minutes


def job_work_s(
    job: str, results: str | Path, records: Mapping[str, list[str]] | None = None
) -> float:
    """A job's recorded work in seconds, summed over its records (``records``: see
    :func:`work_records`); NaN where it has no (readable) record."""
    paths = work_records(job, results, records)
    try:
        work = [recorded_work_s(json.loads(p.read_text())) for p in paths]
    except (OSError, ValueError, KeyError, TypeError):
        return math.nan
    return math.nan if not work or None in work else sum(work)


def with_work(
    table: pd.DataFrame, results: str | Path, records: Mapping[str, list[str]] | None = None
) -> pd.DataFrame:
    """``table`` with ``work_s`` and ``startup_s`` (wall minus work) from the jobs' records
    under ``results`` (``records``: see :func:`work_records`); NaN where a job recorded
    none."""
    work = table["job"].map(lambda job: job_work_s(job, results, records))
    work = work.astype(float)
    return table.assign(work_s=work, startup_s=table["wall_s"] - work)


def rule_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per rule, most total wall time first: jobs, total wall and CPU minutes, median wall
    s per job, and where jobs recorded their work the median work and start-up s and the
    start-up's share of those jobs' wall time; peak RSS of any job."""
    if "startup_s" not in table:
        table = table.assign(work_s=math.nan, startup_s=math.nan)
    rows = [_rule_row(rule, jobs) for rule, jobs in table.groupby("rule", sort=False)]
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    return summary.sort_values(["wall_min", "rule"], ascending=[False, True], ignore_index=True)


def _rule_row(rule: str, jobs: pd.DataFrame) -> dict:
    known = jobs.dropna(subset=["startup_s"])
    return {
        "rule": rule,
        "jobs": len(jobs),
        "wall_min": jobs["wall_s"].sum() / 60.0,
        "cpu_min": jobs["cpu_s"].sum() / 60.0,
        "median_wall_s": jobs["wall_s"].median(),
        "median_work_s": known["work_s"].median(),
        "median_startup_s": known["startup_s"].median(),
        "startup_share": (
            known["startup_s"].sum() / known["wall_s"].sum() if len(known) else math.nan
        ),
        "max_rss_mb": jobs["max_rss_mb"].max(),
    }


def write_summary(
    benchmark_files: Iterable[str | Path],
    out_path: str | Path,
    benchmark_root: str | Path = paths.BENCHMARKS,
    results: str | Path = paths.RESULTS,
    records: Mapping[str, list[str]] | None = None,
) -> pd.DataFrame:
    """Rule speed: :func:`rule_summary` of the given jobs' benchmark files, with the work
    their records under ``results`` hold (``records``: see :func:`work_records`), as CSV;
    returns the table."""
    table = benchmark_table(benchmark_files, benchmark_root)
    table = with_work(table, results, records)
    summary = rule_summary(table)
    io.write_table(out_path, summary)  # atomic: an interrupted job leaves no table
    print(summary.to_string(index=False))
    return summary


def shared_job_ratios(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Per rule, over the jobs in both tables only (totals of different job sets do not
    compare): how many, and their total wall and CPU time now over before."""
    both = now.merge(before, on=["rule", "job"], suffixes=("_now", "_before"))
    sums = both.groupby("rule")[["wall_s_now", "wall_s_before", "cpu_s_now", "cpu_s_before"]]
    totals = sums.sum()
    return pd.DataFrame(
        {
            "shared": both.groupby("rule").size(),
            "wall_ratio": totals["wall_s_now"] / totals["wall_s_before"],
            "cpu_ratio": totals["cpu_s_now"] / totals["cpu_s_before"],
        }
    ).reset_index()


def critical_path(
    needs: Mapping[str, Iterable[str]], cost: Mapping[str, float]
) -> tuple[list[str], float]:
    """The chain of jobs, each needing the one before, with the largest total ``cost``
    (missing costs count 0), first job first, and that total: no schedule, however many
    cores, finishes sooner. ``needs`` maps a job to the jobs it needs; its keys and values
    are the jobs (a cost of any other job is ignored)."""
    finish: dict[str, float] = {}
    via: dict[str, str | None] = {}
    end = None
    for job in _dependencies_first(needs):
        before = max(needs.get(job, ()), key=lambda d: (finish[d], d), default=None)
        via[job] = before
        finish[job] = cost.get(job, 0.0) + (finish[before] if before is not None else 0.0)
        # on a tie the later job: the chain runs on through free jobs (e.g. to the target)
        if end is None or finish[job] >= finish[end]:
            end = job
    if end is None:
        return [], 0.0
    job: str | None = end
    total = finish[end]
    chain = []
    while job is not None:
        chain.append(job)
        job = via[job]
    return chain[::-1], total


def _dependencies_first(needs: Mapping[str, Iterable[str]]) -> list[str]:
    """Every job in ``needs`` (keys and values), each after all the jobs it needs.
    Iterative: a long chain must not hit Python's recursion limit."""
    graph = {job: sorted(set(deps)) for job, deps in needs.items()}
    for deps in list(graph.values()):
        for dep in deps:
            graph.setdefault(dep, [])
    order: list[str] = []
    state: dict[str, str] = {}  # "open" while its dependencies are visited, then "done"
    for start in sorted(graph):
        if start in state:
            continue
        state[start] = "open"
        stack = [(start, iter(graph[start]))]
        while stack:
            job, deps = stack[-1]
            dep = next(deps, None)
            if dep is None:
                stack.pop()
                state[job] = "done"
                order.append(job)
            elif state.get(dep) == "open":
                raise ValueError(f"dependency cycle through {dep!r}")
            elif dep not in state:
                state[dep] = "open"
                stack.append((dep, iter(graph[dep])))
    return order


# Snakemake's log: "Date: 2026-11-27 19:02:36" in the header, "[Fri Nov 27 19:56:44 2026]"
# before each job event, "318 of 318 steps (100%) done" as jobs finish.
_DATE = re.compile(r"^\s*Date: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", re.MULTILINE)
_STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$", re.MULTILINE)
_PROGRESS = re.compile(r"^(\d+) of (\d+) steps \([\d.]+%\) done$", re.MULTILINE)
_COMMAND = re.compile(r"^\s*Command: (.*)$", re.MULTILINE)
_ELAPSED = re.compile(r"^Elapsed time: (.*)$", re.MULTILINE)
_FAILED = re.compile(r"^(Exiting because a job execution failed|Error in rule )", re.MULTILINE)


def read_run_log(path: str | Path) -> dict | None:
    """Start, end (first and last timestamps), steps done of planned, command and
    completeness of one ``.snakemake/log/*.snakemake.log``; None for a log of no run
    (a lint, a dry run: no job timestamps)."""
    text = Path(path).read_text(errors="replace")
    stamps = [datetime.strptime(s, "%a %b %d %H:%M:%S %Y") for s in _STAMP.findall(text)]
    if not stamps:
        return None
    date = _DATE.search(text)
    start = datetime.strptime(date[1], "%Y-%m-%d %H:%M:%S") if date else stamps[0]
    progress = _PROGRESS.findall(text)
    done, planned = map(int, progress[-1]) if progress else (0, None)
    command, elapsed = _COMMAND.search(text), _ELAPSED.search(text)
    return {
        "log": str(path),
        "start": start,
        "end": stamps[-1],
        "wall_s": (stamps[-1] - start).total_seconds(),
        "done": done,
        "planned": planned,
        "complete": done == planned and not _FAILED.search(text),
        "command": command[1].strip() if command else None,
        "elapsed": elapsed[1].strip() if elapsed else None,
    }

"""Where a full study run's time goes, from Snakemake's per-job benchmark files.

Run from the repository root (with the project's virtualenv); nothing is run or locked::

    python benchmarks/bench_study.py [--results results] [--before DIR] [--cores 2]

Four plain-text tables (the numbers come from ``sinefreq.speed``):

(a) time per rule, from every ``*.tsv`` under ``RESULTS/benchmarks``: jobs, total wall and
    CPU minutes, median wall s per job and, where jobs record their work
    (``training.json``'s ``train_minutes``, ``metrics.json``'s ``series_per_s``), the
    median work, the median fixed cost (start-up: wall minus work) and the fixed cost's
    share of those jobs' wall time. With ``--before DIR`` (a benchmark tree, or a results
    folder holding ``benchmarks/``), the two trees side by side, with ratios now / before.
(b) the sum of all job wall times: an estimate of a run on one core. It is computed
    from the files, not measured: jobs without a benchmark and Snakemake's own scheduling
    count 0, and jobs that shared the machine may have run slower than one alone would.
(c) the critical path through the study's DAG: the chain of jobs, each needing the one
    before, with the most wall time; no number of cores finishes sooner. The DAG is the
    default target's with every job planned (``--forceall``), built by Snakemake's Python
    API in a subprocess in an empty temporary directory (so this folder's ``.snakemake``
    is never touched, and a running study is not disturbed). Jobs map to their benchmark
    files; jobs without one (dataset, bound, aggregate, figures, leaderboard, all) and jobs
    not yet run count 0. Also ``max(critical path, sum / cores)``, the least a run on
    ``--cores`` cores can take (computed, too).
(d) the measured wall time of the last complete Snakemake run: first to last timestamp of
    the newest ``.snakemake/log/*.snakemake.log`` whose jobs all finished (and Snakemake's
    own "Elapsed time" line), with its command, since it may have run part of the study;
    a newer log that did not complete is listed as such. Without one: unknown.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sinefreq import paths, speed  # noqa: E402

BENCHMARK_PREFIX = f"{paths.BENCHMARKS}/"  # where the workflow writes them, from its folder


# --------------------------------------------------------------------------------------
# The DAG, from Snakemake (in a child process: the Snakefile edits sys.path and the
# environment, and Snakemake changes directory).
# --------------------------------------------------------------------------------------


def _dag_job_id(rule: str, wildcards: dict, benchmark: str | None) -> str:
    """A DAG job's name: its benchmark file's job (as in ``sinefreq.speed``), else its
    rule and wildcards."""
    if benchmark and benchmark.startswith(BENCHMARK_PREFIX):
        return speed.job_name(benchmark, BENCHMARK_PREFIX)
    if not wildcards:
        return rule
    return f"{rule}[{','.join(f'{k}={v}' for k, v in sorted(wildcards.items()))}]"


def _dag_child(configfile: str, out: str) -> None:
    """Write the study's DAG as JSON: [{job, rule, benchmark, needs}]. Uses Snakemake's
    internals (``_workflow``, ``_prepare_dag``, ``dag._dependencies``): what
    ``--d3dag`` prints lacks the wildcards that name a job."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.enums import Quietness
    from snakemake.settings.types import (
        ConfigSettings,
        DAGSettings,
        OutputSettings,
        ResourceSettings,
    )

    with (
        tempfile.TemporaryDirectory(prefix="bench_study.") as tmp,
        SnakemakeApi(OutputSettings(quiet={Quietness.ALL})) as api,
    ):
        workflow_api = api.workflow(
            resource_settings=ResourceSettings(cores=1),
            config_settings=ConfigSettings(configfiles=[Path(configfile).resolve()]),
            snakefile=ROOT / "Snakefile",
            workdir=Path(tmp),
        )
        workflow_api.dag(dag_settings=DAGSettings(forceall=True))  # sets the DAG settings
        workflow = workflow_api._workflow
        workflow._prepare_dag(
            forceall=True, ignore_incomplete=True, lock_warn_only=True, nolock=True
        )
        workflow._build_dag()
        dag = workflow.dag
        names = {
            job: _dag_job_id(job.rule.name, dict(job.wildcards), str(job.benchmark or "") or None)
            for job in dag.jobs
        }
        jobs = [
            {
                "job": names[job],
                "rule": job.rule.name,
                "benchmark": str(job.benchmark) if job.benchmark else None,
                "needs": sorted(names[d] for d in dag._dependencies[job]),
            }
            for job in dag.jobs
        ]
    Path(out).write_text(json.dumps(jobs))


def study_dag(configfile: Path) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench_study.") as tmp:
        out = Path(tmp) / "dag.json"
        proc = subprocess.run(
            [sys.executable, __file__, "--dag-child", str(out), "--configfile", str(configfile)],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"building the DAG failed:\n{proc.stderr[-3000:]}")
        return json.loads(out.read_text())


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------


def _fmt(value, spec: str = ".1f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


def _ratio(now, before) -> str:
    if not before or any(isinstance(v, float) and math.isnan(v) for v in (now, before)):
        return "-"
    return f"{now / before:.2f}"


def _hms(seconds: float) -> str:
    if seconds is None or math.isnan(seconds):
        return "-"
    seconds = round(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def print_table(title: str, header: list[str], rows: list[list[str]], notes=()) -> None:
    print(f"\n{title}")
    for note in notes:
        print(f"  {note}")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


# --------------------------------------------------------------------------------------
# The four parts
# --------------------------------------------------------------------------------------


def _total_row(table) -> dict:
    known = table.dropna(subset=["startup_s"]) if "startup_s" in table else table.iloc[:0]
    return {
        "rule": "TOTAL",
        "jobs": len(table),
        "wall_min": table["wall_s"].sum() / 60.0,
        "cpu_min": table["cpu_s"].sum() / 60.0,
        "median_wall_s": table["wall_s"].median(),
        "median_work_s": math.nan,
        "median_startup_s": math.nan,
        "startup_share": (
            known["startup_s"].sum() / known["wall_s"].sum() if len(known) else math.nan
        ),
        "max_rss_mb": table["max_rss_mb"].max(),
    }


def rule_rows(table) -> list[dict]:
    return [*speed.rule_summary(table).to_dict("records"), _total_row(table)]


def print_rules(table, source: str, notes) -> None:
    header = [
        "rule",
        "jobs",
        "wall min",
        "CPU min",
        "median wall s",
        "median work s",
        "median start-up s",
        "start-up %",
        "max RSS MB",
    ]
    rows = [
        [
            r["rule"],
            str(r["jobs"]),
            _fmt(r["wall_min"]),
            _fmt(r["cpu_min"]),
            _fmt(r["median_wall_s"]),
            _fmt(r["median_work_s"], ".2f"),
            _fmt(r["median_startup_s"]),
            _fmt(100 * r["startup_share"], ".0f"),
            _fmt(r["max_rss_mb"], ".0f"),
        ]
        for r in rule_rows(table)
    ]
    print_table(f"(a) time per rule: {source}", header, rows, notes)


def print_rules_compared(now, before, now_source: str, before_source: str) -> None:
    old = {r["rule"]: r for r in rule_rows(before)}
    new = {r["rule"]: r for r in rule_rows(now)}
    shared = {r["rule"]: r for r in speed.shared_job_ratios(now, before).to_dict("records")}
    everything = speed.shared_job_ratios(now.assign(rule="TOTAL"), before.assign(rule="TOTAL"))
    shared["TOTAL"] = everything.to_dict("records")[0] if len(everything) else None
    order = [r for r in new if r != "TOTAL"] + [r for r in old if r not in new] + ["TOTAL"]
    nan = dict.fromkeys(("jobs", "wall_min", "median_wall_s", "cpu_min"), math.nan)
    none = {"shared": 0, "wall_ratio": math.nan, "cpu_ratio": math.nan}
    header = ["rule", "jobs before", "jobs now"]
    for name in ("wall min", "median wall s", "CPU min"):
        header += [f"{name} before", f"{name} now", "now/before"]
    header += ["shared jobs", "shared: wall now/before", "shared: CPU now/before"]
    rows = []
    for rule in order:
        a, b, both = old.get(rule, nan), new.get(rule, nan), shared.get(rule) or none
        row = [rule, _fmt(a["jobs"], ".0f"), _fmt(b["jobs"], ".0f")]
        for key in ("wall_min", "median_wall_s", "cpu_min"):
            row += [_fmt(a[key]), _fmt(b[key]), _ratio(b[key], a[key])]
        row += [
            str(both["shared"]),
            _fmt(both["wall_ratio"], ".2f"),
            _fmt(both["cpu_ratio"], ".2f"),
        ]
        rows.append(row)
    print_table(
        "(a') time per rule, before vs now",
        header,
        rows,
        [
            f"before: {before_source}",
            f"now: {now_source}",
            "shared: the jobs in both trees only (the totals above may count different jobs)",
        ],
    )


def print_serial_bound(trees: list[tuple[str, object]]) -> None:
    header = ["benchmarks", "jobs", "sum of job wall (h:m:s)", "wall min", "sum of job CPU min"]
    rows = [
        [
            name,
            str(len(t)),
            _hms(t["wall_s"].sum()),
            _fmt(t["wall_s"].sum() / 60.0),
            _fmt(t["cpu_s"].sum() / 60.0),
        ]
        for name, t in trees
    ]
    print_table(
        "(b) sum of all job wall times = an estimate of a one-core run",
        header,
        rows,
        [
            "COMPUTED from the benchmark files, not a measurement: jobs without a benchmark "
            "and Snakemake's scheduling count 0 (less), jobs that ran beside others may have "
            "run slower than alone (more)."
        ],
    )


def dag_costs(dag: list[dict], table) -> tuple[dict, dict, int]:
    """Job -> wall s for the DAG's jobs found in ``table``; job -> needs; how many DAG jobs
    declare a benchmark without a file in ``table`` (not run yet: counted 0)."""
    wall = dict(zip(table["job"], table["wall_s"], strict=True))
    needs = {j["job"]: j["needs"] for j in dag}
    benchmarked = [j["job"] for j in dag if j["benchmark"]]
    cost = {job: wall[job] for job in benchmarked if job in wall and not math.isnan(wall[job])}
    return cost, needs, len(benchmarked) - len(cost)


# Rules the workflow defines once per family of datasets (rules/data.smk, classical.smk)
# or per family and model (rules/evaluate.smk).
FAMILY_RULES = ("dataset", "bound", "classical", "evaluate")


def _rule_kind(rule: str) -> str:
    """A rule's name, ``<rule>_<family>`` for one defined per family (listed once)."""
    kind = next((k for k in FAMILY_RULES if rule.startswith(f"{k}_")), None)
    return f"{kind}_<family>" if kind else rule


def print_critical_path(dag: list[dict], table, source: str, cores: int) -> None:
    cost, needs, missing = dag_costs(dag, table)
    chain, total = speed.critical_path(needs, cost)
    rules = {j["job"]: j["rule"] for j in dag}
    free = sorted({_rule_kind(j["rule"]) for j in dag if not j["benchmark"]})
    rows, running = [], 0.0
    for i, job in enumerate(chain, 1):
        running += cost.get(job, 0.0)
        rows.append([str(i), rules[job], job, _fmt(cost.get(job), ".1f"), _fmt(running, ".1f")])
    serial = sum(cost.values())
    print_table(
        f"(c) critical path through the study's DAG, wall times from {source}",
        ["#", "rule", "job", "wall s", "cumulative s"],
        rows,
        [
            f"DAG: {len(dag)} jobs; {len(dag) - sum(r in free for r in rules.values())} with a "
            f"benchmark, {missing} of them without a file (not run yet) counted 0; "
            f"no benchmark, counted 0: {', '.join(free)}",
        ],
    )
    print(
        f"critical path: {total:.1f} s = {_hms(total)} (COMPUTED: no run on any number of "
        f"cores is shorter, at the jobs' measured speed); with {cores} cores at least "
        f"max(critical path, sum of DAG jobs' "
        f"wall {_hms(serial)} / {cores}) = {_hms(max(total, serial / cores))} (COMPUTED)"
    )


def run_logs(log_dir: Path) -> list[dict]:
    """Logs of real runs, newest first."""
    logs = (speed.read_run_log(p) for p in sorted(log_dir.glob("*.snakemake.log")))
    return sorted((r for r in logs if r), key=lambda r: r["start"], reverse=True)


def print_measured(log_dir: Path) -> dict | None:
    runs = run_logs(log_dir) if log_dir.is_dir() else []
    complete = next((r for r in runs if r["complete"]), None)
    # The last complete run, and any newer one that has not completed (yet).
    shown = runs[:1] if complete is None else [r for r in runs if r["start"] >= complete["start"]]
    header = ["log", "command", "start", "end", "wall (h:m:s)", "Snakemake's elapsed", "steps"]
    rows = [
        [
            Path(r["log"]).name,
            f"`{r['command']}`",
            f"{r['start']:%Y-%m-%d %H:%M:%S}",
            f"{r['end']:%H:%M:%S}",
            _hms(r["wall_s"]) if r["complete"] else f"({_hms(r['wall_s'])} so far)",
            r["elapsed"] or "-",
            f"{r['done']} of {r['planned']}" + ("" if r["complete"] else ": NOT complete"),
        ]
        for r in shown
    ]
    notes = ["MEASURED: first to last timestamp of the log (Date: header to the last job event)."]
    if complete is None:
        notes.append("no complete run logged: the measured time of a complete run is UNKNOWN")
    print_table(f"(d) measured wall time of the last complete run ({log_dir})", header, rows, notes)
    return complete


# --------------------------------------------------------------------------------------


def benchmark_tree(path: Path) -> tuple[Path, Path | None]:
    """A benchmark tree and the results folder beside it (for work records), if any."""
    if (path / "benchmarks").is_dir():
        return path / "benchmarks", path
    if path.name == "benchmarks" and (path.parent / "runs").is_dir():
        return path, path.parent
    return path, None


def study_records(configfile: Path) -> dict:
    """Each benchmarked job of the study -> the files where it records its work, from its
    config (as the speed rule is given them)."""
    from sinefreq import config as study

    return study.work_records(study.load(configfile, ROOT / "config" / "schema.yaml"))


def load_tree(path: Path, records: dict):
    tree, results = benchmark_tree(path)
    table = speed.read_benchmarks(tree)
    return (speed.with_work(table, results, records) if results else table), tree


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results"), help="results folder")
    parser.add_argument("--before", type=Path, help="an older benchmark tree to compare with")
    parser.add_argument("--configfile", type=Path, default=ROOT / "config" / "config.yaml")
    parser.add_argument(
        "--dag", type=Path, help="the DAG as JSON ([{job, rule, benchmark, needs}]) instead"
    )
    parser.add_argument("--no-dag", action="store_true", help="skip (c)")
    parser.add_argument("--logs", type=Path, default=Path(".snakemake/log"))
    parser.add_argument("--cores", type=int, default=2, help="cores for the bound in (c)")
    parser.add_argument("--dag-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.dag_child:
        _dag_child(str(args.configfile), args.dag_child)
        return 0

    records = study_records(args.configfile)
    now, now_tree = load_tree(args.results, records)
    newest = next(iter(run_logs(args.logs)), None) if args.logs.is_dir() else None
    notes = [f"{len(now)} benchmark files, any run's: the newest for each job"]
    if newest and len(now):
        fresh = sum(
            (now_tree / f"{job}.tsv").stat().st_mtime >= newest["start"].timestamp()
            for job in now["job"]
        )
        notes.append(f"{fresh} written since the newest logged run began ({newest['start']})")
    print_rules(now, str(now_tree), notes)
    trees = [(str(now_tree), now)]
    if args.before:
        before, before_tree = load_tree(args.before, records)
        print_rules_compared(now, before, str(now_tree), str(before_tree))
        trees.append((str(before_tree), before))
    print_serial_bound(trees)

    if not args.no_dag:
        try:
            dag = json.loads(args.dag.read_text()) if args.dag else study_dag(args.configfile)
        except (RuntimeError, OSError, ValueError) as err:
            print(f"\n(c) critical path: unavailable ({err})")
        else:
            for name, table in trees:
                print_critical_path(dag, table, name, args.cores)
    print_measured(args.logs)
    print(f"\nload average {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Regenerate what the README and docs/ show of a finished study, all from one run of one
commit: the README's answer (a short table and its sentences, docs/answer.md.j2), its
figures (docs/*.png) and docs/results.md.

    python dev/docs.py                        # after ./study.sh --cores 2
    python dev/docs.py --results ../study/results   # a study run in another checkout

docs/results.md is generated whole: the run's commit and wall time (from the Snakemake
logs of the checkout that ran it) at the top, then every table rendered from a table the
study wrote (results/report/workflow.rst, thread_comparison.md, seed_distribution/*.csv,
failure_trend/*.csv, leaderboard.csv, speed.csv). Notes on past runs, written by hand, are
in docs/history.md. Refuses, naming what is missing, when the study is not finished, and
when the checkout that ran it has uncommitted changes, so the docs never mix two runs and
always name the code that made them.
"""

from __future__ import annotations

import argparse
import math
import re
import subprocess
import sys
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))  # run from a checkout without installing

from sinefreq import io, speed  # noqa: E402  (after the path above)

# docs/<name> <- results/figures/<source>, in the README's order.
FIGURES = {
    "leaderboard.png": "leaderboard/rmse_vs_snr.png",
    "error_by_frequency.png": "leaderboard/error_by_frequency.png",
    "thread_among_seeds.png": "a0_seeds/train_mae_by_seed.png",
    "a0_sweep.png": "a0_lstm/error_vs_max_freq.png",
    "a0_failure_rate.png": "a0_lstm/failure_rate.png",
    "thread_predicted_vs_true.png": "a2_lstm/predicted_vs_true.png",
    "estimators_predicted_vs_true.png": "estimators/predicted_vs_true.png",
}
# The study's tables docs/results.md is rendered from, under results/.
TABLES = {
    "front_page": "report/workflow.rst",
    "thread": "thread_comparison.md",
    "leaderboard": "leaderboard.csv",
    "speed": "speed.csv",
}
SEED_TABLES = "seed_distribution"  # one CSV per experiment with thread_points, optional
TREND_TABLES = "failure_trend"  # one CSV per sweep experiment, optional
# The README's answer lies between these two lines; dev/docs.py rewrites what is between.
ANSWER_BEGIN = "<!-- The answer: written by dev/docs.py from the study's tables. -->"
ANSWER_END = "<!-- End of the answer. -->"
ANSWER_TEMPLATE = "answer.md.j2"  # in docs/
# The answer's benchmark: the noise benchmark over the whole band at N = 100 (else the
# first family of noisy test sets), at these SNR levels, at most this many rows.
ANSWER_FAMILY = "bench_noise_n100"
ANSWER_LEVELS = (0.0, 10.0, 20.0, 30.0)
ANSWER_ROWS_PER_KIND = 2
# A failure-trend table's columns other than its sweep label (sinefreq.trend.failure_trend).
TREND_COLUMNS = (
    "model", "dataset", "n_runs", "n_failed", "failure_rate", "rate_lo", "rate_hi", "trend_z",
    "trend_p",
)  # fmt: skip
KIND_ORDER = ("classical", "hybrid", "learned", "thread")  # the leaderboard's row groups
SNR_NAME = re.compile(r"^(?P<family>.+)_snr-?[0-9.]+dB$")  # config.py's generated names


def number(x: float, spec: str = ".3g", missing: str = "") -> str:
    """``x`` formatted by ``spec`` (three significant digits by default); ``missing``
    where there is no number (an empty cell, or a value that is not finite)."""
    return missing if x is None or not math.isfinite(x) else format(x, spec)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def front_page_answer(text: str) -> str:
    """The answer on the report's front page: its first paragraph after the title."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    body = [p for p in paragraphs if not re.search(r"^[=\-~^]{3,}$", p, re.MULTILINE)]
    if not body:
        raise ValueError("the report's front page has no paragraph after its title")
    return "> " + " ".join(body[0].split()) + "\n"


def seed_section(name: str, seeds) -> str:
    """A seed_distribution table: the thread's numbers among our seeds, per point and model."""
    label = seeds.columns[1]  # the thread's axis (paper.seed_distribution puts it second)
    first = seeds["model"].iloc[0]
    rows = [
        [
            number(r[label], "g"),
            f"`{r['model']}`",
            f"{number(r['train_mae_median'], missing='n/a')} "
            f"[{number(r['train_mae_p05'])}, {number(r['train_mae_p95'])}]",
            f"{int(r['n_failed'])}/{int(r['n_seeds'])}",
            number(r["thread_mae"], ".3f"),
            number(r["thread_percentile"], ".0f"),
            *(
                f"{number(r[f'median_of_{k}_lo'])}-{number(r[f'median_of_{k}_hi'])}"
                if math.isfinite(r[f"median_of_{k}_lo"])
                else ""
                for k in (3, 5)
            ),
            number(r["p_vs_first_model"], ".2f"),
        ]
        for _, r in seeds.iterrows()
    ]
    header = [
        label, "model", "training MAE, median [90% interval]", "failed", "thread",
        "thread's percentile", "median of 3 seeds could be", "of 5",
        f"Mann-Whitney p vs `{first}`",
    ]  # fmt: skip
    return f"### `{name}`\n\n" + table(header, rows)


def db_cell(row) -> str:
    """dB above the bound of a leaderboard row: the median over seeds and, for a network
    trained more than once, the range of its seeds in brackets."""
    median = number(row["db_above_bound"], "+.1f", "n/a")
    seeds = (row["rmse_seed_min"], row["rmse_seed_max"])
    if row["n_runs"] - row["n_diverged"] < 2 or not all(map(math.isfinite, seeds)):
        return median
    lo, hi = (20 * math.log10(rmse / row["bound_rmse"]) for rmse in seeds)
    return f"{median} [{lo:+.1f}, {hi:+.1f}]"


def best_by_level(board):
    """The leaderboard's rows on noisy test sets, each network at its best training set per
    test set, with the ``family`` of the test set and its ``cell`` (:func:`db_cell`)."""
    noisy = board[board["snr_db"].notna()].copy()
    noisy["family"] = [SNR_NAME.match(t)["family"] for t in noisy["test_dataset"]]
    noisy["cell"] = [db_cell(row) for _, row in noisy.iterrows()]
    return noisy.sort_values("db_above_bound").drop_duplicates(["estimator", "test_dataset"])


def leaderboard_sections(board) -> list[str]:
    """Per family of noisy test sets: dB above the exact bound, estimator by SNR level (a
    network trained several times: the median and the range of its seeds), a network
    trained on several datasets at its best one, and the bound's RMSE below."""
    sections = []
    for family, best in best_by_level(board).groupby("family", sort=True):
        grid = best.pivot(index="estimator", columns="snr_db", values="db_above_bound")
        cells = best.pivot(index="estimator", columns="snr_db", values="cell")
        levels = sorted(grid.columns)
        kinds = best.drop_duplicates("estimator").set_index("estimator")["kind"]
        # Kind by kind, then closest to the bound at the highest SNR first.
        top = grid[levels[-1]].fillna(math.inf)
        order = sorted(grid.index, key=lambda e: (KIND_ORDER.index(kinds[e]), top[e], e))
        body = [[name, kinds[name], *cells.loc[name, levels].fillna("n/a")] for name in order]
        bound = best.drop_duplicates("snr_db").set_index("snr_db")["bound_rmse"]
        body.append(["*bound RMSE (cycles)*", "", *(number(bound[s]) for s in levels)])
        header = ["estimator", "kind", *(f"{s:g} dB" for s in levels)]
        sections.append(
            f"### `{family}`: dB above the exact Cramer-Rao bound\n\n" + table(header, body)
        )
    return sections


def trend_section(name: str, trend) -> str:
    """Failed runs per sweep point with their 95 % interval, and each model's trend test."""
    label = next(c for c in trend.columns if c not in TREND_COLUMNS)
    rows = [
        [
            f"`{r['model']}`", f"{r[label]:g}", f"{int(r['n_failed'])}/{int(r['n_runs'])}",
            f"{r['failure_rate']:.0%} [{r['rate_lo']:.0%}, {r['rate_hi']:.0%}]",
            number(r["trend_z"], "+.2f", "n/a"), number(r["trend_p"], ".2g", "n/a"),
        ]
        for _, r in trend.iterrows()
    ]  # fmt: skip
    header = [
        "model", label, "failed", "rate [95% Wilson interval]", "trend z", "trend p (two-sided)"
    ]  # fmt: skip
    return f"### `{name}`\n\n" + table(header, rows)


def speed_section(speed) -> str:
    """Time per rule (results/speed.csv); CPU minutes left out, Snakemake under-samples them."""
    rows = [
        [
            r["rule"], str(int(r["jobs"])), f"{r['wall_min']:.1f}", f"{r['median_wall_s']:.1f}",
            number(r["median_startup_s"], ".1f", "n/a"),
            number(r["startup_share"], ".0%", "n/a"),
        ]
        for _, r in speed.iterrows()
    ]  # fmt: skip
    header = ["rule", "jobs", "wall min", "median wall s", "median start-up s", "start-up share"]
    return table(header, rows)


def render(results: Path, run: dict) -> str:
    """docs/results.md, from the tables under ``results`` and the ``run`` that wrote them
    (:func:`provenance`)."""
    seeds = sorted((results / SEED_TABLES).glob("*.csv"))
    parts = [
        "# Results of the default study\n",
        f"One run of the default study at commit `{run['commit']}`: {run_summary(run)}. "
        "Rendered by `python dev/docs.py` from the tables it wrote under `results/`; "
        "frequencies and errors in cycles per window, medians over seeds. Notes on past runs: "
        "[history.md](history.md).\n",
        "## The answer\n",
        "The report's front page (`results/report/workflow.rst`):\n",
        front_page_answer((results / TABLES["front_page"]).read_text()),
        "## The thread's setups\n",
        "`results/thread_comparison.md`: medians over seeds with the 90 % interval, which "
        "below 21 seeds is the range.\n",
        (results / TABLES["thread"]).read_text().rstrip("\n") + "\n",
    ]
    if seeds:
        parts += [
            "## The thread's numbers among our seeds\n",
            "`results/seed_distribution/`: where each number the thread printed lies among "
            "our seeds, and where the median of 3 or 5 of them could have landed.\n",
            *(seed_section(path.stem, io.read_table(path)) for path in seeds),
        ]
    trends = sorted((results / TREND_TABLES).glob("*.csv"))
    if trends:
        parts += [
            "## Failed runs along the sweeps\n",
            "`results/failure_trend/`: runs that failed (collapsed onto one value or a dead "
            "output) at each point, the rate's 95 % Wilson interval, and a Cochran-Armitage "
            "test of a trend in the rate along the sweep (one per model).\n",
            *(trend_section(path.stem, io.read_table(path)) for path in trends),
        ]
    parts += [
        "## Networks against the bound: the leaderboard\n",
        "`results/leaderboard.csv`, each estimator at its best training set.\n",
        *leaderboard_sections(io.read_table(results / TABLES["leaderboard"])),
        "## Where the time goes\n",
        "`results/speed.csv`: per rule, from the jobs' benchmark files; start-up is a job's "
        "wall time less the work it records.\n",
        speed_section(io.read_table(results / TABLES["speed"])),
    ]
    return "\n".join(parts)


def provenance(results: Path) -> dict:
    """The run that wrote ``results``: the commit of the checkout holding it (refused with
    ValueError where tracked files differ from it), and the Snakemake invocations of that
    checkout (``.snakemake/log``) that ran jobs: their count, first start, summed wall time
    and the jobs they finished."""
    checkout = results.resolve().parent

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(checkout), *args], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise ValueError(f"{checkout} is not a git checkout: {done.stderr.strip()}")
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--untracked-files=no")
    if changed:
        raise ValueError(
            f"the checkout that ran the study ({checkout}) has uncommitted changes "
            f"({', '.join(line.split(maxsplit=1)[1] for line in changed.splitlines())}); the docs must name "
            "the code that made them: commit them and run the study again"
        )
    logs = sorted((checkout / ".snakemake" / "log").glob("*.snakemake.log"))
    segments = [log for log in map(speed.read_run_log, logs) if log is not None]
    return {
        "commit": git("rev-parse", "--short=7", "HEAD"),
        "segments": len(segments),
        "start": min((log["start"] for log in segments), default=None),
        "wall_s": sum(log["wall_s"] for log in segments),
        "jobs": sum(log["done"] for log in segments),
    }


def run_summary(run: dict) -> str:
    """``run``'s wall time in words: summed over its Snakemake invocations."""
    if not run["segments"]:
        return "its wall time is not on record (no Snakemake log in its checkout)"
    minutes = round(run["wall_s"] / 60)
    wall = f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
    begun = run["start"].date().isoformat()
    parts = "one invocation" if run["segments"] == 1 else f"{run['segments']} invocations"
    return f"{run['jobs']} jobs in {wall} of wall time over {parts} from {begun}"


def answer_rows(board) -> tuple[str, list[float], list[dict]]:
    """The answer's benchmark, its SNR levels and its rows: per kind the estimators
    nearest the bound at the highest level (at most ANSWER_ROWS_PER_KIND), each with its
    dB above the bound per level (a network at its best training set) as ``cells`` and the
    lowest and highest of those medians."""
    noisy = best_by_level(board)
    families = sorted(noisy["family"].unique())
    family = ANSWER_FAMILY if ANSWER_FAMILY in families else families[0]
    best = noisy[(noisy["family"] == family) & noisy["snr_db"].isin(ANSWER_LEVELS)]
    levels = sorted(best["snr_db"].unique())
    chosen = []
    for kind in KIND_ORDER:
        own = best[best["kind"] == kind]
        top = own[own["snr_db"] == levels[-1]].sort_values(["db_above_bound", "estimator"])
        for name in top["estimator"][:ANSWER_ROWS_PER_KIND]:
            mine = own[own["estimator"] == name].set_index("snr_db").reindex(levels)
            chosen.append(
                {
                    "name": name,
                    "kind": kind,
                    "cells": list(mine["cell"].fillna("n/a")),
                    "lo": number(mine["db_above_bound"].min(), "+.1f"),
                    "hi": number(mine["db_above_bound"].max(), "+.1f"),
                }
            )
    return family, levels, chosen


def answer(board, run: dict, template: str) -> str:
    """The README's answer: ``template`` (docs/answer.md.j2) filled from the leaderboard."""
    family, levels, rows = answer_rows(board)
    header = ["estimator", "kind", *(f"{s:g} dB" for s in levels)]
    body = [[f"`{r['name']}`", r["kind"], *r["cells"]] for r in rows]
    first = {}
    for r in rows:
        first.setdefault(r["kind"], r)
    text = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return text.from_string(template).render(
        run=run,
        summary=run_summary(run),
        family=family,
        levels=[f"{s:g}" for s in levels],
        best=first,
        table=table(header, body),
    )


def with_answer(readme: str, text: str) -> str:
    """``readme`` with what lies between ANSWER_BEGIN and ANSWER_END replaced by ``text``
    (ValueError if the two lines are not there, in that order)."""
    begin, end = readme.find(ANSWER_BEGIN), readme.find(ANSWER_END)
    if begin < 0 or end < begin:
        raise ValueError(
            f"the README has no lines {ANSWER_BEGIN!r} and then {ANSWER_END!r} around its "
            "answer; put them back to let dev/docs.py write it"
        )
    return readme[: begin + len(ANSWER_BEGIN)] + "\n\n" + text.strip() + "\n\n" + readme[end:]


def missing_inputs(results: Path) -> list[str]:
    wanted = [results / "figures" / s for s in FIGURES.values()]
    wanted += [results / t for t in TABLES.values()]
    return [str(p) for p in wanted if not p.is_file()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = parser.parse_args(argv)
    missing = missing_inputs(args.results)
    if missing:
        print(
            "not a finished study, missing: " + ", ".join(missing) + "; run the default "
            "study first (./study.sh --cores 2)",
            file=sys.stderr,
        )
        return 1
    try:
        run = provenance(args.results)
        board = io.read_table(args.results / TABLES["leaderboard"])
        template = (args.docs / ANSWER_TEMPLATE).read_text()
        readme = with_answer(args.readme.read_text(), answer(board, run, template))
    except (OSError, ValueError, jinja2.TemplateError) as err:
        print(err, file=sys.stderr)
        return 1
    out = args.docs / "results.md"
    text = render(args.results, run)
    for name, source in FIGURES.items():
        io.write_bytes(args.docs / name, (args.results / "figures" / source).read_bytes())
        print(f"{args.docs / name} <- {args.results / 'figures' / source}")
    io.write_bytes(out, text.encode())
    print(f"{out} <- {args.results}")
    io.write_bytes(args.readme, readme.encode())
    print(f"{args.readme} (its answer) <- {args.results / TABLES['leaderboard']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

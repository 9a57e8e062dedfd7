#!/usr/bin/env python3
"""Regenerate the generated part of docs/ from a finished study: the README's figures
(docs/*.png) and the tables of docs/results.md, all from one run's results/.

    python dev/docs.py            # after ./study.sh --cores 2

docs/results.md has two parts. Above KEPT_MARKER, every table is rendered from a table
the study wrote (results/report/workflow.rst, thread_comparison.md, seed_distribution/*.csv,
leaderboard.csv, speed.csv) and rewritten on every run of this script; below it, notes on
past runs written by hand are kept as they are. Refuses, naming what is missing, when the
study is not finished, so docs/ never mixes two runs.
"""

from __future__ import annotations

import argparse
import datetime
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))  # run from a checkout without installing

from sinefreq import io  # noqa: E402  (after the path above)

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
KEPT_MARKER = (
    "<!-- Below this line: notes on past runs, written by hand; dev/docs.py keeps them as "
    "they are. -->"
)
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


def leaderboard_sections(board) -> list[str]:
    """Per family of noisy test sets: dB above the exact bound, estimator by SNR level (a
    network trained several times: the median and the range of its seeds), a network
    trained on several datasets at its best one, and the bound's RMSE below."""
    noisy = board[board["snr_db"].notna()].copy()
    noisy["family"] = [SNR_NAME.match(t)["family"] for t in noisy["test_dataset"]]
    noisy["cell"] = [db_cell(row) for _, row in noisy.iterrows()]
    sections = []
    for family, rows in noisy.groupby("family", sort=True):
        best = rows.sort_values("db_above_bound").drop_duplicates(["estimator", "snr_db"])
        grid = best.pivot(index="estimator", columns="snr_db", values="db_above_bound")
        cells = best.pivot(index="estimator", columns="snr_db", values="cell")
        levels = sorted(grid.columns)
        kinds = best.drop_duplicates("estimator").set_index("estimator")["kind"]
        # Kind by kind, then closest to the bound at the highest SNR first.
        top = grid[levels[-1]].fillna(math.inf)
        order = sorted(grid.index, key=lambda e: (KIND_ORDER.index(kinds[e]), top[e], e))
        body = [
            [
                name,
                kinds[name],
                *(
                    cells.loc[name, s] if isinstance(cells.loc[name, s], str) else "n/a"
                    for s in levels
                ),
            ]
            for name in order
        ]
        bound = rows.drop_duplicates("snr_db").set_index("snr_db")["bound_rmse"]
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


def render(results: Path, run_date: str) -> str:
    """The generated part of docs/results.md, from the tables under ``results``."""
    seeds = sorted((results / SEED_TABLES).glob("*.csv"))
    parts = [
        "# Results of the default study\n",
        f"Rendered by `python dev/docs.py` from the tables the study of {run_date} wrote under "
        "`results/`; frequencies and errors in cycles per window, medians over seeds.\n",
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


def kept_notes(path: Path) -> str:
    """The hand-written part of an existing docs/results.md (from KEPT_MARKER on)."""
    if not path.exists():
        return KEPT_MARKER + "\n"
    text = path.read_text()
    at = text.find(KEPT_MARKER)
    if at < 0:
        raise ValueError(
            f"{path} has no line {KEPT_MARKER!r}; put it above the notes to keep (or move "
            "the file away to start afresh)"
        )
    return text[at:]


def missing_inputs(results: Path) -> list[str]:
    wanted = [results / "figures" / s for s in FIGURES.values()]
    wanted += [results / t for t in TABLES.values()]
    return [str(p) for p in wanted if not p.is_file()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    args = parser.parse_args(argv)
    missing = missing_inputs(args.results)
    if missing:
        print(
            "not a finished study, missing: " + ", ".join(missing) + "; run the default "
            "study first (./study.sh --cores 2)",
            file=sys.stderr,
        )
        return 1
    out = args.docs / "results.md"
    try:
        kept = kept_notes(out)
    except ValueError as err:
        print(err, file=sys.stderr)
        return 1
    # The run's date: when its last input table was written.
    newest = max((args.results / t).stat().st_mtime for t in TABLES.values())
    run_date = datetime.date.fromtimestamp(newest).isoformat()
    text = render(args.results, run_date) + "\n" + kept
    for name, source in FIGURES.items():
        io.write_bytes(args.docs / name, (args.results / "figures" / source).read_bytes())
        print(f"{args.docs / name} <- {args.results / 'figures' / source}")
    io.write_bytes(out, text.encode())
    print(f"{out} <- {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

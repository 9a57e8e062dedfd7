"""dev/docs.py: the README's answer and figures and docs/results.md from a small fake
results/ tree, written with the study's own writer and columns, in a git checkout."""

import importlib.util
import math
import shutil
import subprocess

import pandas as pd
import pytest

from sinefreq import io, leaderboard, speed

from .conftest import ROOT

spec = importlib.util.spec_from_file_location("docs", ROOT / "dev" / "docs.py")
docs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(docs)

FRONT_PAGE = """\
Can a neural network predict the frequency of a sine wave?
==========================================================

Trained as the thread trained them, the networks' MAE is Q-dense 28.4 (training);
A2-lstm 0.539 (held-out, thread 0.881).

sinefreq regenerates every setup of a question-and-answer thread on this question.
"""
THREAD_MD = """\
| setup | dataset | model | thread says | thread MAE | our train MAE, median [90% interval] | our held-out MAE, median [90% interval] | failed runs |
|---|---|---|---|---|---|---|---|
| A2-lstm | a2_thread | a2_lstm | held-out errors of about 0.1 to 1.5 cycles (MAE 0.88 on its 10 printed pairs) | 0.881 | 0.502 [0.346, 0.693] | 0.539 [0.408, 0.778] | 0/10 |
"""


def board_row(estimator, kind, train, test, snr, db, bound, seeds_db=None):
    """A leaderboard row; ``seeds_db``: (lowest, highest) dB of a network's three seeds."""
    lo, hi = seeds_db or (db, db)
    return {"estimator": estimator, "kind": kind, "train_dataset": train, "test_dataset": test,
            "snr_db": snr, "n_runs": 3 if seeds_db else 1, "n_diverged": 0,
            "db_above_bound": db, "bound_rmse": bound, "rmse": bound * 10 ** (db / 20),
            "rmse_seed_min": bound * 10 ** (lo / 20), "rmse_seed_max": bound * 10 ** (hi / 20)}  # fmt: skip


BOARD = [
    # a2_lstm trained at two SNRs: each level shows its best training set
    board_row("a2_lstm", "thread", "noise_snr0dB", "bench_noise_snr0dB", 0.0, 32.3, 0.0548),
    board_row("a2_lstm", "thread", "noise_snr20dB", "bench_noise_snr0dB", 0.0, 40.2, 0.0548),
    board_row("a2_lstm", "thread", "noise_snr0dB", "bench_noise_snr30dB", 30.0, 61.0, 0.00173),
    board_row("a2_lstm", "thread", "noise_snr20dB", "bench_noise_snr30dB", 30.0, 55.5, 0.00173),
    board_row("nls", "classical", "", "bench_noise_snr0dB", 0.0, 0.02, 0.0548),
    board_row("nls", "classical", "", "bench_noise_snr30dB", 30.0, -0.1, 0.00173),
    # the hybrid trained three times: the median and the seeds' range
    board_row(
        "hybrid_gn", "hybrid", "bench_clean", "bench_noise_snr0dB", 0.0, 0.1, 0.0548, (0.0, 0.3)
    ),
    board_row(
        "hybrid_gn",
        "hybrid",
        "bench_clean",
        "bench_noise_snr30dB",
        30.0,
        -0.1,
        0.00173,
        (-0.1, -0.1),
    ),
    board_row(
        "coarse_to_fine_cascade",
        "learned",
        "bench_clean",
        "bench_noise_snr0dB",
        0.0,
        0.7,
        0.0548,
        (0.6, 0.9),
    ),
    board_row(
        "coarse_to_fine_cascade",
        "learned",
        "bench_clean",
        "bench_noise_snr30dB",
        30.0,
        4.1,
        0.00173,
        (3.8, 4.6),
    ),
    # a clean test set has no bound in dB: not in the table
    board_row("nls", "classical", "", "bench_clean", math.nan, math.nan, math.nan),
]
SEEDS = [
    {"dataset": "a0_maxf10", "max_freq": 10, "model": "a0_lstm", "n_seeds": 10, "n_failed": 1,
     "train_mae_median": 0.179, "train_mae_p05": 0.0781, "train_mae_p95": 2.44,
     "thread_mae": 0.0504, "thread_percentile": 0.0, "median_of_3_lo": 0.104,
     "median_of_3_hi": 0.241, "median_of_5_lo": 0.121, "median_of_5_hi": 0.219,
     "p_vs_first_model": math.nan},
    {"dataset": "a0_maxf10", "max_freq": 10, "model": "a0_lstm_keras2", "n_seeds": 10,
     "n_failed": 0, "train_mae_median": 0.145, "train_mae_p05": 0.0731, "train_mae_p95": 0.303,
     "thread_mae": 0.0504, "thread_percentile": 0.0, "median_of_3_lo": 0.0882,
     "median_of_3_hi": 0.209, "median_of_5_lo": 0.0931, "median_of_5_hi": 0.201,
     "p_vs_first_model": 0.43},
]  # fmt: skip
SPEED = [
    {"rule": "train", "jobs": 135, "wall_min": 141.8, "cpu_min": 110.0, "median_wall_s": 39.1,
     "median_work_s": 34.3, "median_startup_s": 4.8, "startup_share": 0.08, "max_rss_mb": 900.0},
    {"rule": "classical", "jobs": 62, "wall_min": 0.7, "cpu_min": 0.3, "median_wall_s": 0.6,
     "median_work_s": math.nan, "median_startup_s": math.nan, "startup_share": math.nan,
     "max_rss_mb": 200.0},
]  # fmt: skip
TREND = [
    {"model": "a0_lstm", "dataset": f"a0_maxf{m}", "max_freq": float(m), "n_runs": 10,
     "n_failed": k, "failure_rate": k / 10, "rate_lo": lo, "rate_hi": hi, "trend_z": 1.95,
     "trend_p": 0.051}
    for m, k, lo, hi in ((10, 1, 0.0179, 0.404), (20, 3, 0.108, 0.603))
]  # fmt: skip
README = f"""# sinefreq

## The answer

{docs.ANSWER_BEGIN}

The old answer.

{docs.ANSWER_END}

![a figure](docs/leaderboard.png)
"""
# Two Snakemake invocations of one run: the first stopped, the second finished the rest.
RUN_LOGS = {
    "2026-12-08T023800.1.snakemake.log": "SNAKEMAKE\n  Date: 2026-12-08 02:38:00\n"
    "[Tue Dec  8 02:38:05 2026]\nrule train:\n[Tue Dec  8 03:38:00 2026]\n"
    "200 of 360 steps (56%) done\n",
    "2026-12-09T010000.1.snakemake.log": "SNAKEMAKE\n  Date: 2026-12-09 01:00:00\n"
    "[Wed Dec  9 01:00:05 2026]\nrule train:\n[Wed Dec  9 02:30:00 2026]\n"
    "160 of 160 steps (100%) done\n",
}


def git(checkout, *args):
    return subprocess.run(
        ["git", "-C", str(checkout), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def study(tmp_path):
    """A finished study's results/ (a few rows each) in a clean git checkout with its
    Snakemake logs, and a docs/ and README to write."""
    results, out = tmp_path / "results", tmp_path / "docs"
    git(tmp_path, "init", "-q")
    (tmp_path / "Snakefile").write_text("# the workflow\n")
    git(tmp_path, "add", "Snakefile")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "the study")
    for name, text in RUN_LOGS.items():
        io.write_bytes(tmp_path / ".snakemake" / "log" / name, text.encode())
    for source in docs.FIGURES.values():
        io.write_bytes(results / "figures" / source, source.encode())
    io.write_bytes(results / "report" / "workflow.rst", FRONT_PAGE.encode())
    io.write_bytes(results / "thread_comparison.md", THREAD_MD.encode())
    io.write_table(results / "leaderboard.csv", pd.DataFrame(BOARD, columns=leaderboard.COLUMNS))
    io.write_table(results / "speed.csv", pd.DataFrame(SPEED, columns=speed.SUMMARY_COLUMNS))
    io.write_table(results / "seed_distribution" / "a0_seeds.csv", pd.DataFrame(SEEDS))
    io.write_table(results / "failure_trend" / "a0_lstm.csv", pd.DataFrame(TREND))
    io.write_bytes(out / "results.md", b"# old tables\n")
    shutil.copy(ROOT / "docs" / docs.ANSWER_TEMPLATE, out / docs.ANSWER_TEMPLATE)
    io.write_bytes(out / "README.md", README.encode())
    return results, out


def rewrite(results, out):
    return docs.main(
        ["--results", str(results), "--docs", str(out), "--readme", str(out / "README.md")]
    )


def test_results_page_is_rendered_from_the_studys_tables(study):
    results, out = study
    assert rewrite(results, out) == 0
    text = (out / "results.md").read_text()
    lines = text.splitlines()
    assert "# old tables" not in text
    # the run: its commit, its jobs and wall time summed over its two invocations
    commit = git(results.parent, "rev-parse", "--short=7", "HEAD")
    assert f"One run of the default study at commit `{commit}`: 360 jobs in 2 h 30 min " \
        "of wall time over 2 invocations from 2026-12-08." in text  # fmt: skip
    # the front page's answer, one paragraph, without its title or the next paragraph
    assert "> Trained as the thread trained them, the networks' MAE is Q-dense 28.4 " \
        "(training); A2-lstm 0.539 (held-out, thread 0.881)." in lines  # fmt: skip
    assert "sinefreq regenerates" not in text
    assert THREAD_MD in text
    # the leaderboard: kinds in order, each network at its best training set per level
    at = lines.index("### `bench_noise`: dB above the exact Cramer-Rao bound")
    assert lines[at + 2 : at + 9] == [
        "| estimator | kind | 0 dB | 30 dB |",
        "|---|---|---|---|",
        "| nls | classical | +0.0 | -0.1 |",
        "| hybrid_gn | hybrid | +0.1 [+0.0, +0.3] | -0.1 [-0.1, -0.1] |",
        "| coarse_to_fine_cascade | learned | +0.7 [+0.6, +0.9] | +4.1 [+3.8, +4.6] |",
        "| a2_lstm | thread | +32.3 | +55.5 |",
        "| *bound RMSE (cycles)* |  | 0.0548 | 0.00173 |",
    ]
    assert "bench_clean" not in text
    assert "| 10 | `a0_lstm` | 0.179 [0.0781, 2.44] | 1/10 | 0.050 | 0 | 0.104-0.241 | " \
        "0.121-0.219 |  |" in lines  # fmt: skip
    assert "| 10 | `a0_lstm_keras2` | 0.145 [0.0731, 0.303] | 0/10 | 0.050 | 0 | " \
        "0.0882-0.209 | 0.0931-0.201 | 0.43 |" in lines  # fmt: skip
    assert "| `a0_lstm` | 10 | 1/10 | 10% [2%, 40%] | +1.95 | 0.051 |" in lines
    assert "| `a0_lstm` | 20 | 3/10 | 30% [11%, 60%] | +1.95 | 0.051 |" in lines
    assert "| train | 135 | 141.8 | 39.1 | 4.8 | 8% |" in lines
    assert "| classical | 62 | 0.7 | 0.6 | n/a | n/a |" in lines
    for name, source in docs.FIGURES.items():
        assert (out / name).read_bytes() == source.encode()


def test_a_second_run_changes_nothing(study):
    results, out = study
    assert rewrite(results, out) == 0
    first = (out / "results.md").read_text()
    assert rewrite(results, out) == 0
    assert (out / "results.md").read_text() == first


def test_the_readme_answer_is_a_short_table_and_its_sentences(study):
    results, out = study
    assert rewrite(results, out) == 0
    readme = (out / "README.md").read_text()
    assert "The old answer." not in readme
    assert readme.startswith("# sinefreq\n") and readme.endswith(
        "![a figure](docs/leaderboard.png)\n"
    )
    answer = readme[readme.index(docs.ANSWER_BEGIN) : readme.index(docs.ANSWER_END)]
    assert "Trained as the thread trained them, the best of its networks (`a2_lstm`)\nstays " \
        "+32.3 to +55.5 dB above the Cramer-Rao bound from\n0 to 30 dB SNR" in answer  # fmt: skip
    assert "(`coarse_to_fine_cascade`) is +0.7 to +4.1 dB" in answer
    assert "(`hybrid_gn`) -0.1 to +0.1 dB" in answer
    assert "least squares\n(`nls`) is -0.1 to +0.0 dB." in answer
    rows = [line for line in answer.splitlines() if line.startswith("| `")]
    assert rows == [
        "| `nls` | classical | +0.0 | -0.1 |",
        "| `hybrid_gn` | hybrid | +0.1 [+0.0, +0.3] | -0.1 [-0.1, -0.1] |",
        "| `coarse_to_fine_cascade` | learned | +0.7 [+0.6, +0.9] | +4.1 [+3.8, +4.6] |",
        "| `a2_lstm` | thread | +32.3 | +55.5 |",
    ]
    assert len(rows) <= 8


def test_a_study_with_uncommitted_changes_is_refused(study, capsys):
    results, out = study
    (results.parent / "Snakefile").write_text("# edited after the commit\n")
    assert rewrite(results, out) == 1
    assert "uncommitted changes (Snakefile)" in capsys.readouterr().err
    assert (out / "results.md").read_text() == "# old tables\n"  # untouched


def test_an_unfinished_study_is_refused_by_name(study, capsys):
    results, out = study
    (results / "speed.csv").unlink()
    (results / "figures" / "a2_lstm" / "predicted_vs_true.png").unlink()
    assert rewrite(results, out) == 1
    error = capsys.readouterr().err
    assert "speed.csv" in error and "a2_lstm/predicted_vs_true.png" in error
    assert (out / "results.md").read_text() == "# old tables\n"  # untouched


def test_a_readme_without_the_answers_lines_is_not_overwritten(study, capsys):
    results, out = study
    (out / "README.md").write_text("# a README written by hand\n")
    assert rewrite(results, out) == 1
    assert "has no lines" in capsys.readouterr().err
    assert (out / "README.md").read_text() == "# a README written by hand\n"
    assert (out / "results.md").read_text() == "# old tables\n"  # nothing written

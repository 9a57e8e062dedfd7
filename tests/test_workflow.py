"""The workflow as a user runs it: the default study's plan, and the tiny study end to end."""

import json
import re
from collections import Counter

import h5py
import numpy as np
import pandas as pd
import pytest

from sinefreq import config as study

from .conftest import ROOT, load_yaml, run_snakemake


def planned_jobs(output: str) -> Counter:
    """Job counts from the 'Job stats' table of a dry run."""
    table = output.split("Job stats:", 1)[1]
    return Counter(
        {
            m[1]: int(m[2])
            for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.MULTILINE)
            if m[1] != "total"
        }
    )


def test_default_study_plan(tmp_path, default_config):
    proc = run_snakemake(
        "-n", "--configfile", str(ROOT / "config" / "config.yaml"), "--directory", str(tmp_path)
    )
    jobs = planned_jobs(proc.stdout)
    runs = study.runs(default_config)
    assert (
        len(runs) == 45
    )  # 6 setups x 3 seeds; answer 0 over 8 max_freq values, answer 1 on 3 datasets
    assert {r.model for r in runs} == {
        "q_dense",
        "q_lstm",
        "a0_lstm",
        "a1_lstm",
        "a2_lstm",
        "a2_dnn",
    }
    assert all(len([r for r in runs if (r.dataset, r.model) == (d, m)]) >= 3 for d, m, _ in runs)
    assert jobs == Counter(
        dataset=len(default_config["datasets"]),
        train=len(runs),
        evaluate=len(runs),
        aggregate=1,
        experiment_figures=len(default_config["experiments"]),
        sweep_figure=sum("sweep" in e for e in default_config["experiments"].values()),
        all=1,
    )


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory):
    """The tiny study run once, end to end, in a fresh directory."""
    workdir = tmp_path_factory.mktemp("tiny")
    run_snakemake(
        "--cores",
        "2",
        "--configfile",
        str(ROOT / "config" / "test.yaml"),
        "--directory",
        str(workdir),
    )
    return workdir, load_yaml(ROOT / "config" / "test.yaml")


@pytest.mark.slow
def test_tiny_study_writes_every_run(tiny_study):
    workdir, cfg = tiny_study
    for run in study.runs(cfg):
        run_dir = workdir / "results" / "runs" / run.path
        metrics = json.loads((run_dir / "metrics.json").read_text())
        assert (metrics["dataset"], metrics["model"], metrics["seed"]) == tuple(run)
        assert set(metrics["splits"]) == {"train", "test"}
        assert metrics["by_frequency"]
        with h5py.File(run_dir / "predictions.h5") as h5:
            assert h5["test/y_pred"].shape == h5["test/y_true"].shape
            assert np.all(np.isfinite(h5["test/y_pred"][()]))
        history = pd.read_csv(run_dir / "history.csv")
        assert list(history["epoch"]) == list(range(1, cfg["models"][run.model]["epochs"] + 1))
        assert {"loss", "val_loss"} <= set(history.columns)
        assert json.loads((run_dir / "training.json").read_text())["diverged"] is False
        assert (run_dir / "model.keras").stat().st_size > 0
        assert (workdir / "logs" / "train" / f"{run.path}.log").exists()
        assert (workdir / "results" / "benchmarks" / "train" / f"{run.path}.tsv").exists()


@pytest.mark.slow
def test_tiny_study_tables(tiny_study):
    workdir, cfg = tiny_study
    runs = pd.read_csv(workdir / "results" / "runs.csv")
    assert len(runs) == len(study.runs(cfg))
    summary = pd.read_csv(workdir / "results" / "summary.csv")
    assert len(summary) == len({(r.dataset, r.model) for r in study.runs(cfg)})
    assert (summary["n_runs"] >= 1).all() and (summary["test_mae_mean"] > 0).all()
    thread_md = (workdir / "results" / "thread_comparison.md").read_text()
    assert thread_md.count("\n") == 2 + len(summary)


@pytest.mark.slow
def test_tiny_study_figures_and_no_partial_files(tiny_study):
    workdir, cfg = tiny_study
    figures = sorted(
        p.relative_to(workdir / "results" / "figures").as_posix()
        for p in (workdir / "results" / "figures").rglob("*.png")
    )
    assert figures == [
        "dense/learning_curves.png",
        "dense/predicted_vs_true.png",
        "sweep/error_vs_max_freq.png",
        "sweep/learning_curves.png",
        "sweep/predicted_vs_true.png",
    ]
    for png in (workdir / "results" / "figures").rglob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert not [p for p in workdir.rglob(".*.part*")], "temporary files left behind"


@pytest.mark.slow
def test_tiny_study_is_complete_then_does_nothing(tiny_study):
    workdir, _ = tiny_study
    proc = run_snakemake(
        "-n", "--configfile", str(ROOT / "config" / "test.yaml"), "--directory", str(workdir)
    )
    assert "Nothing to be done" in proc.stdout + proc.stderr


@pytest.mark.slow
def test_report_renders(tiny_study, tmp_path):
    workdir, _ = tiny_study
    report = tmp_path / "report.zip"
    run_snakemake(
        "--configfile",
        str(ROOT / "config" / "test.yaml"),
        "--directory",
        str(workdir),
        "--report",
        str(report),
    )
    assert report.stat().st_size > 10_000

"""The workflow as a user runs it: the default study's plan, and the tiny study end to end."""

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml

from sinefreq import any_length, contract, paper, steps, texts
from sinefreq import config as study
from sinefreq.thread import SETUPS

from .conftest import ROOT, copy_workflow, planned_jobs, run_snakemake

# The default study's estimator networks, each on the leaderboard over three seeds; those
# that record how the study got here are in config/ablations.yaml.
ESTIMATORS = {"hybrid_gn"}
ANY_LENGTH = {"coarse_to_fine_any", "coarse_to_fine_any_gn"}
LIMIT = {"coarse_to_fine_cascade"}
ABLATIONS = {
    "a2_lstm_estimator",
    "conv_resnet",
    "spectral_cnn",
    "coarse_to_fine",
    "coarse_to_fine_long",
    "coarse_to_fine_hedged",
}


def job_counts(output: str) -> Counter:
    """Job counts from the 'Job stats' table of a dry run (rule names made from dataset
    names may hold dots and hyphens)."""
    table = output.split("Job stats:", 1)[1]
    return Counter(
        {
            m[1]: int(m[2])
            for m in re.finditer(r"^([\w.-]+)\s+(\d+)$", table, re.MULTILINE)
            if m[1] != "total"
        }
    )


@pytest.mark.slow  # plans the default study in a snakemake process
def test_default_study_plan(tmp_path, default_config):
    proc = run_snakemake(
        "-n", "--configfile", str(ROOT / "config" / "config.yaml"), "--directory", str(tmp_path)
    )
    jobs = job_counts(proc.stdout)
    runs = study.runs(default_config)
    # The thread: the question's 2 setups x 3 seeds, answer 1 on 3 datasets and answer 0
    # over 8 max_freq values x 10 seeds, answer 2's 2 setups x 10 seeds; the thread's three
    # answer-0 points x 10 seeds x 2 models (Keras 3 and 2 defaults), less the 3 x 10 runs
    # the sweep shares; the noise sweep: 9 SNR levels x 2 networks x 3 seeds; the hybrid,
    # the any-length network and its hybrid, and the limit's cascade, 3 seeds each.
    assert len(runs) == (
        (1 + 1) * 3 + (3 + 8) * 10 + 2 * 10 + (3 * 2 * 10 - 3 * 10) + 9 * 2 * 3 + 4 * 3
    )
    # Every point the study draws a conclusion from over seeds has ten of them; every
    # network on the leaderboard is trained three times.
    conclusive = ("a0_lstm", "a0_seeds", "a1_recipe", "a2_lstm", "a2_dnn")
    assert all(default_config["experiments"][e]["seeds"] == list(range(10)) for e in conclusive)
    boarded = [e for e in default_config["experiments"].values() if e.get("evaluate_on")]
    assert all(len(e["seeds"]) >= 3 for e in boarded)
    assert {r.model for r in runs} == {
        "q_dense",
        "q_lstm",
        "a0_lstm",
        "a0_lstm_keras2",
        "a1_lstm",
        "a2_lstm",
        "a2_dnn",
        *ESTIMATORS,
        *ANY_LENGTH,
        *LIMIT,
    }
    # The hybrid on the 9 noise levels, at [1, 49] and over the whole band, and a2_thread
    # (bench_clean is its own); the noise sweep's 54 networks on the 9 levels; the hybrid
    # and the cascade (coloured_noise, the same runs) on the 9 levels of each of the two
    # AR(1) benchmarks; the two any-length networks on the 9 levels at each of 5 lengths
    # and the whole band at N = 100; the cascade on both N = 100 benchmarks and a2_thread:
    # each for 3 seeds.
    cross = study.cross_evaluations(default_config)
    assert len(cross) == 3 * ((2 * 9 + 1) + 18 * 9 + 2 * 2 * 9 + 2 * 6 * 9 + (2 * 9 + 1))
    assert len(study.leaderboard_datasets(default_config)) == 9 + 2 + 2 * 9 + 5 * 9
    thread = [e for e in default_config["experiments"].values() if "thread" in e]
    assert {e["thread"] for e in thread} == set(SETUPS)
    assert all(len(e["seeds"]) >= 3 for e in thread)
    n_datasets = len(default_config["datasets"])
    assert n_datasets == 12 + 9 + 9 + 1 + 2 * 9 + 5 * 9
    # One dataset, bound and classical job per family of datasets: the 12 without an SNR
    # list and bench_clean alone, the 9 lists of levels (noise, bench_noise, the two AR(1)
    # benchmarks, the five lengths) each in one job.
    families = study.dataset_families(default_config)
    assert len(families) == 12 + 1 + 9
    assert sum(map(len, families.values())) == n_datasets
    # One evaluate job per family of a run's dataset and model: q_thread (2 models), the 8
    # answer-0 points, the 3 with Keras 2's defaults, answer 1's 3, a2_thread (2), the
    # noise sweep's levels (2 models), bench_clean (4 estimator networks).
    groups = study.evaluation_groups(default_config)
    assert len(groups) == 2 + 8 + 3 + 3 + 2 + 2 + 4
    assert jobs == Counter(
        **{f"dataset_{family}": 1 for family in families},
        **{f"bound_{family}": 1 for family in families},
        **{f"classical_{family}": 1 for family in families},
        **{f"evaluate_{family}_{model}": 1 for family, model in groups},
        frequency_figure=len(default_config["experiments"]),
        train=len(runs),
        aggregate=1,
        leaderboard=1,
        experiment_figures=len(default_config["experiments"]),
        sweep_figure=sum("sweep" in e for e in default_config["experiments"].values()),
        seed_distribution=1,
        # the sweeps (a0_lstm, a1_recipe, noise_sweep) and the thread's points (a0_seeds)
        failure_trend=4,
        by_frequency=1,
        report_texts=1,
        speed=1,
        all=1,
    )
    # Fewer, fuller jobs: the whole default study in at most 400.
    assert sum(jobs.values()) <= 400


@pytest.mark.slow  # plans the ablations on top of the default study
def test_ablations_add_only_their_networks(tmp_path, default_config):
    config = ROOT / "config"
    proc = run_snakemake(
        "-n",
        "--configfile",
        str(config / "config.yaml"),
        str(config / "ablations.yaml"),
        "--directory",
        str(tmp_path),
    )
    jobs = job_counts(proc.stdout)
    merged = study.load(config / "config.yaml", config / "schema.yaml")
    ablations = yaml.safe_load((config / "ablations.yaml").read_text())
    merged["models"].update(ablations["models"])
    merged["experiments"].update(ablations["experiments"])
    added = set(study.runs(merged)) - set(study.runs(default_config))
    assert {run.model for run in added} == ABLATIONS
    assert jobs["train"] == len(study.runs(merged))
    assert jobs["evaluate_bench_clean_coarse_to_fine_long"] == 1
    assert not set(ablations["models"]) & set(default_config["models"])


def test_tiny_study_plans_a_failure_trend_per_sweep_and_thread_points(tmp_path):
    workdir = copy_workflow(tmp_path / "workflow")
    jobs = planned_jobs(workdir, "--configfile", "config/test.yaml")
    trends = sorted(wildcards for rule, wildcards in jobs if rule == "failure_trend")
    # the sweeps over max_freq (two points) and SNR (two levels), and the thread's one point
    assert trends == ["experiment=noise", "experiment=seeds", "experiment=sweep"]


@pytest.mark.slow
def test_tiny_study_writes_every_run(tiny_study):
    workdir, cfg = tiny_study
    for run in study.runs(cfg):
        run_dir = workdir / "results" / "runs" / run.path
        metrics = json.loads((run_dir / "metrics.json").read_text())
        assert (metrics["dataset"], metrics["model"], metrics["seed"]) == tuple(run)
        assert set(metrics["splits"]) == {"train", "test"}
        assert metrics["by_frequency"]
        diverging = run.model == "tiny_diverging"
        with h5py.File(run_dir / "predictions.h5") as h5:
            assert h5["test/y_pred"].shape == h5["test/y_true"].shape
            assert np.all(np.isfinite(h5["test/y_pred"][()])) != diverging
        history = pd.read_csv(run_dir / "history.csv")
        epochs = cfg["models"][run.model]["epochs"]
        assert list(history["epoch"]) == list(range(1, len(history) + 1))
        assert len(history) == epochs or diverging  # TerminateOnNaN stops a diverged run
        assert {"loss", "val_loss"} <= set(history.columns)
        status = json.loads((run_dir / "training.json").read_text())
        assert status["diverged"] is diverging
        assert status["train_minutes"] > 0 and status["numerics"]["threads"] == 1
        assert metrics["series_per_s"] > 0 and metrics["test_dataset"] == run.dataset
        assert (run_dir / "model.keras").stat().st_size > 0
        served = contract.read(run_dir / "model.keras")  # what it serves, inside the file
        n_samples = cfg["datasets"][run.dataset]["n_samples"]
        lengths = cfg["models"][run.model].get("lengths")
        assert served.lengths == tuple(lengths or (n_samples, n_samples))
        assert served.dc_offset is served.scale_free is bool(lengths)
        assert (served.frequency is None) is bool(lengths)  # the band: [edge, Nyquist - edge]
        with h5py.File(run_dir / "validation.h5") as h5:  # what the run validated on
            size = cfg["models"][run.model].get("val_size")
            if lengths:  # at each length it trained on
                trained = any_length.training_lengths(*lengths)
                assert sorted(h5, key=lambda g: int(g[1:])) == [f"n{n}" for n in trained]
                assert sum(len(h5[g]["y"]) for g in h5) >= size
                assert all(h5[f"n{n}"]["x"].shape[1] == n for n in trained)
            else:
                assert h5["x"].shape == (size or len(h5["y"]), n_samples)
            assert h5.attrs["regime"] == cfg["models"][run.model]["regime"]
        assert (workdir / "logs" / "train" / f"{run.path}.log").exists()
        assert (workdir / "results" / "benchmarks" / "train" / f"{run.path}.tsv").exists()
        base = cfg["models"][run.model].get("weights_from")
        if base:  # not trained: the network of its base's run, that run's files beside it
            base_dir = workdir / "results" / "runs" / run._replace(model=base).path
            trained = json.loads((base_dir / "training.json").read_text())
            assert status["weights_from"] == {
                "model": base,
                "run": f"results/runs/{run._replace(model=base).path}",
            }
            assert status["epochs_trained"] == trained["epochs_trained"]
            assert status["train_minutes"] < trained["train_minutes"]
            for name in ("history.csv", "validation.h5"):
                assert (run_dir / name).read_bytes() == (base_dir / name).read_bytes()
        else:
            assert "weights_from" not in status


@pytest.mark.slow
def test_tiny_study_tables(tiny_study):
    workdir, cfg = tiny_study
    runs = pd.read_csv(workdir / "results" / "runs.csv")
    # --configfile replaced the default study (the copy has config/config.yaml too)
    assert set(runs["dataset"]) == set(cfg["datasets"])
    cross = study.cross_evaluations(cfg)
    assert (runs["estimator"] == "network").sum() == len(study.runs(cfg)) + len(cross)
    assert (runs["estimator"] == "classical").sum() == len(cfg["datasets"]) * len(cfg["classical"])
    own = runs["test_dataset"] == runs["dataset"]
    assert (~own).sum() == len(cross)
    summary = pd.read_csv(workdir / "results" / "summary.csv")
    networks = summary[summary["estimator"] == "network"]
    setups = {(r.dataset, r.model, r.dataset) for r in study.runs(cfg)}
    setups |= {(r.dataset, r.model, test) for r, test in cross}
    assert len(networks) == len(setups)
    trained = summary[summary["n_diverged"] < summary["n_runs"]]
    assert len(trained) == len(summary) - 1  # tiny_diverging is left out of the means
    assert (trained["n_runs"] >= 1).all() and (trained["test_mae_mean"] > 0).all()
    thread_md = (workdir / "results" / "thread_comparison.md").read_text()
    in_thread_experiments = {
        (d, m)
        for e in cfg["experiments"].values()
        if "thread" in e
        for d in e["datasets"]
        for m in e["models"]
    }
    assert thread_md.count("\n") == 2 + len(in_thread_experiments)


@pytest.mark.slow
def test_tiny_study_classical_estimators_and_bounds(tiny_study):
    workdir, cfg = tiny_study
    summary = pd.read_csv(workdir / "results" / "summary.csv").set_index(["dataset", "model"])
    for dataset, spec in cfg["datasets"].items():
        bound = json.loads((workdir / "results" / "bounds" / f"{dataset}.json").read_text())
        for method in cfg["classical"]:
            metrics = json.loads(
                (workdir / "results" / "classical" / dataset / method / "metrics.json").read_text()
            )
            assert metrics["estimator"] == "classical" and metrics["splits"]["test"]["n"] > 0
            row = summary.loc[(dataset, method)]
            if spec["snr_db"] is None:
                assert bound["splits"]["test"]["crlb_rmse"] is None
                assert row["test_mae_mean"] < 1e-3  # clean series: exact up to interpolation
            else:
                assert bound["splits"]["test"]["crlb_rmse"] > 0
                assert np.isfinite(row["test_db_above_crlb_mean"])


@pytest.mark.slow
def test_tiny_study_figures_and_no_partial_files(tiny_study):
    workdir, cfg = tiny_study
    figures_dir = workdir / "results" / "figures"
    pngs = sorted(figures_dir.rglob("*.png"))
    figures = sorted(p.relative_to(figures_dir).as_posix() for p in pngs)
    extra = {
        "noise": ["error_vs_snr_db", "failure_rate"],
        "sweep": ["error_vs_max_freq", "failure_rate"],
        "seeds": ["train_mae_by_seed", "failure_rate"],
        "diverging": [],
        "bench": [],
        "any_length": [],
    }
    assert figures == sorted(
        [
            *(
                f"{experiment}/{figure}.png"
                for experiment, sweeps in extra.items()
                for figure in [
                    "error_vs_frequency",
                    "learning_curves",
                    "predicted_vs_true",
                    *sweeps,
                ]
            ),
            "leaderboard/rmse_vs_snr.png",
            "leaderboard/error_by_frequency.png",
        ]
    )
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    # every figure has its vector PDF beside it, and nothing else is a PDF
    pdfs = sorted(figures_dir.rglob("*.pdf"))
    assert pdfs == [png.with_suffix(".pdf") for png in pngs]
    assert all(pdf.read_bytes()[:4] == b"%PDF" for pdf in pdfs)
    assert not [p for p in workdir.rglob(".*.part*")], "temporary files left behind"


@pytest.mark.slow
def test_report_renders(tiny_study, tmp_path):
    workdir, _ = tiny_study
    report = tmp_path / "report.zip"
    run_snakemake(
        "--configfile",
        "config/test.yaml",
        "--report",
        str(report),
        cwd=workdir,
        snakefile=workdir / "Snakefile",
    )
    with zipfile.ZipFile(report) as archive:
        names = archive.namelist()
        html = archive.read(next(n for n in names if n.endswith("report.html"))).decode()
    # Every figure (PNG) and table the study marks for the report is in it.
    results = workdir / "results"
    marked = [
        *(results / "figures").rglob("*.png"),
        *(
            results / name
            for name in (
                "runs.csv",
                "summary.csv",
                "thread_comparison.md",
                "leaderboard.csv",
                "leaderboard_by_frequency.csv",
                "speed.csv",
            )
        ),  # fmt: skip
        *(results / "seed_distribution").glob("*.csv"),
        *(results / "failure_trend").glob("*.csv"),
    ]
    assert len(marked) > 20
    missing = [p.name for p in marked if not any(n.endswith(p.name) for n in names)]
    assert not missing, f"not in the report: {missing}"
    # The front page answers with the run's numbers from the facts it was rendered from;
    # each caption states its finding.
    facts = json.loads((results / "report" / "facts.json").read_text())
    page = (results / "report" / "workflow.rst").read_text()
    assert page.startswith("Can a neural network predict the frequency of a sine wave?")
    assert "Can a neural network predict the frequency" in html
    assert "**Trained as the thread trained them.**" in page and re.search(r"\d\.\d", page)
    assert (
        f"{facts['thread']['failed']['k']} of {facts['thread']['failed']['n']} (95% interval"
        in page
    )
    assert facts["bound"] and "the bound inside the 95% bootstrap interval" in page
    for name in texts.caption_names(ROOT / "report"):
        text = (results / "report" / "captions" / f"{name}.rst").read_text()
        assert "**Finding:**" in text, f"caption {name} states no finding"
    for category in paper.CATEGORIES:
        assert category in html, f"category {category!r} missing"


@pytest.mark.slow
def test_divergence_is_counted_not_fatal(tiny_study):
    workdir, _ = tiny_study
    summary = pd.read_csv(workdir / "results" / "summary.csv").set_index(["dataset", "model"])
    row = summary.loc[("tiny_a0_f5", "tiny_diverging")]
    assert (row["n_runs"], row["n_diverged"]) == (1, 1)
    assert np.isnan(row["test_mae_mean"])  # no finite seed to average
    runs = pd.read_csv(workdir / "results" / "runs.csv")
    assert runs.loc[runs["model"] == "tiny_diverging", "diverged"].tolist() == [True]
    assert (~runs.loc[runs["model"] != "tiny_diverging", "diverged"]).all()


@pytest.mark.slow
def test_tiny_study_evaluates_runs_on_other_datasets(tiny_study):
    workdir, cfg = tiny_study
    cross = study.cross_evaluations(cfg)
    levels = {
        f"{family}_snr{snr}dB" for family in ("tiny_bench", "tiny_bench_n64") for snr in (0, 20)
    }
    assert {test for _, test in cross} == levels
    # the benchmark at 64 samples: the any-length network (trained on 32 to 64) and its
    # hybrid only
    assert {r.model for r, test in cross if "_n64" in test} == {
        "tiny_any_length",
        "tiny_any_length_gn",
    }
    for run, test in cross:
        directory = workdir / "results" / "runs" / run.path / "on" / test
        metrics = json.loads((directory / "metrics.json").read_text())
        assert (metrics["dataset"], metrics["model"], metrics["seed"]) == tuple(run)
        assert metrics["test_dataset"] == test and metrics["series_per_s"] > 0
        with h5py.File(directory / "predictions.h5") as h5:
            assert len(h5["test/y_pred"]) == 24  # each benchmark's test split
    # the own evaluation keeps its path
    assert all((workdir / "results" / "runs" / r.path / "metrics.json").exists() for r, _ in cross)


@pytest.mark.slow
def test_tiny_study_leaderboard(tiny_study):
    workdir, cfg = tiny_study
    board = pd.read_csv(workdir / "results" / "leaderboard.csv", keep_default_na=False)
    assert {
        "estimator",
        "kind",
        "snr_db",
        "rmse",
        "mae",
        "bias",
        "outlier_rate",
        "bound_rmse",
        "db_above_bound",
        "series_per_s",
        "train_minutes",
    } <= set(board.columns)
    tests = study.leaderboard_datasets(cfg)
    assert tests == [f"{b}_snr{snr}dB" for b in ("tiny_bench", "tiny_bench_n64") for snr in (0, 20)]
    # per test set at 32 samples: the noise experiment's 4 runs, the bench experiment's 2,
    # the any-length network and its hybrid, 2 classical; at 64 samples the any-length
    # network, its hybrid and 2 classical
    rows = Counter(zip(board["test_dataset"], board["kind"], strict=True))
    for test in tests:
        short = "_n64" not in test
        assert (rows[(test, "thread")], rows[(test, "learned")]) == (4 * short, 1 + short)
        assert (rows[(test, "hybrid")], rows[(test, "classical")]) == (1 + short, 2)
    numbers = board.replace("", np.nan)
    assert (numbers["rmse"].astype(float) > 0).all()
    assert (numbers["series_per_s"].astype(float) > 0).all()
    classical = numbers[numbers["kind"] == "classical"]
    assert classical["train_minutes"].isna().all()
    nls = numbers[numbers["estimator"] == "nls"].astype({"db_above_bound": float})
    assert (nls["db_above_bound"].abs() < 3).all()  # least squares sits near the bound
    hybrid = numbers[numbers["kind"] == "hybrid"].astype({"rmse": float})
    nls_at = nls.set_index("test_dataset")["rmse"].astype(float)
    assert (hybrid["rmse"].to_numpy() < 3 * nls_at[hybrid["test_dataset"]].to_numpy()).all()


# One run of each kind of network job (thread and estimator regimes, custom layers, the
# hybrid, evaluation on another dataset): the whole tiny study twice would double its time.
TENSORFLOW_TARGETS = [
    "results/runs/tiny_a0_f5/tiny_lstm/seed0/metrics.json",
    "results/runs/tiny_noise_snr0dB/tiny_dnn/seed0/on/tiny_bench_snr0dB/metrics.json",
    "results/runs/tiny_a0_f8/tiny_estimator/seed0/on/tiny_bench_snr20dB/metrics.json",
    "results/runs/tiny_a0_f8/tiny_hybrid/seed0/metrics.json",
]


@pytest.mark.slow
def test_network_jobs_under_tensorflow_and_models_across_backends(tiny_study, tmp_path):
    """The default backend is JAX; the study's network jobs run as well under TensorFlow,
    and a model saved under one backend predicts the same under the other."""
    jax_dir, cfg = tiny_study
    workdir = copy_workflow(tmp_path / "workflow")
    run_snakemake(
        "--cores",
        "2",
        "--configfile",
        "config/test.yaml",
        "--config",
        "keras_backend=tensorflow",
        "--",
        *TENSORFLOW_TARGETS,
        cwd=workdir,
        snakefile=workdir / "Snakefile",
    )
    for target in TENSORFLOW_TARGETS:
        run_dir = (workdir / target).parent
        run_dir = run_dir.parent.parent if run_dir.parent.name == "on" else run_dir
        status = json.loads((run_dir / "training.json").read_text())
        assert status["numerics"]["keras_backend"] == "tensorflow"
        assert json.loads((workdir / target).read_text())["splits"]["test"]["n"] > 0
    status = json.loads(
        (jax_dir / "results/runs/tiny_a0_f5/tiny_lstm/seed0/training.json").read_text()
    )
    assert status["numerics"]["keras_backend"] == "jax"

    run = next(r for r in study.runs(cfg) if r.model == "tiny_lstm")
    run_dir = jax_dir / "results" / "runs" / run.path
    with h5py.File(run_dir / "predictions.h5") as h5:
        under_jax = h5["test/y_pred"][()]
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("sinefreq")),
            "estimate",
            str(jax_dir / "data" / f"{run.dataset}.h5"),
            "--model",
            str(run_dir / "model.keras"),
        ],
        env={**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    under_tf = pd.read_csv(io.StringIO(proc.stdout))["frequency_cycles_per_window"].to_numpy()
    np.testing.assert_allclose(under_tf, under_jax, rtol=1e-4, atol=1e-4)


# Run in a fresh process, as a user runs the tool: ``sinefreq estimate`` on each job's
# dataset with its model (one process, so JAX starts once), then, for the whole band at
# two more lengths, the study's own evaluation beside the tool.
ESTIMATE_JOBS = """
import json, sys
from sinefreq import cli, steps
jobs = json.load(open(sys.argv[1]))
for job in jobs["estimate"]:
    assert cli.main(["estimate", job["data"], "--model", job["model"], "-o", job["out"]]) == 0
for job in jobs["evaluate"]:
    evaluation = {"run": job["run"], "dataset": job["data"], "model": job["model"], "status": job["status"]}
    steps.evaluate([evaluation], [job["metrics"]], [job["predictions"]])
    assert cli.main(["estimate", job["data"], "--model", job["model"], "-o", job["out"]]) == 0
"""


@pytest.mark.slow
def test_the_estimate_tool_gives_every_runs_predictions(tiny_study, tmp_path):
    """For every model the study trains, ``sinefreq estimate`` on a dataset's test series
    answers what the run's predictions file holds (its own and every cross-evaluation);
    for the any-length network also over the whole band, edges included, at N = 32 and
    48 (and 64: tiny_bench_n64), beside the study's evaluation."""
    workdir, cfg = tiny_study
    runs_dir, data_dir = workdir / "results" / "runs", workdir / "data"
    expected, estimate = {}, []
    cross = study.cross_evaluations(cfg)
    for run in study.runs(cfg):
        if run.model == "tiny_diverging":
            continue  # its weights are not finite: no answers to compare
        tests = [(run.dataset, runs_dir / run.path)] + [
            (test, runs_dir / run.path / "on" / test) for r, test in cross if r == run
        ]
        for test, place in tests:
            out = tmp_path / f"{len(estimate)}.csv"
            with h5py.File(place / "predictions.h5") as h5:
                expected[out] = h5["test/y_pred"][()]
            estimate.append(
                {"data": str(data_dir / f"{test}.h5"), "model": str(runs_dir / run.path / "model.keras"), "out": str(out)}
            )  # fmt: skip
    evaluate = []
    run = next(r for r in study.runs(cfg) if r.model == "tiny_any_length")
    for n in (32, 48):
        spec = {
            "n_samples": n, "seed": n, "snr_db": 20.0, "amplitude": [0.5, 2.0], "phase": [0, 6.28],
            "train": {"frequencies": {"uniform": [0.5, (n - 1) / 2 - 0.5, 4]}},
            "test": {"frequencies": {"values": list(np.linspace(0.5, (n - 1) / 2 - 0.5, 200))}},
        }  # fmt: skip
        steps.make_dataset(f"whole_band_n{n}", spec, tmp_path / f"n{n}.h5")
        evaluate.append(
            {
                "data": str(tmp_path / f"n{n}.h5"),
                "model": str(runs_dir / run.path / "model.keras"),
                "status": str(runs_dir / run.path / "training.json"),
                "run": {"dataset": run.dataset, "model": run.model, "seed": run.seed},
                "metrics": str(tmp_path / f"n{n}.json"),
                "predictions": str(tmp_path / f"n{n}_predictions.h5"),
                "out": str(tmp_path / f"n{n}.csv"),
            }
        )
    jobs = tmp_path / "jobs.json"
    jobs.write_text(json.dumps({"estimate": estimate, "evaluate": evaluate}))
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    proc = subprocess.run(
        [sys.executable, "-c", ESTIMATE_JOBS, str(jobs)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    for job in evaluate:
        with h5py.File(job["predictions"]) as h5:
            expected[Path(job["out"])] = h5["test/y_pred"][()]
    assert len(expected) > 20
    for out, predictions in expected.items():
        found = pd.read_csv(out)["frequency_cycles_per_window"].to_numpy()
        # The same float32 answers, bit for bit (the CSV holds each one's shortest repr).
        assert predictions.dtype == np.float32
        np.testing.assert_array_equal(found.astype(np.float32), predictions, err_msg=str(out))

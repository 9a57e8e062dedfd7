"""The tiny study submitted through the SLURM profile to a real (one-node) cluster."""

import json

import pytest

from sinefreq import config as study

from .conftest import ROOT, prepared_config
from .conftest_slurm import TEST_PROFILE, slurm_cluster  # noqa: F401  (pytest fixture)


@pytest.mark.slurm
@pytest.mark.slow
def test_tiny_study_runs_through_sbatch(slurm_cluster, tmp_path):  # noqa: F811
    config = str(ROOT / "config" / "test.yaml")
    # One experiment's runs and figures: every kind of job a run needs (dataset, train,
    # evaluate, figures) goes through sbatch; the whole tiny study would take three times
    # as long on the 2-CPU test node.
    run = slurm_cluster.run_snakemake(
        tmp_path,
        "--configfile",
        config,
        "--",
        "results/figures/sweep/predicted_vs_true.png",
        profile=TEST_PROFILE,
        snakefile=ROOT / "Snakefile",
        timeout=1800,
    )
    assert run.returncode == 0, run.output[-6000:]
    cfg = prepared_config("test.yaml")
    # every job went through sbatch (a file target needs no local `all` job), and SLURM
    # saw each complete
    n_jobs = int(
        next(line.split()[-1] for line in run.output.splitlines() if line.startswith("total "))
    )
    assert len(run.slurm_jobids) == n_jobs, run.output[-4000:]
    states = slurm_cluster.sacct(run.slurm_jobids)
    assert {state for _, state in states.values()} == {"COMPLETED"}, states
    # and the outputs are those of a local run
    for run_ in study.experiment_runs(cfg, "sweep"):
        metrics = json.loads(
            (tmp_path / "results" / "runs" / run_.path / "metrics.json").read_text()
        )
        assert metrics["splits"]["test"]["n"] > 0

"""A tiny two-rule workflow runs to completion through the SLURM executor.

Uses the one-node test cluster of .ci/slurm/cluster.sh (fixture in
tests/conftest_slurm.py) and the profile profiles/local-test-slurm; every job
must go through sbatch and end COMPLETED in sacct.
"""

from __future__ import annotations

import textwrap

import pytest

try:  # tests/ is on sys.path with pytest's default (rootdir/prepend) import mode
    from conftest_slurm import TEST_PROFILE, slurm_cluster  # noqa: F401  (fixture)
except ImportError:  # tests/ as a package
    from .conftest_slurm import TEST_PROFILE, slurm_cluster  # noqa: F401

SNAKEFILE = textwrap.dedent(
    """\
    rule all:
        input: "second.txt"

    rule first:
        output: "first.txt"
        resources: mem_mb=100, runtime=5
        shell: "echo first job=$SLURM_JOB_ID > {output}"

    rule second:
        input: "first.txt"
        output: "second.txt"
        resources: mem_mb=100, runtime=5
        shell: "cat {input} > {output} && echo second job=$SLURM_JOB_ID >> {output}"
    """
)


@pytest.mark.slurm
@pytest.mark.slow
def test_tiny_workflow_runs_through_slurm(slurm_cluster, tmp_path):
    workdir = tmp_path / "wf"
    workdir.mkdir()
    (workdir / "Snakefile").write_text(SNAKEFILE)

    run = slurm_cluster.run_snakemake(
        workdir, profile=TEST_PROFILE, snakefile=workdir / "Snakefile", timeout=600
    )
    print(
        f"cluster start: {slurm_cluster.start_seconds:.1f}s "
        f"(started here: {slurm_cluster.started_here}); "
        f"workflow through SLURM: {run.seconds:.1f}s"
    )
    assert run.returncode == 0, run.output[-6000:]

    # both rules ran as SLURM jobs (rule `all` is local), one after the other
    assert len(run.slurm_jobids) == 2, run.output[-6000:]
    first = (workdir / "first.txt").read_text()
    second = (workdir / "second.txt").read_text()
    assert first == f"first job={run.slurm_jobids[0]}\n"
    assert second == first + f"second job={run.slurm_jobids[1]}\n"

    # and slurmdbd has them as COMPLETED, named after this run
    states = slurm_cluster.sacct(run.slurm_jobids)
    assert set(states) == set(run.slurm_jobids), states
    for jobid, (name, state) in states.items():
        assert state == "COMPLETED", (jobid, name, state)
        assert name == run.run_id, (jobid, name, run.run_id)

"""Reusable pytest fixture for tests that need the one-node SLURM cluster.

This is a plain module (not a conftest.py) so that it is only active where it
is imported. To use the fixture from any test module, put this into
``tests/conftest.py``::

    from .conftest_slurm import slurm_cluster  # noqa: F401  (pytest fixture)

(``from conftest_slurm import ...`` if tests/ has no ``__init__.py``) and
register the marker (pyproject.toml ``[tool.pytest.ini_options]``)::

    markers = ["slurm: needs the one-node SLURM test cluster (.ci/slurm/cluster.sh)"]

A test then asks for ``slurm_cluster`` and gets a :class:`SlurmCluster` with
``env`` (os.environ plus SLURM_CONF) and helpers to run Snakemake through a
profile and to read job states from sacct.

The fixture is session scoped: it runs ``.ci/slurm/cluster.sh start`` once
and, at the end of the session, ``.ci/slurm/cluster.sh stop`` -- but only if
the cluster was not already running before (a cluster started by CI or by
hand is left alone). Set ``SINEFREQ_SLURM_KEEP=1`` to keep a cluster the
fixture started running after the session.

Skips (with the reason) when SLURM is not installed and cannot be installed
(``cluster.sh install`` needs root and apt-get), or cannot be started because
the session is not root. Set ``SINEFREQ_REQUIRE_SLURM=1`` (as CI should) to
turn those skips, and an install failure, into errors.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CLUSTER_SH = REPO / ".ci" / "slurm" / "cluster.sh"
PROFILES = REPO / "profiles"
#: profile for the test cluster: fits a 2-CPU node, polls sacct after 1 s
TEST_PROFILE = PROFILES / "local-test-slurm"

# binaries cluster.sh start needs (slurm-wlm, munge, slurmdbd, mariadb-server)
_NEEDED = ("sbatch", "sacct", "sacctmgr", "munged", "slurmctld", "slurmd", "slurmdbd", "mariadbd")
_SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])

SUBMITTED_RE = re.compile(r"Job (\d+) has been submitted with SLURM jobid (\d+)")
RUN_ID_RE = re.compile(r"SLURM run ID: (\S+)")


def _missing_binaries() -> list[str]:
    return [b for b in _NEEDED if shutil.which(b, path=_SBIN_PATH) is None]


def _cluster_sh(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(CLUSTER_SH), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("SINEFREQ_REQUIRE_SLURM") == "1":
        pytest.fail(f"SLURM test cluster required (SINEFREQ_REQUIRE_SLURM=1): {reason}")
    pytest.skip(reason)


@dataclass
class SnakemakeRun:
    """Result of :meth:`SlurmCluster.run_snakemake`."""

    returncode: int
    output: str
    seconds: float
    #: SLURM job ids, in submission order
    slurm_jobids: list[str] = field(default_factory=list)
    #: the plugin's run id (= SLURM job name of all jobs of this run)
    run_id: str | None = None


@dataclass
class SlurmCluster:
    repo: Path
    script: Path
    env: dict
    started_here: bool
    start_seconds: float

    def run_snakemake(
        self,
        workdir: Path,
        *args: str,
        profile: Path | str = TEST_PROFILE,
        snakefile: Path | None = None,
        workflow_profile: str | None = "none",
        timeout: float = 900,
    ) -> SnakemakeRun:
        """Run ``python -m snakemake --profile PROFILE --directory WORKDIR``.

        ``--workflow-profile none`` is passed by default: otherwise the
        workflow's profiles/default (auto-loaded next to the Snakefile) would
        override the SLURM profile's default-resources and global resources.
        Pass ``workflow_profile=None`` to let Snakemake load it.

        Uses this interpreter's snakemake (the venv's), SLURM_CONF in the
        environment, and returns output plus the SLURM job ids parsed from
        the plugin's "Job N has been submitted with SLURM jobid M" lines.
        """
        cmd = [
            sys.executable,
            "-m",
            "snakemake",
            "--profile",
            str(profile),
            "--directory",
            str(workdir),
        ]
        if snakefile is not None:
            cmd += ["--snakefile", str(snakefile)]
        if workflow_profile is not None:
            cmd += ["--workflow-profile", workflow_profile]
        cmd += list(args)
        t0 = time.monotonic()
        proc = subprocess.run(
            cmd,
            cwd=str(workdir),
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
        seconds = time.monotonic() - t0
        run_id = RUN_ID_RE.search(proc.stdout)
        return SnakemakeRun(
            returncode=proc.returncode,
            output=proc.stdout,
            seconds=seconds,
            slurm_jobids=[m.group(2) for m in SUBMITTED_RE.finditer(proc.stdout)],
            run_id=run_id.group(1) if run_id else None,
        )

    def sacct(self, jobids: list[str]) -> dict[str, tuple[str, str]]:
        """JobID -> (JobName, State) from ``sacct -n -X -P``."""
        if not jobids:
            return {}
        out = subprocess.run(
            ["sacct", "-n", "-X", "-P", "-o", "JobID,JobName,State", "-j", ",".join(jobids)],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        rows = {}
        for line in out.splitlines():
            parts = line.split("|")
            if len(parts) == 3:
                rows[parts[0]] = (parts[1], parts[2])
        return rows


@pytest.fixture(scope="session")
def slurm_cluster():
    """Start the one-node SLURM test cluster once per session (see module doc)."""
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    missing = _missing_binaries()
    if missing:
        if not (is_root and shutil.which("apt-get")):
            _skip_or_fail(
                f"SLURM not installed (missing: {', '.join(missing)}) and "
                f"'{CLUSTER_SH.relative_to(REPO)} install' cannot run here "
                "(needs root and apt-get)"
            )
        proc = _cluster_sh("install", timeout=900)
        if proc.returncode != 0 or _missing_binaries():
            _skip_or_fail(
                "'.ci/slurm/cluster.sh install' failed "
                f"(rc={proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}"
            )

    env = dict(os.environ)
    env_line = _cluster_sh("env").stdout.strip()
    m = re.match(r"export SLURM_CONF=(\S+)", env_line)
    assert m, f"unexpected output of cluster.sh env: {env_line!r}"
    env["SLURM_CONF"] = m.group(1)

    already_running = _cluster_sh("status").returncode == 0
    start_seconds = 0.0
    if not already_running:
        if not is_root:
            _skip_or_fail("the SLURM test cluster is not running and starting it needs root")
        t0 = time.monotonic()
        proc = _cluster_sh("start", timeout=300)
        start_seconds = time.monotonic() - t0
        if proc.returncode != 0:
            pytest.fail(
                f"'.ci/slurm/cluster.sh start' failed (rc={proc.returncode}):\n"
                f"{proc.stdout}\n{proc.stderr[-6000:]}"
            )

    cluster = SlurmCluster(
        repo=REPO,
        script=CLUSTER_SH,
        env=env,
        started_here=not already_running,
        start_seconds=start_seconds,
    )
    try:
        yield cluster
    finally:
        if cluster.started_here and os.environ.get("SINEFREQ_SLURM_KEEP") != "1":
            proc = _cluster_sh("stop", timeout=120)
            if proc.returncode != 0:
                sys.stderr.write(f"cluster.sh stop failed:\n{proc.stderr}\n")

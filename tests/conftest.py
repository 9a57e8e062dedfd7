import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


# What a copy of the workflow needs to run on its own.
WORKFLOW_PARTS = ("Snakefile", "rules", "scripts", "src", "config", "envs", "profiles", "report")


def run_snakemake(*args, cwd=ROOT, check=True, timeout=900, snakefile=ROOT / "Snakefile"):
    """Run snakemake on ``snakefile`` with ``args``; return the CompletedProcess."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [SNAKEMAKE, "-s", str(snakefile), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


def load_yaml(path):
    with open(path) as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="session")
def root():
    return ROOT


def prepared_config(name):
    """A shipped config as the workflow sees it: validated, defaults filled, SNR lists expanded."""
    from sinefreq import config as study

    return study.load(ROOT / "config" / name, ROOT / "config" / "schema.yaml")


@pytest.fixture(scope="session")
def default_config():
    return prepared_config("config.yaml")


@pytest.fixture(scope="session")
def schema_path():
    return ROOT / "config" / "schema.yaml"


def copy_workflow(dest: Path) -> Path:
    """A copy of the workflow (code and configs, no results) to run and edit freely."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in WORKFLOW_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / part)
    return dest


def planned_jobs(workdir: Path, *args) -> set[tuple[str, str]]:
    """(rule, wildcards) of every job a dry run in ``workdir`` would run."""
    proc = run_snakemake("-n", *args, cwd=workdir, snakefile=workdir / "Snakefile")
    jobs, rule, wildcards = set(), None, ""
    for line in (proc.stdout + "\n").splitlines():
        head = re.match(r"^(?:local)?rule (\w+):$", line)
        if head or (rule and not line.startswith("    ")):
            if rule:
                jobs.add((rule, wildcards))
            rule, wildcards = (head[1], "") if head else (None, "")
        elif rule and line.startswith("    wildcards: "):
            wildcards = line.split(": ", 1)[1]
    return jobs


@pytest.fixture(scope="session")
def tiny_study(tmp_path_factory):
    """The tiny study (config/test.yaml), run once end to end in a copy of the workflow.

    Returns the copy's directory and the prepared config. Tests that edit the copy to
    plan re-runs must restore what they change.
    """
    workdir = copy_workflow(tmp_path_factory.mktemp("tiny") / "workflow")
    run_snakemake(
        "--cores",
        "2",
        "--configfile",
        "config/test.yaml",
        cwd=workdir,
        snakefile=workdir / "Snakefile",
    )
    return workdir, prepared_config("test.yaml")


# Test files whose tests share a session fixture that is slow to build (the tiny study) or
# that must exist once per machine (the SLURM test cluster): under `pytest -n N` (./test.sh)
# each group runs in one worker, so the fixture is built once; every other file is a group
# of its own, so its module fixtures are built once too. The heavy groups are scheduled
# first, so the workers share the rest.
WORKER_GROUPS = {
    "tiny_study": ("test_workflow.py", "test_incremental.py"),
    "slurm_cluster": ("test_slurm_cluster.py", "test_slurm_workflow.py"),
}


def worker_group(nodeid: str) -> str:
    """The group of tests one worker runs together: a file, or the files of WORKER_GROUPS."""
    path = nodeid.split("::", 1)[0]
    name = Path(path).name
    return next((group for group, files in WORKER_GROUPS.items() if name in files), path)


def pytest_collection_modifyitems(config, items):
    """Check WORKER_GROUPS against the fixtures the tests use; run the heavy groups first."""
    for item in items:
        for fixture in WORKER_GROUPS.keys() & set(item.fixturenames):
            if worker_group(item.nodeid) != fixture:
                raise pytest.UsageError(
                    f"{item.nodeid} uses {fixture}: add its file to WORKER_GROUPS['{fixture}']"
                    " in tests/conftest.py, so one worker builds the fixture once"
                )
    items.sort(key=lambda item: worker_group(item.nodeid) not in WORKER_GROUPS)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, with the files of a WORKER_GROUPS group in one unit."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class GroupScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return worker_group(nodeid)

    return GroupScheduling(config, log)

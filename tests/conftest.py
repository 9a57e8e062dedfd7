import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def run_snakemake(*args, cwd=ROOT, check=True, timeout=900):
    """Run the workflow's snakemake with ``args``; return the CompletedProcess."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [SNAKEMAKE, "-s", str(ROOT / "Snakefile"), *args],
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
    from snakemake.utils import validate

    from sinefreq import config as study

    cfg = load_yaml(ROOT / "config" / name)
    validate(cfg, str(ROOT / "config" / "schema.yaml"))
    return study.prepare(cfg)


@pytest.fixture(scope="session")
def default_config():
    return prepared_config("config.yaml")


@pytest.fixture(scope="session")
def schema_path():
    return ROOT / "config" / "schema.yaml"

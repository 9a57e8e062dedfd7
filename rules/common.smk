# Helpers shared by the rules: the library on the path, config checks, run lists and
# the fingerprints that make code edits re-run exactly the jobs they affect.

import hashlib
import importlib
import inspect
import os
import re
import sys
from pathlib import Path

# The library is importable here and, through the PYTHONPATH this sets (not one the user
# must provide), in every job's script: also inside conda environments and on cluster
# nodes, which re-read this file.
SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)
os.environ.update(
    PYTHONPATH=os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH")) if p)
)

from sinefreq import config as study  # noqa: E402
from sinefreq import models as registry  # noqa: E402

try:
    study.prepare(config)
except study.ConfigError as err:
    raise WorkflowError(str(err)) from None

RUNS = study.runs(config)
ENV = "../envs/sinefreq.yaml"


wildcard_constraints:
    dataset="|".join(map(re.escape, config["datasets"])) or "^$",
    model="|".join(map(re.escape, config["models"])) or "^$",
    experiment="|".join(map(re.escape, config["experiments"])) or "^$",
    method="|".join(map(re.escape, config["classical"])) or "^$",
    seed=r"\d+",


def source_fingerprint(*modules):
    """Hash of modules' source: a rule whose params include it re-runs when they change."""
    text = "".join(inspect.getsource(importlib.import_module(m)) for m in modules)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_path(name):
    return f"results/runs/{{dataset}}/{{model}}/seed{{seed}}/{name}"


def runs_of(experiment):
    return study.experiment_runs(config, experiment)


def run_files(runs, name):
    return [f"results/runs/{run.path}/{name}" for run in runs]


def sweep_figures():
    return [
        f"results/figures/{name}/error_vs_{exp['sweep']}.png"
        for name, exp in config["experiments"].items()
        if exp.get("sweep")
    ]


def all_outputs():
    return [
        "results/runs.csv",
        "results/summary.csv",
        "results/thread_comparison.md",
        *expand(
            "results/figures/{experiment}/{figure}.png",
            experiment=config["experiments"],
            figure=["predicted_vs_true", "learning_curves", "error_vs_frequency"],
        ),
        *sweep_figures(),
    ]

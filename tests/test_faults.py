"""Faults and hostile input: killed jobs, corrupt files, unsafe YAML; nothing half written."""

import os
import signal
import subprocess
import time

import pytest
import yaml

from .conftest import ROOT, SNAKEMAKE, load_yaml, run_snakemake

pytestmark = pytest.mark.slow

FINAL_OUTPUTS = ("model.keras", "history.csv", "training.json", "metrics.json", "predictions.h5")


def small_config(tmp_path, **model_changes):
    """Two tiny datasets, one dense model, one seed: a study of a few seconds."""
    cfg = load_yaml(ROOT / "config" / "test.yaml")
    cfg["datasets"] = {k: cfg["datasets"][k] for k in ("tiny_a0_f5", "tiny_a0_f8")}
    cfg["models"] = {"tiny_dnn": {**cfg["models"]["tiny_dnn"], **model_changes}}
    cfg["experiments"] = {
        "small": {"datasets": ["tiny_a0_f5", "tiny_a0_f8"], "models": ["tiny_dnn"], "seeds": [0]}
    }
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def test_killed_training_leaves_nothing_that_looks_complete(tmp_path):
    config = small_config(tmp_path, epochs=100_000)
    workdir = tmp_path / "work"
    log = workdir / "logs" / "train" / "tiny_a0_f5" / "tiny_dnn" / "seed0.log"
    proc = subprocess.Popen(
        [
            SNAKEMAKE,
            "-s",
            str(ROOT / "Snakefile"),
            "--cores",
            "1",
            "--configfile",
            str(config),
            "--directory",
            str(workdir),
            "results/runs/tiny_a0_f5/tiny_dnn/seed0/metrics.json",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: kill Snakemake and the job together
    )
    try:
        deadline = time.monotonic() + 120
        while not (log.exists() and "Epoch 3/" in log.read_text()):
            assert time.monotonic() < deadline and proc.poll() is None, "training never started"
            time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    run_dir = workdir / "results" / "runs" / "tiny_a0_f5" / "tiny_dnn" / "seed0"
    assert not [f for f in FINAL_OUTPUTS if (run_dir / f).exists()]
    # The re-run (the default profile sets --rerun-incomplete) trains it again, completely.
    fast = small_config(tmp_path)
    run_snakemake("--unlock", "--configfile", str(fast), "--directory", str(workdir))
    run_snakemake("--cores", "2", "--configfile", str(fast), "--directory", str(workdir))
    assert all((run_dir / f).stat().st_size > 0 for f in FINAL_OUTPUTS)
    assert not list(workdir.rglob(".*.part*"))


def test_corrupt_dataset_fails_its_jobs_by_name_and_keep_going_finishes_the_rest(tmp_path):
    config = small_config(tmp_path)
    workdir = tmp_path / "work"
    run_snakemake(
        "--cores",
        "2",
        "--configfile",
        str(config),
        "--directory",
        str(workdir),
        "data/tiny_a0_f5.h5",
        "data/tiny_a0_f8.h5",
    )
    corrupt = workdir / "data" / "tiny_a0_f5.h5"
    corrupt.write_bytes(corrupt.read_bytes()[:300])
    proc = run_snakemake(
        "--cores",
        "2",
        "--keep-going",
        "--configfile",
        str(config),
        "--directory",
        str(workdir),
        check=False,
    )
    assert proc.returncode != 0
    failed_log = (workdir / "logs" / "train" / "tiny_a0_f5" / "tiny_dnn" / "seed0.log").read_text()
    assert "data/tiny_a0_f5.h5: not a readable HDF5 file, truncated or corrupt" in failed_log
    assert not (
        workdir / "results" / "runs" / "tiny_a0_f5" / "tiny_dnn" / "seed0" / "model.keras"
    ).exists()
    # independent jobs finished
    assert (
        workdir / "results" / "runs" / "tiny_a0_f8" / "tiny_dnn" / "seed0" / "metrics.json"
    ).exists()
    assert (workdir / "results" / "classical" / "tiny_a0_f8" / "nls" / "metrics.json").exists()
    assert not (workdir / "results" / "summary.csv").exists()


def test_unsafe_yaml_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    bad = tmp_path / "bad.yaml"
    bad.write_text(f'datasets: !!python/object/apply:os.system ["touch {marker}"]\n')
    proc = run_snakemake("-n", "--configfile", str(bad), "--directory", str(tmp_path), check=False)
    assert proc.returncode != 0 and not marker.exists()
    assert "Config file is not valid JSON or YAML" in proc.stdout + proc.stderr


def test_python_objects_in_a_config_are_refused(tmp_path):
    cfg = load_yaml(ROOT / "config" / "test.yaml")
    text = yaml.safe_dump(cfg, sort_keys=False).replace(
        "hidden_units: 8", "hidden_units: !!python/name:os.system", 1
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    proc = run_snakemake("-n", "--configfile", str(bad), "--directory", str(tmp_path), check=False)
    assert proc.returncode != 0
    assert (
        "models.tiny_dnn.hyperparameters.hidden_units: a builtin_function_or_method"
        in proc.stdout + proc.stderr
    )


def test_gpu_resource_keeps_training_jobs_off_one_gpu_together(tmp_path):
    """With profiles/local-gpu, at most one training job runs at a time; without it, two do."""
    cfg = yaml.safe_load(small_config(tmp_path).read_text())
    cfg["experiments"]["small"]["seeds"] = [0, 1]
    config = tmp_path / "four_runs.yaml"
    config.write_text(yaml.safe_dump(cfg, sort_keys=False))

    # Only the training jobs: what the GPU resource constrains.
    trained = [
        f"results/runs/{d}/tiny_dnn/seed{s}/training.json"
        for d in ("tiny_a0_f5", "tiny_a0_f8")
        for s in (0, 1)
    ]

    def most_concurrent_training(*args):
        workdir = tmp_path / f"work{len(args)}"
        proc = run_snakemake(
            "--cores",
            "2",
            *args,
            "--configfile",
            str(config),
            "--directory",
            str(workdir),
            "--",
            *trained,
        )
        running, most = set(), 0
        job = None
        for line in proc.stdout.splitlines() + proc.stderr.splitlines():
            if line.strip() in ("rule train:", "localrule train:"):
                job = "train"
            elif job == "train" and line.strip().startswith("jobid: "):
                running.add(line.split(":")[1].strip())
                most, job = max(most, len(running)), None
            elif line.startswith("Finished jobid: ") and "(Rule: train)" in line:
                running.discard(line.split()[2])
        return most

    assert most_concurrent_training("--profile", str(ROOT / "profiles" / "local-gpu")) == 1
    assert most_concurrent_training() == 2

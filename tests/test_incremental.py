"""After a complete run, each kind of change re-runs exactly the jobs that depend on it."""

import contextlib

import pytest
import yaml

from .conftest import load_yaml, planned_jobs

pytestmark = pytest.mark.slow

# Jobs every change to a run's results brings: the tables, the sweep figures (they read
# the summary) and the target rule.
AGGREGATION = {
    ("aggregate", ""),
    ("all", ""),
    ("sweep_figure", "experiment=sweep, sweep=max_freq"),
    ("sweep_figure", "experiment=noise, sweep=snr_db"),
}


def run_jobs(dataset, model, seed):
    wildcards = f"dataset={dataset}, model={model}, seed={seed}"
    return {("train", wildcards), ("evaluate", wildcards)}


def experiment_figures(experiment):
    return {
        (rule, f"experiment={experiment}") for rule in ("experiment_figures", "frequency_figure")
    }


def dataset_jobs(dataset):
    wildcards = f"dataset={dataset}"
    return {("dataset", wildcards), ("bound", wildcards)} | {
        ("classical", f"{wildcards}, method={m}") for m in ("fft_interp", "nls")
    }


@contextlib.contextmanager
def edited(path, old, new):
    """Replace ``old`` by ``new`` in ``path`` for the duration of the block."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))
    try:
        yield
    finally:
        path.write_text(text)


def plan_with(workdir, tmp_path, change):
    """Jobs planned after ``change(config)`` edits a copy of the tiny config."""
    cfg = load_yaml(workdir / "config" / "test.yaml")
    change(cfg)
    path = tmp_path / "edited.yaml"
    # Keep the key order: params are compared as written, as when a user edits the file.
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return planned_jobs(workdir, "--configfile", str(path))


def test_a_complete_study_does_nothing(tiny_study):
    workdir, _ = tiny_study
    assert planned_jobs(workdir, "--configfile", "config/test.yaml") == set()


def test_editing_a_models_hyperparameter(tiny_study, tmp_path):
    workdir, _ = tiny_study
    jobs = plan_with(workdir, tmp_path, lambda c: c["models"]["tiny_dnn"].update(epochs=3))
    dnn = run_jobs("tiny_noise_snr0dB", "tiny_dnn", 0) | run_jobs(
        "tiny_noise_snr20dB", "tiny_dnn", 0
    )
    assert jobs == dnn | AGGREGATION | experiment_figures("noise")


def test_editing_a_datasets_parameter(tiny_study, tmp_path):
    workdir, _ = tiny_study
    jobs = plan_with(workdir, tmp_path, lambda c: c["datasets"]["tiny_a0_f8"].update(seed=99))
    runs = run_jobs("tiny_a0_f8", "tiny_lstm", 0) | run_jobs("tiny_a0_f8", "tiny_lstm", 1)
    assert jobs == dataset_jobs("tiny_a0_f8") | runs | AGGREGATION | experiment_figures("sweep")


def test_editing_one_builders_code(tiny_study):
    workdir, _ = tiny_study
    models = workdir / "src" / "sinefreq" / "models.py"
    with edited(
        models,
        '    inputs = Input(shape=(n_samples,), name="Input")\n    hidden = inputs\n',
        '    inputs = Input(shape=(n_samples,), name="Input")\n    hidden = inputs  # edited\n',
    ):
        jobs = planned_jobs(workdir, "--configfile", "config/test.yaml")
    # a2_dnn's builder: tiny_dnn and tiny_diverging re-train; tiny_lstm (a0_lstm) does not.
    dnn = run_jobs("tiny_noise_snr0dB", "tiny_dnn", 0) | run_jobs(
        "tiny_noise_snr20dB", "tiny_dnn", 0
    )
    diverging = run_jobs("tiny_a0_f5", "tiny_diverging", 0)
    assert jobs == dnn | diverging | AGGREGATION | experiment_figures("noise") | experiment_figures(
        "diverging"
    )


def test_editing_plotting_code(tiny_study):
    workdir, _ = tiny_study
    plots = workdir / "src" / "sinefreq" / "plots.py"
    with edited(
        plots, 'FREQ_UNIT = "cycles per window"', 'FREQ_UNIT = "cycles per window"  # edited'
    ):
        jobs = planned_jobs(workdir, "--configfile", "config/test.yaml")
    figures = set().union(*(experiment_figures(e) for e in ("sweep", "noise", "diverging")))
    assert jobs == figures | (AGGREGATION - {("aggregate", "")})


def test_adding_a_seed(tiny_study, tmp_path):
    workdir, _ = tiny_study
    jobs = plan_with(workdir, tmp_path, lambda c: c["experiments"]["sweep"]["seeds"].append(2))
    new = run_jobs("tiny_a0_f5", "tiny_lstm", 2) | run_jobs("tiny_a0_f8", "tiny_lstm", 2)
    assert jobs == new | AGGREGATION | experiment_figures("sweep")


def test_adding_an_experiment(tiny_study, tmp_path):
    workdir, _ = tiny_study

    def add(cfg):
        cfg["experiments"]["extra"] = {
            "datasets": ["tiny_a0_f8"],
            "models": ["tiny_dnn"],
            "seeds": [0],
        }

    jobs = plan_with(workdir, tmp_path, add)
    assert jobs == run_jobs("tiny_a0_f8", "tiny_dnn", 0) | AGGREGATION | experiment_figures("extra")

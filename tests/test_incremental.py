"""After a complete run, each kind of change re-runs exactly the jobs that depend on it."""

import contextlib
import os
import re

import pytest
import yaml

from .conftest import ROOT, load_yaml, planned_jobs

pytestmark = pytest.mark.slow

# Jobs every change to a run's results brings: the tables, the sweep figures, seed
# distributions and failure trends (they read the tables), the report's texts and the
# target rule.
AGGREGATION = {
    ("aggregate", ""),
    ("all", ""),
    ("sweep_figure", "experiment=sweep, sweep=max_freq"),
    ("sweep_figure", "experiment=noise, sweep=snr_db"),
    ("seed_distribution", "experiment=seeds"),
    *(("failure_trend", f"experiment={e}") for e in ("sweep", "noise", "seeds")),
    ("report_texts", ""),
}


# The leaderboard's test sets in the tiny study (tiny_bench_snr0dB and _snr20dB, one
# family): runs of experiments with evaluate_on are also evaluated there, and the
# leaderboard reads those evaluations.
BENCH = "tiny_bench"
NOISE_MODELS = ("tiny_dnn", "tiny_lstm")  # the noise experiment's, evaluated on BENCH
# The any-length network is evaluated on the benchmark at another length too, and so is
# its hybrid, which takes the network's trained weights (weights_from) instead of training.
ANY_LENGTH = ("tiny_any_length", "tiny_any_length_gn")
# The leaderboard and its error-by-frequency table read every evaluation on the benchmark
# sets; the report's texts read both.
LEADERBOARD = {("leaderboard", ""), ("by_frequency", ""), ("report_texts", "")}


def family_of(dataset):
    """The config entry a dataset came from: tiny_noise for tiny_noise_snr0dB."""
    return re.sub(r"_snr-?[0-9.]+dB$", "", dataset)


def evaluate_job(dataset, model):
    """The job that evaluates every run of ``model`` on ``dataset``'s family, on its own
    dataset and on every evaluate_on dataset (rule evaluate_<family>_<model>)."""
    return (f"evaluate_{family_of(dataset)}_{model}", "")


def run_jobs(dataset, model, seed):
    """A run's train job, the evaluate job of its group, and the speed table, which reads
    their benchmarks."""
    wildcards = f"dataset={dataset}, model={model}, seed={seed}"
    return {("train", wildcards), evaluate_job(dataset, model), ("speed", "")}


def experiment_figures(experiment):
    return {
        (rule, f"experiment={experiment}") for rule in ("experiment_figures", "frequency_figure")
    }


# The rules defined once per family of datasets (an entry of the config's datasets: an
# SNR list's levels, or one dataset): rule dataset_<family>, bound_<family> and
# classical_<family>; and once per family and model: evaluate_<family>_<model>.
FAMILIES = list(load_yaml(ROOT / "config" / "test.yaml")["datasets"])
FAMILY_RULES = ("dataset", "bound", "classical")


def rule_kind(rule):
    """``dataset`` for rule dataset_<family> (and so on), any other rule itself."""
    if rule.startswith("evaluate_"):
        return "evaluate"
    return next((k for k in FAMILY_RULES if rule.removeprefix(f"{k}_") in FAMILIES), rule)


def dataset_jobs(family):
    """The jobs of a family of datasets: one dataset, one bound and one classical job (every
    estimator)."""
    return {(f"dataset_{family}", ""), (f"bound_{family}", ""), (f"classical_{family}", "")}


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
    assert jobs == dnn | AGGREGATION | LEADERBOARD | experiment_figures("noise")


def test_editing_an_estimator_regime_setting(tiny_study, tmp_path):
    """The regime's settings (generator spec, budget) are the train rule's params."""
    workdir, _ = tiny_study
    estimator = run_jobs("tiny_a0_f8", "tiny_estimator", 0)
    expected = estimator | AGGREGATION | LEADERBOARD | experiment_figures("bench")

    def narrower(cfg):
        cfg["models"]["tiny_estimator"]["generator"]["snr_db"] = [10, 20]

    assert plan_with(workdir, tmp_path, narrower) == expected
    jobs = plan_with(
        workdir, tmp_path, lambda c: c["models"]["tiny_estimator"].update(batches_per_epoch=4)
    )
    assert jobs == expected


def any_length_jobs(models=ANY_LENGTH):
    """The any-length experiment's runs of ``models``: each trained (or its network copied),
    evaluated on its own dataset and on both benchmark families, and what reads them."""
    runs = {job for model in models for job in run_jobs("tiny_a0_f8", model, 0)}
    return runs | AGGREGATION | LEADERBOARD | experiment_figures("any_length")


def test_editing_a_network_re_copies_the_hybrid_that_takes_its_weights(tiny_study, tmp_path):
    """tiny_any_length_gn takes tiny_any_length's trained network: re-training the network
    (its settings, which must stay the hybrid's) makes the hybrid take it again."""
    workdir, _ = tiny_study

    def more_batches(cfg):
        for model in ANY_LENGTH:
            cfg["models"][model]["batches_per_epoch"] = 4

    assert plan_with(workdir, tmp_path, more_batches) == any_length_jobs()


def test_editing_a_hybrids_steps_re_copies_it_and_re_trains_nothing(tiny_study, tmp_path):
    """The hybrid's steps are its own (no weights): the network it takes is not re-trained."""
    workdir, _ = tiny_study

    def more_steps(cfg):
        hyper = cfg["models"]["tiny_any_length_gn"]["hyperparameters"]
        cfg["models"]["tiny_any_length_gn"]["hyperparameters"] = {**hyper, "steps": 3}

    jobs = plan_with(workdir, tmp_path, more_steps)
    assert jobs == any_length_jobs(["tiny_any_length_gn"])


def test_editing_a_models_kind_only_relabels_the_leaderboard(tiny_study, tmp_path):
    workdir, _ = tiny_study
    jobs = plan_with(
        workdir, tmp_path, lambda c: c["models"]["tiny_estimator"].update(kind="hybrid")
    )
    assert jobs == LEADERBOARD | {("all", "")}  # the kind labels both leaderboard tables


def test_editing_a_datasets_parameter(tiny_study, tmp_path):
    workdir, _ = tiny_study
    jobs = plan_with(workdir, tmp_path, lambda c: c["datasets"]["tiny_a0_f8"].update(seed=99))
    runs = run_jobs("tiny_a0_f8", "tiny_lstm", 0) | run_jobs("tiny_a0_f8", "tiny_lstm", 1)
    # the estimator-regime runs read only its series length, but depend on the file
    bench = run_jobs("tiny_a0_f8", "tiny_estimator", 0)
    bench |= run_jobs("tiny_a0_f8", "tiny_hybrid", 0)
    any_length = any_length_jobs()
    assert jobs == (
        dataset_jobs("tiny_a0_f8")
        | runs
        | bench
        | any_length
        | AGGREGATION
        | LEADERBOARD
        | experiment_figures("sweep")
        | experiment_figures("bench")
        | experiment_figures("any_length")
    )


def test_editing_an_snr_lists_parameter_reruns_its_familys_jobs(tiny_study, tmp_path):
    """Both levels of tiny_bench are drawn, bounded and estimated in one job each, and every
    run evaluated on them is evaluated again, in its group's evaluate job. That job also
    rewrites the runs' evaluations on their own datasets (the cost of one job per group),
    so their experiments' figures are drawn again too."""
    workdir, _ = tiny_study
    jobs = plan_with(workdir, tmp_path, lambda c: c["datasets"][BENCH].update(seed=99))
    evaluated = {
        *(evaluate_job("tiny_noise_snr0dB", m) for m in NOISE_MODELS),
        *(evaluate_job("tiny_a0_f8", m) for m in ("tiny_estimator", "tiny_hybrid", *ANY_LENGTH)),
    }
    figures = set().union(*(experiment_figures(e) for e in ("noise", "bench", "any_length")))
    assert jobs == (
        dataset_jobs(BENCH) | evaluated | {("speed", "")} | AGGREGATION | LEADERBOARD | figures
    )


def test_editing_one_builders_code(tiny_study):
    workdir, _ = tiny_study
    models = workdir / "src" / "sinefreq" / "models.py"
    with edited(
        models,
        '    inputs = Input(shape=(n_samples,), name="Input")\n    hidden = inputs\n',
        '    inputs = Input(shape=(n_samples,), name="Input")\n    hidden = inputs\n    pass\n',
    ):
        jobs = planned_jobs(workdir, "--configfile", "config/test.yaml")
    # a2_dnn's builder: tiny_dnn and tiny_diverging re-train; tiny_lstm (a0_lstm) does not.
    dnn = run_jobs("tiny_noise_snr0dB", "tiny_dnn", 0) | run_jobs(
        "tiny_noise_snr20dB", "tiny_dnn", 0
    )
    diverging = run_jobs("tiny_a0_f5", "tiny_diverging", 0)
    assert jobs == (
        dnn
        | diverging
        | AGGREGATION
        | LEADERBOARD
        | experiment_figures("noise")
        | experiment_figures("diverging")
    )


def test_editing_one_estimator_builders_code(tiny_study):
    """Builders in sinefreq.estimators are fingerprinted one by one too: coarse_to_fine's
    body re-trains tiny_estimator, not tiny_hybrid (hybrid_gn), nor the thread's models."""
    workdir, _ = tiny_study
    path = workdir / "src" / "sinefreq" / "estimators.py"
    old = '    return Model(inputs, f, name="coarse_to_fine")\n'
    with edited(path, old, "    pass\n" + old):
        jobs = planned_jobs(workdir, "--configfile", "config/test.yaml")
    estimator = run_jobs("tiny_a0_f8", "tiny_estimator", 0)
    assert jobs == estimator | AGGREGATION | LEADERBOARD | experiment_figures("bench")


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


# Editing a library module re-runs every job of these rules: those whose step runs the
# module's code (imported, at module level or inside the step), then what reads their
# outputs. In the tiny study every job of a rule is affected alike.
EVERY_RULE = {
    "dataset",
    "bound",
    "classical",
    "train",
    "evaluate",
    "aggregate",
    "leaderboard",
    "experiment_figures",
    "frequency_figure",
    "sweep_figure",
    "seed_distribution",
    "failure_trend",
    "by_frequency",
    "report_texts",
    "speed",
    "all",
}
TEXTS = {"report_texts", "all"}  # the report's texts read every table
TABLES = {"aggregate", "sweep_figure", "seed_distribution", "failure_trend"} | TEXTS
FIGURES = {"experiment_figures", "frequency_figure", "sweep_figure", "all"}
PAPER = {"seed_distribution", "by_frequency"} | TEXTS  # paper.py's steps
BOARD = {"leaderboard", "by_frequency"} | TEXTS  # they read every evaluation on the benchmarks
JOBS = {"speed"}  # it reads every benchmarked job's benchmark and record of its work
NETWORKS = {"train", "evaluate"} | TABLES | FIGURES | BOARD | JOBS
PREDICTIONS = {"evaluate", "classical"} | TABLES | FIGURES | BOARD | JOBS
CODE_EDITS = {
    "__init__.py": EVERY_RULE,  # importing any sinefreq module runs it
    "aggregate.py": TABLES | PAPER,
    # outside its builder: the layers every evaluation registers, the train step's lengths
    "any_length.py": NETWORKS,
    "classical.py": {"classical", "frequency_figure"} | TABLES | BOARD | JOBS,
    "cli.py": set(),  # the command line; no rule runs it
    "config.py": set(),  # runs while planning: what it decides reaches the jobs as params
    "contract.py": NETWORKS,  # the train step writes each model's contract with it
    # the bound, and the estimator regime's targets (train: every network), and the board
    "crlb.py": {"bound"} | NETWORKS,
    "datasets.py": EVERY_RULE,  # the dataset step draws every dataset with it
    "estimators.py": NETWORKS,  # outside the builders: the layers every evaluation registers
    "fingerprint.py": set(),  # runs while planning
    "generator.py": NETWORKS,  # the train step (the estimator regime draws its series)
    "io.py": EVERY_RULE,
    "keras2.py": NETWORKS,  # models imports it; every evaluation registers its activation
    "leaderboard.py": {"leaderboard"} | TEXTS,
    "losses.py": NETWORKS,  # the train step's estimator regime
    "metrics.py": PREDICTIONS,
    "models.py": NETWORKS,  # outside the builders: every model
    "noise.py": EVERY_RULE,  # signals draws every dataset's noise with it
    "paper.py": PAPER,
    "params.py": NETWORKS | {"classical"},  # models and classical import it
    "paths.py": JOBS | TEXTS,  # the speed step reads its jobs' names with it
    "plots.py": FIGURES | BOARD | PAPER | {"failure_trend"},
    "regime.py": NETWORKS,  # the train step's estimator regime
    "settings.py": NETWORKS,  # training reads the typed settings
    "signals.py": EVERY_RULE,  # every dataset, then all that follows
    "speed.py": JOBS | TEXTS,
    "texts.py": TEXTS,  # the report's templates, filled from the facts
    "steps.py": EVERY_RULE,  # at module level: every step
    "thread.py": TABLES | PAPER,  # paper.py imports it at module level
    "training.py": NETWORKS,
    "trend.py": PAPER | {"failure_trend"},  # paper.py imports it at module level
    "userfiles.py": set(),  # the command line's input files; no rule runs it
}
LIBRARY = ROOT / "src" / "sinefreq"


@pytest.fixture(scope="module")
def every_job(tiny_study):
    workdir, _ = tiny_study
    return planned_jobs(workdir, "--configfile", "config/test.yaml", "--forceall")


def jobs_of(rules, every_job):
    return {job for job in every_job if rule_kind(job[0]) in rules}


def test_the_code_edit_table_names_every_module():
    assert sorted(CODE_EDITS) == sorted(p.name for p in LIBRARY.glob("*.py"))


@pytest.mark.parametrize("module", sorted(CODE_EDITS))
def test_editing_a_module_reruns_the_jobs_that_run_it(tiny_study, every_job, module):
    workdir, _ = tiny_study
    path = workdir / "src" / "sinefreq" / module
    text = path.read_text()
    with edited(path, text, text + "EDITED = True\n"):
        jobs = planned_jobs(workdir, "--configfile", "config/test.yaml")
    assert jobs == jobs_of(CODE_EDITS[module], every_job)


# Edits of text the code does not run: a comment, the module's docstring, a step's
# docstring, a builder's docstring and a comment in one (each fingerprinted on its own).
TEXT_EDITS = [
    ("io.py", "\nimport ", "\n# edited\nimport "),
    ("io.py", '"""File I/O at the edges', '"""Edited. File I/O at the edges'),
    ("steps.py", '    """Generate a dataset', '    """Edited. Generate a dataset'),
    ("models.py", '"""Answer 2\'s dense alternative', '"""Edited. Answer 2\'s dense alternative'),
    (
        "estimators.py",
        '    return Model(inputs, f, name="coarse_to_fine")\n',
        '    # edited\n    return Model(inputs, f, name="coarse_to_fine")\n',
    ),
]


def test_editing_every_modules_comments_and_docstring_at_once_plans_nothing(tiny_study):
    workdir, _ = tiny_study
    with contextlib.ExitStack() as stack:
        for module in sorted(CODE_EDITS):
            path = workdir / "src" / "sinefreq" / module
            text = path.read_text()
            docstring = text.startswith('"""')
            new = text.replace('"""', '"""Edited. ', 1) if docstring else text
            stack.enter_context(edited(path, text, "# edited\n" + new + "# edited\n"))
        assert planned_jobs(workdir, "--configfile", "config/test.yaml") == set()


@pytest.mark.parametrize(("module", "old", "new"), TEXT_EDITS)
def test_editing_comments_or_docstrings_plans_nothing(tiny_study, module, old, new):
    workdir, _ = tiny_study
    with edited(workdir / "src" / "sinefreq" / module, old, new):
        assert planned_jobs(workdir, "--configfile", "config/test.yaml") == set()


def test_editing_one_step_reruns_that_steps_jobs_only(tiny_study, every_job):
    workdir, _ = tiny_study
    steps = workdir / "src" / "sinefreq" / "steps.py"
    with edited(
        steps,
        "    io.write_json(out_path, result)\n",
        "    io.write_json(out_path, result)\n    pass\n",
    ):
        jobs = planned_jobs(workdir, "--configfile", "config/test.yaml")
    assert jobs == jobs_of({"bound"} | TABLES | BOARD, every_job)  # the bounds feed both


def test_editing_a_report_template_rewrites_the_report_texts_only(tiny_study, every_job):
    """The templates are report_texts' inputs: an edit re-writes the texts and nothing else.
    The edit's mtime is undone with it, so later tests see a complete study."""
    workdir, _ = tiny_study
    template = workdir / "report" / "captions" / "runs_table.rst.j2"
    before = template.stat()
    try:
        with edited(template, "One row per evaluation", "One row per evaluation (edited)"):
            jobs = planned_jobs(workdir, "--configfile", "config/test.yaml")
    finally:
        os.utime(template, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert jobs == jobs_of(TEXTS, every_job)

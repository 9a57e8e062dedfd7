"""Bad configs stop the study with a message that names the key at fault."""

import copy
import re

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from sinefreq import classical, params, signals
from sinefreq import config as study

from .conftest import ROOT, load_yaml, run_snakemake

TEST_CONFIG = load_yaml(ROOT / "config" / "test.yaml")


def validated(cfg, schema_path):
    cfg = copy.deepcopy(cfg)
    validate(cfg, str(schema_path))
    return study.prepare(cfg)


def test_shipped_configs_are_valid(default_config, schema_path):
    for cfg in (default_config, TEST_CONFIG):
        validated(cfg, schema_path)


def test_schema_fills_the_threads_keras_defaults(schema_path):
    cfg = validated(TEST_CONFIG, schema_path)
    model = cfg["models"]["tiny_lstm"]
    assert (model["batch_size"], model["optimizer"], model["learning_rate"]) == (32, "adam", 0.001)
    assert cfg["datasets"]["tiny_a0_f5"]["snr_db"] is None


def edit(path, value):
    """A copy of the test config with the value at a dotted ``path`` set (or deleted)."""
    cfg = copy.deepcopy(TEST_CONFIG)
    set_at(cfg, path, value)
    return cfg


def set_at(cfg, path, value):
    """Set (or delete) the value at a dotted ``path`` of ``cfg``, in place."""
    *parents, leaf = path.split(".")
    node = cfg
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[leaf]
    else:
        node[leaf] = value


DELETE = object()

SCHEMA_ERRORS = [
    ("models.tiny_lstm.epoch", 3, r"'epoch' was unexpected"),
    ("models.tiny_lstm.epochs", -1, r"-1 is less than the minimum of 1"),
    ("models.tiny_lstm.epochs", "ten", r"'ten' is not of type 'integer'"),
    ("models.tiny_lstm.loss", "cross_entropy", r"'cross_entropy' is not one of"),
    ("models.tiny_lstm.target_scaling", "log", r"'log' is not one of \['none', 'minmax'\]"),
    ("models.tiny_lstm.learning_rate", 0, r"0 is less than or equal to the minimum of 0"),
    ("datasets.tiny_a0_f5.n_samples", 2, r"2 is less than the minimum of 4"),
    ("datasets.tiny_a0_f5.seed", DELETE, r"'seed' is a required property"),
    ("datasets.tiny_a0_f5.train.frequencies", {"range": [1, 4]}, r"'range' was unexpected"),
    ("datasets.tiny_a0_f5.snr_db", "loud", r"'loud' is not of type 'number', 'null', 'array'"),
    ("experiments.sweep.seeds", [], r"\[\] should be non-empty"),
    ("experiments.sweep.thread", "A3-lstm", r"'A3-lstm' is not one of"),
    ("experiments", {}, r"{} should be non-empty"),
    (
        "models.tiny_hybrid.loss",
        "mean_squared_error",
        r"'mean_squared_error' is not one of \['bound', 'mse'\]",
    ),
    ("models.tiny_hybrid.regime", "fresh", r"'fresh' is not one of \['thread', 'estimator'\]"),
    ("models.tiny_hybrid.generator", {"freq": [1, 2]}, r"'freq' was unexpected"),
    ("models.tiny_hybrid.max_minutes", 0, r"0 is less than or equal to the minimum of 0"),
    ("models.tiny_lstm.kind", "magic", r"'magic' is not one of \['learned', 'hybrid', 'thread'\]"),
    ("experiments.bench.evaluate_on", [], r"\[\] should be non-empty"),
]


@pytest.mark.parametrize(("path", "value", "message"), SCHEMA_ERRORS)
def test_schema_rejects(path, value, message, schema_path):
    with pytest.raises(WorkflowError, match=message):
        validated(edit(path, value), schema_path)


CHECK_ERRORS = [
    (
        "models.tiny_lstm.architecture",
        "gru",
        r"models.tiny_lstm.architecture: unknown architecture 'gru'; known: a0_lstm, a2_dnn",
    ),
    (
        "models.tiny_lstm.hyperparameters",
        {"units": 4},
        r"models.tiny_lstm.hyperparameters.units: architecture 'a0_lstm' has no hyper-parameter units",
    ),
    (
        "experiments.sweep.models",
        ["nope"],
        r"experiments.sweep.models: unknown nope; defined: tiny_diverging, tiny_dnn, "
        r"tiny_estimator, tiny_hybrid, tiny_lstm",
    ),
    (
        "experiments.bench.evaluate_on",
        ["tiny_bnech"],
        r"experiments.bench.evaluate_on: unknown tiny_bnech; defined: q_long, tiny_a0_f10, tiny_a0_f5",
    ),
    (
        "experiments.bench.evaluate_on",
        ["q_long"],
        r"experiments.bench.evaluate_on: dataset q_long has n_samples 64 but the experiment's "
        r"networks are trained on tiny_a0_f8 with n_samples 32",
    ),
    (
        "models.tiny_estimator.generator",
        {"frequency": [1, 20]},
        r"models.tiny_estimator.generator: generator spec frequency \(1.0, 20.0\) must lie "
        r"inside \(0, 15.5\) \(Nyquist\) \(trained on series of n_samples 32\)",
    ),
    (
        "models.tiny_estimator.generator",
        {"snr_db": [20, 0]},
        r"models.tiny_estimator.generator: generator spec snr_db: need lo <= hi, got \[20, 0\]",
    ),
    (
        "models.tiny_lstm.max_minutes",
        5,
        r"models.tiny_lstm: max_minutes only apply with regime: estimator, and this model has "
        r"regime: thread; remove them or set regime: estimator",
    ),
    (
        "models.tiny_estimator.optimizer",
        "sgd",
        r"models.tiny_estimator: optimizer only apply with regime: thread",
    ),
    (
        "experiments.sweep.datasets",
        ["tiny_noise"],
        r"experiments.sweep.sweep is 'max_freq' but datasets tiny_noise_snr0dB, tiny_noise_snr20dB have no labels.max_freq",
    ),
    ("classical", {"music": {}}, r"classical.music: unknown estimator; known: fft_interp, nls"),
    (
        "datasets.tiny_a0_f5.train.frequencies",
        {"integers": [1, 16]},
        r"datasets.tiny_a0_f5.train.frequencies reaches 16 cycles per window, above Nyquist 15.5 for n_samples 32; "
        r"lower it or set datasets.tiny_a0_f5.allow_aliasing: true",
    ),
    (
        "datasets.tiny_noise.train",
        {"frequencies": {"integers": [1, 2]}},
        r"datasets.tiny_noise: give either 'train'",
    ),
]


@pytest.mark.parametrize(("path", "value", "message"), CHECK_ERRORS)
def test_check_rejects(path, value, message, schema_path):
    cfg = edit(path, value)
    # a dataset of another series length, for the evaluate_on check
    cfg["datasets"]["q_long"] = {**cfg["datasets"]["tiny_a0_f5"], "n_samples": 64}
    with pytest.raises(study.ConfigError, match=message):
        validated(cfg, schema_path)


def test_estimator_regime_defaults_and_settings(schema_path):
    cfg = validated(TEST_CONFIG, schema_path)
    hybrid = cfg["models"]["tiny_hybrid"]
    assert (hybrid["patience"], hybrid["clip"], hybrid["max_minutes"]) == (15, None, None)
    assert "optimizer" not in hybrid and "target_scaling" not in hybrid
    settings = study.training_settings(cfg, "tiny_hybrid")
    assert settings["regime"] == "estimator" and "kind" not in settings  # a label only
    assert settings["generator"]["frequency"] == [1, 14]
    assert settings["generator"]["amplitude"] == [0.5, 2.0]  # sinefreq.generator's default
    assert settings["hyperparameters"]["refine_in_training"] is False
    assert study.model_kind(cfg, "tiny_hybrid") == "hybrid"
    assert study.model_kind(cfg, "tiny_estimator") == "learned"
    assert study.model_kind(cfg, "tiny_dnn") == "thread"


def test_evaluate_on_expands_snr_lists_and_skips_own_datasets(schema_path):
    cfg = edit("experiments.bench.evaluate_on", ["tiny_bench", "tiny_a0_f8"])
    cfg = validated(cfg, schema_path)
    assert cfg["experiments"]["bench"]["evaluate_on"] == [
        "tiny_bench_snr0dB",
        "tiny_bench_snr20dB",
        "tiny_a0_f8",
    ]
    cross = study.cross_evaluations(cfg)
    assert all(test != run.dataset for run, test in cross)
    assert {test for _, test in cross} == {"tiny_bench_snr0dB", "tiny_bench_snr20dB"}
    assert len(cross) == 2 * (2 + 2 * 2)  # bench: 2 runs; noise: 4 runs; 2 levels each
    # one evaluate_on job per run and family; tiny_a0_f8 is every bench run's own dataset
    assert study.evaluation_families(cfg) == {
        "tiny_bench": ["tiny_bench_snr0dB", "tiny_bench_snr20dB"]
    }
    assert study.family_evaluations(cfg) == sorted({(r, "tiny_bench") for r, _ in cross})
    assert len(study.family_evaluations(cfg)) == 2 + 2 * 2
    assert study.leaderboard_datasets(cfg) == [
        "tiny_a0_f8",
        "tiny_bench_snr0dB",
        "tiny_bench_snr20dB",
    ]
    assert study.snr_family("tiny_bench_snr20dB", 20) == "tiny_bench"


def test_aliasing_is_allowed_when_the_dataset_says_so(schema_path):
    cfg = edit("datasets.tiny_a0_f5.train.frequencies", {"integers": [1, 16]})
    cfg["datasets"]["tiny_a0_f5"]["allow_aliasing"] = True
    validated(cfg, schema_path)


def test_runs_are_unique_and_sorted(schema_path):
    runs = study.runs(validated(TEST_CONFIG, schema_path))
    assert len(runs) == len(set(runs)) == 2 * 1 * 2 + 2 * 2 * 1 + 1 + 2 + 1 * 2 * 2
    assert runs == sorted(runs)
    assert runs[0].path == "tiny_a0_f10/tiny_lstm/seed0"


def test_snr_list_becomes_one_labelled_dataset_per_level(schema_path):
    cfg = validated(TEST_CONFIG, schema_path)
    assert "tiny_noise" not in cfg["datasets"]
    for level in (0, 20):
        spec = cfg["datasets"][f"tiny_noise_snr{level}dB"]
        assert spec["snr_db"] == level and spec["labels"] == {"snr_db": level}
        assert spec["n_samples"] == 32 and spec["seed"] == 4
    assert cfg["experiments"]["noise"]["datasets"] == ["tiny_noise_snr0dB", "tiny_noise_snr20dB"]
    assert cfg["classical"] == {"fft_interp": {}, "nls": {"offset": False}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            yaml.safe_dump(edit("models.tiny_lstm.epochs", 0)),
            r"Error validating config file.\n.*0 is less than the minimum of 1",
        ),
        (
            yaml.safe_dump(edit("models.tiny_lstm.architecture", "gru")),
            r"models.tiny_lstm.architecture: unknown architecture 'gru'",
        ),
        ("datasets: [unclosed\n", r"Config file is not valid JSON or YAML"),
    ],
)
def test_bad_config_stops_snakemake_before_any_job(tmp_path, text, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    proc = run_snakemake("-n", "--configfile", str(bad), "--directory", str(tmp_path), check=False)
    assert proc.returncode != 0
    assert re.search(message, proc.stdout + proc.stderr, re.DOTALL)
    assert not (tmp_path / "data").exists()


def test_schema_names_exactly_the_threads_setups(schema_path):
    from sinefreq.thread import SETUPS

    schema = load_yaml(schema_path)
    thread = schema["properties"]["experiments"]["additionalProperties"]["properties"]["thread"]
    assert thread["enum"] == list(SETUPS)


def test_schema_and_checker_agree_on_names_and_the_size_ceiling(schema_path):
    schema = load_yaml(schema_path)
    assert schema["$defs"]["name"]["pattern"] == study.NAME_PATTERN
    for section in ("datasets", "models", "experiments", "classical"):
        assert schema["properties"][section]["propertyNames"] == {"$ref": "#/$defs/name"}
    assert schema["properties"]["max_dataset_values"]["default"] == study.MAX_DATASET_VALUES
    for name, default in study.CEILINGS.items():
        assert schema["properties"][name]["default"] == default, name


def test_generated_snr_names_are_valid_names(default_config):
    names = [n for n in default_config["datasets"] if "_snr" in n]
    assert "noise_snr-10dB" in names
    assert all(study.is_name(n) for n in names)


@pytest.mark.parametrize(
    "spec",
    [
        {"train": {"frequencies": {"integers": [1, 7]}, "repeats": 3}},
        {
            "train": {"frequencies": {"uniform": [1, 9, 11]}, "repeats": 2},
            "test": {"frequencies": {"values": [2, 3.5]}},
        },
        {"train": {"frequencies": {"linspace": [1, 2, 5]}}},
        {"partition": {"frequencies": {"linspace": [1, 16, 40]}, "test_size": 10}},
    ],
)
def test_series_are_counted_without_drawing_them(spec):
    spec = {"n_samples": 16, "seed": 0, **spec}
    drawn = signals.make_dataset(spec)
    assert signals.series_counts(spec) == {s: len(drawn[s]["y"]) for s in ("train", "test")}


@pytest.mark.parametrize("method", sorted(classical.ESTIMATORS))
def test_every_estimator_option_declares_what_it_accepts(method):
    declared = params.options(classical.ESTIMATORS[method])
    assert declared
    for option, (hint, default) in declared.items():
        assert params.supported(hint), f"{method}.{option}: {hint} is not checkable"
        assert params.allows(hint, default), f"{method}.{option}: default {default!r}"


def test_load_refuses_a_key_written_twice(tmp_path, schema_path):
    """A dataset pasted again at the end of the datasets (before classical:)."""
    lines = (ROOT / "config" / "config.yaml").read_text().splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines, 1) if line.startswith("  a0_maxf10:"))
    at = next(i for i, line in enumerate(lines) if line.startswith("classical:"))
    lines.insert(at, "  a0_maxf10: {n_samples: 4, seed: 0}\n")
    path = tmp_path / "x.yaml"
    path.write_text("".join(lines))
    message = rf"x.yaml: key 'a0_maxf10' appears twice in 'datasets', at lines {first} and {at + 1}"
    with pytest.raises(study.ConfigError, match=message):
        study.load(path, schema_path)

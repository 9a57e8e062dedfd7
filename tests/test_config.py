"""Bad configs stop the study with a message that names the key at fault."""

import copy
import re

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

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
    *parents, leaf = path.split(".")
    node = cfg
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[leaf]
    else:
        node[leaf] = value
    return cfg


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
]


@pytest.mark.parametrize(("path", "value", "message"), SCHEMA_ERRORS)
def test_schema_rejects(path, value, message, schema_path):
    with pytest.raises(WorkflowError, match=message):
        validated(edit(path, value), schema_path)


CHECK_ERRORS = [
    (
        "models.tiny_lstm.architecture",
        "gru",
        r"models.tiny_lstm: unknown architecture 'gru'; known: a0_lstm, a2_dnn",
    ),
    (
        "models.tiny_lstm.hyperparameters",
        {"units": 4},
        r"models.tiny_lstm: architecture 'a0_lstm' has no hyper-parameter units",
    ),
    (
        "experiments.sweep.models",
        ["nope"],
        r"experiments.sweep.models: unknown nope; defined: tiny_diverging, tiny_dnn, tiny_lstm",
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
        r"datasets.tiny_noise_snr0dB: give either 'train'",
    ),
]


@pytest.mark.parametrize(("path", "value", "message"), CHECK_ERRORS)
def test_check_rejects(path, value, message, schema_path):
    with pytest.raises(study.ConfigError, match=message):
        validated(edit(path, value), schema_path)


def test_aliasing_is_allowed_when_the_dataset_says_so(schema_path):
    cfg = edit("datasets.tiny_a0_f5.train.frequencies", {"integers": [1, 16]})
    cfg["datasets"]["tiny_a0_f5"]["allow_aliasing"] = True
    validated(cfg, schema_path)


def test_runs_are_unique_and_sorted(schema_path):
    runs = study.runs(validated(TEST_CONFIG, schema_path))
    assert len(runs) == len(set(runs)) == 2 * 1 * 2 + 2 * 2 * 1 + 1
    assert runs == sorted(runs)
    assert runs[0].path == "tiny_a0_f5/tiny_diverging/seed0"


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
            r"models.tiny_lstm: unknown architecture 'gru'",
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

"""The config as the workflow sees it: shipped configs, defaults, SNR levels, runs, names.

Malformed configs, one table of them, are in test_malformed_configs.py."""

import copy
import re

import pytest
import yaml
from snakemake.utils import validate

from sinefreq import classical, datasets, params, paths
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
    del cfg["experiments"]["any_length"]  # its other benchmark length: counted elsewhere
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
    # one evaluate job per (family of the run's dataset, model): its runs on their own
    # datasets and on every evaluate_on dataset (tiny_a0_f8 is every bench run's own)
    groups = study.evaluation_groups(cfg)
    own = [(run, run.dataset) for run in study.runs(cfg)]
    assert sorted(e for evaluations in groups.values() for e in evaluations) == sorted(own + cross)
    for (family, model), evaluations in groups.items():
        assert evaluations == sorted(evaluations)
        assert {run.model for run, _ in evaluations} == {model}
        assert {
            study.snr_family(r.dataset, cfg["datasets"][r.dataset]["snr_db"])
            for r, _ in evaluations
        } == {family}
    noise = groups["tiny_noise", "tiny_dnn"]  # both levels' runs, each on 3 datasets
    assert len(noise) == 2 * 3
    assert study.leaderboard_datasets(cfg) == [
        "tiny_a0_f8",
        "tiny_bench_snr0dB",
        "tiny_bench_snr20dB",
    ]
    assert study.snr_family("tiny_bench_snr20dB", 20) == "tiny_bench"


def test_dataset_families_hold_every_dataset_once_by_the_entry_that_made_it(schema_path):
    cfg = validated(TEST_CONFIG, schema_path)
    families = study.dataset_families(cfg)
    # one dataset, bound and classical job per family, in the config's order
    assert families == {
        "tiny_a0_f5": ["tiny_a0_f5"],
        "tiny_a0_f8": ["tiny_a0_f8"],
        "tiny_a0_f10": ["tiny_a0_f10"],
        "tiny_noise": ["tiny_noise_snr0dB", "tiny_noise_snr20dB"],
        "tiny_bench": ["tiny_bench_snr0dB", "tiny_bench_snr20dB"],
        "tiny_bench_n64": ["tiny_bench_n64_snr0dB", "tiny_bench_n64_snr20dB"],
    }
    assert list(families) == list(TEST_CONFIG["datasets"])
    assert [d for ds in families.values() for d in ds] == list(cfg["datasets"])


def test_work_records_name_every_benchmarked_job_and_what_it_wrote(schema_path):
    cfg = validated(TEST_CONFIG, schema_path)
    records = study.work_records(cfg)
    runs = study.runs(cfg)
    train = [job for job in records if job.startswith("train/")]
    assert sorted(train) == sorted(f"train/{run.path}" for run in runs)
    evaluated = [r for job, files in records.items() if job.startswith("evaluate/") for r in files]
    groups = study.evaluation_groups(cfg)
    assert len(evaluated) == len(set(evaluated)) == sum(map(len, groups.values()))
    assert f"results/runs/{runs[0].path}/metrics.json" in evaluated
    classical = records["classical/tiny_bench"]
    assert len(classical) == len(cfg["classical"]) * 2  # every method on both levels
    assert {paths.job_of(job)[0] for job in records} == set(paths.BENCHMARKED)


def test_aliasing_is_allowed_when_the_dataset_says_so(schema_path):
    cfg = edit("datasets.tiny_a0_f5.train.frequencies", {"integers": [1, 16]})
    cfg["datasets"]["tiny_a0_f5"]["allow_aliasing"] = True
    validated(cfg, schema_path)


def test_runs_are_unique_and_sorted(schema_path):
    runs = study.runs(validated(TEST_CONFIG, schema_path))
    # sweep, noise, diverging, bench, seeds and the any-length network's run and its hybrid's
    assert len(runs) == len(set(runs)) == 2 * 1 * 2 + 2 * 2 * 1 + 1 + 2 + 1 * 2 * 2 + 2
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


@pytest.mark.slow  # three snakemake processes; test_malformed_configs plans the same in-process
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
    drawn = datasets.make_dataset(spec)
    assert datasets.series_counts(spec) == {s: len(drawn[s]["y"]) for s in ("train", "test")}


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

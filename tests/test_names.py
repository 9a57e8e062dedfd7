"""Names (of datasets, models, experiments, estimators) match the whole pattern, in the
schema and in sinefreq.config.check alike; property tests over generated strings."""

import copy
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from sinefreq import config as study

from .test_config import TEST_CONFIG

SCHEMA = str(study.Path(__file__).resolve().parent.parent / "config" / "schema.yaml")
BODY = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
CHECK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def with_model_named(name):
    """The test config with model tiny_dnn renamed ``name`` (and the experiments' use)."""
    cfg = copy.deepcopy(TEST_CONFIG)
    cfg["models"] = {name if k == "tiny_dnn" else k: v for k, v in cfg["models"].items()}
    for exp in cfg["experiments"].values():
        exp["models"] = [name if m == "tiny_dnn" else m for m in exp["models"]]
    return cfg


valid_names = st.from_regex(BODY, fullmatch=True)
invalid_names = st.one_of(
    valid_names.map(lambda n: n + "\n"),  # Python's $ matches before a final newline
    st.text(max_size=12).filter(lambda n: re.fullmatch(BODY, n) is None),
)


@CHECK
@given(valid_names)
def test_valid_names_are_accepted(name):
    assert study.is_name(name)
    cfg = with_model_named(name)
    validate(cfg, SCHEMA)
    study.check(cfg)


@CHECK
@given(invalid_names)
def test_other_strings_are_refused_by_schema_and_check(name):
    assert not study.is_name(name)
    with pytest.raises(WorkflowError, match="does not match"):
        validate(with_model_named(name), SCHEMA)
    with pytest.raises(study.ConfigError, match=r"models: the name .* is not allowed"):
        study.check(with_model_named(name))


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (1.5, r"models: the name 1.5 is read by YAML as a float; quote it \('1.5'"),
        (1000.0, r"models: the name 1000.0 is read by YAML as a float"),
        (True, r"models: the name true is read by YAML as a boolean; quote it \('true'"),
        (None, r"models: the name null is read by YAML as null; quote it \('null'"),
        (7, r"models: the name 7 is read by YAML as an integer"),
    ],
)
def test_names_yaml_reads_as_other_types_are_refused(key, message):
    cfg = with_model_named(key)
    with pytest.raises(study.ConfigError, match=message):
        study.check_before_schema(cfg)
    with pytest.raises(study.ConfigError, match=message):
        study.check(cfg)


def test_a_quoted_number_is_a_name():
    cfg = with_model_named("1.5")
    validate(cfg, SCHEMA)
    study.prepare(cfg)
    assert "1.5" in cfg["models"]

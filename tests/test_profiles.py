"""The cluster profiles stay in step with the workflow and with each other."""

import re

import yaml

from .conftest import ROOT

RULES = sorted(
    {
        m
        for path in (ROOT / "rules").glob("*.smk")
        for m in re.findall(r"^rule (\w+):", path.read_text(), re.MULTILINE)
    }
)


def profile(name):
    return yaml.safe_load((ROOT / "profiles" / name / "config.yaml").read_text())


def test_site_profile_sizes_every_rule():
    assert sorted(profile("slurm")["set-resources"]) == RULES


def test_gpu_profile_is_the_site_profile_plus_one_gpu_for_training():
    cpu, gpu = profile("slurm"), profile("slurm-gpu")
    assert gpu["set-resources"]["train"].pop("gpu") == 1
    assert gpu == cpu


def test_local_gpu_profile_claims_the_gpu_for_training_only():
    local = profile("local-gpu")
    assert local["resources"] == {"gpu": 1}
    assert local["set-resources"] == {"train": {"gpu": 1}}


def test_default_profile_sets_no_resources():
    # it is loaded beside any --profile and would override a cluster profile's resources
    assert not {"resources", "default-resources", "set-resources"} & set(profile("default"))

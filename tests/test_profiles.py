"""Resources live in the rules; the profiles add site settings and overrides only."""

import fnmatch
import re

import pytest
import yaml

from .conftest import ROOT, run_snakemake

SMK = [path.read_text() for path in (ROOT / "rules").glob("*.smk")]
RULE_BLOCKS = {
    m[1]: m[2]
    for text in SMK
    for m in re.finditer(r"^rule (\w+):\n((?:(?:    .*)?\n)*)", text, re.MULTILINE)
}
# Rules made in a loop (`rule:` with `name: f"evaluate_{family}_{model}"`), dedented, under their
# name with a glob for the loop's parts: evaluate_*_*.
RULE_BLOCKS |= {
    re.sub(r"\{\w+\}", "*", m[1]): re.sub(r"^    ", "", m[2], flags=re.MULTILINE)
    for text in SMK
    for m in re.finditer(
        r"^    rule:\n        name:\n            f\"(\S+)\"\n((?:(?:        .*)?\n)*)",
        text,
        re.MULTILINE,
    )
}


def profile(name):
    return yaml.safe_load((ROOT / "profiles" / name / "config.yaml").read_text())


@pytest.mark.parametrize("rule", sorted(RULE_BLOCKS))
def test_every_rule_sizes_itself(rule):
    block = RULE_BLOCKS[rule]
    assert re.search(r"^    threads: ", block, re.MULTILINE), f"rule {rule} has no threads"
    resources = re.search(r"^    resources:\n((?:        .*\n)+)", block, re.MULTILINE)
    assert resources, f"rule {rule} has no resources"
    assert {"mem_mb", "runtime"} <= set(re.findall(r"(\w+)=", resources[1]))


def test_site_profile_sets_no_resources_of_its_own():
    slurm = profile("slurm")
    assert not {"default-resources", "set-resources", "resources"} & set(slurm)
    assert slurm["set-threads"] == {"train": 4}  # cluster nodes have cores to spare


def test_gpu_profile_only_adds_one_gpu_for_training():
    # stacked on profiles/slurm: a later --profile replaces whole top-level keys
    gpu = profile("slurm-gpu")
    assert gpu == {"set-resources": {"train": {"gpu": 1}}}
    assert not set(gpu) & set(profile("slurm"))


def test_test_cluster_profile_trains_at_one_thread():
    test = profile("local-test-slurm")
    assert test["set-threads"] == {"train": 1}  # two jobs at once on the 2-CPU test node
    assert set(test["set-resources"]) == {"train"}


def test_local_gpu_profile_claims_the_gpu_for_training_only():
    local = profile("local-gpu")
    assert local["resources"] == {"gpu": 1}
    assert local["set-resources"] == {"train": {"gpu": 1}}


def test_default_profile_sets_no_resources():
    # it is loaded beside any --profile and would override a cluster profile's resources
    assert not {"resources", "default-resources", "set-resources"} & set(profile("default"))


def planned_resources(workdir, *args) -> dict[str, list[dict]]:
    """Rule -> the resources of each of its jobs in a dry run of the tiny study."""
    proc = run_snakemake(
        "-n", "--configfile", str(ROOT / "config" / "test.yaml"), *args, cwd=workdir
    )
    jobs = {}
    for rule, resources in re.findall(
        r"^rule (\w+):\n(?:    .*\n)*?    resources: (.*)$", proc.stdout, re.MULTILINE
    ):
        jobs.setdefault(rule, []).append(dict(r.split("=", 1) for r in resources.split(", ")))
    return jobs


@pytest.mark.slow  # plans the tiny study in a snakemake process
def test_stacked_gpu_profile_keeps_the_rules_resources(tmp_path):
    pytest.importorskip("snakemake_executor_plugin_slurm")
    profiles = ["--profile", str(ROOT / "profiles" / "slurm")]
    profiles += ["--profile", str(ROOT / "profiles" / "slurm-gpu"), "--workflow-profile", "none"]
    planned = planned_resources(tmp_path, *profiles)
    jobs = {}
    for rule, resources in planned.items():
        block = next((b for b in RULE_BLOCKS if fnmatch.fnmatchcase(rule, b)), rule)
        jobs.setdefault(block, []).extend(resources)
    assert set(jobs) == {*RULE_BLOCKS, "all"}  # the target rule runs nothing
    for rule in RULE_BLOCKS:
        for job in jobs[rule]:
            assert job.get("gpu") == ("1" if rule == "train" else None)
            assert {"mem_mb", "runtime"} <= set(job)
    assert {(j["mem_mb"], j["runtime"]) for j in jobs["train"]} == {("4000", "120")}

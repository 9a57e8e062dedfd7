"""The conda environment of the rules and the lock must agree."""

import importlib.util

from .conftest import ROOT


def load_renderer():
    spec = importlib.util.spec_from_file_location("conda_env", ROOT / "dev" / "conda_env.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_conda_env_file_is_rendered_from_the_lock():
    expected = load_renderer().render()
    actual = (ROOT / "envs" / "sinefreq.yaml").read_text()
    assert actual == expected, (
        "envs/sinefreq.yaml is stale: run `python dev/conda_env.py > envs/sinefreq.yaml`"
    )


def test_every_runtime_dependency_is_pinned_in_the_env():
    renderer = load_renderer()
    pins = renderer.locked_versions()
    env = (ROOT / "envs" / "sinefreq.yaml").read_text()
    for name in renderer.runtime_requirements():
        assert f"- {name}=={pins[name]}\n" in env


def test_installed_versions_match_the_lock():
    from importlib.metadata import version

    pins = load_renderer().locked_versions()
    for name in ("numpy", "keras", "h5py", "snakemake", "pandas"):
        assert version(name) == pins[name], (
            f"{name} {version(name)} installed, lock says {pins[name]}"
        )

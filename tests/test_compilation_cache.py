"""The JAX compilation cache: private folders, a bad entry replaced, a moved cache warm.

Each job is a fresh interpreter (as the workflow's are) that jits one small program with
the cache in a temporary folder; what the cache holds is read from its files.
"""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from sinefreq import training
from tests.test_determinism import clean_env

JOB = textwrap.dedent(
    """
    from sinefreq import training

    training.configure_runtime(1, 0, "jax")
    import jax
    import jax.numpy as jnp

    @jax.jit
    def double(x):
        return jnp.sin(x) * 2

    print("RESULT", float(double(jnp.arange(3.0)).sum()))
    """
)
UNREADABLE = "Error reading persistent compilation cache entry"  # JAX's warning


def job(cache):
    """Run JOB with its cache in ``cache``; return its stderr."""
    proc = subprocess.run(
        [sys.executable, "-c", JOB],
        env=clean_env(SINEFREQ_JAX_CACHE=str(cache)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "RESULT" in proc.stdout
    return proc.stderr


def entries(cache):
    """Each cached program's file and its bytes."""
    return {p.name: p.read_bytes() for p in cache.rglob("*-cache")}


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("warm") / "jax"
    job(cache)
    assert any(name.startswith("jit_double-") for name in entries(cache))
    return cache


@pytest.mark.slow  # JAX jobs in fresh processes
def test_a_corrupt_entry_is_replaced_and_the_next_job_loads_it(warm_cache, tmp_path):
    cache = tmp_path / "jax"
    shutil.copytree(warm_cache, cache)
    (entry,) = cache.rglob("jit_double-*-cache")
    entry.write_bytes(b"garbage")
    stderr = job(cache)
    assert UNREADABLE in stderr and "removed the unreadable" in stderr, stderr[-4000:]
    repaired = entries(cache)
    assert repaired.keys() == entries(warm_cache).keys()
    assert repaired[entry.name] != b"garbage"
    stderr = job(cache)
    assert UNREADABLE not in stderr, "the entry was not replaced"
    assert entries(cache) == repaired, "the job compiled anew instead of loading"


@pytest.mark.slow  # JAX jobs in fresh processes
def test_a_moved_cache_stays_warm(warm_cache, tmp_path):
    moved = tmp_path / "elsewhere"
    shutil.copytree(warm_cache, moved)
    assert UNREADABLE not in job(moved)
    assert entries(moved) == entries(warm_cache), "the moved cache was cold"


def test_the_default_cache_folder_and_the_folders_above_it_are_made_private(monkeypatch, tmp_path):
    monkeypatch.delenv("SINEFREQ_JAX_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    folder = training.private_compilation_cache()
    assert folder == training.compilation_cache_dir()
    for path in (folder, folder.parent, folder.parent.parent, tmp_path / "xdg"):
        assert path.stat().st_mode & 0o777 == 0o700, path


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702])
def test_a_cache_folder_others_can_write_to_is_refused(monkeypatch, tmp_path, mode):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(mode)
    monkeypatch.setenv("SINEFREQ_JAX_CACHE", str(shared))
    with pytest.raises(RuntimeError, match="can write to it") as refused:
        training.private_compilation_cache()
    message = str(refused.value)
    assert str(shared) in message and oct(mode) in message
    assert f"chmod 700 {shared}" in message and "SINEFREQ_JAX_CACHE=off" in message
    assert list(shared.iterdir()) == [], "made a folder inside a folder it refused"


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_a_cache_folder_another_user_owns_is_refused(monkeypatch, tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o755)
    os.chown(theirs, 65534, 65534)
    monkeypatch.setenv("SINEFREQ_JAX_CACHE", str(theirs))
    with pytest.raises(RuntimeError, match="belongs to .*, not to you"):
        training.private_compilation_cache()

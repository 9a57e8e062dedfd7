"""Real faults while writing: a full disk, a writer killed outright, a job cancelled by
SIGTERM. Never a crash, never a temporary file left behind for good, and outputs flushed to
disk before they are published."""

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from sinefreq import io

ATTRS = {"name": "d", "spec": {"n_samples": 256}, "n_samples": 256, "nyquist": 127.5}

# A dataset of ~6 MB of incompressible numbers: larger than the full disk's space left.
MAKE_SPLITS = """
import numpy as np
from sinefreq import io
rng = np.random.default_rng(0)
splits = {s: {f: rng.random((500, 256)) for f in io.SERIES_FIELDS} for s in io.SPLITS}
"""


def run_python(code: str, *args, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def wait_for(predicate, proc, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the writer ended before {what}: rc {proc.returncode}\n{out}\n{err}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def parts(directory):
    return sorted(p.name for p in directory.iterdir() if ".part" in p.name)


@pytest.fixture
def full_disk(tmp_path):
    """A 1 MiB tmpfs, filled but for ~200 KB; the filler is its only file."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs: {mounted.stderr.strip() or mounted.stdout}")
    try:
        (disk / "filler").write_bytes(b"\0" * 800_000)
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_full_disk_is_a_python_error_naming_the_output_and_leaves_nothing(full_disk):
    code = (
        MAKE_SPLITS
        + """
import sys
from pathlib import Path
import pandas as pd
disk = Path(sys.argv[1])
attrs = {"name": "d", "spec": {"n_samples": 256}, "n_samples": 256, "nyquist": 127.5}
big = splits["train"]["x"]
for name, write in [
    ("m.json", lambda p: io.write_json(p, {"x": big})),
    ("t.csv", lambda p: io.write_table(p, pd.DataFrame(big))),
    ("v.h5", lambda p: io.write_arrays(p, {"x": big}, attrs)),
]:
    try:
        write(disk / name)
    except io.WriteError as err:
        print(f"{name}: {err}")
io.write_dataset(disk / "d.h5", splits, attrs)  # the job's error: its traceback, rc 1
"""
    )
    proc = run_python(code, full_disk)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, f"rc {proc.returncode} (negative: killed by a signal)\n{err}"
    last = err.strip().splitlines()[-1]
    assert last.startswith("sinefreq.io.WriteError: [Errno 28]"), err
    assert f"{full_disk / 'd.h5'}: cannot write it: no space left on device" in last
    for name in ("m.json", "t.csv", "v.h5"):
        assert f"{name}: [Errno 28] {full_disk / name}: cannot write it: no space left" in out
    assert [p.name for p in full_disk.iterdir()] == ["filler"]


KILLABLE_WRITER = (
    MAKE_SPLITS
    + """
import os, sys, time
os.fsync = lambda fd: time.sleep(3600)  # hold the save between writing and publishing
io.write_dataset(sys.argv[1], splits, {"name": "d", "spec": {}, "n_samples": 256, "nyquist": 1.0})
"""
)


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "d.h5"
    proc = run_python(KILLABLE_WRITER, target)
    try:
        wait_for(lambda: parts(tmp_path), proc, "its temporary file appeared")
    finally:
        proc.kill()
        proc.wait()
    # SIGKILL cannot be caught: the dead writer's file stays, hidden, and no output.
    (left,) = parts(tmp_path)
    assert left.startswith(".d.") and f"-{proc.pid}-" in left and left.endswith(".part.h5")
    assert not target.exists()
    # A live writer's file of the same output (a process that sleeps) is not touched.
    alive = subprocess.Popen(["sleep", "60"])
    live = tmp_path / f".d.{io._HOST}-{alive.pid}-0123abcd.part.h5"
    live.write_bytes(b"being written")
    other_output = tmp_path / f".d.x.{io._HOST}-{proc.pid}-0123abcd.part.h5"  # of d.x.h5
    other_output.write_bytes(b"")
    try:
        splits = {s: {f: np.arange(6.0).reshape(2, 3) for f in io.SERIES_FIELDS} for s in io.SPLITS}
        io.write_dataset(target, splits, ATTRS)
        assert io.read_dataset(target)[1]["name"] == "d"
        assert parts(tmp_path) == sorted([live.name, other_output.name])
    finally:
        alive.kill()
        alive.wait()
    # ...and once its writer is gone, the next write of that output removes it too.
    io.write_dataset(target, splits, ATTRS)
    assert parts(tmp_path) == [other_output.name]


def test_sigterm_ends_a_job_script_and_removes_its_temporary_file(tmp_path):
    target, log = tmp_path / "d.h5", tmp_path / "job.log"
    code = KILLABLE_WRITER.replace(
        "io.write_dataset(",
        "from sinefreq import steps\nwith steps.logged(sys.argv[2]):\n    io.write_dataset(",
    )
    proc = run_python(code, target, log)
    wait_for(lambda: parts(tmp_path), proc, "its temporary file appeared")
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert parts(tmp_path) == [] and not target.exists()
    assert "SystemExit: 143" in log.read_text()


def test_sigterm_handler_is_only_set_while_a_step_runs(tmp_path):
    from sinefreq import steps

    before = signal.getsignal(signal.SIGTERM)
    with steps.logged(tmp_path / "log"):
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before


def test_outputs_are_flushed_then_renamed_then_the_directory_flushed(tmp_path, monkeypatch):
    calls = []
    fsync, replace = os.fsync, os.replace

    def recording_fsync(fd):
        kind = "directory" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        calls.append(f"fsync {kind}")
        fsync(fd)

    def recording_replace(src, dst):
        calls.append(f"replace {os.path.basename(dst)}")
        replace(src, dst)

    monkeypatch.setattr(io.os, "fsync", recording_fsync)
    monkeypatch.setattr(io.os, "replace", recording_replace)
    io.write_json(tmp_path / "m.json", {"a": 1})
    io.write_table(tmp_path / "t.csv", pd.DataFrame({"a": [1]}))
    io.write_arrays(tmp_path / "v.h5", {"x": np.zeros(3)}, {})
    assert calls == [
        c for name in ("m.json", "t.csv", "v.h5")
        for c in ("fsync file", f"replace {name}", "fsync directory")
    ]  # fmt: skip
    assert parts(tmp_path) == []


def test_a_keras_model_saves_through_atomic_path(tmp_path):
    """Keras wants its suffix on the temporary name."""
    keras = pytest.importorskip("keras")
    from sinefreq import training

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    with io.atomic_path(tmp_path / "model.keras") as tmp:
        assert tmp.suffix == ".keras" and tmp.name.startswith(".model.")
        training.save_model(model, tmp)
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]
    assert keras.models.load_model(tmp_path / "model.keras").count_params() == 5

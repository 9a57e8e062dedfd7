"""File I/O at the edges of the study: HDF5 datasets and predictions, JSON, CSV.

Every writer goes through :func:`atomic_path`, so an interrupted job never leaves a
file under its final name: Snakemake sees it missing and re-runs the job. HDF5 files are
built in memory and written with plain file I/O, so a full disk is a Python error
(:class:`WriteError`) and not a crash inside the HDF5 library; every output is flushed to
disk (``fsync``) before it is renamed into place.

What is written comes back as it was: a string attribute or table cell that reads like a
number, a boolean or a missing value ("1.5", "true", "NA") stays a string.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import re
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import h5py
import numpy as np

from sinefreq import __version__

SPLITS = ("train", "test")
SERIES_FIELDS = ("x", "y", "amplitude", "time_offset", "phase", "noise_sigma")
PREDICTION_FIELDS = ("y_true", "y_pred")

# Root attribute of every HDF5 file written here: a JSON list of the attributes stored as
# JSON (dicts, lists, booleans, None); every other string attribute is plain text.
JSON_ATTRIBUTES = "json_attributes"

_HOST = re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname()) or "localhost"


class DataFileError(ValueError):
    """A data file is missing, truncated or lacks a dataset or attribute we need."""


class WriteError(OSError):
    """An output could not be written (e.g. the disk is full); the message names it."""


# -- atomic writes --------------------------------------------------------------------------


def _temp_name(path: Path) -> Path:
    """``.{stem}.{host}-{pid}-{random}.part{suffix}`` beside ``path``: hidden from globs
    for outputs, with the suffix writers insist on (Keras: ``.keras``), and naming its
    writer so that a later write can tell a dead writer's leftover from a live one's."""
    token = secrets.token_hex(4)
    return path.with_name(f".{path.stem}.{_HOST}-{os.getpid()}-{token}.part{path.suffix}")


def _alive(pid: int) -> bool:
    if pid <= 0:
        return True  # not one of ours: leave it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale_parts(path: str | os.PathLike) -> list[Path]:
    """Remove the temporary files of ``path`` left by writers on this host that no longer
    run (killed by SIGKILL or the out-of-memory killer: nothing can clean up after those);
    a live writer's file is kept. Returns what it removed."""
    path = Path(path)
    pattern = re.compile(
        rf"\.{re.escape(path.stem)}\.(?P<host>.+)-(?P<pid>\d+)-[0-9a-f]{{8}}"
        rf"\.part{re.escape(path.suffix)}"
    )
    removed = []
    with contextlib.suppress(FileNotFoundError), os.scandir(path.parent) as entries:
        for entry in entries:
            match = pattern.fullmatch(entry.name)
            if match and match["host"] == _HOST and not _alive(int(match["pid"])):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def _write_error(err: OSError, path: Path) -> WriteError:
    """``err`` as a :class:`WriteError` that names the output ``path``."""
    if isinstance(err, WriteError):
        return err
    if err.errno == errno.ENOSPC:
        reason = "no space left on device (ENOSPC): the disk is full"
    elif err.errno is not None:
        reason = f"{os.strerror(err.errno)} ({errno.errorcode.get(err.errno, err.errno)})"
    else:
        reason = str(err)
    if err.errno is None:
        return WriteError(f"{path}: cannot write it: {reason}")
    return WriteError(err.errno, f"{path}: cannot write it: {reason}")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as err:
        if err.errno != errno.EINVAL or not path.is_dir():  # some file systems: no dir fsync
            raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; publish it as ``path`` only on success.

    Publishing flushes the file to disk, renames it to ``path`` and flushes the directory,
    so that a crash of the machine cannot leave a complete-looking but empty output. On
    any failure, including SIGTERM (see :func:`sinefreq.steps.logged`), the temporary file
    is removed; a writer killed outright leaves it, and the next write of ``path``
    removes it. An ``OSError`` (e.g. a full disk) comes back as :class:`WriteError`,
    naming ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(path)
    tmp = _temp_name(path)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
        _fsync(path.parent)
    except OSError as err:
        raise _write_error(err, path) from err
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: str | os.PathLike, data: bytes | memoryview) -> None:
    """Write ``data`` to ``path``, atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as file:
        file.write(data)


# -- JSON and CSV ---------------------------------------------------------------------------


def write_json(path: str | os.PathLike, obj) -> None:
    text = json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n"
    write_bytes(path, text.encode())


def read_json(path: str | os.PathLike) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise DataFileError(f"{path}: file not found") from None
    except json.JSONDecodeError as err:
        raise DataFileError(f"{path}: not valid JSON ({err})") from None


def write_table(path: str | os.PathLike, frame) -> None:
    """Write a pandas DataFrame as CSV, atomically. Text is quoted and numbers are not
    (what :func:`read_table` reads types from); a missing value is an empty cell."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, quoting=csv.QUOTE_NONNUMERIC)


def read_table(path: str | os.PathLike, **kwargs):
    """A table as :func:`write_table` wrote it: text as the exact strings written (a name
    "1.5", "True", "NA" or "null" stays a string), numbers and booleans as such, empty
    cells missing (NaN). A column is text where any of its cells is quoted (how
    :func:`write_table` writes text); a column without quotes (another program's table,
    e.g. a Snakemake benchmark) has its type inferred by pandas, but only empty cells are
    missing. ``kwargs`` go to :func:`pandas.read_csv` (e.g. ``sep``). An empty file raises
    pandas' ``EmptyDataError``, as ``read_csv`` does."""
    import pandas as pd

    for owned in ("dtype", "keep_default_na", "na_values", "na_filter", "quoting"):
        if owned in kwargs:
            raise TypeError(f"read_table sets {owned} itself")
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        raise DataFileError(f"{path}: file not found") from None
    columns = list(pd.read_csv(path, nrows=0, **kwargs).columns)
    quoted = _quoted_columns(text, kwargs.get("sep", kwargs.get("delimiter", ",")))
    text_columns = [c for i, c in enumerate(columns) if i in quoted]
    frame = pd.read_csv(
        path,
        dtype=dict.fromkeys(text_columns, str),
        keep_default_na=False,
        na_values={c: [""] for c in columns if c not in text_columns},
        **kwargs,
    )
    for column in text_columns:
        frame[column] = frame[column].mask(frame[column] == "")
    return frame


def _quoted_columns(text: str, sep: str) -> set[int]:
    """Positions of the columns with a quoted, non-empty cell below the header line."""
    if '"' not in text:
        return set()
    s = re.escape(sep)
    cell = re.compile(rf'"(?:[^"]|"")*"(?={s}|\r|\n|$)|[^{s}\r\n]*')
    quoted, column, header, pos = set(), 0, True, 0
    while pos < len(text):
        match = cell.match(text, pos)
        if not header and len(match[0]) > 2 and match[0][0] == '"':
            quoted.add(column)
        pos = match.end()
        if text.startswith(sep, pos):
            column, pos = column + 1, pos + len(sep)
        elif pos < len(text):  # end of a line
            pos += 2 if text.startswith("\r\n", pos) else 1
            column, header = 0, False
    return quoted


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


# -- HDF5 -----------------------------------------------------------------------------------


def _write_arrays(group: h5py.Group, arrays: dict[str, np.ndarray]) -> None:
    for name, values in arrays.items():
        values = np.asarray(values)
        # Chunk by whole series so reading a batch of rows touches few chunks.
        chunks = (min(len(values), 64), *values.shape[1:]) if values.size else None
        group.create_dataset(
            name, data=values, chunks=chunks, compression="gzip", compression_opts=4, shuffle=True
        )


def _is_json(value) -> bool:
    """HDF5 attributes hold numbers, strings and arrays; anything else is stored as JSON."""
    return value is None or isinstance(value, dict | list | tuple | bool)


@contextlib.contextmanager
def _new_file(path, attrs: dict) -> Iterator[h5py.File]:
    """An HDF5 file with the library version and ``attrs`` at its root, built in memory and
    written to ``path`` atomically once the block ends."""
    if JSON_ATTRIBUTES in attrs:
        raise ValueError(f"{JSON_ATTRIBUTES!r} is reserved: it lists the attributes in JSON")
    # A unique name: HDF5 takes two open in-memory files of one name for the same file.
    name = f"{Path(path).name}.{secrets.token_hex(8)}"
    h5 = h5py.File(name, "w", driver="core", backing_store=False)
    try:
        h5.attrs["sinefreq_version"] = __version__
        for key, value in attrs.items():
            if _is_json(value):
                h5.attrs[key] = json.dumps(value, default=_json_default)
            else:
                h5.attrs[key] = value
        h5.attrs[JSON_ATTRIBUTES] = json.dumps(sorted(k for k, v in attrs.items() if _is_json(v)))
        yield h5
        h5.flush()
        image = h5.id.get_file_image()
    finally:
        h5.close()
    write_bytes(path, image)


def _read_attrs(h5: h5py.File, path) -> dict:
    """The root attributes as written: JSON ones decoded, strings as they are."""
    attrs = {key: _plain(value) for key, value in h5.attrs.items()}
    listed = attrs.pop(JSON_ATTRIBUTES, None)
    if listed is None:  # written before the list: JSON was only ever dicts, lists, bools, None
        return {key: _legacy_attr(value) for key, value in attrs.items()}
    try:
        in_json = set(json.loads(listed))
        return {key: json.loads(value) if key in in_json else value for key, value in attrs.items()}
    except (TypeError, json.JSONDecodeError) as err:
        raise DataFileError(f"{path}: an attribute is not the JSON it should be ({err})") from None


def _plain(value):
    if isinstance(value, bytes):
        return value.decode()
    return value.item() if isinstance(value, np.generic) else value


def _legacy_attr(value):
    if isinstance(value, str):
        with contextlib.suppress(json.JSONDecodeError):
            decoded = json.loads(value)
            if decoded is None or isinstance(decoded, dict | list | bool):
                return decoded
    return value


def _open(path) -> h5py.File:
    try:
        return h5py.File(path, "r")
    except FileNotFoundError:
        raise DataFileError(f"{path}: file not found") from None
    except OSError as err:
        raise DataFileError(
            f"{path}: not a readable HDF5 file, truncated or corrupt ({err})"
        ) from None


def write_groups(path, groups: dict[str, dict], attrs: dict) -> None:
    """Write each of ``groups`` (name -> arrays) as an HDF5 group of datasets to ``path``,
    e.g. a dataset's splits, or the series a run validated on at each length."""
    with _new_file(path, attrs) as h5:
        for group, arrays in groups.items():
            _write_arrays(h5.create_group(group), arrays)


def write_arrays(path, arrays: dict[str, np.ndarray], attrs: dict) -> None:
    """Write ``arrays`` as datasets at the root of ``path`` (HDF5), e.g. the series a run
    validated on; ``attrs`` as root attributes (dicts and lists as JSON)."""
    with _new_file(path, attrs) as h5:
        _write_arrays(h5, arrays)


def read_arrays(path) -> tuple[dict[str, np.ndarray], dict]:
    """``(arrays, attrs)`` of a file :func:`write_arrays` wrote."""
    with _open(path) as h5:
        try:
            arrays = {name: h5[name][()] for name in h5 if isinstance(h5[name], h5py.Dataset)}
        except OSError as err:
            raise DataFileError(
                f"{path}: cannot read its arrays, truncated or corrupt ({err})"
            ) from None
        return arrays, _read_attrs(h5, path)


def _read_splits(
    path, fields: tuple[str, ...], required_attrs: tuple[str, ...]
) -> tuple[dict, dict]:
    with _open(path) as h5:
        missing = [f"attribute '{a}'" for a in required_attrs if a not in h5.attrs]
        missing += [f"dataset '/{s}/{f}'" for s in SPLITS for f in fields if f"{s}/{f}" not in h5]
        if missing:
            raise DataFileError(f"{path}: missing {', '.join(missing)}")
        try:
            splits = {s: {f: h5[s][f][()] for f in fields} for s in SPLITS}
        except OSError as err:
            raise DataFileError(
                f"{path}: cannot read its arrays, truncated or corrupt ({err})"
            ) from None
        attrs = _read_attrs(h5, path)
    return splits, attrs


DATASET_ATTRS = ("name", "spec", "n_samples", "nyquist", "sinefreq_version")


def write_dataset(path, splits: dict[str, dict], attrs: dict) -> None:
    """Write train/test series and their generating parameters to ``path`` (HDF5).

    Layout: ``/{train,test}/{x,y,amplitude,time_offset,phase,noise_sigma}``; the
    generation parameters and library version are root attributes (dicts as JSON, listed
    in the root attribute ``json_attributes``).
    """
    write_groups(path, {s: {f: splits[s][f] for f in SERIES_FIELDS} for s in SPLITS}, attrs)


def read_dataset(path) -> tuple[dict[str, dict], dict]:
    """``(splits, attrs)`` of a dataset file; :class:`DataFileError` names what is wrong."""
    return _read_splits(path, SERIES_FIELDS, DATASET_ATTRS)


def write_predictions(path, predictions: dict[str, dict], attrs: dict) -> None:
    """Write ``/{train,test}/{y_true,y_pred}`` (cycles per window) to ``path``."""
    write_groups(path, predictions, attrs)


def read_predictions(path) -> tuple[dict[str, dict], dict]:
    return _read_splits(path, PREDICTION_FIELDS, ("sinefreq_version",))

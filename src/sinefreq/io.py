"""File I/O at the edges of the study: HDF5 datasets and predictions, JSON, CSV.

Every writer goes through :func:`atomic_path`, so an interrupted job never leaves a
file under its final name: Snakemake sees it missing and re-runs the job.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import h5py
import numpy as np

from sinefreq import __version__

SPLITS = ("train", "test")
SERIES_FIELDS = ("x", "y", "amplitude", "time_offset", "phase", "noise_sigma")
PREDICTION_FIELDS = ("y_true", "y_pred")


class DataFileError(ValueError):
    """A data file is missing, truncated or lacks a dataset or attribute we need."""


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only on success.

    The temporary name keeps the suffix (Keras insists on ``.keras``) and starts with a
    dot so that globbing for outputs never picks it up.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=f".part{path.suffix}", dir=path.parent
    )
    os.close(fd)
    os.unlink(tmp)  # writers (h5py, Keras) want to create the file themselves
    tmp = Path(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: str | os.PathLike, obj) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


def read_json(path: str | os.PathLike) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise DataFileError(f"{path}: file not found") from None
    except json.JSONDecodeError as err:
        raise DataFileError(f"{path}: not valid JSON ({err})") from None


def write_table(path: str | os.PathLike, frame) -> None:
    """Write a pandas DataFrame as CSV, atomically."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _write_arrays(group: h5py.Group, arrays: dict[str, np.ndarray]) -> None:
    for name, values in arrays.items():
        values = np.asarray(values)
        # Chunk by whole series so reading a batch of rows touches few chunks.
        chunks = (min(len(values), 64), *values.shape[1:]) if values.size else None
        group.create_dataset(
            name, data=values, chunks=chunks, compression="gzip", compression_opts=4, shuffle=True
        )


def _attr_value(value):
    """HDF5 attributes hold scalars, strings and arrays; store anything else as JSON."""
    if value is None or isinstance(value, dict | list | tuple | bool):
        return json.dumps(value)
    return value


@contextlib.contextmanager
def _new_file(path, attrs: dict) -> Iterator[h5py.File]:
    """An HDF5 file written atomically, with the library version and ``attrs`` at its root."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        h5.attrs["sinefreq_version"] = __version__
        for key, value in attrs.items():
            h5.attrs[key] = _attr_value(value)
        yield h5


def _write_splits(path, splits: dict[str, dict], attrs: dict) -> None:
    with _new_file(path, attrs) as h5:
        for split, arrays in splits.items():
            _write_arrays(h5.create_group(split), arrays)


def write_arrays(path, arrays: dict[str, np.ndarray], attrs: dict) -> None:
    """Write ``arrays`` as datasets at the root of ``path`` (HDF5), e.g. the series a run
    validated on; ``attrs`` as root attributes (dicts and lists as JSON)."""
    with _new_file(path, attrs) as h5:
        _write_arrays(h5, arrays)


def _read_splits(
    path, fields: tuple[str, ...], required_attrs: tuple[str, ...]
) -> tuple[dict, dict]:
    try:
        h5 = h5py.File(path, "r")
    except FileNotFoundError:
        raise DataFileError(f"{path}: file not found") from None
    except OSError as err:
        raise DataFileError(
            f"{path}: not a readable HDF5 file, truncated or corrupt ({err})"
        ) from None
    with h5:
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
        attrs = {key: _decode_attr(value) for key, value in h5.attrs.items()}
    return splits, attrs


def _decode_attr(value):
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        with contextlib.suppress(json.JSONDecodeError):
            return json.loads(value)
    return value.item() if isinstance(value, np.generic) else value


DATASET_ATTRS = ("name", "spec", "n_samples", "nyquist", "sinefreq_version")


def write_dataset(path, splits: dict[str, dict], attrs: dict) -> None:
    """Write train/test series and their generating parameters to ``path`` (HDF5).

    Layout: ``/{train,test}/{x,y,amplitude,time_offset,phase,noise_sigma}``; the
    generation parameters and library version are root attributes (dicts as JSON).
    """
    _write_splits(path, {s: {f: splits[s][f] for f in SERIES_FIELDS} for s in SPLITS}, attrs)


def read_dataset(path) -> tuple[dict[str, dict], dict]:
    """``(splits, attrs)`` of a dataset file; :class:`DataFileError` names what is wrong."""
    return _read_splits(path, SERIES_FIELDS, DATASET_ATTRS)


def write_predictions(path, predictions: dict[str, dict], attrs: dict) -> None:
    """Write ``/{train,test}/{y_true,y_pred}`` (cycles per window) to ``path``."""
    _write_splits(path, predictions, attrs)


def read_predictions(path) -> tuple[dict[str, dict], dict]:
    return _read_splits(path, PREDICTION_FIELDS, ("sinefreq_version",))

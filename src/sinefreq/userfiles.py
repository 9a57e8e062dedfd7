"""A user's own series, read in chunks of rows: ``.npy``, ``.csv`` (one series a row) or a
sinefreq ``.h5`` dataset.

Only a chunk of rows is in memory at a time, so ``sinefreq estimate`` handles files larger
than memory; everything that can be checked without reading the values (format, shape,
dtype, declared size against the file's size) is checked when the file is opened, before
any work. Every problem is a :class:`InputError` whose message names the file.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sinefreq import io

FORMATS = (".npy", ".csv", ".h5", ".hdf5")
# Values (rows x samples) per chunk: 8 MB of float64, so an estimator's temporaries stay
# well under the input's size while a chunk is still large enough to vectorise.
CHUNK_VALUES = 2**20


class InputError(ValueError):
    """The user's file or arguments cannot be estimated from; the message says why."""


@dataclass
class Chunk:
    start: int  # row number of the chunk's first series in the file
    x: np.ndarray  # float64, (rows, samples)
    truth: np.ndarray | None  # true frequencies, where the file has them


@dataclass
class SeriesFile:
    """An opened file of series: its shape (rows unknown for CSV until read) and a reader."""

    path: Path
    n_samples: int
    n_rows: int | None
    has_truth: bool
    _chunks: Iterator[Chunk]

    def chunks(self) -> Iterator[Chunk]:
        return self._chunks


def rows_per_chunk(n_samples: int) -> int:
    return max(1, CHUNK_VALUES // max(n_samples, 1))


def open_series(path: str | os.PathLike, split: str | None = None) -> SeriesFile:
    """Open ``path`` and check what can be checked before reading its values."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file")
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(
            f"{path}: unknown format {suffix!r}; use .npy, .csv or a sinefreq .h5 dataset"
        )
    if split is not None and suffix not in (".h5", ".hdf5"):
        raise InputError(f"{path}: --split applies to .h5 datasets only, not to {suffix} files")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    if suffix == ".npy":
        return _open_npy(path)
    if suffix == ".csv":
        return _open_csv(path)
    return _open_h5(path, split or "test")


def check_numeric_dtype(dtype: np.dtype, source) -> None:
    """Real numbers only: complex series would have to be altered to be estimated."""
    if dtype.kind == "c":
        raise InputError(
            f"{source}: complex values ({dtype}); give real series (e.g. the real part, "
            "taken on purpose)"
        )
    if dtype.kind not in "biuf":
        raise InputError(f"{source}: values of type {dtype} are not numbers")


def check_shape(shape: tuple, source) -> tuple[int, int]:
    """``(rows, samples)`` of a 1-D (one series) or 2-D array; nothing empty."""
    if len(shape) == 1:
        shape = (1, *shape)
    if len(shape) != 2 or 0 in shape:
        raise InputError(
            f"{source}: expected a 2-D array with one series a row, got shape {tuple(shape)}"
        )
    return int(shape[0]), int(shape[1])


def _open_npy(path: Path) -> SeriesFile:
    with path.open("rb") as f:
        try:
            version = np.lib.format.read_magic(f)
            read_header = {
                (1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0,
            }.get(version)
            if read_header is None:
                raise InputError(f"{path}: .npy format version {version} is not supported")
            shape, fortran_order, dtype = read_header(f)
        except (ValueError, EOFError, OSError) as err:
            raise InputError(f"{path}: not a readable .npy file ({one_line(err)})") from None
        offset = f.tell()
    check_numeric_dtype(dtype, path)
    rows, samples = check_shape(shape, path)
    declared = rows * samples * dtype.itemsize
    actual = path.stat().st_size - offset
    if actual != declared:
        raise InputError(
            f"{path}: its header declares shape {tuple(shape)} of {dtype} ({declared:,} bytes) "
            f"but the file holds {actual:,} bytes of data: truncated or corrupt"
        )
    if fortran_order:
        # Rows are not contiguous on disk: read through a memory map, whose pages the
        # kernel loads and drops as needed.
        array = np.load(path, mmap_mode="r", allow_pickle=False).reshape(rows, samples)

        def read(handle, start: int, count: int) -> np.ndarray:
            return np.ascontiguousarray(array[start : start + count])
    else:

        def read(handle, start: int, count: int) -> np.ndarray:
            handle.seek(offset + start * samples * dtype.itemsize)
            return np.fromfile(handle, dtype=dtype, count=count * samples).reshape(-1, samples)

    def chunks() -> Iterator[Chunk]:
        step = rows_per_chunk(samples)
        with path.open("rb") as handle:
            for start in range(0, rows, step):
                x = read(handle, start, min(step, rows - start))
                yield Chunk(start, x.astype(np.float64, copy=False), None)

    return SeriesFile(path, samples, rows, False, chunks())


def _open_csv(path: Path) -> SeriesFile:
    with path.open() as f:
        first = next((line for line in f if line.strip()), None)
    if first is None:
        raise InputError(f"{path}: no series in the file (only blank lines)")
    samples = len(first.split(","))

    def chunks() -> Iterator[Chunk]:
        step = rows_per_chunk(samples)
        start = 0
        with path.open() as f:
            lines = (line for line in f if line.strip())
            while block := list(itertools.islice(lines, step)):
                try:
                    x = np.loadtxt(block, delimiter=",", ndmin=2, dtype=np.float64)
                except ValueError as err:
                    raise InputError(
                        f"{path}: not a numeric CSV with one series a row, in series "
                        f"{start} to {start + len(block) - 1} ({one_line(err)})"
                    ) from None
                if x.shape[1] != samples:
                    raise InputError(
                        f"{path}: series {start} onwards have {x.shape[1]} values, "
                        f"the first series {samples}: every row must be as long"
                    )
                yield Chunk(start, x, None)
                start += len(x)

    return SeriesFile(path, samples, None, False, chunks())


def _open_h5(path: Path, split: str) -> SeriesFile:
    import h5py

    if split not in io.SPLITS:
        raise InputError(f"--split must be one of {', '.join(io.SPLITS)}, got {split!r}")
    try:
        h5 = h5py.File(path, "r")
    except OSError as err:
        raise InputError(f"{path}: not a readable HDF5 file ({one_line(err)})") from None
    try:
        missing = [f"/{split}/{name}" for name in ("x", "y") if f"{split}/{name}" not in h5]
        if missing:
            raise InputError(f"{path}: not a sinefreq dataset: no dataset {' or '.join(missing)}")
        x, y = h5[split]["x"], h5[split]["y"]
        check_numeric_dtype(x.dtype, f"{path}:/{split}/x")
        rows, samples = check_shape(x.shape, f"{path}:/{split}/x")
        if y.shape != (rows,):
            raise InputError(
                f"{path}: /{split}/y has shape {y.shape}, expected ({rows},): one true "
                f"frequency per series of /{split}/x"
            )
    except BaseException:
        h5.close()
        raise

    def chunks() -> Iterator[Chunk]:
        step = rows_per_chunk(samples)
        with h5:
            for start in range(0, rows, step):
                part = slice(start, min(start + step, rows))
                try:
                    values, truth = x[part], y[part]
                except OSError as err:
                    raise InputError(
                        f"{path}: cannot read /{split}/x, truncated or corrupt ({one_line(err)})"
                    ) from None
                yield Chunk(start, np.asarray(values, dtype=np.float64), np.asarray(truth))

    return SeriesFile(path, samples, rows, True, chunks())


def one_line(err: BaseException) -> str:
    """An error's message on one line, for a one-line report."""
    return " ".join(str(err).split())

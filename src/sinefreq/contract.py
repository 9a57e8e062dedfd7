"""What a trained model serves, recorded inside its ``.keras`` file.

A network answers for any input of the shape it takes, also far outside what it was
trained on, and gives a wrong number without a sign. Its contract says what it was trained
on: series lengths, frequency band, SNR range, amplitude range, noise model and whether the
series carried a DC offset. The train step writes it into the model's ``.keras`` archive
as ``sinefreq/contract.json`` (Keras loads the archive as before and ignores the entry);
``sinefreq estimate --model`` reads it, refuses series it can tell lie outside (their
length, their scale: an RMS no training series could have) and names the contract in the
message. The band, the SNR and the offset of a user's series cannot be told before
estimating; the message names them so that the user can.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, model_validator

ENTRY = "sinefreq/contract.json"
# A series' RMS may stray this far from what the contract's amplitudes and SNRs give (short
# series, a few cycles of the tone) before it counts as another scale.
SCALE_MARGIN = 2.0


class Contract(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # samples per series, lowest and highest
    lengths: tuple[int, int]
    # cycles per window of the training series; or, with ``edge``, [edge, Nyquist - edge]
    # at each length
    frequency: tuple[float, float] | None = None
    edge: float | None = None
    # per-sample SNR in dB; None: trained on clean series
    snr_db: tuple[float, float] | None
    amplitude: tuple[float, float]
    # the training series' noise model (sinefreq.noise)
    noise: str = "white"
    # whether the training series carried a DC offset (none of the study's do)
    dc_offset: bool = False
    # whether the network divides each series by its own scale (then any RMS is served)
    scale_free: bool = False

    @model_validator(mode="after")
    def _one_band(self):
        if (self.frequency is None) == (self.edge is None):
            raise ValueError("give the band as frequency or as edge, not both or neither")
        return self

    def describe(self) -> str:
        """The contract in words, for a refusal."""
        lengths = (
            f"{self.lengths[0]}"
            if self.lengths[0] == self.lengths[1]
            else (f"{self.lengths[0]} to {self.lengths[1]}")
        )
        snr = (
            "clean series"
            if self.snr_db is None
            else (f"SNR {self.snr_db[0]:g} to {self.snr_db[1]:g} dB in {self.noise} noise")
        )
        band = (
            f"f in [{self.edge:g}, Nyquist - {self.edge:g}]"
            if self.frequency is None
            else f"f in [{self.frequency[0]:g}, {self.frequency[1]:g}]"
        )
        scale = (
            "any amplitude"
            if self.scale_free
            else f"amplitude {self.amplitude[0]:g} to {self.amplitude[1]:g}"
        )
        offset = "a DC offset or none" if self.dc_offset else "no DC offset"
        return f"series of {lengths} samples, {band} cycles per window, {scale}, {snr}, {offset}"

    def rms_range(self) -> tuple[float, float]:
        """The RMS a series inside the contract has, widened by :data:`SCALE_MARGIN`."""
        lowest_snr = math.inf if self.snr_db is None else self.snr_db[0]
        # A^2 / 2 of the tone plus the noise's variance sigma^2 = A^2 / (2 snr)
        noise_share = 0.0 if math.isinf(lowest_snr) else 10.0 ** (-lowest_snr / 10.0)
        lo = self.amplitude[0] / math.sqrt(2.0)
        hi = self.amplitude[1] * math.sqrt((1.0 + noise_share) / 2.0)
        return lo / SCALE_MARGIN, hi * SCALE_MARGIN

    def admits_length(self, n_samples: int) -> bool:
        return self.lengths[0] <= n_samples <= self.lengths[1]

    def rows_off_scale(self, x: np.ndarray) -> np.ndarray:
        """Indices of the series (rows of ``x``) whose RMS lies outside :meth:`rms_range`."""
        if self.scale_free:
            return np.empty(0, dtype=int)
        lo, hi = self.rms_range()
        rms = np.sqrt(np.mean(np.square(x, dtype=float), axis=1))
        return np.flatnonzero((rms < lo) | (rms > hi))


def of_dataset(spec: dict, train_frequencies: np.ndarray) -> Contract:
    """The contract of a network trained on a dataset's train split (the thread's regime)."""
    from sinefreq.generator import span

    n = int(spec["n_samples"])
    snr = spec.get("snr_db")
    return Contract(
        lengths=(n, n),
        frequency=(float(np.min(train_frequencies)), float(np.max(train_frequencies))),
        snr_db=None if snr is None else span(snr),
        amplitude=span(spec.get("amplitude", 1.0)),
        noise=(spec.get("noise") or {}).get("model", "white"),
    )


def of_generator(n_samples: int, spec: dict, **network) -> Contract:
    """The contract of a network trained on a generator's series (the estimator regime) of
    ``n_samples``; ``network`` overrides what the network itself serves beyond them
    (``lengths``, ``edge``, ``dc_offset``, ``scale_free``)."""
    from sinefreq import generator

    ranges = generator.check_spec(spec, n_samples)
    band = {"frequency": None} if network.get("edge") is not None else {}
    return Contract(
        **{
            "lengths": (n_samples, n_samples),
            "frequency": ranges["frequency"],
            "snr_db": ranges["snr_db"],
            "amplitude": ranges["amplitude"],
            "noise": ranges[generator.NOISE_KEY].name,
            **band,
            **network,
        }
    )


def write(model_path: str | Path, contract: Contract) -> None:
    """Add ``contract`` to the ``.keras`` archive at ``model_path`` (not yet in place)."""
    with zipfile.ZipFile(model_path, "a") as archive:
        archive.writestr(ENTRY, contract.model_dump_json(indent=2))


def read(model_path: str | Path) -> Contract | None:
    """The contract in a ``.keras`` archive; None for a model saved without one."""
    with zipfile.ZipFile(model_path) as archive:
        if ENTRY not in archive.namelist():
            return None
        return Contract.model_validate(json.loads(archive.read(ENTRY)))

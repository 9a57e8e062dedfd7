"""sinefreq: can a neural network learn the frequency of a sine wave?

Frequencies are in cycles per window throughout: a series of N samples is
``A * sin(f * t + phase)`` with ``t = linspace(0, 2*pi, N)``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sinefreq")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"

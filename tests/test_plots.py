"""The figures' one style: units on every axis, a colour-blind-safe palette, the bound and
Nyquist drawn alike everywhere, and each figure saved as a PNG and a vector PDF."""

import inspect
import re
import zlib

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from sinefreq import plots

OKABE_ITO = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442"}


def _predicted_vs_true():
    y_true = np.linspace(1.0, 9.0, 20)
    runs = [
        {"seed": seed, "y_true": y_true, "y_pred": y_true + 0.1 * seed, "nyquist": 5.0}
        for seed in range(3)
    ]
    return plots.predicted_vs_true({"d / m": runs, "e / m": runs}, "t")


def _learning_curves():
    history = {"loss": [1.0, 0.5, 0.3, 0.2], "val_loss": [np.nan, 0.6, np.nan, 0.3]}
    runs = [{"seed": seed, "history": history, "loss": "mse"} for seed in range(3)]
    return plots.learning_curves({"d / m": runs}, "t")


def _sweep_errors():
    summary = pd.DataFrame(
        {
            "model": ["a", "a", "b", "b"],
            "max_freq": [10, 20, 10, 20],
            **{
                f"{split}_mae_{stat}": [0.1, 0.2, 0.3, 0.4]
                for split in ("train", "test")
                for stat in ("mean", "std")
            },
        }
    )
    return plots.sweep_errors(summary, "max_freq", "t", {10: 0.05, 20: 0.5})


def _classical_sweep():
    rows = pd.DataFrame(
        {
            "dataset": ["s0", "s10", "s0", "s10"],
            "model": ["net", "net", "nls", "nls"],
            "estimator": ["network", "network", "classical", "classical"],
            "snr_db": [0, 10, 0, 10],
            "test_rmse_mean": [0.3, 0.1, 0.2, 0.05],
            "test_rmse_std": [0.01, 0.01, np.nan, np.nan],
            "test_crlb_rmse_mean": [0.1, 0.03, 0.1, 0.03],
        }
    )
    return plots.classical_sweep(rows, "snr_db", "t")


def _error_vs_frequency():
    run = [{"frequency": f, "rmse": 0.1 * f} for f in (1, 2, 3)]
    panel = {"nyquist": 2.5, "estimators": {"nls": [run], "net": [run, run]}}
    return plots.error_vs_frequency({"d": panel, "e": panel}, "t")


def _rmse_vs_snr():
    snr = np.array([0.0, 10.0, 20.0])
    rmse = np.array([0.3, 0.1, 0.03])
    # More curves than colours: the repeats must differ by marker.
    curves = [
        {"label": f"e{i}", "kind": kind, "snr": snr, "rmse": rmse, "lo": rmse / 2, "hi": rmse * 2}
        for i, kind in enumerate(["classical", "hybrid", "learned", "thread"] * 3)
    ]
    return plots.rmse_vs_snr({"noise": {"bound": (snr, rmse / 3), "curves": curves}}, "t")


def _failure_rate():
    # Two models at two points, one point shared by two datasets (as answer 1's max_freq 30).
    table = pd.DataFrame(
        {
            "model": ["a", "a", "a", "b", "b", "b"],
            "dataset": ["d10", "d30", "e30"] * 2,
            "max_freq": [10, 30, 30] * 2,
            "n_runs": [10] * 6,
            "n_failed": [0, 3, 10, 1, 1, 1],
            "failure_rate": [0.0, 0.3, 1.0, 0.1, 0.1, 0.1],
            "rate_lo": [0.0, 0.108, 0.722, 0.018, 0.018, 0.018],
            "rate_hi": [0.278, 0.603, 1.0, 0.404, 0.404, 0.404],
            "trend_z": [2.5] * 3 + [0.0] * 3,
            "trend_p": [0.0124] * 3 + [1.0] * 3,
        }
    )
    return plots.failure_rate(table, "max_freq", "t")


FIGURES = {
    "predicted_vs_true": _predicted_vs_true,
    "learning_curves": _learning_curves,
    "sweep_errors": _sweep_errors,
    "classical_sweep": _classical_sweep,
    "error_vs_frequency": _error_vs_frequency,
    "rmse_vs_snr": _rmse_vs_snr,
    "failure_rate": _failure_rate,
}


@pytest.fixture(scope="module")
def figures():
    made = {name: build() for name, build in FIGURES.items()}
    yield made
    for fig in made.values():
        plt.close(fig)


def panels(fig):
    return [ax for ax in fig.axes if ax.get_visible() and ax.axison]


def test_every_figure_function_is_tested():
    # A figure function is one that takes a title; the helpers do not.
    defined = {
        name
        for name, function in inspect.getmembers(plots, inspect.isfunction)
        if function.__module__ == plots.__name__
        and "title" in inspect.signature(function).parameters
        and not name.startswith("_")
    }
    assert defined == set(FIGURES)


@pytest.mark.parametrize("name", FIGURES)
def test_axes_are_labelled_with_units(figures, name):
    for ax in panels(figures[name]):
        xlabel, ylabel = ax.get_xlabel(), ax.get_ylabel()
        assert xlabel and ylabel, (name, ax.get_title())
        for label in (xlabel, ylabel):
            if re.search(r"frequency|RMSE|error", label):
                assert f"({plots.FREQ_UNIT})" in label, label
            if "SNR" in label:
                assert label == "SNR (dB)"
            # every label names its unit, or counts (epochs)
            assert label.endswith(")") or label == "epoch", label


@pytest.mark.parametrize("name", FIGURES)
def test_data_are_drawn_in_the_palette(figures, name):
    allowed = set(plots.PALETTE) | {"#000000"}  # black: the references
    for ax in panels(figures[name]):
        colours = {to_hex(line.get_color()).upper() for line in ax.get_lines()}
        for collection in ax.collections:
            colours |= {to_hex(c).upper() for c in collection.get_facecolor()}
            colours |= {to_hex(c).upper() for c in collection.get_edgecolor()}
        assert colours <= allowed, colours - allowed


def test_seeds_are_told_apart(figures):
    for name in ("predicted_vs_true", "learning_curves"):
        ax = panels(figures[name])[0]
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        for seed in range(3):
            assert any(label.startswith(f"seed {seed}") for label in labels), labels
    scatter = panels(figures["predicted_vs_true"])[0].collections
    assert len({to_hex(c.get_facecolor()[0]) for c in scatter}) == 3


def test_the_palette_is_okabe_ito_without_black():
    assert set(plots.PALETTE) == OKABE_ITO | {"#999999"}
    assert plots.PALETTE[: len(OKABE_ITO)] == tuple(
        ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442"]
    )
    assert plt.rcParams["axes.prop_cycle"].by_key()["color"] == list(plots.PALETTE)
    assert [plots.colour(i) for i in range(len(plots.PALETTE) + 1)] == [
        *plots.PALETTE,
        plots.PALETTE[0],
    ]


def test_series_past_the_palette_differ_by_marker():
    styles = {(s["color"], s.get("marker")) for s in map(plots.series_style, range(40))}
    assert len(styles) == 40


def test_draw_bound_uses_the_bound_style():
    fig, ax = plt.subplots()
    line = plots.draw_bound(ax, [0, 1], [1, 2])
    relabelled = plots.draw_bound(ax, [0, 1], [1, 2], label="exact bound")
    plt.close(fig)
    assert plots.BOUND_STYLE == {
        "color": "black",
        "ls": "-",
        "lw": 2.5,
        "label": "Cramer-Rao bound",
    }
    for drawn in (line, relabelled):
        assert (drawn.get_color(), drawn.get_linestyle(), drawn.get_linewidth()) == (
            "black",
            "-",
            2.5,
        )
    assert (line.get_label(), relabelled.get_label()) == ("Cramer-Rao bound", "exact bound")


def _styled(ax, label_start):
    return [line for line in ax.get_lines() if line.get_label().startswith(label_start)]


@pytest.mark.parametrize("name", ["classical_sweep", "rmse_vs_snr"])
def test_the_bound_is_drawn_alike(figures, name):
    for ax in panels(figures[name]):
        (bound,) = _styled(ax, plots.BOUND_STYLE["label"])
        assert (bound.get_color(), bound.get_linestyle(), bound.get_linewidth()) == (
            "black",
            "-",
            2.5,
        )


@pytest.mark.parametrize("name", ["predicted_vs_true", "error_vs_frequency"])
def test_nyquist_is_drawn_alike(figures, name):
    for ax in panels(figures[name]):
        (nyquist,) = _styled(ax, "Nyquist")
        style = plots.NYQUIST_STYLE
        assert nyquist.get_color() == style["color"]
        assert nyquist.get_linestyle() == style["ls"] and nyquist.get_linewidth() == style["lw"]


def _line_plot():
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [1, 3, 2])
    ax.set(xlabel="x", ylabel="y")
    return fig


def _pdf_streams(pdf: bytes):
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            yield zlib.decompress(stream)
        except zlib.error:
            yield stream


def test_save_writes_a_png_and_a_vector_pdf(tmp_path):
    fig = _line_plot()
    plots.save(fig, tmp_path / "f.png")
    assert not plt.fignum_exists(fig.number)
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = (tmp_path / "f.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"/Subtype /Image" not in pdf
    # the line is a path (moveto, lineto), not pixels
    assert any(re.search(rb"[\d.]+ [\d.]+ m\n[\d.]+ [\d.]+ l\n", s) for s in _pdf_streams(pdf))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.pdf", "f.png"]


@pytest.mark.parametrize("failing", ["png", "pdf"])
def test_a_failed_save_leaves_neither_file(tmp_path, failing):
    fig = _line_plot()
    savefig = fig.savefig

    def broken(fname, *, format, **kwargs):
        savefig(fname, format=format, **kwargs)  # a half-written file, then the failure
        if format == failing:
            raise OSError("disk full")

    fig.savefig = broken
    with pytest.raises(OSError, match="disk full"):
        plots.save(fig, tmp_path / "f.png")
    assert list(tmp_path.iterdir()) == []
    assert not plt.fignum_exists(fig.number)


def test_save_wants_a_png_path(tmp_path):
    with pytest.raises(ValueError, match="png"):
        plots.save(_line_plot(), tmp_path / "f.pdf")


def test_failure_rate_shows_each_point_its_interval_and_the_trend_test(figures):
    (ax,) = panels(figures["failure_rate"])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [
        "a: trend p = 0.012 (Cochran-Armitage z = +2.50)",
        "b: trend p = 1 (Cochran-Armitage z = +0.00)",
    ]
    # Error bars span each point's interval; the six points sit at six places.
    bars = [c for c in ax.collections if c.get_segments()]
    spans = sorted((round(s[0][1], 3), round(s[1][1], 3)) for c in bars for s in c.get_segments())
    assert spans == sorted([(0.0, 0.278), (0.108, 0.603), (0.722, 1.0)] + [(0.018, 0.404)] * 3)
    xs = {round(s[0][0], 6) for c in bars for s in c.get_segments()}
    assert len(xs) == 6
    assert {t.get_text() for t in ax.texts} == {"0/10", "3/10", "10/10", "1/10"}

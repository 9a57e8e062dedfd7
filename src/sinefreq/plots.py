"""Figures of the study, in one publication style.

Each figure function takes tables or arrays and returns a Figure; :func:`save` writes it
as a PNG and, beside it, a vector PDF. The style is set once, here, at import: a
colour-blind-safe palette for data, black for references (the Cramer-Rao bound, perfect
prediction, Nyquist), and axis labels that name their units.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on clusters or in CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import cycler  # noqa: E402

from sinefreq.io import atomic_path  # noqa: E402

# Okabe & Ito's colours, told apart under the common colour-vision deficiencies. Their
# black is left out: black marks references, never data. Grey is the last resort.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#999999",  # grey
)
# Once the colours repeat, a marker tells the series apart (tab10/tab20 are not safe).
OVERFLOW_MARKERS = ("^", "P", "X", "*", "h", "<", ">")

BOUND_STYLE = {"color": "black", "ls": "-", "lw": 2.5, "label": "Cramer-Rao bound"}
NYQUIST_STYLE = {"color": "black", "ls": ":", "lw": 1.2}
PERFECT_STYLE = {"color": "black", "ls": "--", "lw": 0.8, "label": "perfect prediction"}

FREQ_UNIT = "cycles per window"
SNR_LABEL = "SNR (dB)"
# Axis labels of the dataset labels that sweeps run over; any other is shown by name.
SWEEP_LABELS = {"snr_db": SNR_LABEL, "max_freq": f"maximum frequency ({FREQ_UNIT})"}

plt.rcParams.update(
    {
        "axes.prop_cycle": cycler(color=PALETTE),
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 9,
        "figure.dpi": 120,
        "savefig.dpi": 150,
        # TrueType, not Type 3: the PDF's text stays text that journals and editors accept.
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
    }
)


def colour(i: int) -> str:
    """The i-th series' colour; the palette repeats past its end."""
    return PALETTE[i % len(PALETTE)]


def series_style(i: int, **base) -> dict:
    """``base`` plot keywords in the i-th series' colour. Past the palette's end the colour
    repeats, so the marker changes instead (replacing any in ``base``)."""
    style = {**base, "color": colour(i)}
    repeat = i // len(PALETTE)
    if repeat:
        style["marker"] = OVERFLOW_MARKERS[(repeat - 1) % len(OVERFLOW_MARKERS)]
    return style


def draw_bound(ax, x, bound, label: str | None = None):
    """Draw the Cramer-Rao bound as every figure does (:data:`BOUND_STYLE`)."""
    style = BOUND_STYLE if label is None else {**BOUND_STYLE, "label": label}
    (line,) = ax.plot(x, bound, **style)
    return line


def draw_nyquist(ax, nyquist: float):
    """Mark the Nyquist frequency on a frequency axis (:data:`NYQUIST_STYLE`)."""
    return ax.axvline(nyquist, label=f"Nyquist {nyquist:g}", **NYQUIST_STYLE)


def frequency_label(what: str) -> str:
    return f"{what} ({FREQ_UNIT})"


def sweep_label(sweep: str) -> str:
    return SWEEP_LABELS.get(sweep, sweep.replace("_", " "))


def save(fig, path) -> None:
    """Write ``fig`` as a PNG at ``path`` and a vector PDF beside it (suffix .pdf), then
    release it. Both are written to temporary files and renamed only once both are
    complete, so a failed save leaves neither."""
    png = Path(path)
    try:
        if png.suffix != ".png":
            raise ValueError(f"{png}: a figure is saved as .png, with its .pdf beside it")
        with atomic_path(png) as png_tmp, atomic_path(png.with_suffix(".pdf")) as pdf_tmp:
            fig.savefig(png_tmp, format="png", bbox_inches="tight")
            # No creation date, so that the same figure gives the same bytes.
            fig.savefig(pdf_tmp, format="pdf", bbox_inches="tight", metadata={"CreationDate": None})
    finally:
        plt.close(fig)


def grid(n_panels: int, width: float = 4.0, height: float = 3.6):
    """A figure of ``n_panels`` panels, four to a row; returns it and its panels in order."""
    cols = min(n_panels, 4)
    rows = math.ceil(n_panels / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, axes.flat


def _finish(fig, axes, title: str, fontsize: int = 7, loc: str = "best"):
    """Legend on the first panel (every panel draws the same series), title, layout."""
    axes[0].legend(fontsize=fontsize, loc=loc)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _finish_single(fig, ax, xlabel: str, ylabel: str, title: str):
    """Labels, a log error axis, legend and layout of a one-panel error figure."""
    ax.set(xlabel=xlabel, ylabel=ylabel, yscale="log", title=title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# Line style by kind of estimator, on every figure that tells the kinds apart.
KIND_STYLES = {
    "classical": {"ls": "--", "marker": "s", "lw": 1.2},
    "hybrid": {"ls": "-", "marker": "D", "lw": 2.0},
    "learned": {"ls": "-", "marker": "o", "lw": 1.4},
    "thread": {"ls": ":", "marker": "v", "lw": 1.2},
}


def predicted_vs_true(panels: dict[str, list[dict]], title: str):
    """Scatter of predicted against true test frequency, one panel per (dataset, model),
    one colour per seed. Each entry: ``{"seed", "y_true", "y_pred", "nyquist"}``."""
    fig, axes = grid(len(panels))
    for ax, (label, runs) in zip(axes, panels.items(), strict=False):
        lo = min(np.min(r["y_true"]) for r in runs)
        hi = max(np.max(r["y_true"]) for r in runs)
        for i, r in enumerate(runs):
            shown = np.where(np.isfinite(r["y_pred"]), r["y_pred"], np.nan)
            ax.scatter(
                r["y_true"],
                shown,
                s=6,
                alpha=0.6,
                label=f"seed {r['seed']}",
                **series_style(i, marker="o"),
            )
        ax.plot([lo, hi], [lo, hi], **PERFECT_STYLE)
        if runs[0]["nyquist"] <= hi:
            draw_nyquist(ax, runs[0]["nyquist"])
        ax.set(
            title=label,
            xlabel=frequency_label("true frequency"),
            ylabel=frequency_label("predicted frequency"),
        )
    return _finish(fig, axes, title, loc="upper left")


def learning_curves(panels: dict[str, list[dict]], title: str):
    """Training (solid) and held-out (dashed) loss per epoch, one panel per
    (dataset, model), one colour per seed. Each entry: ``{"seed", "history": {"loss":
    [...], "val_loss": [...]}, "loss"}``."""
    fig, axes = grid(len(panels))
    for ax, (label, runs) in zip(axes, panels.items(), strict=False):
        for i, r in enumerate(runs):
            style = series_style(i, lw=1, ms=3, markevery=0.1)
            epochs = np.arange(1, len(r["history"]["loss"]) + 1)
            ax.plot(
                epochs, r["history"]["loss"], ls="-", label=f"seed {r['seed']} training", **style
            )
            if "val_loss" in r["history"]:
                # Validated every few epochs: join the validated epochs, skip the NaNs.
                val_loss = np.asarray(r["history"]["val_loss"], dtype=float)
                validated = np.isfinite(val_loss)
                ax.plot(
                    epochs[validated],
                    val_loss[validated],
                    ls="--",
                    label=f"seed {r['seed']} held-out",
                    **style,
                )
        ax.set(
            title=label,
            xlabel="epoch",
            ylabel=f"loss ({runs[0]['loss']}, on scaled targets)",
            yscale="log",
        )
    return _finish(fig, axes, title, fontsize=6)


def sweep_errors(summary, sweep: str, title: str, thread_points: dict[float, float] | None = None):
    """Mean absolute error (mean and std over seeds) against a swept dataset label.

    ``summary`` has one row per (dataset, model) with a column named ``sweep`` and
    ``{train,test}_mae_{mean,std}``. ``thread_points`` maps label -> the thread's value.
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    models = summary.sort_values(sweep).groupby("model", sort=True)
    for i, (model, rows) in enumerate(models):
        for split, data, base in (
            ("train", "training data", {"marker": "o", "ls": "-"}),
            ("test", "held-out data", {"marker": "s", "ls": "--"}),
        ):
            ax.errorbar(
                rows[sweep],
                rows[f"{split}_mae_mean"],
                yerr=rows[f"{split}_mae_std"].fillna(0),
                capsize=3,
                label=f"{model}: {data}",
                **series_style(i, **base),
            )
    if thread_points:
        xs, ys = zip(*sorted(thread_points.items()), strict=True)
        ax.plot(
            xs,
            ys,
            ms=11,
            label="thread (training data)",
            **series_style(len(models), marker="*", ls="none"),
        )
    return _finish_single(
        fig, ax, sweep_label(sweep), frequency_label("mean absolute error"), title
    )


def classical_sweep(rows, sweep: str, title: str):
    """Test RMSE against a swept dataset label on log axes: each network (mean and std
    over seeds), each classical estimator, and the Cramer-Rao bound (exact, averaged over
    the test set; absent on clean data).

    ``rows`` has one row per (dataset, model) with a column named ``sweep``,
    ``estimator``, ``test_rmse_{mean,std}`` and ``test_crlb_rmse_mean``.
    """
    fig, ax = plt.subplots(figsize=(6.8, 4.8))
    rows = rows.sort_values(sweep)
    for i, (model, group) in enumerate(rows.groupby("model", sort=True)):
        classical = group["estimator"].iloc[0] == "classical"
        ax.errorbar(
            group[sweep],
            group["test_rmse_mean"],
            yerr=None if classical else group["test_rmse_std"].fillna(0),
            capsize=3,
            label=f"{model} ({'classical' if classical else 'network'})",
            **series_style(i, **KIND_STYLES["classical" if classical else "learned"]),
        )
    bound = rows.drop_duplicates("dataset")
    draw_bound(ax, bound[sweep], bound["test_crlb_rmse_mean"])
    return _finish_single(
        fig, ax, sweep_label(sweep), frequency_label("RMSE on held-out series"), title
    )


def error_vs_frequency(panels: dict[str, dict], title: str):
    """Held-out RMSE against true frequency, one panel per dataset, one line per
    estimator, with Nyquist marked. Each panel: ``{"nyquist", "estimators": {name:
    [by_frequency rows of each run]}}``; a network's runs (seeds) are averaged."""
    fig, axes = grid(len(panels), width=4.6)
    for ax, (dataset, panel) in zip(axes, panels.items(), strict=False):
        for i, (name, runs) in enumerate(sorted(panel["estimators"].items())):
            freq = np.array([r["frequency"] for r in runs[0]])
            rmse = np.sqrt(np.mean([[r["rmse"] ** 2 for r in run] for run in runs], axis=0))
            ax.plot(
                freq,
                np.maximum(rmse, 1e-12),
                ms=3,
                label=name,
                **series_style(i, marker="o", ls="-"),
            )
        draw_nyquist(ax, panel["nyquist"])
        ax.set(
            title=dataset,
            xlabel=frequency_label("true frequency"),
            ylabel=frequency_label("RMSE"),
            yscale="log",
        )
    return _finish(fig, axes, title)


def rmse_vs_snr(panels: dict[str, dict], title: str):
    """Held-out RMSE against SNR on log axes, one panel per family of noisy test sets: every
    estimator with its bootstrap interval as a band, and the exact Cramer-Rao bound.

    Each panel: ``{"bound": (snr, rmse), "curves": [{"label", "kind", "snr", "rmse", "lo",
    "hi"}]}`` (see :func:`sinefreq.leaderboard.curves`).
    """
    if not panels:
        fig, ax = plt.subplots(figsize=(6.4, 2.0))
        ax.axis("off")
        ax.text(0.5, 0.5, "no noisy test sets in this study", ha="center", va="center")
        fig.suptitle(title)
        return fig
    fig, axes = grid(len(panels), width=7.5, height=5.4)
    for ax, (panel, content) in zip(axes, panels.items(), strict=False):
        for i, curve in enumerate(content["curves"]):
            style = series_style(i, ms=4, **KIND_STYLES.get(curve["kind"], {}))
            ax.plot(
                curve["snr"], curve["rmse"], label=f"{curve['label']} ({curve['kind']})", **style
            )
            ax.fill_between(
                curve["snr"], curve["lo"], curve["hi"], color=style["color"], alpha=0.2, lw=0
            )
        draw_bound(ax, *content["bound"])
        ax.set(
            title=panel,
            xlabel=SNR_LABEL,
            ylabel=frequency_label("RMSE on held-out series"),
            yscale="log",
        )
    return _finish(fig, axes, title, fontsize=6)


def failure_rate(table, label: str, title: str):
    """Failed runs' share against a swept dataset label, one series per model: each point's
    rate with its 95 % interval (bars) and k/n beside it, and each model's trend test in the
    legend. ``table`` is :func:`sinefreq.trend.failure_trend`'s: per (model, dataset) a
    column named ``label``, ``n_runs``, ``n_failed``, ``failure_rate``, ``rate_lo``,
    ``rate_hi``, ``trend_z`` and ``trend_p``. Points at one label value (several datasets,
    or several models) are spread a little sideways so that none hides another."""
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    models = list(dict.fromkeys(table["model"]))
    values = np.sort(table[label].unique())
    step = 0.012 * (values[-1] - values[0] if len(values) > 1 else 1.0)
    # Every point at a label value gets its own slot: models side by side, then datasets.
    slot = table.groupby(label).cumcount()
    width = table.groupby(label)[label].transform("size")
    x = table[label] + step * (slot - (width - 1) / 2)
    for i, model in enumerate(models):
        rows = table["model"] == model
        mine = table[rows]
        z, p = mine["trend_z"].iloc[0], mine["trend_p"].iloc[0]
        test = (
            f"trend p = {p:.2g} (Cochran-Armitage z = {z:+.2f})"
            if np.isfinite(p)
            else "no trend to test (one point)"
        )
        ax.errorbar(
            x[rows],
            mine["failure_rate"],
            yerr=[mine["failure_rate"] - mine["rate_lo"], mine["rate_hi"] - mine["failure_rate"]],
            capsize=3,
            label=f"{model}: {test}",
            **series_style(i, marker="o", ls="-"),
        )
        for xi, r in zip(x[rows], mine.itertuples(), strict=True):
            ax.annotate(f"{r.n_failed}/{r.n_runs}", (xi, r.failure_rate), xytext=(4, 4),
                        textcoords="offset points", fontsize=6, color=colour(i))  # fmt: skip
    ax.set(
        xlabel=sweep_label(label),
        ylabel="failure rate (failed runs / runs)",
        ylim=(-0.05, 1.1),
        title=title,
    )
    ax.legend(fontsize=7, loc="best", title="95 % Wilson intervals", title_fontsize=7)
    fig.tight_layout()
    return fig

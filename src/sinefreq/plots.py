"""Figures of the study. Each function takes tables or arrays and returns a Figure."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")  # files only; no display on clusters or in CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sinefreq.io import atomic_path  # noqa: E402

FREQ_UNIT = "cycles per window"
plt.rcParams.update({"figure.dpi": 120, "savefig.dpi": 150, "axes.grid": True, "grid.alpha": 0.3})


def save(fig, path) -> None:
    """Write ``fig`` to ``path`` atomically and release it."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=str(path).rsplit(".", 1)[-1], bbox_inches="tight")
    plt.close(fig)


def _grid(n_panels: int, width: float = 4.0, height: float = 3.6):
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


def predicted_vs_true(panels: dict[str, list[dict]], title: str):
    """Scatter of predicted against true test frequency, one panel per (dataset, model),
    one colour per seed. Each entry: ``{"seed", "y_true", "y_pred", "nyquist"}``."""
    fig, axes = _grid(len(panels))
    for ax, (label, runs) in zip(axes, panels.items(), strict=False):
        lo = min(np.min(r["y_true"]) for r in runs)
        hi = max(np.max(r["y_true"]) for r in runs)
        for r in runs:
            shown = np.where(np.isfinite(r["y_pred"]), r["y_pred"], np.nan)
            ax.scatter(r["y_true"], shown, s=6, alpha=0.6, label=f"seed {r['seed']}")
        ax.plot([lo, hi], [lo, hi], "k--", lw=0.8, label="perfect")
        nyq = runs[0]["nyquist"]
        if nyq <= hi:
            ax.axvline(nyq, color="tab:red", lw=0.8, ls=":", label=f"Nyquist {nyq:g}")
        ax.set(
            title=label, xlabel=f"true frequency ({FREQ_UNIT})", ylabel=f"predicted ({FREQ_UNIT})"
        )
        ax.title.set_fontsize(9)
    return _finish(fig, axes, title, loc="upper left")


def learning_curves(panels: dict[str, list[dict]], title: str):
    """Training (solid) and held-out (dashed) loss per epoch, one panel per
    (dataset, model). Each entry: ``{"seed", "history": {"loss": [...], "val_loss": [...]}, "loss"}``."""
    fig, axes = _grid(len(panels))
    for ax, (label, runs) in zip(axes, panels.items(), strict=False):
        for i, r in enumerate(runs):
            colour = f"C{i}"
            epochs = np.arange(1, len(r["history"]["loss"]) + 1)
            ax.plot(
                epochs, r["history"]["loss"], color=colour, lw=1, label=f"seed {r['seed']} train"
            )
            if "val_loss" in r["history"]:
                # Validated every few epochs: join the validated epochs, skip the NaNs.
                val_loss = np.asarray(r["history"]["val_loss"], dtype=float)
                validated = np.isfinite(val_loss)
                ax.plot(
                    epochs[validated],
                    val_loss[validated],
                    color=colour,
                    lw=1,
                    ls="--",
                    label=f"seed {r['seed']} held-out",
                )
        ax.set(
            title=label,
            xlabel="epoch",
            ylabel=f"loss ({runs[0]['loss']}, scaled targets)",
            yscale="log",
        )
        ax.title.set_fontsize(9)
    return _finish(fig, axes, title, fontsize=6)


def sweep_errors(summary, sweep: str, title: str, thread_points: dict[float, float] | None = None):
    """Mean absolute error (mean and std over seeds) against a swept dataset label.

    ``summary`` has one row per (dataset, model) with a column named ``sweep`` and
    ``{train,test}_mae_{mean,std}``. ``thread_points`` maps label -> the thread's value.
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for i, (model, rows) in enumerate(summary.sort_values(sweep).groupby("model", sort=True)):
        for split, style in (("train", "o-"), ("test", "s--")):
            ax.errorbar(
                rows[sweep],
                rows[f"{split}_mae_mean"],
                yerr=rows[f"{split}_mae_std"].fillna(0),
                fmt=style,
                color=f"C{i}",
                capsize=3,
                label=f"{model}: {'training' if split == 'train' else 'held-out'} data",
            )
    if thread_points:
        xs, ys = zip(*sorted(thread_points.items()), strict=True)
        ax.plot(xs, ys, "k*", ms=11, label="thread (training data)")
    return _finish_single(
        fig, ax, sweep.replace("_", " "), f"mean absolute error ({FREQ_UNIT})", title
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
            fmt="s--" if classical else "o-",
            color=f"C{i}",
            capsize=3,
            label=f"{model} ({'classical' if classical else 'network'})",
        )
    bound = rows.drop_duplicates("dataset")
    ax.plot(bound[sweep], bound["test_crlb_rmse_mean"], "k-", lw=2, label="Cramer-Rao bound")
    xlabel = "SNR (dB)" if sweep == "snr_db" else sweep.replace("_", " ")
    return _finish_single(fig, ax, xlabel, f"RMSE on held-out series ({FREQ_UNIT})", title)


def error_vs_frequency(panels: dict[str, dict], title: str):
    """Held-out RMSE against true frequency, one panel per dataset, one line per
    estimator, with Nyquist marked. Each panel: ``{"nyquist", "estimators": {name:
    [by_frequency rows of each run]}}``; a network's runs (seeds) are averaged."""
    fig, axes = _grid(len(panels), width=4.6)
    for ax, (dataset, panel) in zip(axes, panels.items(), strict=False):
        for i, (name, runs) in enumerate(sorted(panel["estimators"].items())):
            freq = np.array([r["frequency"] for r in runs[0]])
            rmse = np.sqrt(np.mean([[r["rmse"] ** 2 for r in run] for run in runs], axis=0))
            ax.plot(freq, np.maximum(rmse, 1e-12), "o-", ms=3, color=f"C{i}", label=name)
        ax.axvline(panel["nyquist"], color="tab:red", ls=":", label=f"Nyquist {panel['nyquist']:g}")
        ax.set(
            title=dataset,
            xlabel=f"true frequency ({FREQ_UNIT})",
            ylabel=f"RMSE ({FREQ_UNIT})",
            yscale="log",
        )
        ax.title.set_fontsize(9)
    return _finish(fig, axes, title)


# Line style by kind of estimator on the leaderboard figure.
KIND_STYLES = {
    "classical": {"ls": "--", "marker": "s", "lw": 1.2},
    "hybrid": {"ls": "-", "marker": "D", "lw": 2.0},
    "learned": {"ls": "-", "marker": "o", "lw": 1.4},
    "thread": {"ls": ":", "marker": "v", "lw": 1.2},
}


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
    fig, axes = _grid(len(panels), width=7.5, height=5.4)
    for ax, (panel, content) in zip(axes, panels.items(), strict=False):
        # Ten distinct colours while they last; beyond, twenty paler pairs.
        palette = plt.cm.tab10 if len(content["curves"]) <= 10 else plt.cm.tab20
        for i, curve in enumerate(content["curves"]):
            colour = palette(i % palette.N)
            ax.plot(
                curve["snr"],
                curve["rmse"],
                color=colour,
                ms=4,
                label=f"{curve['label']} ({curve['kind']})",
                **KIND_STYLES.get(curve["kind"], {}),
            )
            ax.fill_between(curve["snr"], curve["lo"], curve["hi"], color=colour, alpha=0.2, lw=0)
        snr, bound = content["bound"]
        ax.plot(snr, bound, "k-", lw=2.5, label="Cramer-Rao bound (exact)")
        ax.set(
            title=panel,
            xlabel="SNR (dB)",
            ylabel=f"RMSE on held-out series ({FREQ_UNIT})",
            yscale="log",
        )
    return _finish(fig, axes, title, fontsize=6)

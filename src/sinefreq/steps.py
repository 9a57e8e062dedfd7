"""One function per workflow step: paths and parameters in, files out.

The scripts in ``scripts/`` only unpack Snakemake's ``snakemake`` object and call
these, so every step can also be run and tested without Snakemake.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import numpy as np

# Only what (nearly) every step needs is imported here; the rest inside the steps, so
# that each rule's code fingerprint (sinefreq.fingerprint) covers the modules its step
# runs and no others.
from sinefreq import __version__, io


@contextlib.contextmanager
def logged(path: str | os.PathLike) -> Iterator[None]:
    """Send stdout and stderr, including C-level output such as TensorFlow's, to ``path``,
    and end the log with the traceback if the step fails."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "w") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        except BaseException:
            traceback.print_exc()
            raise
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def make_dataset(name: str, spec: dict, out_path) -> None:
    """Generate a dataset from its config ``spec`` and write it to ``out_path``."""
    from sinefreq import signals

    splits = signals.make_dataset(spec)
    attrs = {
        "name": name,
        "spec": spec,
        "n_samples": spec["n_samples"],
        "nyquist": signals.nyquist(spec["n_samples"]),
        "seed": spec["seed"],
        "snr_db": spec.get("snr_db"),
        "frequency_unit": "cycles per window",
    }
    io.write_dataset(out_path, splits, attrs)
    for split, arrays in splits.items():
        y = arrays["y"]
        print(
            f"{name}/{split}: {len(y)} series of {spec['n_samples']} samples, f in [{y.min():g}, {y.max():g}]"
        )


def train(dataset_path, settings: dict, seed: int, threads: int, out: dict) -> None:
    """Train one (dataset, model, seed) run. ``out`` holds the paths ``model``,
    ``history`` (CSV, one row per epoch) and ``status`` (JSON: diverged, epochs)."""
    from sinefreq import models, training

    training.configure_runtime(threads, seed)
    import pandas as pd

    splits, attrs = io.read_dataset(dataset_path)
    model = models.build_model(
        settings["architecture"], attrs["n_samples"], **settings["hyperparameters"]
    )
    model.summary()
    model, history, diverged = training.fit(model, splits["train"], splits["test"], settings)
    epochs = len(history.get("loss", []))
    if diverged:
        print(
            f"DIVERGED: loss became non-finite at epoch {epochs}; the run is recorded as diverged"
        )
    with io.atomic_path(out["model"]) as tmp:
        model.save(tmp)
    history_table = pd.DataFrame(history)
    history_table.insert(0, "epoch", np.arange(1, epochs + 1))
    io.write_table(out["history"], history_table)
    io.write_json(
        out["status"],
        {
            "diverged": diverged,
            "epochs_trained": epochs,
            "final_loss": history["loss"][-1] if epochs else None,
            "parameters": model.count_params(),
            "seed": seed,
            "settings": settings,
            "sinefreq_version": __version__,
        },
    )


def evaluate(dataset_path, model_path, status_path, run: dict, out: dict) -> None:
    """Predict both splits with a trained model; write ``metrics`` (JSON) and
    ``predictions`` (HDF5)."""
    import keras

    from sinefreq import training

    splits, attrs = io.read_dataset(dataset_path)
    status = io.read_json(status_path)
    model = keras.saving.load_model(model_path, safe_mode=True)
    predictions = predict_splits(splits, lambda x: training.predict(model, x))
    run = {
        **run,
        "estimator": "network",
        "diverged": status["diverged"],
        "epochs_trained": status["epochs_trained"],
    }
    write_evaluation(predictions, run, attrs, out)


def classical_estimate(dataset_path, method: str, options: dict, out: dict) -> None:
    """Run a classical estimator on both splits; same outputs as a network's evaluation."""
    from sinefreq import classical

    splits, attrs = io.read_dataset(dataset_path)
    predictions = predict_splits(splits, lambda x: classical.estimate(method, x, **options))
    run = {
        "dataset": attrs["name"],
        "model": method,
        "seed": 0,
        "estimator": "classical",
        "diverged": False,
        "epochs_trained": None,
    }
    write_evaluation(predictions, run, attrs, out)


def bound(dataset_path, out_path) -> None:
    """Cramer-Rao bounds on the RMSE of each split of a dataset (null for clean data)."""
    from sinefreq import crlb

    splits, attrs = io.read_dataset(dataset_path)
    result = {
        "dataset": attrs["name"],
        "snr_db": attrs["snr_db"],
        "n_samples": attrs["n_samples"],
        "splits": {
            s: crlb.split_bound(splits[s], attrs["n_samples"], attrs["snr_db"]) for s in io.SPLITS
        },
    }
    io.write_json(out_path, result)
    print(result)


def predict_splits(splits: dict, estimate) -> dict:
    """``{split: {"y_true", "y_pred"}}`` from an estimator mapping series to frequencies."""
    return {s: {"y_true": splits[s]["y"], "y_pred": estimate(splits[s]["x"])} for s in io.SPLITS}


def write_evaluation(predictions: dict, run: dict, dataset_attrs: dict, out: dict) -> None:
    """Metrics and predictions files of any estimator, network or classical."""
    from sinefreq import metrics

    result = {
        **run,
        "nyquist": dataset_attrs["nyquist"],
        **metrics.evaluate_predictions(predictions),
    }
    io.write_predictions(
        out["predictions"], predictions, {**run, "frequency_unit": "cycles per window"}
    )
    io.write_json(out["metrics"], result)
    for split, m in result["splits"].items():
        print(
            f"{split}: MAE {m['mae']:.4g}  RMSE {m['rmse']:.4g}  max {m['max_abs_error']:.4g}  collapsed {m['collapsed']}"
        )


def aggregate(
    metrics_paths: list, bound_paths: list, experiments: dict, labels: dict, out: dict
) -> None:
    """Write the runs table, the per-setup summary and the thread comparison.
    ``experiments`` is the config's section; ``labels`` maps dataset -> its labels."""
    from sinefreq import aggregate as agg

    bounds = {b["dataset"]: b for b in map(io.read_json, bound_paths)}
    runs = agg.runs_table(experiments, [io.read_json(p) for p in metrics_paths], bounds)
    summary = agg.summary_table(runs)
    thread = agg.thread_table(experiments, labels, summary)
    io.write_table(out["runs"], runs)
    io.write_table(out["summary"], summary)
    io.write_table(out["thread_csv"], thread)
    with io.atomic_path(out["thread_md"]) as tmp:
        tmp.write_text(agg.thread_markdown(thread))
    print(agg.thread_markdown(thread))


def experiment_figures(
    experiment: str,
    prediction_paths: list,
    history_paths: list,
    nyquist: dict,
    loss: dict,
    out: dict,
) -> None:
    """Predicted-vs-true and learning-curve figures of one experiment. Each predictions
    file names its run (dataset, model, seed); its history is the one in the same run
    directory. ``nyquist`` maps dataset -> Nyquist frequency, ``loss`` model -> loss."""
    import pandas as pd

    from sinefreq import plots

    history_in = {Path(path).parent: path for path in history_paths}
    scatter, curves = {}, {}
    for path in prediction_paths:
        predictions, run = io.read_predictions(path)
        panel = f"{run['dataset']} / {run['model']}"
        scatter.setdefault(panel, []).append(
            {"seed": run["seed"], "nyquist": nyquist[run["dataset"]], **predictions["test"]}
        )
        history = pd.read_csv(history_in[Path(path).parent]).to_dict("list")
        curves.setdefault(panel, []).append(
            {"seed": run["seed"], "history": history, "loss": loss[run["model"]]}
        )
    plots.save(
        plots.predicted_vs_true(scatter, f"{experiment}: held-out predictions"),
        out["predicted_vs_true"],
    )
    plots.save(
        plots.learning_curves(curves, f"{experiment}: learning curves"), out["learning_curves"]
    )


def sweep_figure(
    experiment: str,
    summary_path,
    sweep: str,
    labels: dict,
    models: list,
    classical: bool,
    thread_points: dict | None,
    out_path,
) -> None:
    """Error against a swept dataset label: ``labels`` maps each of the experiment's
    datasets to its value; the ``models``' rows, with ``classical`` the classical
    estimators' and the bound, else the thread's points (label -> value) if any."""
    import pandas as pd

    from sinefreq import plots

    summary = pd.read_csv(summary_path)
    estimators = summary["model"].isin(models)
    if classical:
        estimators |= summary["estimator"] == "classical"
    rows = summary[summary["dataset"].isin(labels) & estimators].copy()
    rows[sweep] = rows["dataset"].map(labels)
    title = f"{experiment}: error against {sweep}"
    if classical:
        fig = plots.classical_sweep(rows, sweep, title)
    else:
        fig = plots.sweep_errors(rows, sweep, title, thread_points)
    plots.save(fig, out_path)


def frequency_figure(experiment: str, metrics_paths: list, nyquist: dict, out_path) -> None:
    """Held-out RMSE against true frequency, one panel per dataset of ``nyquist`` (dataset
    -> Nyquist frequency), for the runs and classical estimators in ``metrics_paths``."""
    from sinefreq import plots

    panels = {d: {"nyquist": limit, "estimators": {}} for d, limit in nyquist.items()}
    for run in map(io.read_json, metrics_paths):
        estimators = panels[run["dataset"]]["estimators"]
        estimators.setdefault(run["model"], []).append(run["by_frequency"])
    plots.save(
        plots.error_vs_frequency(panels, f"{experiment}: error against true frequency"), out_path
    )

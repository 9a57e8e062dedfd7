"""One function per workflow step: paths and parameters in, files out.

The scripts in ``scripts/`` only unpack Snakemake's ``snakemake`` object and call
these, so every step can also be run and tested without Snakemake.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import sys
import threading
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
    and end the log with the traceback if the step fails.

    SIGTERM (how Snakemake and SLURM cancel a job) ends the step with ``SystemExit(143)``,
    so that ``finally`` blocks run and no temporary file is left (see
    :func:`sinefreq.io.atomic_path`); only in the main thread, where handlers can be set."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm) if main else None
    with open(path, "w") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        except BaseException:
            traceback.print_exc()
            raise
        finally:
            if main:
                signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)  # the shell's exit status for a job ended by SIGTERM


def make_dataset(name: str, spec: dict, out_path) -> None:
    """Generate a dataset from its config ``spec`` and write it to ``out_path``."""
    from sinefreq import datasets, signals

    splits = datasets.make_dataset(spec)
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


def make_datasets(specs: dict, out_paths: list) -> None:
    """Rule dataset_<family>: :func:`make_dataset` for each ``name: spec`` of a family, to
    the path at its place in ``out_paths``."""
    for (name, spec), out_path in zip(specs.items(), out_paths, strict=True):
        make_dataset(name, spec, out_path)


def train(
    dataset_path,
    settings: dict,
    seed: int,
    threads: int,
    out: dict,
    backend: str | None = None,
    base: dict | None = None,
) -> None:
    """Train one (dataset, model, seed) run in its regime, as its ``settings`` (a model's
    config, :func:`sinefreq.config.training_settings`) say. ``out`` holds the
    paths ``model``, ``history`` (CSV, one row per epoch), ``status`` (JSON: diverged,
    epochs, wall time, numerics) and ``validation`` (HDF5: the series it validated on).

    A model with ``weights_from`` is not trained: it takes the trained network of the run
    whose files ``base`` holds (the same four keys; :func:`_take_weights`)."""
    import time

    from sinefreq import any_length, contract, models, training
    from sinefreq import settings as model_settings

    training.configure_runtime(threads, seed, backend)
    import pandas as pd

    splits, attrs = io.read_dataset(dataset_path)
    n_samples = attrs["n_samples"]
    typed = model_settings.of(settings)
    model = models.build_model(typed.architecture, n_samples, **typed.hyperparameters)
    model.summary()
    if getattr(typed, "weights_from", None):
        _take_weights(model, settings, seed, base, out)
        return
    start = time.monotonic()
    if isinstance(typed, model_settings.EstimatorModel):
        from sinefreq import regime  # imports Keras: after configure_runtime

        try:
            model, history, diverged, validation = _fit_estimator(model, n_samples, typed, seed)
        except regime.TimeLimitExceeded as err:
            name = Path(out["model"]).parent.parent.name  # results/runs/{dataset}/{model}/...
            raise regime.TimeLimitExceeded(f"models.{name}.max_minutes: {err}") from None
    else:
        model, history, diverged = training.fit(model, splits["train"], splits["test"], typed)
        # The thread's regime validates (draws its learning curves) on the test split.
        validation = {"x": splits["test"]["x"], "y": splits["test"]["y"]}
    train_minutes = (time.monotonic() - start) / 60.0
    epochs = len(history.get("loss", []))
    if diverged:
        print(
            f"DIVERGED: loss became non-finite at epoch {epochs}; the run is recorded as diverged"
        )
    if isinstance(typed, model_settings.EstimatorModel) and typed.lengths:
        served = any_length.contract(typed.generator, typed.lengths)
    elif isinstance(typed, model_settings.EstimatorModel):
        served = contract.of_generator(n_samples, typed.generator)
    else:
        served = contract.of_dataset(attrs["spec"], splits["train"]["y"])
    with io.atomic_path(out["model"]) as tmp:
        training.save_model(model, tmp)
        contract.write(tmp, served)
    history_table = pd.DataFrame(history)
    history_table.insert(0, "epoch", np.arange(1, epochs + 1))
    io.write_table(out["history"], history_table)
    about = {"regime": typed.regime, "n_samples": n_samples, "seed": seed, "settings": settings}
    if getattr(typed, "lengths", None):  # an any-length network's: a group per length
        io.write_groups(out["validation"], validation, about)
    else:
        io.write_arrays(out["validation"], validation, about)
    io.write_json(
        out["status"],
        {
            "diverged": diverged,
            "epochs_trained": epochs,
            "final_loss": history["loss"][-1] if epochs else None,
            "parameters": model.count_params(),
            "seed": seed,
            "settings": settings,
            "train_minutes": train_minutes,
            "numerics": training.numerics(),
            "sinefreq_version": __version__,
        },
    )


def _take_weights(model, settings: dict, seed: int, base: dict | None, out: dict) -> None:
    """Rule train for a model with ``weights_from``: copy the trained network of the base
    run (``base``: its ``model``, ``history``, ``status`` and ``validation`` paths) into
    ``model`` (:func:`copy_network`) and save it as a trained run: its ``.keras`` file with
    the base model's contract, the base run's history and validation series, and a
    training record with the base's epochs, ``weights_from`` (the model and the run folder
    the weights came from) and the minutes the copy took. Writes nothing if the weights do
    not fit."""
    import shutil
    import time

    import keras

    from sinefreq import contract, models, training

    if not base:
        raise ValueError(
            f"weights_from: {settings['weights_from']} needs the files of that model's run "
            "on the same dataset and seed (base); none were given"
        )
    start = time.monotonic()
    models.register_custom_objects()  # the custom layers, for safe-mode loading
    trained = keras.saving.load_model(base["model"], safe_mode=True, compile=False)
    copy_network(trained, model)
    served = contract.read(base["model"])
    if served is None:
        raise ValueError(f"{base['model']}: holds no contract (what it serves); train it again")
    record = io.read_json(base["status"])
    with io.atomic_path(out["model"]) as tmp:
        training.save_model(model, tmp)
        contract.write(tmp, served)
    for name in ("history", "validation"):
        with io.atomic_path(out[name]) as tmp:
            shutil.copyfile(base[name], tmp)
    run = Path(base["model"]).parent.as_posix()
    print(f"weights_from: {settings['weights_from']}'s run {run}; not trained")
    io.write_json(
        out["status"],
        {
            **{k: record[k] for k in ("diverged", "epochs_trained", "final_loss")},
            "parameters": model.count_params(),
            "seed": seed,
            "settings": settings,
            "train_minutes": (time.monotonic() - start) / 60.0,
            "numerics": training.numerics(),
            "sinefreq_version": __version__,
            "weights_from": {"model": settings["weights_from"], "run": run},
        },
    )


def copy_network(trained, model) -> None:
    """Set the weights of ``model``'s network to ``trained``'s: each network being the
    model less any Gauss-Newton steps that pass its estimate through in training
    (:func:`sinefreq.estimators.coarse_network`), matched by place
    (:func:`_weight_places`). Every weight of ``trained``'s network must find a place of
    its shape, and every trainable weight of ``model`` be filled; otherwise ValueError
    naming them, before any weight is set."""
    from sinefreq import estimators

    source = _weight_places(estimators.coarse_network(trained))
    target = _weight_places(estimators.coarse_network(model))
    homeless = [
        f"{place} {tuple(weight.shape)}"
        for place, weight in source.items()
        if place not in target or tuple(target[place].shape) != tuple(weight.shape)
    ]
    filled = {id(target[place]) for place in source if place in target}
    unfilled = [w.path for w in model.trainable_weights if id(w) not in filled]
    problems = []
    if homeless:
        problems.append(
            "weights of the trained network with no place of that shape in this model: "
            + ", ".join(homeless)
        )
    if unfilled:
        problems.append("trainable weights of this model it has none for: " + ", ".join(unfilled))
    if problems:
        raise ValueError(
            "cannot take the trained network's weights (weights_from needs the same "
            "architecture and the same hyper-parameters but for layers without weights): "
            + "; ".join(problems)
        )
    for place, weight in source.items():
        target[place].assign(weight.numpy())


def _weight_places(network) -> dict:
    """The weights of ``network``'s layers by place, ``layer/index:name``: the layer by
    its name, or, where Keras named it after its class (``dense``, ``dense_3``: the count
    depends on what the process built before), by its class and its rank among those
    layers in the network's order (``dense#0``)."""
    import re

    places, ranks = {}, {}
    for layer in network.layers:
        if not layer.weights:
            continue
        own = _snake_case(type(layer).__name__)
        name = layer.name
        if re.fullmatch(rf"{re.escape(own)}(_\d+)?", name):
            ranks[own] = ranks.get(own, -1) + 1
            name = f"{own}#{ranks[own]}"
        for index, weight in enumerate(layer.weights):
            places[f"{name}/{index}:{weight.name}"] = weight
    return places


def _snake_case(name: str) -> str:
    """A class name as Keras names its layers by default (``GaussNewtonRefine`` ->
    ``gauss_newton_refine``)."""
    import re

    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _fit_estimator(model, n_samples: int, settings, seed: int):
    """The estimator regime (``settings``: a :class:`sinefreq.settings.EstimatorModel`):
    fresh series every epoch from ``settings.generator``, at ``n_samples`` or, with
    ``settings.lengths``, at lengths across them (:func:`sinefreq.any_length.fit`);
    validated on a fixed set (returned, to be saved beside the model)."""
    import math

    from sinefreq import any_length, generator, regime

    if settings.lengths:
        history, validation = any_length.fit(model, settings, seed=seed)
    else:
        spec, size = settings.generator, settings.val_size
        validation = generator.validation_set(n_samples, spec, size, seed)
        model, history = regime.fit(model, n_samples, settings, seed=seed, validation=validation)
    diverged = not all(math.isfinite(v) for v in history.get("loss", []))
    return model, history, diverged, validation


# Inference throughput is reported per core: evaluation runs on one thread whatever the
# machine, so that series_per_s compares across estimators and jobs.
EVALUATION_THREADS = 1


def evaluate(
    evaluations: list[dict],
    metrics_paths: list,
    predictions_paths: list,
    backend: str | None = None,
) -> None:
    """Predict both splits of a dataset with a trained run, for each of ``evaluations``
    (``run``: its dataset, model and seed; ``model`` and ``status``: its ``.keras`` file
    and ``training.json``; ``dataset``: the dataset evaluated on), each model and dataset
    loaded once; write each evaluation's metrics (JSON, with the one-thread inference rate
    ``series_per_s``) and predictions (HDF5) to the paths at its place in ``metrics_paths``
    and ``predictions_paths``."""
    import functools

    from sinefreq import training

    training.configure_runtime(EVALUATION_THREADS, 0, backend)
    import keras

    from sinefreq import models

    models.register_custom_objects()  # custom layers and activations, for safe-mode loading

    @functools.cache
    def trained(model_path):
        # Inference only: the training loss (possibly a custom one) is not needed.
        return keras.saving.load_model(model_path, safe_mode=True, compile=False)

    read_dataset = functools.cache(io.read_dataset)
    for evaluation, metrics_path, predictions_path in zip(
        evaluations, metrics_paths, predictions_paths, strict=True
    ):
        model, status = trained(evaluation["model"]), io.read_json(evaluation["status"])
        splits, attrs = read_dataset(evaluation["dataset"])
        estimate = functools.partial(training.predict, model)
        predictions = predict_splits(splits, lambda split, estimate=estimate: estimate)
        record = {
            **evaluation["run"],
            "test_dataset": attrs["name"],
            "estimator": "network",
            "diverged": status["diverged"],
            "epochs_trained": status["epochs_trained"],
            "train_minutes": status.get("train_minutes"),
            "series_per_s": series_per_second(estimate, splits["test"]["x"]),
        }
        out = {"metrics": metrics_path, "predictions": predictions_path}
        write_evaluation(predictions, record, attrs, out)


def series_per_second(estimate, x: np.ndarray, repeats: int = 2) -> float:
    """Series per second ``estimate`` processes on ``x``: the best of ``repeats`` timed
    passes, after the one that produced the predictions (graph tracing, caches)."""
    import time

    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        estimate(x)
        best = min(best, time.perf_counter() - start)
    return len(x) / best if best > 0 else math.inf


def classical_estimate(dataset_path, method: str, options: dict, out: dict) -> None:
    """Run a classical estimator on both splits; same outputs as a network's evaluation.

    Each split's estimator gets the data's noise model and the range its frequencies were
    drawn from (:func:`sinefreq.classical.data_options`), unless ``options`` set them."""
    from sinefreq import classical

    splits, attrs = io.read_dataset(dataset_path)

    def estimator(split: str):
        band = classical.data_band(attrs["spec"], split)
        given = classical.data_options(method, options, dataset_noise(attrs), band)
        return lambda x: classical.estimate(method, x, **given)

    predictions = predict_splits(splits, estimator)
    run = {
        "dataset": attrs["name"],
        "model": method,
        "seed": 0,
        "test_dataset": attrs["name"],
        "estimator": "classical",
        "diverged": False,
        "epochs_trained": None,
        "train_minutes": None,
        # One thread: the rule declares threads: 1, which Snakemake passes to BLAS.
        "series_per_s": series_per_second(estimator("test"), splits["test"]["x"]),
    }
    write_evaluation(predictions, run, attrs, out)


def classical_estimates(
    dataset_paths: list, methods: dict, metrics_paths: list, predictions_paths: list
) -> None:
    """Rule classical_<family>: :func:`classical_estimate` of each method (``methods``:
    method -> options) on each dataset of a family, writing its metrics and predictions
    to the paths at its place (method by method, datasets within) in ``metrics_paths``
    and ``predictions_paths``."""
    jobs = [(m, options, d) for m, options in methods.items() for d in dataset_paths]
    for (method, options, dataset_path), metrics_path, predictions_path in zip(
        jobs, metrics_paths, predictions_paths, strict=True
    ):
        print(f"{method} on {dataset_path}:")
        out = {"metrics": metrics_path, "predictions": predictions_path}
        classical_estimate(dataset_path, method, options, out)


def dataset_noise(attrs: dict) -> dict | None:
    """The noise model entry a dataset was drawn with (None: white, as before noise models)."""
    return attrs["spec"].get("noise")


def bound(dataset_path, out_path) -> None:
    """Cramer-Rao bounds on the RMSE of each split of a dataset (null for clean data),
    under the noise it was drawn with."""
    from sinefreq import crlb

    splits, attrs = io.read_dataset(dataset_path)
    noise = dataset_noise(attrs)
    result = {
        "dataset": attrs["name"],
        "snr_db": attrs["snr_db"],
        "n_samples": attrs["n_samples"],
        "splits": {
            s: crlb.split_bound(splits[s], attrs["n_samples"], attrs["snr_db"], noise)
            for s in io.SPLITS
        },
    }
    io.write_json(out_path, result)
    print(result)


def bounds(dataset_paths: list, out_paths: list) -> None:
    """Rule bound_<family>: :func:`bound` of each dataset of a family, to the path at its
    place in ``out_paths``."""
    for dataset_path, out_path in zip(dataset_paths, out_paths, strict=True):
        bound(dataset_path, out_path)


def predict_splits(splits: dict, estimator_of) -> dict:
    """``{split: {"y_true", "y_pred"}}``; ``estimator_of(split)`` maps that split's series to
    frequencies (a classical estimator's options may depend on the split)."""
    return {
        s: {"y_true": splits[s]["y"], "y_pred": estimator_of(s)(splits[s]["x"])} for s in io.SPLITS
    }


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


def leaderboard(
    metrics_paths: list,
    predictions_paths: list,
    bound_paths: list,
    tests: dict,
    kinds: dict,
    out: dict,
) -> None:
    """Rank every estimator on the leaderboard's datasets: each evaluation (networks, own
    or cross evaluation, and classical estimators) is a metrics file and the predictions
    file at the same place in ``predictions_paths``; ``tests`` maps test dataset -> ``{"snr_db", "family"}`` (the SNR, None
    when clean, and the dataset it is a level of); ``kinds``
    maps model -> its kind. Writes ``table`` (CSV) and ``figure`` (RMSE against SNR)."""
    from sinefreq import leaderboard as board
    from sinefreq import plots

    bounds = test_bounds(bound_paths)
    offset_bounds = test_bounds(bound_paths, "crlb_offset_rmse")
    evaluations = with_test_predictions(metrics_paths, predictions_paths)
    table = board.table(evaluations, tests, kinds, bounds, offset_bounds)
    io.write_table(out["table"], table)
    plots.save(
        plots.rmse_vs_snr(board.curves(table, tests), "Estimators against the Cramer-Rao bound"),
        out["figure"],
    )
    print(table.to_string(max_rows=200))


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
    from sinefreq import plots

    history_in = {Path(path).parent: path for path in history_paths}
    scatter, curves = {}, {}
    for path in prediction_paths:
        predictions, run = io.read_predictions(path)
        panel = f"{run['dataset']} / {run['model']}"
        scatter.setdefault(panel, []).append(
            {"seed": run["seed"], "nyquist": nyquist[run["dataset"]], **predictions["test"]}
        )
        history = io.read_table(history_in[Path(path).parent]).to_dict("list")
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
    from sinefreq import plots

    summary = io.read_table(summary_path)
    estimators = summary["model"].isin(models)
    if classical:
        estimators |= summary["estimator"] == "classical"
    own = summary["test_dataset"] == summary["dataset"]  # not the evaluate_on rows
    rows = summary[summary["dataset"].isin(labels) & estimators & own].copy()
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


def test_bounds(bound_paths: list, key: str = "crlb_rmse") -> dict:
    """Dataset -> the Cramer-Rao bound on its test split's RMSE (None on clean data);
    ``key`` ``crlb_offset_rmse``: the bound with an unknown DC offset."""
    return {b["dataset"]: b["splits"]["test"][key] for b in map(io.read_json, bound_paths)}


def seed_distribution(runs_csv, experiment: dict, labels: dict, out: dict) -> None:
    """Place the thread's numbers among an experiment's seeds (``thread_points``): write
    ``table`` (CSV) and ``figure``."""
    from sinefreq import paper, plots, thread

    runs = io.read_table(runs_csv)
    setup = experiment["thread_points"]
    table = paper.seed_distribution(
        runs, experiment["datasets"], experiment["models"], labels, setup
    )
    io.write_table(out["table"], table)
    label, _ = thread.points(setup)
    title = f"{setup}: the thread's numbers among our seeds"
    plots.save(paper.seed_distribution_figure(runs, table, label, title), out["figure"])
    print(table.to_string())


def failure_trend(runs_csv, name: str, experiment: dict, labels: dict, out: dict) -> None:
    """Does the failure rate of an experiment's runs change along its label (its sweep, or
    its thread points')? ``experiment`` is its config section, ``labels`` maps its datasets
    to their labels. Writes ``table`` (CSV: per model and point, with each model's trend
    test) and ``figure``, titled with what the thread says, where it says anything."""
    from sinefreq import plots, trend

    table = trend.experiment_trend(io.read_table(runs_csv), experiment, labels)
    io.write_table(out["table"], table)
    label, claim = trend.label_of(experiment), trend.claim_of(experiment)
    title = f"{name}: does the failure rate change with {label}?"
    if claim:
        title += f'\nthe thread says training "{claim}"'
    plots.save(plots.failure_rate(table, label, title), out["figure"])
    print(table.to_string())


def with_test_predictions(metrics_paths: list, predictions_paths: list) -> list[dict]:
    """Each evaluation's metrics, with its test split's predictions under ``test``."""
    evaluations = []
    for metrics_path, predictions_path in zip(metrics_paths, predictions_paths, strict=True):
        predictions, _ = io.read_predictions(predictions_path)
        evaluations.append({**io.read_json(metrics_path), "test": predictions["test"]})
    return evaluations


def by_frequency(
    metrics_paths, predictions_paths, bound_paths, tests: dict, kinds: dict, out: dict
) -> None:
    """Split every noisy leaderboard evaluation's error by frequency band: write ``table``
    (CSV) and ``figure``."""
    from sinefreq import paper, plots

    evaluations = with_test_predictions(metrics_paths, predictions_paths)
    table = paper.by_frequency(evaluations, kinds, tests, test_bounds(bound_paths), paper.BAND_EDGE)
    io.write_table(out["table"], table)
    title = "Where the estimators lose to the bound: error against frequency"
    plots.save(paper.by_frequency_figure(evaluations, table, tests, title), out["figure"])
    print(table.to_string(max_rows=200))


def report_texts(inputs: dict, experiments: dict, labels: dict, out: dict) -> None:
    """Write the report's facts (``out["facts"]``, JSON) from the tables ``inputs`` names,
    and the front page and captions (the other ``out`` names) from its templates
    (``inputs["templates"]``)."""
    from sinefreq import paper, texts

    facts = paper.facts(inputs, experiments, labels)
    io.write_json(out["facts"], facts)
    # Rendered from the facts as written, so the texts show exactly what facts.json holds.
    written = texts.render(texts.load(inputs["templates"]), io.read_json(out["facts"]))
    for name, path in out.items():
        if name != "facts":
            with io.atomic_path(path) as tmp:
                tmp.write_text(written[name])


def speed(benchmark_files: list, records: dict, out_path) -> None:
    """Time per rule from the jobs' benchmark files and the work their records hold
    (``records``: each job's record files, :func:`sinefreq.config.work_records`)."""
    from sinefreq import speed as timing

    timing.write_summary(benchmark_files, out_path, records=records)

"""A model with ``weights_from`` is not trained: its train job copies the trained network of
another model's run (same dataset and seed) into its own architecture, e.g. a hybrid's
Gauss-Newton steps, which have no weights, appended to a learned network."""

import json

import keras
import numpy as np
import pytest

from sinefreq import any_length, contract, estimators, io, signals, steps, training

from .conftest import copy_workflow, planned_jobs

TINY = {"hidden_units": 8, "hidden_layers": 1}


def series(n: int, count: int = 40, seed: int = 0) -> np.ndarray:
    """Noisy tones over the whole band at ``n`` samples, as float32 (what a model takes)."""
    rng = np.random.default_rng([seed, n])
    f = rng.uniform(*any_length.band(n), count)
    x = signals.sine_series(f, n, phase=rng.uniform(0, 2 * np.pi, count))
    return (x + 0.1 * rng.normal(size=x.shape)).astype("float32")


def answers(model, x: np.ndarray) -> np.ndarray:
    """``model``'s frequencies for ``x``, called eagerly: under the tests' backend,
    TensorFlow, ``predict`` at one length after another retraces for any length, which
    the Gauss-Newton steps (unrolled at a known length) cannot take."""
    return np.asarray(model(x, training=False)).reshape(-1)


def with_steps(network, steps: int):
    """``network`` followed by ``steps`` Gauss-Newton steps (with an offset, as
    coarse_to_fine_any appends them): what a derived hybrid should compute."""
    x = keras.Input(shape=(None,))
    refine = estimators._layers().GaussNewtonRefine(steps, offset=True)
    return keras.Model(x, refine([x, network(x)]))


# The network of a hybrid (estimators.coarse_network) takes its inputs as a list of one.
@pytest.mark.filterwarnings("ignore:The structure of `inputs` doesn't match:UserWarning")
def test_a_derived_hybrid_predicts_the_base_network_with_its_steps():
    base = any_length.coarse_to_fine_any(None, **TINY)
    # Built after the base in one process: Keras numbers its layers on (dense_3, ...).
    derived = any_length.coarse_to_fine_any(None, **TINY, steps=2)
    assert {w.path for w in base.weights}.isdisjoint(w.path for w in derived.weights)
    steps.copy_network(base, derived)
    reference = with_steps(base, 2)
    for n in (32, 64, 100):
        x = series(n)
        # The same numbers, bit for bit: the network's and, through the steps, the hybrid's.
        np.testing.assert_array_equal(
            answers(estimators.coarse_network(derived), x), answers(base, x)
        )
        np.testing.assert_array_equal(answers(derived, x), answers(reference, x))


@pytest.mark.parametrize(
    ("trained", "taker", "message"),
    [
        # a hidden layer more in the trained network: its weights have no place
        (
            {"hidden_layers": 2},
            {"hidden_layers": 1},
            r"weights of the trained network with no place of that shape in this model: "
            r"dense#1/0:kernel \(8, 8\)",
        ),
        # one fewer: this model's last layers stay unfilled
        ({"hidden_layers": 1}, {"hidden_layers": 2}, r"trainable weights of this model it has none for"),
        # wider layers: no weight of that shape
        ({"hidden_units": 8}, {"hidden_units": 16}, r"dense#0/0:kernel \(\d+, 8\)"),
    ],
)  # fmt: skip
def test_copying_refuses_a_network_that_does_not_fit(trained, taker, message):
    source = any_length.coarse_to_fine_any(None, **{**TINY, **trained})
    target = any_length.coarse_to_fine_any(None, **{**TINY, **taker}, steps=2)
    before = [w.numpy().copy() for w in target.weights]
    with pytest.raises(ValueError, match=r"cannot take the trained network's weights .*" + message):
        steps.copy_network(source, target)
    for weight, old in zip(target.weights, before, strict=True):
        np.testing.assert_array_equal(weight.numpy(), old)  # nothing set


SETTINGS = {
    "architecture": "coarse_to_fine_any", "hyperparameters": TINY, "regime": "estimator",
    "lengths": [32, 48], "generator": {"snr_db": [10, 20]}, "loss": "bound", "clip": 100,
    "epochs": 1, "batches_per_epoch": 2, "batch_size": 8, "val_size": 8,
}  # fmt: skip
FILES = {"model": "model.keras", "history": "history.csv", "status": "training.json",
         "validation": "validation.h5"}  # fmt: skip


def run_files(root, model):
    run = root / "results" / "runs" / "d" / model / "seed0"
    return {key: run / name for key, name in FILES.items()}


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    """A trained run of a tiny any-length network, as rule train writes it."""
    root = tmp_path_factory.mktemp("weights_from")
    spec = {"n_samples": 32, "seed": 0, "train": {"frequencies": {"uniform": [1, 14, 4]}}}
    steps.make_dataset("d", spec, root / "d.h5")
    out = run_files(root, "tiny_any")
    with pytest.MonkeyPatch.context() as patch:
        # Keras already runs in this process, its threads set: a job's set-up is for a fresh one.
        patch.setattr(training, "configure_runtime", lambda *args, **kwargs: None)
        steps.train(root / "d.h5", SETTINGS, 0, 1, out)
    return root, out


def take(root, base, settings, monkeypatch, model="tiny_any_gn"):
    monkeypatch.setattr(training, "configure_runtime", lambda *args, **kwargs: None)
    out = run_files(root, model)
    steps.train(root / "d.h5", settings, 0, 1, out, base=base)
    return out


DERIVED = {**SETTINGS, "hyperparameters": {**TINY, "steps": 2}, "kind": "hybrid",
           "weights_from": "tiny_any"}  # fmt: skip


def test_a_train_job_with_weights_from_saves_the_base_network_as_a_run(base_run, monkeypatch):
    root, base = base_run
    out = take(root, base, DERIVED, monkeypatch)
    status, trained = io.read_json(out["status"]), io.read_json(base["status"])
    assert status["weights_from"] == {
        "model": "tiny_any",
        "run": base["model"].parent.as_posix(),
    }
    assert status["epochs_trained"] == trained["epochs_trained"] == 1
    assert (status["diverged"], status["final_loss"]) == (False, trained["final_loss"])
    assert status["settings"] == DERIVED and 0 < status["train_minutes"] < trained["train_minutes"]
    assert status["parameters"] == trained["parameters"]  # the steps add no weights
    # The base run's history and validation series; its contract, inside the model file.
    for name in ("history", "validation"):
        assert out[name].read_bytes() == base[name].read_bytes()
    assert contract.read(out["model"]) == contract.read(base["model"])
    # Saved and loaded, the copy predicts what the trained network with the steps predicts.
    model = keras.saving.load_model(out["model"], safe_mode=True, compile=False)
    network = keras.saving.load_model(base["model"], safe_mode=True, compile=False)
    for n in (32, 48):
        x = series(n, seed=1)
        np.testing.assert_array_equal(answers(model, x), answers(with_steps(network, 2), x))
    assert not list(out["model"].parent.glob(".*.part*"))


def test_a_train_job_whose_network_does_not_fit_writes_nothing(base_run, monkeypatch):
    root, base = base_run
    wider = {**DERIVED, "hyperparameters": {**TINY, "hidden_units": 16, "steps": 2}}
    with pytest.raises(ValueError, match=r"cannot take the trained network's weights"):
        take(root, base, wider, monkeypatch, model="wider")
    with pytest.raises(ValueError, match=r"weights_from: tiny_any needs the files of that model"):
        take(root, None, DERIVED, monkeypatch, model="no_base")
    for model in ("wider", "no_base"):
        assert not (root / "results" / "runs" / "d" / model).exists()


def test_the_workflow_trains_a_base_run_no_experiment_asks_for(tmp_path):
    """The tiny study's hybrid takes tiny_any_length's network: without tiny_any_length in
    the experiment, its run is trained (the hybrid's train job needs it), not evaluated."""
    workdir = copy_workflow(tmp_path / "workflow")
    config = workdir / "config" / "test.yaml"
    text = config.read_text()
    asked = "models: [tiny_any_length, tiny_any_length_gn]"
    assert asked in text
    config.write_text(text.replace(asked, "models: [tiny_any_length_gn]"))
    jobs = planned_jobs(workdir, "--configfile", "config/test.yaml")
    run = "dataset=tiny_a0_f8, model={}, seed=0"
    assert {
        ("train", run.format("tiny_any_length")),
        ("train", run.format("tiny_any_length_gn")),
    } <= jobs
    assert ("evaluate_tiny_a0_f8_tiny_any_length_gn", "") in jobs
    assert ("evaluate_tiny_a0_f8_tiny_any_length", "") not in jobs


def test_the_shipped_hybrids_take_their_networks_weights():
    """The default study's any-length hybrid is coarse_to_fine_any's network with steps
    appended, and the tiny study's likewise: neither is trained a second time."""
    from sinefreq import config as study

    from .conftest import prepared_config

    for name, hybrid, network in (
        ("config.yaml", "coarse_to_fine_any_gn", "coarse_to_fine_any"),
        ("test.yaml", "tiny_any_length_gn", "tiny_any_length"),
    ):
        cfg = prepared_config(name)
        assert cfg["models"][hybrid]["weights_from"] == network
        own, theirs = (study.training_settings(cfg, m) for m in (hybrid, network))
        assert own["hyperparameters"]["steps"] and not theirs["hyperparameters"]["steps"]
        # every run of the hybrid has its network's run in the study
        runs = study.runs(cfg)
        assert all(r._replace(model=network) in runs for r in runs if r.model == hybrid)
        assert json.dumps(own["lengths"]) == json.dumps(theirs["lengths"])

"""Training on tiny data: scaling round trip through a saved model, divergence, seeding."""

import keras
import numpy as np
import pytest

from sinefreq import datasets, models, training
from sinefreq.settings import ThreadModel

SETTINGS = {
    "architecture": "a2_dnn",
    "loss": "mean_squared_error",
    "optimizer": "adam",
    "learning_rate": 0.01,
    "epochs": 3,
    "batch_size": 16,
    "validation_freq": 1,
}


@pytest.fixture(scope="module")
def splits():
    spec = {
        "n_samples": 32,
        "seed": 0,
        "time_offset": [0, 1],
        "train": {"frequencies": {"integers": [1, 8]}, "repeats": 4},
    }
    return datasets.make_dataset(spec)


def fit(splits, seed=0, **overrides):
    keras.utils.set_random_seed(seed)
    model = models.build_model("a2_dnn", 32, hidden_units=8)
    return training.fit(
        model,
        splits["train"],
        splits["test"],
        ThreadModel(**{**SETTINGS, "target_scaling": "none", **overrides}),
    )


def test_scaled_model_saves_and_predicts_in_cycles_per_window(splits, tmp_path):
    model, history, diverged = fit(splits, target_scaling="minmax", epochs=30)
    assert not diverged and len(history["loss"]) == 30 and "val_loss" in history
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    pred = training.predict(loaded, splits["train"]["x"])
    np.testing.assert_allclose(pred, training.predict(model, splits["train"]["x"]), rtol=1e-6)
    # In cycles per window, not in [-1, 1]: the spread follows the targets'.
    assert 1 < np.mean(pred) < 8


def test_non_finite_loss_is_recorded_as_divergence(splits):
    _, history, diverged = fit(splits, optimizer="sgd", learning_rate=1e30)
    assert diverged
    assert len(history["loss"]) < SETTINGS["epochs"] or not np.isfinite(history["loss"][-1])


def test_same_seed_gives_the_same_weights(splits):
    first, _, _ = fit(splits, seed=7)
    again, _, _ = fit(splits, seed=7)
    other, _, _ = fit(splits, seed=8)
    x = splits["test"]["x"]
    np.testing.assert_allclose(training.predict(first, x), training.predict(again, x), atol=1e-6)
    assert not np.allclose(training.predict(first, x), training.predict(other, x))


def test_validation_at_a_stride_keeps_one_history_row_per_epoch(splits):
    assert training.validation_epochs(10, 4) == [4, 8, 10]
    assert training.validation_epochs(3, 10) == [3]
    keras.utils.set_random_seed(0)
    model = models.build_model("a2_dnn", 32, hidden_units=8)
    settings = ThreadModel(**{**SETTINGS, "epochs": 5, "validation_freq": 2})
    _, history, diverged = training.fit(model, splits["train"], splits["test"], settings)
    assert not diverged and len(history["loss"]) == len(history["val_loss"]) == 5
    validated = [i + 1 for i, v in enumerate(history["val_loss"]) if np.isfinite(v)]
    assert validated == [2, 4, 5]


def test_compilation_cache_has_a_folder_per_cpu_and_can_be_switched_off(monkeypatch, tmp_path):
    monkeypatch.setenv("SINEFREQ_JAX_CACHE", str(tmp_path))
    folder = training.compilation_cache_dir()
    assert folder.parent == tmp_path and folder.name.startswith("cpu-")
    monkeypatch.delenv("SINEFREQ_JAX_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert training.compilation_cache_dir() == tmp_path / "xdg" / "sinefreq" / "jax" / folder.name
    monkeypatch.setattr(training, "_cpu", lambda: {"cpu_model": "another", "cpu_flags": []})
    assert training.compilation_cache_dir().name != folder.name
    monkeypatch.setenv("SINEFREQ_JAX_CACHE", "off")
    assert training.compilation_cache_dir() is None


def test_a_train_job_past_its_time_guard_fails_naming_the_model_and_writes_nothing(
    tmp_path, monkeypatch
):
    from sinefreq import regime, steps, training

    # Keras already runs in this process, its threads set: a job's set-up is for a fresh one.
    monkeypatch.setattr(training, "configure_runtime", lambda *args, **kwargs: None)

    spec = {"n_samples": 64, "seed": 0, "train": {"frequencies": {"uniform": [2, 30, 8]}}}
    steps.make_dataset("d", spec, tmp_path / "d.h5")
    run = tmp_path / "results" / "runs" / "d" / "quick_net" / "seed0"
    out = {k: run / name for k, name in (("model", "model.keras"), ("history", "history.csv"),
           ("status", "training.json"), ("validation", "validation.h5"))}  # fmt: skip
    settings = {
        "architecture": "coarse_to_fine", "hyperparameters": {"hidden_units": 4},
        "regime": "estimator", "generator": {"frequency": [2, 30]}, "epochs": 3,
        "batches_per_epoch": 2, "batch_size": 8,
        "val_size": 16, "max_minutes": 1e-9,
    }  # fmt: skip
    with pytest.raises(regime.TimeLimitExceeded, match=r"^models\.quick_net\.max_minutes: "):
        steps.train(tmp_path / "d.h5", settings, 0, 1, out)
    assert not any(path.exists() for path in out.values())

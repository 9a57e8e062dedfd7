"""Same seed, same result: an LSTM trained twice in fresh processes predicts identically.

Each training runs in its own interpreter, as the workflow's jobs do, so that nothing
(imported modules, RNG state, an already started TensorFlow) carries over. The second
process starts from a shell that asks for other kernels (``TF_ENABLE_ONEDNN_OPTS=0``),
another backend and another hash seed: ``configure_runtime`` must pin what decides the
numerics. Both backends the study supports are checked. Under JAX the first process
compiles every program and the second loads them from the compilation cache the first
filled, as a study's later jobs do.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

# Short, but long enough for a last-bit difference to grow well above 1e-6: answer 0's
# network on answer 0's data (fewer series), with dropout, shuffling and a validation pass.
TRAIN = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from sinefreq import datasets, models, signals, training
    from sinefreq.settings import ThreadModel

    training.configure_runtime(1, 0, sys.argv[2])
    spec = {
        "n_samples": 100,
        "seed": 10,
        "time_offset": [0, 1],
        "train": {"frequencies": {"integers": [1, 9]}, "repeats": 6},
    }
    splits = datasets.make_dataset(spec)
    model = models.build_model("a0_lstm", 100)
    settings = ThreadModel(
        architecture="a0_lstm",
        loss="mean_squared_error",
        optimizer="adam",
        learning_rate=0.003,
        epochs=15,
        batch_size=16,
        target_scaling="none",
    )
    model, history, _ = training.fit(model, splits["train"], splits["test"], settings)
    np.save(sys.argv[1], training.predict(model, splits["train"]["x"]))
    print("NUMERICS " + json.dumps(training.numerics()))
    """
)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "XLA_", "ONEDNN_"))}
    env.update({"TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow", **extra})
    return env


OTHER_BACKEND = {"tensorflow": "jax", "jax": "tensorflow"}


def train(path, env, backend):
    proc = subprocess.run(
        [sys.executable, "-c", TRAIN, str(path), backend],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("NUMERICS "))
    return np.load(path), json.loads(line.removeprefix("NUMERICS "))


@pytest.mark.slow  # two full-width trainings in fresh processes per backend
@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_lstm_retrained_in_a_fresh_process_predicts_the_same(tmp_path, backend):
    cache = tmp_path / "compiled"
    first, numerics = train(
        tmp_path / "first.npy",
        clean_env(PYTHONHASHSEED="1", KERAS_BACKEND=backend, SINEFREQ_JAX_CACHE=str(cache)),
        backend,
    )
    cached = sorted(cache.rglob("*-cache"))
    assert bool(cached) is (backend == "jax")
    hostile = clean_env(
        PYTHONHASHSEED="2",
        TF_ENABLE_ONEDNN_OPTS="0",
        KERAS_BACKEND=OTHER_BACKEND[backend],
        SINEFREQ_JAX_CACHE=str(cache),
    )
    again, numerics_again = train(tmp_path / "again.npy", hostile, backend)
    assert sorted(cache.rglob("*-cache")) == cached, "the second training compiled anew"
    assert np.ptp(first) > 0.5, "the network learned nothing; the test would prove little"
    np.testing.assert_allclose(again, first, rtol=0, atol=1e-6)
    assert numerics == numerics_again
    assert numerics["keras_backend"] == backend
    assert numerics["onednn_opts"] is (True if backend == "tensorflow" else None)


@pytest.mark.slow  # starts TensorFlow in a fresh process
def test_configure_runtime_refuses_a_tensorflow_started_with_other_kernels():
    code = (
        "import tensorflow\n"
        "from sinefreq import training\n"
        "try:\n"
        "    training.configure_runtime(1, 0)\n"
        "except RuntimeError as e:\n"
        "    print('REFUSED', e)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=clean_env(TF_ENABLE_ONEDNN_OPTS="0"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "REFUSED" in proc.stdout and "before importing keras" in proc.stdout


def test_numerics_names_backend_versions_cpu_and_threads():
    from sinefreq import training

    n = training.numerics()
    assert n["keras_backend"] in ("tensorflow", "jax", "torch")
    assert n["keras"] and n["numpy"] == np.__version__
    assert isinstance(n["cpu_flags"], list) and n["cpu_model"]
    assert n["threads"] >= 1
    json.dumps(n)  # goes into training.json


@pytest.mark.slow  # seeds and saves in a fresh process
def test_seeding_and_saving_under_jax_do_not_start_tensorflow(tmp_path):
    code = (
        "import sys, random\n"
        "import numpy as np\n"
        "from sinefreq import models, training\n"
        "training.configure_runtime(1, 7, 'jax')\n"
        "draws = (random.random(), float(np.random.rand()))\n"
        "random.seed(7); np.random.seed(7)\n"
        "print('SEEDED', draws == (random.random(), float(np.random.rand())))\n"
        "import keras\n"
        "model = models.build_model('a2_dnn', 20)\n"
        "x = np.random.rand(4, 20).astype('float32')\n"
        f"training.save_model(model, {str(tmp_path / 'm.keras')!r})\n"
        f"again = keras.saving.load_model({str(tmp_path / 'm.keras')!r})\n"
        "print('SAVED', np.array_equal(model.predict(x), again.predict(x)))\n"
        "print('TENSORFLOW', 'tensorflow' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=clean_env(), capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "SEEDED True" in proc.stdout and "SAVED True" in proc.stdout
    assert "TENSORFLOW False" in proc.stdout


# An estimator network trained the estimator way (fresh series, early stopping, a learning
# rate that halves on plateaus) with a time guard it never reaches; its weights saved.
TRAIN_ESTIMATOR = textwrap.dedent(
    """
    import sys
    import numpy as np
    from sinefreq import models, regime, training
    from sinefreq.settings import EstimatorModel

    training.configure_runtime(1, 0, "jax")
    settings = EstimatorModel(
        architecture="coarse_to_fine", regime="estimator", hyperparameters={"hidden_units": 16},
        generator={"frequency": [1, 30]}, epochs=12, batches_per_epoch=8, batch_size=64,
        val_size=256, patience=3, max_minutes=30,
    )
    model = models.build_model("coarse_to_fine", 64, hidden_units=16)
    regime.fit(model, 64, settings, verbose=0)
    np.savez(sys.argv[1], *model.get_weights())
    """
)


@pytest.mark.slow  # two trainings in fresh processes, one beside a busy process
def test_training_under_load_gives_the_same_weights(tmp_path):
    """Training stops on its epochs and patience, never on the clock: the same run with a
    CPU-bound process beside it ends with the same weights, bit for bit."""

    def weights(name: str) -> list[np.ndarray]:
        proc = subprocess.run(
            [sys.executable, "-c", TRAIN_ESTIMATOR, str(tmp_path / name)],
            env=clean_env(KERAS_BACKEND="jax"), capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-4000:]
        with np.load(tmp_path / name) as saved:
            return [saved[key] for key in saved.files]

    alone = weights("alone.npz")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        loaded = weights("loaded.npz")
    finally:
        busy.kill()
        busy.wait()
    assert len(alone) == len(loaded) > 0
    for a, b in zip(alone, loaded, strict=True):
        np.testing.assert_array_equal(a, b)

"""Training speed of the thread's setups under each Keras backend and setting.

Run from the repository root (with the project's virtualenv)::

    python benchmarks/bench_training.py [--setups A0,A2-lstm] [--configs tf,tf-xla,jax]
        [--threads 1,2] [--epochs-scale 0.1] [--epochs Q-lstm=5] [--repeats 2] [--quick]

Every configuration (backend, ``jit_compile``, TensorFlow op determinism, threads) runs in a
fresh subprocess with ``KERAS_BACKEND`` and the thread variables set before anything is
imported: thread pools and backends are fixed when the framework loads. Each child replays
the study's train step (``sinefreq.steps.train``): configure threads and seed, read the
dataset file (written once by the parent from ``config/config.yaml``, so all children see the
same data), build the model, train it with the study's own fit (``sinefreq.training.fit``,
given the settings object ``steps.train`` builds from the config: optimizer and its epsilon,
loss, batch size, target scaling, validation stride; only ``epochs`` and, if asked,
``validation_freq`` changed), save the ``.keras`` file; then it predicts both splits (not
timed). Children run one at a time: the machine has two cores.

Configurations (``--configs``; each at every ``--threads`` count):

- ``tf``          TensorFlow, ``jit_compile`` left at Keras 3's default ("auto": off on CPU)
- ``tf-det``      the same with ``tf.config.experimental.enable_op_determinism()`` (the study)
- ``tf-xla``      ``compile(jit_compile=True)``: XLA
- ``tf-det-xla``  both; Keras 3 silently turns XLA off under op determinism (the ``jit``
                  column shows what the model actually ran with)
- ``jax``         JAX, ``jit_compile`` default ("auto": on)
- ``jax-nojit``   JAX with ``jit_compile=False`` (op-by-op; shows what jit is worth)
- ``torch``       PyTorch, default ("auto": eager; ``torch.compile`` is not tried)
- ``torch-det``   PyTorch with ``torch.use_deterministic_algorithms(True)``

Extra rows for A0 (``--compare``, on by default with A0): the thread's own answer-0 script
(its data code, ``model.fit`` without validation, no seeding or determinism, default
progress bar) and our study's ``steps.train`` called as the Snakemake job calls it, both
on one thread, plus ``steps.train`` with ``KERAS_BACKEND=jax`` (no code change needed).

Columns: ``wall`` is launch to model saved (the process as a job sees it, without
Snakemake's own start-up). It splits into ``start`` (interpreter, framework import, thread
and seed set-up), ``prep`` (read dataset, build model), ``compile`` (fit set-up plus the
first epoch's extra time: tracing / XLA compilation), ``train`` (the training epochs at
steady speed), ``val`` (the per-epoch validation passes, their trace included) and ``save``
(``model.save``; for the study row also the history and status files; for the thread
script its own ``predict`` and print). ``ms/step`` is ``train`` over the number of optimizer
steps. ``cpu s`` (the child's CPU time, start-up included) and ``cpu ms/step`` (CPU time of
the steady training epochs per step) are what the process consumed: on a machine shared
with other jobs the wall times swell with contention, the CPU times much less, so compare
one-thread configurations by CPU time when the load was high (the load average is printed
with the table). With two threads CPU time exceeds wall time by the parallel share.

FLOPs of one training step are counted analytically, per sample, over the layers' matrix
products only (activations, loss, dropout and the Adam update are elementwise: under 1 %):

- LSTM: ``2 * 4 * (in + units) * units`` per timestep (four gates, input and recurrent
  kernels), times the number of timesteps;
- Dense: ``2 * in * out``;
- backward pass ~ 2x forward, so a training step is ``3 * forward * batch_size``.

``GF/s`` is that count over the measured steady step time, and ``%peak`` its share of this
machine's numpy float32 matmul throughput (2048 x 2048 x 2048, OpenBLAS) at the same number
of threads, measured in a subprocess at start. An LSTM cannot get near that peak: each of
its timesteps is one small matmul, ``(batch, in + units) @ (in + units, 4 * units)``, that
depends on the previous one, so the ``LSTM-step matmul`` throughput printed above the table
is the realistic ceiling.

Agreement: ``loss`` is the final training loss, ``train MAE`` / ``test MAE`` the mean
absolute error (cycles per window) of the trained model; ``repeat`` says whether a second
run of the same configuration (same seed, same data) gave bit-identical predictions (``=``)
or the largest prediction difference; ``vs ref`` is the largest prediction difference from
the setup's first configuration (the study's current settings when ``tf-det`` at 1 thread
comes first). Times are those of the repeat with the shortest wall time.
"""

from __future__ import annotations

import time

_T_MAIN = time.time()  # first thing: launch -> here is the interpreter's start-up

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

SETUPS = {
    # setup: (dataset, model) in config/config.yaml
    "A0": ("a0_maxf10", "a0_lstm"),
    "Q-lstm": ("q_thread", "q_lstm"),
    "A2-lstm": ("a2_thread", "a2_lstm"),
    "A2-dnn": ("a2_thread", "a2_dnn"),
}

CONFIGS = {
    # name: (backend, jit_compile, determinism)
    "tf-det": ("tensorflow", "auto", True),
    "tf": ("tensorflow", "auto", False),
    "tf-xla": ("tensorflow", True, False),
    "tf-det-xla": ("tensorflow", True, True),  # Keras 3 turns XLA off: same as tf-det
    "jax": ("jax", "auto", False),
    "jax-nojit": ("jax", False, False),
    "torch": ("torch", "auto", False),
    "torch-det": ("torch", "auto", True),
}
DEFAULT_CONFIGS = ("tf-det", "tf", "tf-xla", "jax", "torch")

COLUMNS = (
    "setup",
    "config",
    "jit",
    "thr",
    "epochs",
    "steps",
    "wall s",
    "start s",
    "prep s",
    "compile s",
    "train s",
    "val s",
    "save s",
    "ms/step",
    "cpu s",
    "cpu ms/step",
    "GF/step",
    "GF/s",
    "%peak",
    "loss",
    "train MAE",
    "test MAE",
    "repeat",
    "vs ref",
)


# --------------------------------------------------------------------------------------
# Children: each runs in a fresh interpreter and writes one JSON result.
# --------------------------------------------------------------------------------------


def _thread_env(threads: int) -> dict[str, str]:
    env = {
        var: str(threads)
        for var in (
            "TF_NUM_INTRAOP_THREADS",
            "OMP_NUM_THREADS",
            "OPENBLAS_NUM_THREADS",
            "MKL_NUM_THREADS",
        )
    }
    env["TF_NUM_INTEROP_THREADS"] = "1"
    # XLA's CPU client (JAX, and TensorFlow under jit_compile) runs on all cores unless
    # told otherwise; these flags make it single-threaded. Two threads = this machine's all.
    if threads == 1:
        env["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    return env


class _Clock:
    """Named timestamps (``time.time()``, comparable with the parent's launch time)."""

    def __init__(self):
        self.marks: dict[str, float] = {"main": _T_MAIN}
        self.cpu: dict[str, float] = {}

    def mark(self, name: str) -> None:
        self.marks[name] = time.time()
        self.cpu[name] = time.process_time()


def _epoch_timer(base=None):
    """A Keras callback (a subclass of ``base``, default ``Callback``) that also records,
    per epoch, the training and validation wall times."""
    import keras

    base = base or keras.callbacks.Callback

    class EpochTimer(base):
        def __init__(self):
            super().__init__()
            self.train_parts, self.val_parts, self.train_cpu = [], [], []
            self._epoch_start = self._test_start = self._test_end = None
            self._epoch_cpu = self._test_cpu = None

        def on_epoch_begin(self, epoch, logs=None):
            super().on_epoch_begin(epoch, logs)
            self._epoch_start, self._test_start, self._test_end = time.time(), None, None
            self._epoch_cpu, self._test_cpu = time.process_time(), None

        def on_test_begin(self, logs=None):
            super().on_test_begin(logs)
            if self._epoch_start is not None:  # inside fit, not a later evaluate()
                self._test_start = time.time()
                self._test_cpu = time.process_time()

        def on_test_end(self, logs=None):
            super().on_test_end(logs)
            if self._test_start is not None:
                self._test_end = time.time()

        def on_epoch_end(self, epoch, logs=None):
            end, end_cpu = time.time(), time.process_time()
            super().on_epoch_end(epoch, logs)
            if self._test_start is None:
                self.train_cpu.append(end_cpu - self._epoch_cpu)
                self.train_parts.append(end - self._epoch_start)
                self.val_parts.append(0.0)
            else:
                self.train_cpu.append(self._test_cpu - self._epoch_cpu)
                self.train_parts.append(self._test_start - self._epoch_start)
                self.val_parts.append(self._test_end - self._test_start)
            self._epoch_start = None

        def summary(self) -> dict:
            return {
                "train_parts": self.train_parts,
                "val_parts": self.val_parts,
                "train_cpu": self.train_cpu,
            }

    return EpochTimer()


def _forward_flops_per_sample(model) -> float:
    """Matrix-product FLOPs of one sample's forward pass (see the module docstring)."""
    from keras import layers

    total = 0.0
    for layer in model.layers:
        if isinstance(layer, layers.LSTM):
            in_dim, four_units = layer.cell.kernel.shape
            units = four_units // 4
            timesteps = layer.input.shape[1]
            total += 2 * 4 * (in_dim + units) * units * timesteps
        elif isinstance(layer, layers.Dense):
            in_dim, out_dim = layer.kernel.shape
            total += 2 * in_dim * out_dim
    return float(total)


def _predict_splits(model, splits) -> dict:
    from sinefreq import training

    return {s: training.predict(model, splits[s]["x"]).tolist() for s in ("train", "test")}


def _child_config(job: dict, clock: _Clock) -> dict:
    """Replay ``steps.train`` with the configuration's backend, jit and determinism."""
    threads, seed = job["threads"], job["seed"]
    import keras

    backend = keras.backend.backend()
    assert backend == job["backend"], (backend, job["backend"])
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        if job["determinism"]:
            tf.config.experimental.enable_op_determinism()
    elif backend == "torch":
        import torch

        torch.set_num_threads(threads)
        if job["determinism"]:
            torch.use_deterministic_algorithms(True)
    keras.utils.set_random_seed(seed)
    clock.mark("runtime")

    from sinefreq import io, models, training
    from sinefreq import settings as model_settings

    splits, attrs = io.read_dataset(job["dataset_path"])
    # The study's settings object, as steps.train builds it, with the benchmark's epochs
    # and validation stride.
    settings = model_settings.replace(model_settings.of(job["settings"]), **job["changes"])
    model = models.build_model(
        settings.architecture, attrs["n_samples"], **settings.hyperparameters
    )
    clock.mark("built")

    timer = _epoch_timer()
    clock.mark("fit_start")
    # The study's fit itself (steps.train's), under this configuration's compiler.
    model, history, _ = training.fit(
        model,
        splits["train"],
        splits["test"],
        settings,
        jit_compile=job["jit_compile"],
        callbacks=[timer],
    )
    clock.mark("fit_end")
    model.save(Path(job["workdir"]) / "model.keras")
    clock.mark("end")
    return {
        "jit": bool(model.jit_compile),
        "fit": timer.summary(),
        "loss": history["loss"][-1],
        "forward_flops": _forward_flops_per_sample(model),
        "predictions": _predict_splits(model, splits),
    }


def _child_study(job: dict, clock: _Clock) -> dict:
    """Our study's train step itself, ``steps.train``, timed from outside its functions.

    Module functions it calls are wrapped to take timestamps, and Keras's
    ``TerminateOnNaN`` (the one callback ``training.fit`` passes) is swapped for a
    subclass that also times the epochs; nothing of the study's code is changed.
    """
    from sinefreq import io, models, steps, training

    captured = {}

    def timed(module, name, mark):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            result = original(*args, **kwargs)
            clock.mark(mark)
            return result

        setattr(module, name, wrapper)

    timed(training, "configure_runtime", "runtime")
    timed(models, "build_model", "built")
    original_fit = training.fit

    def fit_with_timer(*args, **kwargs):
        import keras

        base = keras.callbacks.TerminateOnNaN
        timer = _epoch_timer(base)
        keras.callbacks.TerminateOnNaN = lambda *a, **k: timer
        clock.mark("fit_start")
        try:
            result = original_fit(*args, **kwargs)
        finally:
            keras.callbacks.TerminateOnNaN = base
        clock.mark("fit_end")
        captured["timer"] = timer
        captured["model"] = result[0]
        captured["loss"] = result[1]["loss"][-1]
        return result

    training.fit = fit_with_timer
    work = Path(job["workdir"])
    out = {
        "model": work / "model.keras",
        "history": work / "history.csv",
        "status": work / "training.json",
        "validation": work / "validation.h5",
    }
    log = work / "train.log"
    with steps.logged(log):
        steps.train(job["dataset_path"], job["settings"], job["seed"], job["threads"], out)
    clock.mark("end")
    model = captured["model"]
    splits, _ = io.read_dataset(job["dataset_path"])
    return {
        "jit": bool(model.jit_compile),
        "fit": captured["timer"].summary(),
        "loss": captured["loss"],
        "forward_flops": _forward_flops_per_sample(model),
        "predictions": _predict_splits(model, splits),
    }


def _child_thread_script(job: dict, clock: _Clock) -> dict:
    """Answer 0's code from the thread, as posted (max_freq 10), plus timestamps."""
    import numpy as np
    from keras.layers import LSTM, Dense, Dropout, Input
    from keras.models import Model

    clock.mark("runtime")
    max_freq = 10
    time_steps = 100

    def create_sine(frequency, offset):
        return np.sin(frequency * np.linspace(offset, 2 * np.pi + offset, time_steps))

    train_y = list(range(1, max_freq)) * 10
    train_x = np.array([create_sine(freq, np.random.uniform(0, 1)) for freq in train_y])  # noqa: NPY002
    train_y = np.array(train_y)
    input_series = Input(shape=(time_steps, 1), name="Input")
    lstm = LSTM(units=100)(input_series)
    hidden = Dense(units=100, activation="relu")(lstm)
    dropout = Dropout(rate=0.1)(hidden)
    output = Dense(units=1, activation="relu")(dropout)
    model = Model(input_series, output)
    model.compile("adam", "mean_squared_error")
    clock.mark("built")
    timer = _epoch_timer()  # not in the thread's code; only reads the clock
    clock.mark("fit_start")
    history = model.fit(
        train_x.reshape(-1, time_steps, 1), train_y, epochs=job["epochs"], callbacks=[timer]
    )
    clock.mark("fit_end")
    test_x = train_x.reshape(-1, time_steps, 1)
    predicted = model.predict(test_x).reshape([-1])
    print()
    print((predicted - train_y)[:12])
    print(np.mean(np.abs(predicted - train_y)))
    clock.mark("end")
    return {
        "jit": bool(model.jit_compile),
        "fit": timer.summary(),
        "loss": history.history["loss"][-1],
        "forward_flops": _forward_flops_per_sample(model),
        # its own training data, as the thread evaluates; no held-out split
        "train_mae": float(np.mean(np.abs(predicted - train_y))),
    }


def _child_matmul(job: dict, clock: _Clock) -> dict:
    """numpy float32 matmul GFLOP/s: one large square product and the LSTM's step shape."""
    import numpy as np

    rng = np.random.default_rng(0)
    results = {}
    for label, (m, k, n), reps in (
        ("large", (job["size"],) * 3, 5),
        ("lstm_step", (32, 101, 400), 2000),
    ):
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        a @ b  # warm-up
        best = math.inf
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(reps):
                a @ b
            best = min(best, time.perf_counter() - start)
        results[label] = 2.0 * m * k * n * reps / best / 1e9
    return results


CHILDREN = {
    "config": _child_config,
    "study": _child_study,
    "thread": _child_thread_script,
    "matmul": _child_matmul,
}


def child_main(job_path: str) -> None:
    job = json.loads(Path(job_path).read_text())
    clock = _Clock()
    result = CHILDREN[job["kind"]](job, clock)
    result["marks"] = clock.marks
    result["cpu"] = clock.cpu
    Path(job["result_path"]).write_text(json.dumps(result))


# --------------------------------------------------------------------------------------
# Parent: plan, launch children one at a time, tabulate.
# --------------------------------------------------------------------------------------


def write_datasets(cfg: dict, setups: list[str], workdir: Path) -> dict[str, str]:
    from sinefreq import steps

    paths = {}
    for setup in setups:
        name = SETUPS[setup][0]
        if name not in paths:
            path = workdir / f"{name}.h5"
            with contextlib.redirect_stdout(sys.stderr):  # stdout is for the table
                steps.make_dataset(name, cfg["datasets"][name], path)
            paths[name] = str(path)
    return paths


def run_child(job: dict, env_extra: dict, workdir: Path, log_name: str, timeout: float) -> dict:
    """Run one child in a fresh interpreter; return its result with the launch time."""
    job_dir = Path(tempfile.mkdtemp(prefix=f"{log_name}.", dir=workdir))
    job = {**job, "workdir": str(job_dir), "result_path": str(job_dir / "result.json")}
    (job_dir / "job.json").write_text(json.dumps(job))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **env_extra}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    with open(job_dir / "child.log", "w") as log:
        launch = time.time()
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", str(job_dir / "job.json")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    if proc.returncode != 0:
        tail = (job_dir / "child.log").read_text()[-3000:]
        raise RuntimeError(f"{log_name} failed (exit {proc.returncode}):\n{tail}")
    result = json.loads((job_dir / "result.json").read_text())
    result["launch"] = launch
    return result


def phases(result: dict, steps_per_epoch: int) -> dict:
    """Split a child's wall time into the table's phases."""
    m = result["marks"]
    train_parts = result["fit"]["train_parts"]
    val_parts = result["fit"]["val_parts"]
    epochs = len(train_parts)
    steady = sorted(train_parts[1:])[len(train_parts[1:]) // 2] if epochs > 1 else train_parts[0]
    trace = max(0.0, train_parts[0] - steady) if epochs > 1 else 0.0
    train = sum(train_parts) - trace
    fit = m["fit_end"] - m["fit_start"]
    cpu_parts = result["fit"]["train_cpu"]
    cpu_steady = sorted(cpu_parts[1:])[len(cpu_parts[1:]) // 2] if epochs > 1 else cpu_parts[0]
    cpu_train = sum(cpu_parts) - (cpu_parts[0] - cpu_steady if epochs > 1 else 0.0)
    return {
        "epochs": epochs,
        "steps": epochs * steps_per_epoch,
        "wall": m["end"] - result["launch"],
        "start": m["runtime"] - result["launch"],
        "prep": m["fit_start"] - m["runtime"],
        "compile": fit - train - sum(val_parts),
        "train": train,
        "val": sum(val_parts),
        "save": m["end"] - m["fit_end"],
        "step_s": train / (epochs * steps_per_epoch),
        "cpu": result["cpu"]["end"],
        "cpu_step_s": cpu_train / (epochs * steps_per_epoch),
    }


def _fmt(value, spec: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


def compare_predictions(a: dict | None, b: dict | None) -> str:
    import numpy as np

    if a is None or b is None:
        return "-"
    diff = max(
        float(np.max(np.abs(np.asarray(a[s]) - np.asarray(b[s])))) for s in ("train", "test")
    )
    return "=" if diff == 0.0 else f"{diff:.2g}"


def mae(result: dict, splits: dict, split: str) -> float | None:
    import numpy as np

    if split == "train" and "train_mae" in result:
        return result["train_mae"]
    if "predictions" not in result:
        return None
    return float(np.mean(np.abs(np.asarray(result["predictions"][split]) - splits[split]["y"])))


def parse_list(text: str, allowed) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in items if t not in allowed]
    if unknown:
        raise SystemExit(f"unknown {', '.join(unknown)}; known: {', '.join(allowed)}")
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--setups", default=",".join(SETUPS), help="comma list of " + ", ".join(SETUPS)
    )
    parser.add_argument(
        "--configs", default=",".join(DEFAULT_CONFIGS), help="comma list of " + ", ".join(CONFIGS)
    )
    parser.add_argument("--threads", default="1,2", help="comma list of thread counts")
    parser.add_argument("--epochs-scale", type=float, default=1.0, help="times the config's epochs")
    parser.add_argument(
        "--epochs",
        action="append",
        default=[],
        metavar="SETUP=N",
        help="epochs for one setup, overriding --epochs-scale (repeatable)",
    )
    parser.add_argument("--repeats", type=int, default=2, help="runs per configuration")
    parser.add_argument(
        "--validation-freq",
        type=int,
        default=None,
        help="validate every N epochs (and after the last); default: the model's validation_freq",
    )
    parser.add_argument(
        "--compare",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="A0: the thread's plain script vs our steps.train (default: on when A0 runs)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--matmul-size", type=int, default=2048)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per child")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: A0, tf at 1 thread, 2 epochs, one run, no comparison rows",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args.child)
        return 0
    if args.quick:
        args.setups, args.configs, args.threads = "A0", "tf", "1"
        args.epochs_scale, args.repeats, args.matmul_size = 0.01, 1, 512
        args.compare = False if args.compare is None else args.compare

    setups = parse_list(args.setups, SETUPS)
    configs = parse_list(args.configs, CONFIGS)
    threads = [int(t) for t in args.threads.split(",")]
    overrides = {}
    for item in args.epochs:
        setup, _, n = item.partition("=")
        overrides[parse_list(setup, SETUPS)[0]] = int(n)
    compare = "A0" in setups if args.compare is None else args.compare

    from sinefreq import config as study
    from sinefreq import datasets

    cfg = study.load(ROOT / "config" / "config.yaml", ROOT / "config" / "schema.yaml")
    with tempfile.TemporaryDirectory(prefix="bench_training.") as tmp:
        workdir = Path(tmp)
        paths = write_datasets(cfg, setups + (["A0"] if compare else []), workdir)

        peak = {}
        for n in sorted(set(threads) | {1}):
            job = {"kind": "matmul", "size": args.matmul_size}
            peak[n] = run_child(job, _thread_env(n), workdir, f"matmul{n}", args.timeout)
        print(
            "numpy float32 matmul GFLOP/s: "
            + "; ".join(
                f"{n} thread{'s' * (n > 1)}: {p['large']:.1f} ({args.matmul_size}^3), "
                f"{p['lstm_step']:.1f} (LSTM-step 32x101 @ 101x400)"
                for n, p in peak.items()
            ),
            flush=True,
        )

        rows, failed = [], []
        for setup in setups:
            dataset, model_name = SETUPS[setup]
            settings = study.training_settings(cfg, model_name)
            splits = datasets.make_dataset(cfg["datasets"][dataset])
            epochs = overrides.get(setup, max(1, round(settings["epochs"] * args.epochs_scale)))
            changes = {"epochs": epochs}
            if args.validation_freq is not None:
                changes["validation_freq"] = args.validation_freq
            steps_per_epoch = math.ceil(len(splits["train"]["y"]) / settings["batch_size"])
            runs = []  # (label, threads, [results], batch size)
            plan = [(c, n) for c in configs for n in threads]
            for config_name, n in plan:
                backend, jit, det = CONFIGS[config_name]
                job = {
                    "kind": "config",
                    "backend": backend,
                    "jit_compile": jit,
                    "determinism": det,
                    "threads": n,
                    "seed": args.seed,
                    "changes": changes,
                    "dataset_path": paths[dataset],
                    "settings": settings,
                }
                env = {**_thread_env(n), "KERAS_BACKEND": backend}
                results = []
                try:
                    for r in range(args.repeats):
                        label = f"{setup}.{config_name}.{n}t.r{r}"
                        print(f"running {label} ({epochs} epochs)", file=sys.stderr, flush=True)
                        results.append(run_child(job, env, workdir, label, args.timeout))
                except (RuntimeError, subprocess.TimeoutExpired) as err:
                    print(err, file=sys.stderr, flush=True)
                    failed.append(f"{setup} {config_name} {n}t")
                    continue
                runs.append((config_name, n, results, settings["batch_size"]))
            if setup == "A0" and compare:
                a0_settings = {**settings, **changes}
                extra = [
                    ("thread script", "thread", "tensorflow", a0_settings["epochs"]),
                    ("steps.train (study)", "study", "tensorflow", None),
                    ("steps.train, jax", "study", "jax", None),
                ]
                for label, kind, backend, _ in extra:
                    job = {
                        "kind": kind,
                        "threads": 1,
                        "seed": args.seed,
                        "epochs": epochs,
                        "dataset_path": paths[dataset],
                        "settings": a0_settings,
                    }
                    env = {**_thread_env(1), "KERAS_BACKEND": backend}
                    results = []
                    for r in range(args.repeats):
                        tag = f"A0.{kind}.{backend}.r{r}"
                        print(f"running {tag} ({epochs} epochs)", file=sys.stderr, flush=True)
                        results.append(run_child(job, env, workdir, tag, args.timeout))
                    # the thread's script uses Keras's default batch size, 32, as the study
                    runs.append((label, 1, results, 32))

            reference = None
            for config_name, n, results, batch_size in runs:
                best = min((phases(r, steps_per_epoch) for r in results), key=lambda p: p["wall"])
                first = results[0]
                step_flops = 3.0 * first["forward_flops"] * batch_size
                # Steps differ in size when the last batch is partial: count samples.
                n_train = len(splits["train"]["y"])
                gflops = (
                    3.0 * first["forward_flops"] * n_train * best["epochs"] / best["train"] / 1e9
                )
                preds = first.get("predictions")
                if reference is None and preds is not None:
                    reference = preds
                repeat = (
                    compare_predictions(preds, results[1].get("predictions"))
                    if len(results) > 1 and preds is not None
                    else "-"
                )
                if preds is None and len(results) > 1:
                    same = results[0]["train_mae"] == results[1]["train_mae"]
                    repeat = "=" if same else "differs"
                rows.append(
                    [
                        setup,
                        config_name,
                        "on" if first["jit"] else "off",
                        str(n),
                        str(best["epochs"]),
                        str(best["steps"]),
                        _fmt(best["wall"], ".1f"),
                        _fmt(best["start"], ".1f"),
                        _fmt(best["prep"], ".2f"),
                        _fmt(best["compile"], ".2f"),
                        _fmt(best["train"], ".2f"),
                        _fmt(best["val"], ".2f"),
                        _fmt(best["save"], ".2f"),
                        _fmt(best["step_s"] * 1e3, ".2f"),
                        _fmt(best["cpu"], ".1f"),
                        _fmt(best["cpu_step_s"] * 1e3, ".2f"),
                        _fmt(step_flops / 1e9, ".3f"),
                        _fmt(gflops, ".2f"),
                        _fmt(100 * gflops / peak[n]["large"], ".1f"),
                        _fmt(first["loss"], ".4g"),
                        _fmt(mae(first, splits, "train"), ".4g"),
                        _fmt(mae(first, splits, "test"), ".4g"),
                        repeat,
                        "ref" if preds is reference else compare_predictions(preds, reference),
                    ]
                )

    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(
        f"seed {args.seed}; times from the fastest of {args.repeats} run(s); "
        f"validation_freq {args.validation_freq or 'as configured'}; load average at the end {load} "
        f"on {os.cpu_count()} CPUs; total {time.time() - _T_MAIN:.0f} s"
    )
    if failed:
        print(f"FAILED (see stderr): {'; '.join(failed)}")
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "|".join("---" for _ in COLUMNS) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

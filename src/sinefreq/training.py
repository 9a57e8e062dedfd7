"""Training one network: seeding, thread pools, target scaling, ``model.fit``."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import json
import math
import os
import sys
import typing
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from sinefreq.settings import ThreadModel

# The Literal of ThreadModel.target_scaling, for the message of a direct call.
TARGET_SCALINGS = typing.get_args(ThreadModel.model_fields["target_scaling"].annotation)


# Read by TensorFlow once, when it is imported: oneDNN kernels on ("1", TensorFlow's own
# default on x86) or off. Pinned rather than inherited, so that a shell that happens to set
# it cannot silently switch a run onto other floating-point kernels.
ONEDNN_OPTS = "1"


BACKENDS = ("jax", "tensorflow", "torch")
# The backend the study trains and evaluates with (config/schema.yaml's keras_backend).
DEFAULT_BACKEND = "jax"


def configure_runtime(
    threads: int, seed: int, backend: str | None = None, onednn: str = ONEDNN_OPTS
) -> None:
    """Select the Keras ``backend`` (None: keep ``KERAS_BACKEND`` or Keras's default), pin
    thread pools to the job's ``threads``, pin the kernels, and seed every RNG.

    Must run before Keras or TensorFlow is first imported: TensorFlow reads its oneDNN
    and thread settings when it starts, XLA (JAX) when its CPU client starts. A run is
    then bit-reproducible on the same machine, backend and library versions; ``numerics()``
    says what those were.
    """
    if backend is not None:
        _select_backend(backend)
    tf_imported = "tensorflow" in sys.modules
    if tf_imported and _onednn_on(os.environ.get("TF_ENABLE_ONEDNN_OPTS")) != _onednn_on(onednn):
        raise RuntimeError(
            "TensorFlow was imported before configure_runtime() with another oneDNN setting "
            f"(TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS')!r}, wanted "
            f"{onednn!r}); call configure_runtime() before importing keras or tensorflow"
        )
    for var in (
        "TF_NUM_INTRAOP_THREADS",
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
    ):
        os.environ[var] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = onednn
    os.environ["TF_DETERMINISTIC_OPS"] = "1"
    # XLA's CPU client (JAX) otherwise sizes its pools to the machine, not to the job.
    xla_flags = os.environ.get("XLA_FLAGS", "")
    if "intra_op_parallelism_threads" not in xla_flags:
        extra = f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'}"
        extra += f" intra_op_parallelism_threads={threads}"
        os.environ["XLA_FLAGS"] = f"{xla_flags} {extra}".strip()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    if keras.backend.backend() == "jax":
        _use_compilation_cache()
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        tf.config.experimental.enable_op_determinism()
        keras.utils.set_random_seed(seed)
    else:
        _set_random_seed_without_tensorflow(seed)


@contextlib.contextmanager
def tensorflow_left_unimported() -> Iterator[None]:
    """Within the block, Keras treats TensorFlow as absent unless it is already imported.

    Keras imports TensorFlow, whenever it is installed, to seed ``tf.data``
    (``set_random_seed``) and to check for its types when it serialises a model
    (``model.save``): 3-5 s each in a JAX job, for a library such a job never runs. An
    object cannot be of a type from a module nobody imported, and no ``tf.data`` pipeline
    runs without it, so the results are the same."""
    from keras.src.utils import module_utils

    lazy_tensorflow = module_utils.tensorflow
    if "tensorflow" in sys.modules:  # already paid for: let Keras use it
        yield
        return
    saved, lazy_tensorflow._available = lazy_tensorflow._available, False
    try:
        yield
    finally:
        lazy_tensorflow._available = saved


def _set_random_seed_without_tensorflow(seed: int) -> None:
    """``keras.utils.set_random_seed`` (Python, NumPy, Keras's global seed generator,
    torch) without importing TensorFlow."""
    import keras

    with tensorflow_left_unimported():
        keras.utils.set_random_seed(seed)


def save_model(model, path) -> None:
    """``model.save(path)`` (a ``.keras`` file) without importing TensorFlow."""
    with tensorflow_left_unimported():
        model.save(path)


def _select_backend(backend: str) -> None:
    """Set ``KERAS_BACKEND``, which Keras reads once, when it is first imported."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown Keras backend {backend!r}; allowed: {', '.join(BACKENDS)}")
    if "keras" in sys.modules:
        import keras

        if keras.backend.backend() != backend:
            raise RuntimeError(
                f"Keras was imported with backend {keras.backend.backend()!r} before "
                f"configure_runtime() asked for {backend!r}; call it before importing keras"
            )
    os.environ["KERAS_BACKEND"] = backend


# Where compiled XLA programs are kept between jobs (unset: the user's cache folder; "off":
# compile in every job). JAX keys its entries by program, versions and flags but not by
# CPU, so each CPU model and flag set gets a folder of its own: a cluster's nodes can share
# the parent folder and never load code built for another processor.
COMPILATION_CACHE_VARIABLE = "SINEFREQ_JAX_CACHE"
COMPILATION_CACHE_MAX_BYTES = 2 * 1024**3


def compilation_cache_dir() -> Path | None:
    """This machine's folder of the JAX compilation cache; None when switched off."""
    chosen = os.environ.get(COMPILATION_CACHE_VARIABLE)
    if _switched_off(chosen):
        return None
    base = Path(chosen) if chosen else _user_cache() / "sinefreq" / "jax"
    cpu = json.dumps(_cpu(), sort_keys=True).encode()
    return base / f"cpu-{hashlib.sha256(cpu).hexdigest()[:16]}"


def _user_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def _use_compilation_cache() -> None:
    """Keep every compiled program (the model's initializers, training and prediction
    steps) for the next job: 2-3 s of each job's start-up otherwise. A cached program is
    the compiled code itself, so results are bit for bit those of a fresh compilation.
    The size cap turns on JAX's file lock, which makes concurrent jobs' reads and writes
    safe."""
    folder = private_compilation_cache()
    if folder is None:
        return
    import jax

    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    jax.config.update("jax_compilation_cache_max_size", COMPILATION_CACHE_MAX_BYTES)
    # JAX points XLA's GPU autotuning cache at a subfolder of the cache, and that path,
    # being a compile option, goes into every entry's key, on CPU too: a moved or renamed
    # cache then matched nothing. Without it (GPU jobs autotune a program the cache lacks
    # afresh, sinefreq's networks are small) a cache stays warm wherever it is.
    with contextlib.suppress(AttributeError, ValueError):
        jax.config.update("jax_persistent_cache_enable_xla_caches", "none")
    _replace_unreadable_entries()


def private_compilation_cache() -> Path | None:
    """The compilation cache's folder (None: switched off), made if missing, refused
    unless private: only its owner may write there.

    JAX runs the programs it finds there, so whoever can write to the folder can run code
    in every job that uses it. The folders sinefreq makes (the default one's parents
    included) are made with mode 0700."""
    folder = compilation_cache_dir()
    if folder is None:
        return None
    chosen = os.environ.get(COMPILATION_CACHE_VARIABLE)
    for path in (folder.parent, folder) if chosen else (folder.parents[1], folder.parent, folder):
        _make_private_folders(path)
        _refuse_unless_private(path)
    return folder


def _make_private_folders(folder: Path) -> None:
    """Make ``folder`` and its missing parents, each with mode 0700."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:  # a concurrent job made it; checked like any other
            continue
        path.chmod(0o700)  # mkdir's mode is cut by the umask


def _refuse_unless_private(path: Path) -> None:
    """Raise unless ``path`` belongs to this user (or root) and only its owner may write."""
    import stat

    info = path.stat()
    uid = os.getuid()
    writable = [who for who, bit in (("group", 0o020), ("others", 0o002)) if info.st_mode & bit]
    if not writable and info.st_uid in (uid, 0):
        return
    try:
        import pwd

        owner = pwd.getpwuid(info.st_uid).pw_name
    except (ImportError, KeyError):
        owner = f"uid {info.st_uid}"
    why = (
        f"{' and '.join(writable)} can write to it"
        if writable
        else f"it belongs to {owner}, not to you (uid {uid})"
    )
    raise RuntimeError(
        f"refusing the JAX compilation cache folder {path} "
        f"(mode {stat.filemode(info.st_mode)} {oct(info.st_mode & 0o7777)}, owner {owner}): "
        f"{why}, and jobs run the programs they find there. If only you ever wrote to it, "
        f"'chmod 700 {path}'; otherwise delete it, or point {COMPILATION_CACHE_VARIABLE} at a "
        f"folder of your own, or set {COMPILATION_CACHE_VARIABLE}=off to compile in every job"
    )


def _replace_unreadable_entries() -> None:
    """Have JAX replace a cache entry it cannot read (a job killed while writing it).

    JAX 0.10 warns ("Error reading persistent compilation cache entry for '<program>'")
    and compiles, but its write keeps the file already there: the bad entry stayed, and
    every later job warned and compiled again. The warning names the program, not the
    entry, so no public hook can find the file: this wraps JAX's private reader, which
    gets the entry's key, and on an error removes the entry's files before JAX warns and
    compiles; its write then stores a good copy. Should a JAX upgrade rename or change
    the reader, this does nothing, and the cache works as before, without the repair."""
    try:
        from jax._src import compilation_cache
    except ImportError:
        return
    read = getattr(compilation_cache, "get_executable_and_time", None)
    try:
        parameters = list(inspect.signature(read).parameters)
    except (TypeError, ValueError):
        return
    if parameters[:1] != ["cache_key"] or getattr(read, "removes_unreadable", False):
        return

    @functools.wraps(read)
    def read_or_remove(cache_key, *args, **kwargs):
        try:
            return read(cache_key, *args, **kwargs)
        except OSError:  # the folder, the disk or the lock, not the entry
            raise
        except Exception:
            _remove_entry(cache_key)
            raise

    read_or_remove.removes_unreadable = True
    compilation_cache.get_executable_and_time = read_or_remove


def _remove_entry(key: str) -> None:
    """Delete the cache entry ``key`` (JAX's files ``<key>-cache`` and ``<key>-atime``)
    under JAX's lock, so that no concurrent job reads or writes it meanwhile."""
    import warnings

    import filelock
    import jax

    folder = jax.config.jax_compilation_cache_dir
    if not folder or "://" in folder:
        return
    folder = Path(folder)
    try:
        with filelock.FileLock(folder / ".lockfile", timeout=10):
            for suffix in ("-cache", "-atime"):
                (folder / f"{key}{suffix}").unlink(missing_ok=True)
    except (OSError, filelock.Timeout):
        return
    warnings.warn(
        f"removed the unreadable compilation cache entry {folder / key}-cache; "
        "this job stores a freshly compiled one",
        stacklevel=2,
    )


def _switched_off(value: str | None) -> bool:
    """Whether an environment variable's value says off (0, false, off, no)."""
    return value is not None and value.strip().lower() in ("0", "false", "off", "no")


def _onednn_on(value: str | None) -> bool:
    """Whether TensorFlow runs oneDNN kernels given TF_ENABLE_ONEDNN_OPTS (unset: on, x86)."""
    return not _switched_off(value)


# /proc/cpuinfo flags that choose floating-point kernels (oneDNN, XLA and Eigen dispatch).
_KERNEL_FLAGS = ("sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "avx_vnni")


def _cpu() -> dict:
    """The processor's model, identity (family, model, stepping) and kernel-choosing flags."""
    import platform

    model, flags = platform.processor() or platform.machine(), []
    cpu_id: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name":
                    model = value.strip()
                elif key in ("cpu family", "model", "stepping"):
                    cpu_id[key.replace("cpu ", "")] = value.strip()
                elif key == "flags":
                    have = set(value.split())
                    flags = sorted(
                        f for f in have if f in _KERNEL_FLAGS or f.startswith(("avx512", "amx"))
                    )
                    break
    except OSError:
        pass
    return {"cpu_model": model, "cpu_id": cpu_id or None, "cpu_flags": flags}


def numerics() -> dict:
    """What a run's floating-point results depend on besides code, data and seed.

    Two runs with equal ``numerics()`` (and equal code, data, settings and seed) give
    bit-identical results; with any field different they may not.
    """
    import platform
    from importlib.metadata import PackageNotFoundError, version

    import keras

    def package(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    backend = keras.backend.backend()
    libraries = {
        "tensorflow": {"tensorflow": package("tensorflow") or package("tensorflow-cpu")},
        "jax": {"jax": package("jax"), "jaxlib": package("jaxlib")},
        "torch": {"torch": package("torch")},
    }.get(backend, {})
    return {
        "keras_backend": backend,
        "keras": keras.__version__,
        **libraries,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        **_cpu(),
        "threads": int(os.environ.get("TF_NUM_INTRAOP_THREADS", "0")) or os.cpu_count(),
        "onednn_opts": _onednn_on(os.environ.get("TF_ENABLE_ONEDNN_OPTS"))
        if backend == "tensorflow"
        else None,
        "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA"),
        "xla_flags": os.environ.get("XLA_FLAGS") or None,
    }


def target_scaling(y: np.ndarray, method: str) -> tuple[float, float]:
    """``(scale, offset)`` with ``y_scaled = (y - offset) / scale``.

    ``minmax`` maps the training targets onto [-1, 1], answer 1's advice.
    """
    if method == "none":
        return 1.0, 0.0
    if method == "minmax":
        lo, hi = float(np.min(y)), float(np.max(y))
        half_range = (hi - lo) / 2.0 or 1.0
        return half_range, lo + half_range
    raise ValueError(f"unknown target_scaling '{method}'; allowed: {', '.join(TARGET_SCALINGS)}")


def with_output_scaling(model, scale: float, offset: float):
    """Append a Rescaling layer so the saved model predicts cycles per window."""
    if (scale, offset) == (1.0, 0.0):
        return model
    from keras import Model, layers

    outputs = layers.Rescaling(scale, offset, name="to_cycles_per_window")(model.outputs[0])
    return Model(model.inputs, outputs, name=model.name)


def as_model_input(model, x: np.ndarray) -> np.ndarray:
    """Reshape series ``(batch, N)`` to what the model takes: ``(batch, N)`` or ``(batch, N, 1)``."""
    length, *channels = model.inputs[0].shape[1:]
    if x.ndim != 2 or length not in (None, x.shape[1]):  # None: the model takes any length
        raise ValueError(
            f"model expects series of {length} samples, got an array of shape {x.shape}"
        )
    return x.reshape((*x.shape, *channels)).astype("float32")


def fit(
    model, train: dict, test: dict, settings: ThreadModel, *, jit_compile="auto", callbacks=()
) -> tuple[object, dict[str, list], bool]:
    """Compile and fit ``model`` as the thread regime's ``settings`` say (loss, optimizer,
    learning_rate, epsilon, epochs, batch_size, target_scaling, validation_freq).

    The test split is passed as validation data only to draw learning curves; it
    never steers training, so it is evaluated every ``validation_freq`` epochs and after
    the last (on the thread's small datasets a pass costs about as much as an epoch).
    ``jit_compile`` (Keras' default, "auto") and extra ``callbacks`` let the training
    benchmark time this very fit under other compilers. Returns the model that predicts
    cycles per window, the per-epoch history (NaN where an epoch was not validated), and
    whether the loss became NaN or infinite (training stops).
    """
    import keras

    scale, offset = target_scaling(train["y"], settings.target_scaling)
    optimizer = keras.optimizers.get(
        {
            "class_name": settings.optimizer,
            "config": {
                "learning_rate": settings.learning_rate,
                # Only where a model sets it: Keras' own default otherwise (1e-7).
                **({"epsilon": settings.epsilon} if settings.epsilon is not None else {}),
            },
        }
    )
    model.compile(optimizer=optimizer, loss=settings.loss, jit_compile=jit_compile)
    validated = validation_epochs(settings.epochs, settings.validation_freq)
    history = model.fit(
        as_model_input(model, train["x"]),
        (train["y"] - offset) / scale,
        validation_data=(as_model_input(model, test["x"]), (test["y"] - offset) / scale),
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        validation_freq=validated,
        shuffle=True,  # Keras' default, seeded by configure_runtime
        callbacks=[keras.callbacks.TerminateOnNaN(), *callbacks],
        verbose=2,
    )
    losses = history.history.get("loss", [])
    diverged = not all(math.isfinite(v) for v in losses)
    per_epoch = per_epoch_history(history.history, validated)
    return with_output_scaling(model, scale, offset), per_epoch, diverged


def validation_epochs(epochs: int, every: int) -> list[int]:
    """The (1-based) epochs after which to validate: every ``every``-th and the last."""
    return sorted({*range(every, epochs + 1, every), epochs})


def per_epoch_history(history: dict[str, list], validated: list[int]) -> dict[str, list]:
    """Keras's history with its validation lists (one value per validated epoch) spread
    over every epoch trained, NaN where an epoch was not validated."""
    epochs = len(history.get("loss", []))
    done = [e for e in validated if e <= epochs]
    table = {}
    for key, values in history.items():
        if key.startswith("val_") and len(values) != epochs:
            spread = [math.nan] * epochs
            for epoch, value in zip(done, values, strict=True):
                spread[epoch - 1] = value
            values = spread
        table[key] = list(values)
    return table


def predict(model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Frequencies (cycles per window) a trained model predicts for series ``x``."""
    return np.asarray(
        model.predict(as_model_input(model, x), batch_size=batch_size, verbose=0)
    ).reshape(-1)

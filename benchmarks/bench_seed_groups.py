"""Does training several seeds as one program pay? The cost per seed of a training epoch,
one seed alone against groups of 3 and 10 vectorised over the seeds with ``jax.vmap``.

Run from the repository root (with the project's virtualenv)::

    python benchmarks/bench_seed_groups.py [--groups 1,3,10] [--epochs 6]
        [--setups a0_lstm,a1_lstm,a2_lstm,a2_dnn,hybrid_gn]

Each setup is a model of ``config/config.yaml`` on the training data the study gives it
(the thread's: its dataset's training split, drawn here from the config; the estimator
regime's: batches from its generator), built per seed as the train step builds it. A group
of S seeds is one jitted program: Keras 3's stateless API (``stateless_call``,
``optimizer.stateless_apply``) for one optimizer step, ``lax.scan`` over an epoch's
batches, ``jax.vmap`` over the stacked variables, optimizer states and each seed's own
batch order. Every group runs in a fresh subprocess, on one thread (as the study's train
jobs), one at a time. Columns: ``compile s`` (the first epoch's extra time: tracing and
XLA), ``ms/epoch/seed`` (the following epochs at steady speed, over S) and the speed-up
per seed against S = 1 in the same run; ``fit ms/epoch`` is ``model.fit`` of one seed, the
study's own fit, for scale. The issue asked for 1.5x before the study adopts it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

# setup -> (model, dataset in the default config or None for the generator)
SETUPS = {
    "a0_lstm": ("a0_lstm", "a0_maxf30"),
    "a1_lstm": ("a1_lstm", "a1_maxf45"),
    "a2_lstm": ("a2_lstm", "a2_thread"),
    "a2_dnn": ("a2_dnn", "a2_thread"),
    # trained as its coarse network, coarse_to_fine (estimators.coarse_network)
    "hybrid_gn": ("hybrid_gn", None),
}


def child(setup: str, seeds: int, epochs: int, data_dir: str) -> dict:
    """Time ``epochs`` epochs of ``seeds`` seeds of ``setup`` trained as one program."""
    from sinefreq import config as study
    from sinefreq import training

    training.configure_runtime(1, 0, training.DEFAULT_BACKEND)
    import jax
    import jax.numpy as jnp
    import numpy as np

    from sinefreq import generator, io, losses, models
    from sinefreq import settings as model_settings

    cfg = study.load(ROOT / "config" / "config.yaml", ROOT / "config" / "schema.yaml")
    name, dataset = SETUPS[setup]
    typed = model_settings.of(study.training_settings(cfg, name))
    if dataset is None:
        n_samples = cfg["datasets"]["bench_clean"]["n_samples"]
        batch = generator.draw(
            n_samples, typed.generator, typed.batch_size, np.random.default_rng(0)
        )
        x = batch["x"].astype("float32")
        y = generator.targets(batch, bound=True).astype("float32")
        x, y = (
            np.repeat(x[None], typed.batches_per_epoch, 0),
            np.repeat(y[None], typed.batches_per_epoch, 0),
        )
        loss_fn, batch_size = losses.get(typed.loss, clip=typed.clip), None
    else:
        splits, attrs = io.read_dataset(Path(data_dir) / f"{dataset}.h5")
        n_samples = attrs["n_samples"]
        x, y = splits["train"]["x"].astype("float32"), splits["train"]["y"].astype("float32")
        loss_fn, batch_size = _thread_loss(typed.loss), typed.batch_size
    built = []
    for seed in range(seeds):
        training._set_random_seed_without_tensorflow(seed)
        built.append(models.build_model(typed.architecture, n_samples, **typed.hyperparameters))
    model = built[0]
    if dataset is None:
        from sinefreq import estimators

        model = estimators.coarse_network(model)
        built = [estimators.coarse_network(m) for m in built]
    import keras

    optimizer = keras.optimizers.Adam(typed.learning_rate)
    optimizer.build(model.trainable_variables)

    def stacked(values_of):
        return [jnp.stack(v) for v in zip(*(values_of(m) for m in built), strict=True)]

    state = (
        stacked(lambda m: [v.value for v in m.trainable_variables]),
        stacked(lambda m: [v.value for v in m.non_trainable_variables]),
        stacked(lambda m: [v.value for v in optimizer.variables]),
    )
    if len(model.inputs[0].shape) == 3:
        x = x[..., None]

    def step(carry, batch):
        trainable, non_trainable, opt = carry
        xb, yb = batch

        def loss_of(trainable):
            pred, updated = model.stateless_call(trainable, non_trainable, xb, training=True)
            return loss_fn(yb, pred), updated

        (loss, non_trainable), grads = jax.value_and_grad(loss_of, has_aux=True)(trainable)
        trainable, opt = optimizer.stateless_apply(opt, grads, trainable)
        return (trainable, non_trainable, opt), loss

    run_epoch = jax.jit(jax.vmap(lambda state, xs, ys: jax.lax.scan(step, state, (xs, ys))))
    rngs = [np.random.default_rng(seed) for seed in range(seeds)]
    times = []
    for _ in range(epochs):
        if batch_size is None:  # the generator's batches, as drawn
            xs, ys = np.repeat(x[None], seeds, 0), np.repeat(y[None], seeds, 0)
        else:  # each seed its own order; whole batches only (timing, not training)
            count = len(x) // batch_size * batch_size
            order = np.stack([r.permutation(len(x))[:count] for r in rngs])
            order = order.reshape(seeds, -1, batch_size)
            xs, ys = x[order], y[order]
        start = time.perf_counter()
        state, loss = run_epoch(state, xs, ys)
        jax.block_until_ready(loss)
        times.append(time.perf_counter() - start)
    steady = float(np.median(times[1:]))
    return {
        "setup": setup,
        "seeds": seeds,
        "compile_s": times[0] - steady,
        "ms_per_epoch_per_seed": 1000 * steady / seeds,
        "finite": bool(np.all(np.isfinite(np.asarray(loss)))),
    }


def _thread_loss(name: str):
    """The thread regime's compiled loss: Keras's per-sample loss, averaged."""
    import keras

    per_sample = keras.losses.get(name)
    return lambda y, pred: keras.ops.mean(per_sample(y[:, None], pred))


def fit_ms_per_epoch(setup: str, epochs: int, data_dir: str) -> float | None:
    """``model.fit`` of one seed as the study fits it (thread regime only), per epoch."""
    from sinefreq import config as study
    from sinefreq import training

    training.configure_runtime(1, 0, training.DEFAULT_BACKEND)
    from sinefreq import io, models
    from sinefreq import settings as model_settings

    cfg = study.load(ROOT / "config" / "config.yaml", ROOT / "config" / "schema.yaml")
    name, dataset = SETUPS[setup]
    if dataset is None:
        return None
    spec = {**study.training_settings(cfg, name), "epochs": epochs, "validation_freq": epochs}
    typed = model_settings.of(spec)
    splits, attrs = io.read_dataset(Path(data_dir) / f"{dataset}.h5")
    model = models.build_model(typed.architecture, attrs["n_samples"], **typed.hyperparameters)
    training.fit(model, splits["train"], splits["test"], typed)  # compiles
    start = time.perf_counter()
    training.fit(model, splits["train"], splits["test"], typed)
    return 1000 * (time.perf_counter() - start) / epochs


def _run_child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setups", default=",".join(SETUPS))
    parser.add_argument("--groups", default="1,3,10")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup, seeds, epochs, data_dir = args.child
        if seeds == "fit":
            print(json.dumps({"fit": fit_ms_per_epoch(setup, int(epochs), data_dir)}))
        else:
            print(json.dumps(child(setup, int(seeds), int(epochs), data_dir)))
        return
    from sinefreq import config as study
    from sinefreq import steps

    cfg = study.load(ROOT / "config" / "config.yaml", ROOT / "config" / "schema.yaml")
    setups, groups = args.setups.split(","), [int(g) for g in args.groups.split(",")]
    print(
        "| setup | seeds | compile s | ms/epoch/seed | per seed vs 1 seed | fit ms/epoch |",
        flush=True,
    )
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as data_dir:
        for setup in setups:
            dataset = SETUPS[setup][1]
            if dataset:
                with contextlib.redirect_stdout(sys.stderr):  # the table alone on stdout
                    steps.make_dataset(
                        dataset, cfg["datasets"][dataset], f"{data_dir}/{dataset}.h5"
                    )
            fit = _run_child(setup, "fit", str(args.epochs), data_dir)["fit"]
            alone = None
            for seeds in groups:
                row = _run_child(setup, str(seeds), str(args.epochs), data_dir)
                alone = alone or row["ms_per_epoch_per_seed"]
                print(
                    f"| {setup} | {seeds} | {row['compile_s']:.1f} | "
                    f"{row['ms_per_epoch_per_seed']:.1f} | "
                    f"{alone / row['ms_per_epoch_per_seed']:.2f}x | "
                    f"{'' if fit is None or math.isnan(fit) else f'{fit:.1f}'} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()

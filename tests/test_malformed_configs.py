"""Every malformed config is refused before any job, naming its key: one table, CASES.

Each case mutates config/test.yaml. The unit tier loads it as the workflow does before
planning (sinefreq.config.load: names, schema, checks); the slow tier plans it with
Snakemake's Python API, as ``snakemake -n --configfile ...`` would (one process: a hundred
CLI runs would take minutes). The refusal must name the dotted key at fault (a JSON-schema
message names it as ``['a']['b']``) and say what is wrong.
"""

import copy
import re

import pytest
import yaml
from snakemake.api import SnakemakeApi
from snakemake.exceptions import WorkflowError
from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings

from sinefreq import config as study

from .conftest import ROOT
from .test_config import DELETE, TEST_CONFIG, set_at


def write_config(cfg: dict | str, workdir):
    """``cfg`` (a config, or a config file's text) as ``workdir``/config.yaml."""
    configfile = workdir / "config.yaml"
    configfile.write_text(cfg if isinstance(cfg, str) else yaml.safe_dump(cfg, sort_keys=False))
    return configfile


def load_error(cfg: dict | str, workdir) -> str:
    """Load ``cfg`` as the workflow does before planning; the refusal's text, or ""."""
    try:
        study.load(write_config(cfg, workdir), ROOT / "config" / "schema.yaml")
    except (study.ConfigError, WorkflowError) as err:  # a crash is not a refusal
        return f"{type(err).__name__}: {err}"
    return ""


def dry_run(cfg: dict | str, workdir) -> str:
    """Plan ``cfg`` (a config, or a config file's text) as ``snakemake -n`` does; return
    the error text, or "" if it plans."""
    configfile = write_config(cfg, workdir)
    try:
        with SnakemakeApi(OutputSettings()) as api:
            workflow = api.workflow(
                resource_settings=ResourceSettings(cores=1),
                config_settings=ConfigSettings(configfiles=[configfile]),
                snakefile=ROOT / "Snakefile",
                workdir=workdir,
            )
            workflow.dag().execute_workflow(executor="local", pseudo_executor="dryrun")
    except Exception as err:  # what the CLI would print, whatever the kind
        return f"{type(err).__name__}: {err}"
    return ""


def names_key(text: str, key: str) -> bool:
    """Whether ``text`` names the dotted ``key``, as we write it or as jsonschema does."""
    brackets = "".join(f"[{part!r}]" for part in key.split("."))
    return key in text or brackets in text


def renamed(section: str, old: str, new: str):
    """A mutation renaming ``section.old`` to ``new``, and the experiments' references."""

    def mutate(cfg):
        cfg[section] = {new if k == old else k: v for k, v in cfg[section].items()}
        for exp in cfg["experiments"].values():
            if section in exp:
                exp[section] = [new if n == old else n for n in exp[section]]

    return mutate


def setting(path: str, value):
    """A mutation setting (or deleting) the value at a dotted path."""
    return lambda cfg: set_at(cfg, path, value)


def with_long_dataset(mutation):
    """``mutation`` after adding q_long, a dataset of another series length (64 samples)."""

    def mutate(cfg):
        cfg["datasets"]["q_long"] = {**cfg["datasets"]["tiny_a0_f5"], "n_samples": 64}
        mutation(cfg)

    return mutate


NOISE = "datasets.tiny_noise"
A0 = "datasets.tiny_a0_f5"
LSTM = "models.tiny_lstm.hyperparameters"  # architecture a0_lstm
DNN = "models.tiny_dnn.hyperparameters"  # architecture a2_dnn
GN = "models.tiny_any_length_gn"  # weights_from: tiny_any_length

# (id, mutation, the key the message must name, a regex the message must match)
CASES = [
    # Names become paths and wildcards.
    ("dataset-slash", renamed("datasets", "tiny_a0_f5", "tiny/a0"), "datasets", r"'tiny/a0' does not match '\^\[A-Za-z0-9\]"),
    ("dataset-space", renamed("datasets", "tiny_a0_f5", "tiny a0"), "datasets", r"'tiny a0' does not match"),
    ("dataset-dot-first", renamed("datasets", "tiny_a0_f8", ".hidden"), "datasets", r"'.hidden' does not match"),
    ("model-dotdot", renamed("models", "tiny_lstm", "../lstm"), "models", r"'../lstm' does not match"),
    ("experiment-space", renamed("experiments", "sweep", "sweep 2"), "experiments", r"'sweep 2' does not match"),
    ("estimator-slash", setting("classical", {"nls/x": {}}), "classical", r"'nls/x' does not match"),
    ("dataset-trailing-newline", renamed("datasets", "tiny_a0_f5", "tiny_a0\n"), "datasets", r"'tiny_a0\\n' does not match"),
    ("model-trailing-newline", renamed("models", "tiny_dnn", "tiny_dnn\n"), "models", r"'tiny_dnn\\n' does not match"),
    # Names YAML reads as numbers, booleans or null (the schema's pattern skips non-strings).
    ("dataset-float-name", renamed("datasets", "tiny_a0_f5", 1.5), "datasets", r"datasets: the name 1.5 is read by YAML as a float; quote it \('1.5', or as you wrote it\) to use it as a name"),
    ("model-bool-name", renamed("models", "tiny_dnn", True), "models", r"models: the name true is read by YAML as a boolean; quote it"),
    ("experiment-null-name", renamed("experiments", "diverging", None), "experiments", r"experiments: the name null is read by YAML as null; quote it"),
    ("estimator-int-name", setting("classical", {1: {}}), "classical", r"classical: the name 1 is read by YAML as an integer; quote it"),
    ("snr-level-name", setting(f"{NOISE}.snr_db", [0, 1.0e20]), f"{NOISE}.snr_db[1]", r"level 1e\+20 makes the dataset name 'tiny_noise_snr1e\+20dB', which does not match"),
    ("snr-level-clash", setting("datasets.tiny_noise_snr0dB", TEST_CONFIG["datasets"]["tiny_a0_f5"]), "datasets.tiny_noise_snr0dB", r"the dataset name 'tiny_noise_snr0dB' is also made by datasets.tiny_noise.snr_db\[0\]"),
    # Hyper-parameters, against the builders' annotated signatures.
    ("units-string", setting(f"{LSTM}.lstm_units", "4"), f"{LSTM}.lstm_units", r"'4' is not allowed; architecture 'a0_lstm' takes an integer >= 1"),
    ("units-negative", setting(f"{LSTM}.lstm_units", -4), f"{LSTM}.lstm_units", r"-4 is not allowed; .* an integer >= 1"),
    ("units-zero", setting(f"{LSTM}.dense_units", 0), f"{LSTM}.dense_units", r"0 is not allowed; .* an integer >= 1"),
    ("units-bool", setting(f"{LSTM}.lstm_units", True), f"{LSTM}.lstm_units", r"True is not allowed; .* an integer >= 1"),
    ("units-float", setting(f"{LSTM}.lstm_units", 4.5), f"{LSTM}.lstm_units", r"4.5 is not allowed; .* an integer >= 1"),
    ("units-null", setting(f"{LSTM}.dense_units", None), f"{LSTM}.dense_units", r"None is not allowed; .* an integer >= 1"),
    ("dropout-above-one", setting(f"{LSTM}.dropout", 1.5), f"{LSTM}.dropout", r"1.5 is not allowed; .* a finite number >= 0 and < 1"),
    ("dropout-one", setting(f"{LSTM}.dropout", 1), f"{LSTM}.dropout", r"1 is not allowed; .* >= 0 and < 1"),
    ("dropout-negative", setting(f"{LSTM}.dropout", -0.1), f"{LSTM}.dropout", r"-0.1 is not allowed"),
    ("dropout-yaml-exponent", setting(f"{LSTM}.dropout", "1e-3"), f"{LSTM}.dropout", r"'1e-3' is not allowed; .* exponents with a dot"),
    ("activation-unknown", setting(f"{LSTM}.output_activation", "rellu"), f"{LSTM}.output_activation", r"'rellu' is not allowed; .* a string \(one of: celu, elu, .*relu"),
    ("activation-number", setting(f"{DNN}.activation", 3), f"{DNN}.activation", r"3 is not allowed; architecture 'a2_dnn' takes a string"),
    ("layers-zero", setting(f"{DNN}.hidden_layers", 0), f"{DNN}.hidden_layers", r"0 is not allowed; architecture 'a2_dnn' takes an integer >= 1"),
    ("hyperparameter-unknown", setting(LSTM, {"units": 4}), f"{LSTM}.units", r"models.tiny_lstm.hyperparameters.units: architecture 'a0_lstm' has no hyper-parameter units; allowed: dense_units, dropout"),
    ("hyperparameters-list", setting(LSTM, [4]), LSTM, r"\[4\] is not of type 'object'"),
    ("architecture-unknown", setting("models.tiny_lstm.architecture", "gru"), "models.tiny_lstm.architecture", r"models.tiny_lstm.architecture: unknown architecture 'gru'; known: a0_lstm, a2_dnn"),
    # Classical estimators' options, against their signatures.
    ("nls-pad-odd", setting("classical", {"nls": {"pad": 3}}), "classical.nls.pad", r"3 is not allowed; estimator 'nls' takes an integer >= 2, even"),
    ("nls-offset-string", setting("classical", {"nls": {"offset": "no"}}), "classical.nls.offset", r"'no' is not allowed; estimator 'nls' takes true or false"),
    ("nls-option-unknown", setting("classical", {"nls": {"tolerance": 1.0e-6}}), "classical.nls.tolerance", r"estimator 'nls' has no option tolerance; allowed: max_iter, noise, offset, pad, tol"),
    ("nls-tol-zero", setting("classical", {"nls": {"tol": 0}}), "classical.nls.tol", r"0 is not allowed; .* a finite number > 0"),
    ("nls-iterations-float", setting("classical", {"nls": {"max_iter": 2.5}}), "classical.nls.max_iter", r"2.5 is not allowed; .* an integer >= 0"),
    ("fft-iterations-negative", setting("classical", {"fft_interp": {"n_iter": -1}}), "classical.fft_interp.n_iter", r"-1 is not allowed; estimator 'fft_interp' takes an integer >= 0"),
    ("estimator-unknown", setting("classical", {"music": {}}), "classical.music", r"classical.music: unknown estimator; known: fft_interp, nls"),
    ("estimator-options-number", setting("classical", {"nls": 5}), "classical.nls", r"5 is not of type 'object'"),
    # [low, high] ranges and frequency specs.
    ("amplitude-reversed", setting(f"{NOISE}.amplitude", [2, 0.5]), f"{NOISE}.amplitude", r"\[2, 0.5\] is not allowed; give a finite number or \[low, high\] with low <= high"),
    ("time-offset-reversed", setting(f"{A0}.time_offset", [1, 0]), f"{A0}.time_offset", r"\[1, 0\] is not allowed"),
    ("phase-reversed", setting(f"{NOISE}.phase", [6.28, 0]), f"{NOISE}.phase", r"\[6.28, 0\] is not allowed"),
    ("amplitude-infinite", setting(f"{NOISE}.amplitude", [0.5, float("inf")]), f"{NOISE}.amplitude", r"\[0.5, inf\] is not allowed; give a finite number"),
    ("integers-reversed", setting(f"{A0}.train.frequencies", {"integers": [4, 1]}), f"{A0}.train.frequencies.integers", r"\[4, 1\] is not allowed; give \[low, high\] with low <= high"),
    ("integers-negative", setting(f"{A0}.train.frequencies", {"integers": [-1, 4]}), f"{A0}.train.frequencies.integers", r"-1 is less than the minimum of 0"),
    ("linspace-reversed", setting(f"{NOISE}.partition.frequencies", {"linspace": [16, 1, 40]}), f"{NOISE}.partition.frequencies.linspace", r"\[16, 1, 40\] is not allowed; give \[low, high, count\] with low <= high"),
    ("uniform-reversed", setting(f"{NOISE}.partition.frequencies", {"uniform": [5, 1, 40]}), f"{NOISE}.partition.frequencies.uniform", r"\[5, 1, 40\] is not allowed"),
    ("values-empty", setting(f"{A0}.train.frequencies", {"values": []}), f"{A0}.train.frequencies.values", r"\[\] should be non-empty"),
    ("values-nan", setting(f"{A0}.train.frequencies", {"values": [1, float("nan")]}), f"{A0}.train.frequencies.values", r"values\.1: nan is not allowed; it should be a finite number"),
    ("uniform-infinite", setting(f"{NOISE}.partition.frequencies", {"uniform": [1, float("inf"), 40]}), f"{NOISE}.partition.frequencies.uniform", r"uniform\.1: inf is not allowed; it should be a finite number"),
    ("above-nyquist", setting(f"{A0}.train.frequencies", {"integers": [1, 16]}), f"{A0}.train.frequencies", r"datasets.tiny_a0_f5.train.frequencies reaches 16 cycles per window, above Nyquist 15.5 for n_samples 32; lower it or set datasets.tiny_a0_f5.allow_aliasing: true"),
    ("test-size-whole-pool", setting(f"{NOISE}.partition.test_size", 40), f"{NOISE}.partition.test_size", r"40 is not allowed; the pool .* holds 40 series, so at most 39"),
    ("test-size-above-pool", setting(f"{NOISE}.partition.test_size", 100), f"{NOISE}.partition.test_size", r"100 is not allowed"),
    ("test-size-zero", setting(f"{NOISE}.partition.test_size", 0), f"{NOISE}.partition.test_size", r"0 is less than the minimum of 1"),
    ("train-and-partition", setting(f"{NOISE}.train", {"frequencies": {"integers": [1, 2]}}), NOISE, r"datasets.tiny_noise: give either 'train' .* or 'partition'"),
    # Noise levels.
    ("snr-list-infinite", setting(f"{NOISE}.snr_db", [0, float("inf")]), f"{NOISE}.snr_db[1]", r"inf is not allowed; give a finite level in dB"),
    ("snr-nan", setting(f"{A0}.snr_db", float("nan")), f"{A0}.snr_db", r"nan is not allowed; give a finite level in dB"),
    ("snr-string", setting(f"{A0}.snr_db", "loud"), f"{A0}.snr_db", r"'loud' is not of type 'number', 'null', 'array'"),
    # Size: a slip in repeats or counts must not fill the disk.
    ("repeats-huge", setting(f"{A0}.train.repeats", 10**9), A0, r"8,000,000,000 series \(train 4,000,000,000, test 4,000,000,000\) x 32 samples = 2.56e\+11 values, 2.05e\+03 GB as float64, above max_dataset_values 2e\+08 \(1.6 GB\); .* raise max_dataset_values"),
    ("linspace-count-huge", setting(f"{NOISE}.partition.frequencies", {"linspace": [1, 15, 10**8]}), NOISE, r"100,000,000 series .* above max_dataset_values"),
    ("ceiling-lowered", setting("max_dataset_values", 100), A0, r"32 series \(train 16, test 16\) x 32 samples = 1.02e\+03 values, .* above max_dataset_values 100"),
    ("ceiling-zero", setting("max_dataset_values", 0), "max_dataset_values", r"0 is less than or equal to the minimum of 0"),
    ("val-size-huge", setting("models.tiny_estimator.val_size", 10**9), "models.tiny_estimator.val_size", r"1,000,000,000 validation series x 32 samples = 3.2e\+10 values, 256 GB as float64, above max_dataset_values 2e\+08 \(1.6 GB\); lower val_size, or raise max_dataset_values at the top of the config"),
    ("batch-size-huge", setting("models.tiny_estimator.batch_size", 10**9), "models.tiny_estimator.batch_size", r"1,000,000,000 series x 32 samples per batch = 3.2e\+10 values, 256 GB as float64, above max_batch_values 1e\+07 \(0.08 GB\); lower batch_size, or raise max_batch_values"),
    ("batches-per-epoch-huge", setting("models.tiny_hybrid.batches_per_epoch", 10**9), "models.tiny_hybrid.epochs", r"2 epochs x 1,000,000,000 batches x 16 series x 32 samples = 1.02e\+12 values, .* above max_training_values 1e\+12 .*; lower epochs, batches_per_epoch or batch_size, or raise max_training_values"),
    ("epochs-huge", setting("models.tiny_lstm.epochs", 10**9), "models.tiny_lstm.epochs", r"1,000,000,000 epochs x 1 batches per epoch \(18 series of tiny_a0_f10 in batches of 32\) = 1e\+09 training steps, above max_training_steps 1e\+07; lower epochs or raise batch_size, or raise max_training_steps"),
    ("units-huge", setting(f"{LSTM}.lstm_units", 10**6), f"{LSTM}.lstm_units", r"1000000 is not allowed; architecture 'a0_lstm' takes an integer >= 1 and <= 4096; 4096 is a ceiling against a slip that would exhaust memory or time: raise sinefreq.params.MAX_UNITS to go higher"),
    ("layers-huge", setting(f"{DNN}.hidden_layers", 10**4), f"{DNN}.hidden_layers", r"10000 is not allowed; .* <= 64; 64 is a ceiling .* raise sinefreq.params.MAX_LAYERS"),
    ("gauss-newton-steps-huge", setting("models.tiny_hybrid.hyperparameters.steps", 10**9), "models.tiny_hybrid.hyperparameters.steps", r"1000000000 is not allowed; architecture 'hybrid_gn' takes an integer >= 1 and <= 100; .* raise sinefreq.estimators.MAX_STEPS"),
    ("dft-pad-huge", setting("models.tiny_estimator.hyperparameters.pad", 10**7), "models.tiny_estimator.hyperparameters.pad", r"10000000 is not allowed; .* <= 64; .* raise sinefreq.estimators.MAX_PAD"),
    ("dft-series-long", setting("datasets.tiny_a0_f8.n_samples", 10**5), "models.tiny_hybrid.hyperparameters.pad", r"SpectralTransform: series of 100,000 samples at pad 4 need a DFT matrix of 4e\+10 values \(320 GB as float64\), above the ceiling 1e\+08"),
    ("nls-pad-huge", setting("classical", {"nls": {"pad": 10**8}}), "classical.nls.pad", r"16 series \(tiny_a0_f5\) x pad 100,000,000 x 32 samples of spectra = 5.12e\+10 values, 410 GB as float64, above max_dataset_values 2e\+08 \(1.6 GB\); lower pad, or raise max_dataset_values"),
    ("fft-iterations-huge", setting("classical", {"fft_interp": {"n_iter": 10**12}}), "classical.fft_interp.n_iter", r"1,000,000,000,000 iterations x 16 series \(tiny_a0_f5\) x 32 samples = 5.12e\+14 values, .* above max_training_values 1e\+12"),
    ("training-ceiling-lowered", setting("max_training_values", 1000), "models.tiny_lstm.epochs", r"above max_training_values 1e\+03"),
    # Training settings and experiments.
    ("epochs-zero", setting("models.tiny_lstm.epochs", 0), "models.tiny_lstm.epochs", r"0 is less than the minimum of 1"),
    ("repeats-zero", setting(f"{A0}.train.repeats", 0), f"{A0}.train.repeats", r"0 is less than the minimum of 1"),
    ("misspelt-key", setting("models.tiny_lstm.epoch", 3), "models.tiny_lstm", r"'epoch' was unexpected"),
    ("experiment-unknown-model", setting("experiments.sweep.models", ["nope"]), "experiments.sweep.models", r"experiments.sweep.models: unknown nope; defined: tiny_any_length, tiny_any_length_gn, tiny_diverging, tiny_dnn, tiny_estimator, tiny_hybrid, tiny_lstm"),
    ("sweep-unlabelled", setting("experiments.sweep.datasets", ["tiny_noise"]), "experiments.sweep.sweep", r"experiments.sweep.sweep is 'max_freq' but datasets tiny_noise_snr0dB, tiny_noise_snr20dB have no labels.max_freq"),
    ("seed-missing", setting(f"{A0}.seed", DELETE), A0, r"'seed' is a required property"),
    ("epsilon-for-sgd", setting("models.tiny_diverging.epsilon", 1e-8), "models.tiny_diverging", r"epsilon does not apply to optimizer sgd"),
    ("epsilon-zero", setting("models.tiny_lstm.epsilon", 0), "models.tiny_lstm.epsilon", r"0 is less than or equal to the minimum of 0"),
    ("thread-points-unknown-setup", setting("experiments.seeds.thread_points", "A2-lstm"), "experiments.seeds.thread_points", r"'A2-lstm' is not one of \['A0-lstm'\]"),
    ("thread-points-off-the-threads", setting("experiments.seeds.datasets", ["tiny_a0_f8"]), "experiments.seeds.thread_points", r"reported at max_freq 10, 20, 30, but datasets tiny_a0_f8 have no labels.max_freq among those"),
    # From test_config.py's schema and check tables (merged here: one table).
    ("epochs-negative", setting("models.tiny_lstm.epochs", -1), "models.tiny_lstm.epochs", r"-1 is less than the minimum of 1"),
    ("epochs-string", setting("models.tiny_lstm.epochs", "ten"), "models.tiny_lstm.epochs", r"'ten' is not of type 'integer'"),
    ("loss-unknown", setting("models.tiny_lstm.loss", "cross_entropy"), "models.tiny_lstm.loss", r"'cross_entropy' is not one of"),
    ("target-scaling-unknown", setting("models.tiny_lstm.target_scaling", "log"), "models.tiny_lstm.target_scaling", r"'log' is not one of \['none', 'minmax'\]"),
    ("learning-rate-zero", setting("models.tiny_lstm.learning_rate", 0), "models.tiny_lstm.learning_rate", r"0 is less than or equal to the minimum of 0"),
    ("n-samples-two", setting(f"{A0}.n_samples", 2), f"{A0}.n_samples", r"2 is less than the minimum of 4"),
    ("frequencies-range", setting(f"{A0}.train.frequencies", {"range": [1, 4]}), f"{A0}.train.frequencies", r"'range' was unexpected"),
    ("seeds-empty", setting("experiments.sweep.seeds", []), "experiments.sweep.seeds", r"\[\] should be non-empty"),
    ("thread-setup-unknown", setting("experiments.sweep.thread", "A3-lstm"), "experiments.sweep.thread", r"'A3-lstm' is not one of"),
    ("experiments-empty", setting("experiments", {}), "experiments", r"{} should be non-empty"),
    ("estimator-loss-unknown", setting("models.tiny_hybrid.loss", "mean_squared_error"), "models.tiny_hybrid.loss", r"'mean_squared_error' is not one of \['bound', 'mse'\]"),
    ("regime-unknown", setting("models.tiny_hybrid.regime", "fresh"), "models.tiny_hybrid.regime", r"'fresh' is not one of \['thread', 'estimator'\]"),
    ("generator-key-unknown", setting("models.tiny_hybrid.generator", {"freq": [1, 2]}), "models.tiny_hybrid.generator", r"'freq' was unexpected"),
    ("max-minutes-zero", setting("models.tiny_hybrid.max_minutes", 0), "models.tiny_hybrid.max_minutes", r"0 is less than or equal to the minimum of 0"),
    ("kind-unknown", setting("models.tiny_lstm.kind", "magic"), "models.tiny_lstm.kind", r"'magic' is not one of \['learned', 'hybrid', 'thread'\]"),
    ("evaluate-on-empty", setting("experiments.bench.evaluate_on", []), "experiments.bench.evaluate_on", r"\[\] should be non-empty"),
    ("evaluate-on-unknown", with_long_dataset(setting("experiments.bench.evaluate_on", ["tiny_bnech"])), "experiments.bench.evaluate_on", r"experiments.bench.evaluate_on: unknown tiny_bnech; defined: q_long, tiny_a0_f10, tiny_a0_f5"),
    ("evaluate-on-other-length", with_long_dataset(setting("experiments.bench.evaluate_on", ["q_long"])), "experiments.bench.evaluate_on", r"experiments.bench.evaluate_on: dataset q_long has n_samples 64 but the experiment's networks are trained on tiny_a0_f8 with n_samples 32"),
    ("generator-above-nyquist", setting("models.tiny_estimator.generator", {"frequency": [1, 20]}), "models.tiny_estimator.generator", r"models.tiny_estimator.generator: generator spec frequency \(1.0, 20.0\) must lie inside \(0, 15.5\) \(Nyquist\) \(trained on series of n_samples 32\)"),
    ("generator-snr-reversed", setting("models.tiny_estimator.generator", {"snr_db": [20, 0]}), "models.tiny_estimator.generator", r"models.tiny_estimator.generator: generator spec snr_db: need lo <= hi, got \[20, 0\]"),
    ("max-minutes-for-thread-regime", setting("models.tiny_lstm.max_minutes", 5), "models.tiny_lstm", r"models.tiny_lstm: max_minutes only apply with regime: estimator, and this model has regime: thread; remove them or set regime: estimator"),
    ("optimizer-for-estimator-regime", setting("models.tiny_estimator.optimizer", "sgd"), "models.tiny_estimator", r"models.tiny_estimator: optimizer only apply with regime: thread"),
    # An any-length model's lengths (models.tiny_any_length: lengths [32, 64]).
    ("lengths-reversed", setting("models.tiny_any_length.lengths", [64, 32]), "models.tiny_any_length.lengths", r"\[64, 32\] is not allowed; it should be \[shortest, longest\], the shortest first"),
    ("lengths-too-short", setting("models.tiny_any_length.lengths", [8, 64]), "models.tiny_any_length.lengths", r"8 is less than the minimum of 16"),
    ("lengths-fixed-architecture", setting("models.tiny_estimator.lengths", [32, 64]), "models.tiny_estimator.lengths", r"architecture coarse_to_fine takes series of one length; lengths needs an any-length architecture \(coarse_to_fine_any\)"),
    ("lengths-with-a-frequency", setting("models.tiny_any_length.generator", {"frequency": [1, 5]}), "models.tiny_any_length.generator.frequency", r"a model with lengths draws f on \[0.5, Nyquist - 0.5\] at each length; remove it"),
    ("lengths-leave-out-its-dataset", setting("models.tiny_any_length.lengths", [48, 64]), "models.tiny_any_length.lengths", r"\[48, 64\] leaves out n_samples 32 of a dataset it is trained on"),
    ("evaluate-on-beyond-lengths", setting("models.tiny_any_length.lengths", [32, 48]), "experiments.any_length.evaluate_on", r"dataset tiny_bench_n64_snr0dB has n_samples 64 but model tiny_any_length serves lengths 32 to 48 \(models.tiny_any_length.lengths\)"),
    # A model that takes another's trained network (models.tiny_any_length_gn: weights_from
    # tiny_any_length) names an estimator-regime model that trains its own, alike but for
    # layers without weights.
    ("weights-from-unknown", setting(f"{GN}.weights_from", "tiny_any"), f"{GN}.weights_from", r"unknown model 'tiny_any'; allowed: an estimator-regime model that trains its own \(tiny_estimator, tiny_hybrid, tiny_any_length\)"),
    ("weights-from-itself", setting(f"{GN}.weights_from", "tiny_any_length_gn"), f"{GN}.weights_from", r"'tiny_any_length_gn' is this model itself; allowed: "),
    ("weights-from-thread-regime", setting(f"{GN}.weights_from", "tiny_lstm"), f"{GN}.weights_from", r"model tiny_lstm is trained in regime thread; allowed: an estimator-regime model"),
    ("weights-from-a-taker", setting("models.tiny_chain", {**TEST_CONFIG["models"]["tiny_any_length_gn"], "weights_from": "tiny_any_length_gn"}), "models.tiny_chain.weights_from", r"model tiny_any_length_gn takes its weights from tiny_any_length itself; name the model that trains them \(tiny_any_length\)"),
    ("weights-from-other-architecture", setting(f"{GN}.weights_from", "tiny_estimator"), f"{GN}.architecture", r"coarse_to_fine_any is not allowed with weights_from: tiny_estimator, whose network is a coarse_to_fine"),
    ("weights-from-other-units", setting(f"{GN}.hyperparameters.hidden_units", 16), f"{GN}.hyperparameters.hidden_units", r"16 is not allowed with weights_from: tiny_any_length, whose network was trained with 8; make them equal \(a model that takes another's weights may differ from it only in description, kind, max_minutes and hyperparameters steps, float64 \(layers without weights\)\)"),
    ("weights-from-other-lengths", setting(f"{GN}.lengths", [32, 128]), f"{GN}.lengths", r"\[32, 128\] is not allowed with weights_from: tiny_any_length, whose network was trained with \[32, 64\]"),
    ("weights-from-other-epochs", setting(f"{GN}.epochs", 3), f"{GN}.epochs", r"3 is not allowed with weights_from: tiny_any_length, whose network was trained with 2"),
    ("weights-from-other-generator", setting(f"{GN}.generator", {"snr_db": [0, 30]}), f"{GN}.generator.snr_db", r"\[0, 30\] is not allowed with weights_from: tiny_any_length, whose network was trained with \[0, 20\]"),
    ("weights-from-thread-model", setting("models.tiny_lstm.weights_from", "tiny_dnn"), "models.tiny_lstm", r"models.tiny_lstm: weights_from only apply with regime: estimator, and this model has regime: thread"),
    ("weights-from-number", setting(f"{GN}.weights_from", 3), f"{GN}.weights_from", r"3 is not of type 'string'"),
]  # fmt: skip


def assert_refused(error: str, key: str, message: str) -> None:
    assert error, "this config was accepted"
    assert names_key(error, key), f"{key} not named in:\n{error}"
    assert re.search(message, error, re.DOTALL), error


def mutated(change) -> dict:
    cfg = copy.deepcopy(TEST_CONFIG)
    change(cfg)
    return cfg


# Every test below runs each config both ways: loaded (the unit tier) and planned by a
# real dry run (the slow tier: about a second a config).
ROUTES = pytest.mark.parametrize(
    "route", [load_error, pytest.param(dry_run, marks=pytest.mark.slow)], ids=["load", "dry-run"]
)


@ROUTES
@pytest.mark.parametrize(
    ("change", "key", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_refuses(route, change, key, message, tmp_path):
    assert_refused(route(mutated(change), tmp_path), key, message)
    assert not (tmp_path / "data").exists() and not (tmp_path / "results").exists()


@ROUTES
def test_every_problem_is_reported_at_once(route, tmp_path):
    cfg = copy.deepcopy(TEST_CONFIG)
    changes = {
        f"{LSTM}.dropout": 1.5,
        f"{DNN}.hidden_layers": 0,
        f"{A0}.time_offset": [1, 0],
        f"{NOISE}.partition.test_size": 40,
    }
    for path, value in changes.items():
        setting(path, value)(cfg)
    cfg["classical"] = {"nls": {"pad": 3}}
    error = route(cfg, tmp_path)
    for key in [*changes, "classical.nls.pad"]:
        assert names_key(error, key), f"{key} not named in:\n{error}"


TINY_ANY = TEST_CONFIG["models"]["tiny_any_length"]["hyperparameters"]
VALID = [
    ("test-config", lambda cfg: None),
    # Generated SNR names with a minus sign are names like any other.
    ("negative-snr-levels", setting(f"{NOISE}.snr_db", [-10, 2.5])),
    # An experiment may name one SNR level of a dataset by its generated name.
    ("one-snr-level", setting("experiments.noise.datasets", ["tiny_noise_snr20dB"])),
    # Ints are numbers for a float option; a range may be a point.
    ("int-for-float", setting(f"{LSTM}.dropout", 0)),
    ("point-range", setting(f"{A0}.time_offset", [0.5, 0.5])),
    ("estimator-options", setting("classical", {"fft_interp": {"pad": 8}, "nls": {"tol": 1}})),
    # A quoted number is a name like any other.
    ("quoted-number-name", renamed("datasets", "tiny_a0_f5", "1.5")),
    # A model that takes another's network may set its own steps, kind, description and
    # time guard; the workflow trains the run it takes them from where no experiment does.
    (
        "weights-from-own-steps-and-guard",
        lambda cfg: cfg["models"]["tiny_any_length_gn"].update(
            hyperparameters={**TINY_ANY, "steps": 5}, kind="learned", max_minutes=5
        ),
    ),
    (
        "weights-from-a-run-not-asked-for",
        setting("experiments.any_length.models", ["tiny_any_length_gn"]),
    ),
    # A ceiling may be raised.
    (
        "batch-ceiling-raised",
        lambda cfg: cfg.update(
            max_batch_values=1e11,
            models={
                **cfg["models"],
                "tiny_estimator": {**cfg["models"]["tiny_estimator"], "batch_size": 10**9},
            },
        ),
    ),
]


@ROUTES
@pytest.mark.parametrize("change", [c[1] for c in VALID], ids=[c[0] for c in VALID])
def test_plans_valid_variants(route, change, tmp_path):
    """The same routes take well-formed configs: the refusals above are the checks'."""
    assert route(mutated(change), tmp_path) == ""


CONFIG_TEXT = (ROOT / "config" / "test.yaml").read_text()
LINES = CONFIG_TEXT.splitlines(keepends=True)


def _line_of(text: str) -> int:
    """The 1-based line of the config that starts with ``text``."""
    return next(i for i, line in enumerate(LINES, 1) if line.startswith(text))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        # a dataset block pasted twice
        (
            lambda text: text.replace(
                "  tiny_noise:\n", "  tiny_a0_f8: {<<: *tiny}\n  tiny_noise:\n"
            ),
            rf"config.yaml: key 'tiny_a0_f8' appears twice in 'datasets', at lines "
            rf"{_line_of('  tiny_a0_f8:')} and {_line_of('  tiny_noise:')}; keep one",
        ),
        # a key written twice in one model
        (
            lambda text: text.replace("    epochs: 2\n", "    epochs: 2\n    epochs: 3\n", 1),
            rf"key 'epochs' appears twice in 'models.tiny_lstm', at lines "
            rf"{_line_of('    epochs: 2')} and {_line_of('    epochs: 2') + 1}",
        ),
    ],
    ids=["dataset-pasted-twice", "model-key-twice"],
)
@ROUTES
def test_refuses_a_key_written_twice(route, edit, message, tmp_path):
    text = edit(CONFIG_TEXT)
    assert text != CONFIG_TEXT
    error = route(text, tmp_path)
    assert re.search(message, error), error


@ROUTES
def test_merged_keys_overridden_are_not_duplicates(route, tmp_path):
    """config/test.yaml overrides keys that `<<: *tiny` brings in: that plans."""
    assert "<<: *tiny" in CONFIG_TEXT
    assert route(CONFIG_TEXT, tmp_path) == ""

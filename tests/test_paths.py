"""sinefreq.paths: the templates, their fields read back, and that the rules, the run
identity and the speed table take every output path from them."""

import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

from sinefreq import config, paths, speed

from .conftest import ROOT, copy_workflow, run_snakemake

VALUES = {
    "dataset": "d1",
    "model": "m.v2",
    "seed": "3",
    "method": "nls",
    "test": "d2_snr0dB",
    "family": "d2",
    "experiment": "e-1",
    "sweep": "snr_db",
}


def test_fill_keeps_the_fields_it_is_not_given_as_wildcards():
    assert paths.fill(paths.RUN_MODEL, seed=0) == "results/runs/{dataset}/{model}/seed0/model.keras"
    with pytest.raises(KeyError, match=r"has no field method; its fields: dataset, model, seed"):
        paths.fill(paths.RUN_MODEL, method="nls")


@pytest.mark.parametrize(
    "template",
    [value for name, value in vars(paths).items() if name.isupper() and isinstance(value, str)],
)
def test_parse_reads_back_what_fill_wrote(template):
    values = {field: VALUES.get(field, "x") for field in paths.fields(template)}
    assert paths.parse(template, paths.fill(template, **values)) == values
    assert paths.parse(template, paths.fill(template, **values) + "/more") is None


def test_a_repeated_field_must_repeat_its_value():
    assert paths.parse("{a}/x/{a}", "p/x/p") == {"a": "p"}
    assert paths.parse("{a}/x/{a}", "p/x/q") is None
    assert paths.parse("seed{seed}.tsv", "seed1.tsv") == {"seed": "1"}
    assert paths.parse("a.{b}", "aXc") is None  # literal text is literal, dots included


@pytest.mark.parametrize("rule", sorted(paths.JOBS))
def test_every_job_has_a_log_and_a_benchmarked_one_a_benchmark(rule):
    values = {field: VALUES[field] for field in paths.fields(paths.JOBS[rule])}
    assert paths.parse(paths.JOBS[rule], paths.log(rule, **values)[5:-4]) == values
    if rule in paths.BENCHMARKED:
        assert paths.benchmark(rule).startswith(f"{paths.BENCHMARKS}/")
    else:
        with pytest.raises(ValueError, match=f"rule '{rule}' has no benchmark; rules with one"):
            paths.benchmark(rule)


@pytest.mark.parametrize("rule", paths.BENCHMARKED)
def test_a_benchmarked_jobs_name_reads_back_as_its_rule_alone(rule):
    values = {field: VALUES[field] for field in paths.fields(paths.JOBS[rule])}
    assert paths.job_of(paths.fill(paths.JOBS[rule], **values)) == (rule, values)


def test_job_of_names_the_rules_a_name_matches():
    with pytest.raises(ValueError, match="'nothing/here'.*matches none"):
        paths.job_of("nothing/here")
    # the figure rules' names need not tell them apart: they have no benchmark
    with pytest.raises(ValueError, match="matches experiment_figures, frequency_figure"):
        paths.job_of("figures/e_error_vs_frequency", ["experiment_figures", "frequency_figure"])


def test_under_moves_a_results_file_to_another_results_folder(tmp_path):
    assert paths.under("results/runs/d/m/seed0/x", tmp_path) == tmp_path / "runs/d/m/seed0/x"
    with pytest.raises(ValueError):
        paths.under("logs/x.log", tmp_path)


def test_a_runs_identity_is_the_run_template():
    run = config.Run("d1", "m", 2)
    assert run.path == "d1/m/seed2"
    assert paths.fill(paths.RUN_DIR, **run._asdict()) == f"results/runs/{run.path}"


def test_speed_reads_jobs_and_records_with_the_templates(monkeypatch):
    assert speed.rule_of("evaluate/d1/m") == "evaluate"
    assert speed.rule_of("classical/d1") == "classical"
    records = {
        "train/d1/m/seed0": [paths.fill(paths.RUN_TRAINING, dataset="d1", model="m", seed=0)]
    }
    assert speed.work_records("train/d1/m/seed0", "out", records) == [
        Path("out/runs/d1/m/seed0/training.json")
    ]
    # a job renamed in paths.JOBS is read back under its new name only
    monkeypatch.setitem(paths.JOBS, "train", "fit/{dataset}/{model}/seed{seed}")
    assert speed.rule_of("fit/d1/m/seed0") == "train"
    with pytest.raises(ValueError, match="'train/d1/m/seed0'"):
        speed.rule_of("train/d1/m/seed0")


def string_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each one-line string literal of a Snakefile or .smk file, f-strings
    whole (docstrings, triple-quoted, are prose)."""
    source = path.read_text()
    lines = source.splitlines(keepends=True)
    found, start = [], None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        name = tokenize.tok_name[tok.type]
        if name == "FSTRING_START":  # Python 3.12 splits f-strings into parts
            start = tok.start
        elif name == "FSTRING_END":
            found.append((start[0], lines[start[0] - 1][start[1] : tok.end[1]]))
        elif tok.type == tokenize.STRING and not re.match(r"[a-zA-Z]*('''|\"\"\")", tok.string):
            found.append((tok.start[0], tok.string))
    return found


WORKFLOW_FILES = [ROOT / "Snakefile", *sorted((ROOT / "rules").glob("*.smk"))]
# Paths the rules may spell: relative to the rules folder (scripts, envs, the schema,
# captions as report() wants them), the included rule files, the default config, and
# f-strings that join a name to a template of sinefreq.paths.
NOT_OUTPUTS = ("../", "rules/", "config/", "{paths.")
OUTPUT_ROOTS = (paths.RESULTS, paths.LOGS, Path(paths.DATASET).parts[0])


def spells_a_path(literal: str) -> bool:
    """Whether a string literal names an output: a path under an output folder, or any
    path (a ``/`` outside its fields) that is not one of NOT_OUTPUTS."""
    text = re.sub(r"^[a-zA-Z]*[\"']|[\"']$", "", literal)
    if text.split("/")[0] in OUTPUT_ROOTS:
        return True
    return "/" in re.sub(r"\{[^}]*\}", "", text) and not text.startswith(NOT_OUTPUTS)


def test_spells_a_path_tells_outputs_from_code_paths():
    outputs = ['"results/x.csv"', 'f"logs/{rule}.log"', '"data/{dataset}.h5"', '"a/{b}/c"']
    code = ['"../scripts/x.py"', '"rules/common.smk"', 'f"{paths.RUN_DIR}/{name}"', '"results"']
    assert [spells_a_path(s) for s in outputs + code] == [True] * 4 + [False, False, False, True]


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_the_rules_spell_no_output_path(path):
    literals = string_literals(path)
    assert literals, f"no string literals read from {path}"
    spelled = [f"{path.name}:{line}: {text}" for line, text in literals if spells_a_path(text)]
    assert not spelled, "paths spelled outside sinefreq.paths:\n" + "\n".join(spelled)


def planned_files(workdir: Path) -> set[str]:
    """Every input, output, log and benchmark file of a forced dry run of the tiny study."""
    proc = run_snakemake(
        "-n",
        "--forceall",
        "--configfile",
        "config/test.yaml",
        cwd=workdir,
        snakefile=workdir / "Snakefile",
    )
    files = set()
    for line in proc.stdout.splitlines():
        key, _, value = line.strip().partition(": ")
        if key in ("input", "output", "log", "benchmark"):
            files |= set(value.split(", "))
    return files


def test_renaming_an_output_folder_is_one_line_in_paths(tmp_path):
    """Runs' folder renamed in paths.py alone: the rules plan the same files under the new
    name, and the speed table finds their records there."""
    workdir = copy_workflow(tmp_path / "workflow")
    module = workdir / "src" / "sinefreq" / "paths.py"
    old = 'RUN_DIR = f"{RESULTS}/runs/{RUN}"\n'
    text = module.read_text()
    assert text.count(old) == 1
    before = planned_files(workdir)
    module.write_text(text.replace(old, 'RUN_DIR = f"{RESULTS}/trained/{RUN}"\n'))
    after = planned_files(workdir)
    moved = {f.replace("results/runs/", "results/trained/", 1) for f in before}
    assert any(f.startswith("results/runs/") for f in before)
    assert after == moved
    probe = (
        "from sinefreq import config, paths; "
        "print(paths.evaluation(paths.METRICS, 'd', 'm', 0, 't'), config.Run('d', 'm', 0).path)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(workdir / "src")},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["results/trained/d/m/seed0/on/t/metrics.json", "d/m/seed0"]

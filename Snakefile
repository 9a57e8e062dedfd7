# sinefreq: can a neural network learn the frequency of a sine wave?
# The DAG: datasets -> train -> evaluate -> aggregate -> figures (see README.md).

from snakemake.utils import min_version, validate

min_version("9.0")


# The default study, unless --configfile names another: a second study replaces it rather
# than being merged into it (Snakemake's default would merge the two).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


# Checks the config (its files' keys, its names, the schema, then sinefreq.config.check).
include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/train.smk"
include: "rules/evaluate.smk"
include: "rules/classical.smk"
include: "rules/figures.smk"
include: "rules/leaderboard.smk"
include: "rules/paper.smk"
include: "rules/speed.smk"


# The front page and captions are written from the study's tables (rules/paper.smk), so
# every number in the report is the run's own.
report: paths.REPORT_PAGE


rule all:
    default_target: True
    input:
        all_outputs(),


# Named parts of the study, for a reader who wants one answer without running all of it
# (`snakemake thread_setups --cores 2`: the thread's setups and its numbers' seed
# experiment); `leaderboard` is a rule of its own. The tables, the sweep figures and the
# seed distributions compare every run, so only the default target writes them.
rule thread_setups:
    input:
        experiment_outputs([*thread_experiments(), *seed_experiments()]),

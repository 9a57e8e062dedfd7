"""Rules evaluate_<family>_<model>: predict both splits of each test dataset with each trained
run of a group; write each evaluation's metrics and predictions."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.evaluate(
        snakemake.params.evaluations,
        snakemake.output.metrics,
        snakemake.output.predictions,
        snakemake.params.backend,
    )

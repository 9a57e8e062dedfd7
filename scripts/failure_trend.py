"""Rule failure_trend: an experiment's failure rate along its label, and its trend test."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.failure_trend(
        snakemake.input.runs,
        snakemake.wildcards.experiment,
        snakemake.params.experiment,
        snakemake.params.labels,
        dict(snakemake.output.items()),
    )

"""Rule sweep_figure: error against a swept dataset label."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.sweep_figure(
        snakemake.config,
        snakemake.wildcards.experiment,
        snakemake.input.summary,
        snakemake.output[0],
    )

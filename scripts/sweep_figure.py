"""Rule sweep_figure: error against a swept dataset label."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.sweep_figure(
        snakemake.wildcards.experiment,
        snakemake.input.summary,
        snakemake.wildcards.sweep,
        snakemake.params.labels,
        snakemake.params.models,
        snakemake.params.classical,
        snakemake.params.thread_points,
        snakemake.output[0],
    )

"""Rule experiment_figures: predicted-vs-true and learning curves of one experiment."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.experiment_figures(
        snakemake.wildcards.experiment,
        snakemake.input.predictions,
        snakemake.input.histories,
        snakemake.params.nyquist,
        snakemake.params.loss,
        dict(snakemake.output.items()),
    )

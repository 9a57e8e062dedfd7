"""Rule frequency_figure: held-out error against true frequency, networks and classical."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.frequency_figure(
        snakemake.wildcards.experiment,
        snakemake.input,
        snakemake.params.nyquist,
        snakemake.output[0],
    )

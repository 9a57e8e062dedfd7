"""Rule frequency_figure: held-out error against true frequency, networks and classical."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.frequency_figure(
        snakemake.config, snakemake.wildcards.experiment, snakemake.input, snakemake.output[0]
    )

"""Rule speed: time per rule, from the study's benchmark files."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.speed(
        snakemake.input.benchmarks,
        snakemake.params.records,
        snakemake.output[0],
    )

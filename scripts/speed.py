"""Rule speed: time per rule, from the study's benchmark files."""

from sinefreq import speed, steps

with steps.logged(snakemake.log[0]):
    speed.write_summary(snakemake.input.benchmarks, snakemake.output[0])

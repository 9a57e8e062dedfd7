"""Rule bound: the Cramer-Rao bound of each split of a dataset."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.bound(snakemake.input.dataset, snakemake.output[0])

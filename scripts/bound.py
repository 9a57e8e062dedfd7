"""Rule bound_<family>: the Cramer-Rao bound of each split of each dataset of a family."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.bounds(snakemake.input.dataset, snakemake.output)

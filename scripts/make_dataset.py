"""Rule dataset_<family>: generate data/{dataset}.h5 of each dataset of a family from its
config entry."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.make_datasets(snakemake.params.specs, snakemake.output)

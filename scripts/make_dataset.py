"""Rule dataset: generate data/{dataset}.h5 from its config entry."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.make_dataset(snakemake.wildcards.dataset, snakemake.params.spec, snakemake.output[0])

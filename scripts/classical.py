"""Rule classical: a classical estimator on both splits of a dataset."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.classical_estimate(
        snakemake.input.dataset,
        snakemake.wildcards.method,
        snakemake.params.options,
        dict(snakemake.output.items()),
    )

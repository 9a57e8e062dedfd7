"""Rule aggregate: runs table, summary over seeds, thread comparison."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.aggregate(
        snakemake.config,
        [*snakemake.input.metrics, *snakemake.input.classical],
        snakemake.input.bounds,
        dict(snakemake.output.items()),
    )

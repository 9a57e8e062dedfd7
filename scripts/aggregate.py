"""Rule aggregate: runs table, summary over seeds, thread comparison."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.aggregate(
        [*snakemake.input.metrics, *snakemake.input.classical],
        snakemake.input.bounds,
        snakemake.params.experiments,
        snakemake.params.labels,
        dict(snakemake.output.items()),
    )

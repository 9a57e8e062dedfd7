"""Rule seed_distribution: the thread's numbers among our seeds (table and figure)."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.seed_distribution(
        snakemake.input.runs,
        snakemake.params.experiment,
        snakemake.params.labels,
        dict(snakemake.output.items()),
    )

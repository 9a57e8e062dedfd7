"""Rule by_frequency: the leaderboard's error against frequency (table and figure)."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.by_frequency(
        snakemake.input.metrics,
        snakemake.input.predictions,
        snakemake.input.bounds,
        snakemake.params.tests,
        snakemake.params.kinds,
        dict(snakemake.output.items()),
    )

"""Rule by_frequency: the leaderboard's error against frequency (table and figure)."""

from sinefreq import paper, steps

with steps.logged(snakemake.log[0]):
    paper.by_frequency_step(
        snakemake.input.metrics,
        snakemake.input.bounds,
        snakemake.params.tests,
        snakemake.params.kinds,
        dict(snakemake.output.items()),
    )

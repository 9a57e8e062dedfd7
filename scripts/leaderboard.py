"""Rule leaderboard: every estimator on the evaluate_on datasets, table and figure."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.leaderboard(
        snakemake.input.metrics,
        snakemake.input.predictions,
        snakemake.input.bounds,
        snakemake.params.tests,
        snakemake.params.kinds,
        dict(snakemake.output.items()),
    )

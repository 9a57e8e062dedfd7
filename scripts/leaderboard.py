"""Rule leaderboard: every estimator on the evaluate_on datasets, table and figure."""

from pathlib import Path

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.leaderboard(
        [str(Path(p).parent) for p in snakemake.input.metrics],
        snakemake.input.bounds,
        snakemake.params.tests,
        snakemake.params.kinds,
        dict(snakemake.output.items()),
    )

"""Rule seed_distribution: the thread's numbers among our seeds (table and figure)."""

from sinefreq import paper, steps

with steps.logged(snakemake.log[0]):
    paper.seed_distribution_step(
        snakemake.input.runs,
        snakemake.params.experiment,
        snakemake.params.labels,
        dict(snakemake.output.items()),
    )

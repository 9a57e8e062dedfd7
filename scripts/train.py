"""Rule train: fit one (dataset, model, seed) run and save it."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.train(
        snakemake.input.dataset,
        snakemake.params.settings,
        snakemake.params.seed,
        snakemake.threads,
        dict(snakemake.output.items()),
        snakemake.params.backend,
    )

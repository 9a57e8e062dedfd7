"""Rule evaluate: predict both splits with a trained run; write metrics and predictions."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.evaluate(
        snakemake.input.dataset,
        snakemake.input.model,
        snakemake.input.status,
        snakemake.params.run,
        dict(snakemake.output.items()),
        snakemake.params.backend,
    )

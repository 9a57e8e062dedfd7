"""Rules evaluate and evaluate_on_*: predict both splits of each dataset (the run's own, or
every dataset of an evaluate_on family) with a trained run; write metrics and predictions."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.evaluate(
        snakemake.input.dataset,
        snakemake.input.model,
        snakemake.input.status,
        snakemake.params.run,
        snakemake.output.metrics,
        snakemake.output.predictions,
        snakemake.params.backend,
    )

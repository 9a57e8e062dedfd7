"""Rules classical_<family>: each classical estimator on both splits of each dataset of a
family."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.classical_estimates(
        snakemake.input.dataset,
        snakemake.params.methods,
        snakemake.output.metrics,
        snakemake.output.predictions,
    )

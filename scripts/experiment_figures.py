"""Rule experiment_figures: predicted-vs-true and learning curves of one experiment."""

from sinefreq import steps
from sinefreq.config import experiment_runs

with steps.logged(snakemake.log[0]):
    runs = experiment_runs(snakemake.config, snakemake.wildcards.experiment)
    files = {
        run: {"predictions": p, "history": h}
        for run, p, h in zip(
            runs, snakemake.input.predictions, snakemake.input.histories, strict=True
        )
    }
    steps.experiment_figures(
        snakemake.config, snakemake.wildcards.experiment, files, dict(snakemake.output.items())
    )

"""Rules evaluate and evaluate_on_*: predict both splits of one dataset (evaluate) or of
every level of an evaluate_on family with a trained run; write metrics and predictions."""

from sinefreq import steps


def as_list(files):
    """A rule's file or list of files, as a list (evaluate names one, evaluate_on_* many)."""
    return [files] if isinstance(files, str) else list(files)


with steps.logged(snakemake.log[0]):
    steps.evaluate(
        as_list(snakemake.input.dataset),
        snakemake.input.model,
        snakemake.input.status,
        snakemake.params.run,
        [
            {"metrics": m, "predictions": p}
            for m, p in zip(
                as_list(snakemake.output.metrics),
                as_list(snakemake.output.predictions),
                strict=True,
            )
        ],
        snakemake.params.backend,
    )

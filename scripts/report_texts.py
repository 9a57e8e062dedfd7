"""Rule report_texts: the report's front page and captions, from the study's tables."""

from sinefreq import steps

with steps.logged(snakemake.log[0]):
    steps.report_texts(
        dict(snakemake.input.items()),
        snakemake.params.experiments,
        snakemake.params.labels,
        dict(snakemake.output.items()),
    )

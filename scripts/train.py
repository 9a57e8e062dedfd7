"""Rule train: fit one (dataset, model, seed) run and save it."""

from sinefreq import steps

# A model with weights_from: the files of the run whose network it takes (base_model, ...).
base = {k.removeprefix("base_"): v for k, v in snakemake.input.items() if k.startswith("base_")}

with steps.logged(snakemake.log[0]):
    steps.train(
        snakemake.input.dataset,
        snakemake.params.settings,
        snakemake.params.seed,
        snakemake.threads,
        dict(snakemake.output.items()),
        snakemake.params.backend,
        base=base or None,
    )

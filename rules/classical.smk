# The classical estimators and the bounds, one job per family of datasets (all levels of
# an SNR list, or one dataset): rules classical_<family> (every estimator of the config on
# each dataset of the family) and bound_<family>.
for family, datasets in DATASET_FAMILIES.items():

    rule:
        name:
            f"classical_{family}"
        input:
            dataset=[paths.fill(paths.DATASET, dataset=d) for d in datasets],
        output:
            metrics=classical_files(paths.CLASSICAL_METRICS, datasets),
            predictions=classical_files(paths.CLASSICAL_PREDICTIONS, datasets),
        log:
            paths.log("classical", family=family),
        benchmark:
            paths.benchmark("classical", family=family)
        conda:
            ENV
        threads: 1
        resources:
            mem_mb=2000,
            runtime=15 * len(datasets),
        params:
            methods=config["classical"],
            code=step_code("classical_estimates"),
        script:
            "../scripts/classical.py"

    rule:
        name:
            f"bound_{family}"
        input:
            dataset=[paths.fill(paths.DATASET, dataset=d) for d in datasets],
        output:
            [paths.fill(paths.BOUND, dataset=d) for d in datasets],
        log:
            paths.log("bound", family=family),
        conda:
            ENV
        threads: 1
        resources:
            mem_mb=2000,
            runtime=15 * len(datasets),
        params:
            code=step_code("bounds"),
        script:
            "../scripts/bound.py"

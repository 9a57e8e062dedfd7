# One job per family of datasets (all levels of an SNR list, or one dataset): the
# datasets are drawn in seconds, a job's start-up costs more. Rule dataset_<family>.
for family, datasets in DATASET_FAMILIES.items():

    rule:
        name:
            f"dataset_{family}"
        output:
            [paths.fill(paths.DATASET, dataset=d) for d in datasets],
        log:
            paths.log("dataset", family=family),
        conda:
            ENV
        threads: 1
        resources:
            mem_mb=2000,
            runtime=15 * len(datasets),
        params:
            specs={d: config["datasets"][d] for d in datasets},
            code=step_code("make_datasets"),
        script:
            "../scripts/make_dataset.py"

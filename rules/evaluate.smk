# A run on its own dataset. Its files are lists of one, as evaluate_on_<family>'s are lists
# of the family's datasets: the same script and step serve both.
rule evaluate:
    input:
        dataset=[paths.DATASET],
        model=paths.RUN_MODEL,
        status=paths.RUN_TRAINING,
    output:
        metrics=[paths.RUN_METRICS],
        predictions=[paths.RUN_PREDICTIONS],
    log:
        paths.log("evaluate"),
    benchmark:
        paths.benchmark("evaluate")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        run=run_identity,
        backend=config["keras_backend"],
        code=step_code("evaluate"),
    script:
        "../scripts/evaluate.py"


# The same step on the datasets an experiment names in evaluate_on: one job per run and
# family (all levels of an SNR list, or one dataset), loading the model once; a job's
# start-up costs more than its predictions. Rule evaluate_on_<family>, one per family.
for family, tests in EVALUATION_FAMILIES.items():

    rule:
        name:
            f"evaluate_on_{family}"
        input:
            dataset=[paths.fill(paths.DATASET, dataset=test) for test in tests],
            model=paths.RUN_MODEL,
            status=paths.RUN_TRAINING,
        output:
            metrics=[paths.fill(paths.CROSS_METRICS, test=test) for test in tests],
            predictions=[
                paths.fill(paths.CROSS_PREDICTIONS, test=test) for test in tests
            ],
        log:
            paths.log("evaluate_on", family=family),
        benchmark:
            paths.benchmark("evaluate_on", family=family)
        conda:
            ENV
        threads: 1
        resources:
            mem_mb=2000,
            runtime=15 * len(tests),
        params:
            run=run_identity,
            backend=config["keras_backend"],
            code=step_code("evaluate"),
        script:
            "../scripts/evaluate.py"


rule aggregate:
    input:
        metrics=[*run_files(RUNS, paths.RUN_METRICS), *cross_files(paths.CROSS_METRICS)],
        classical=expand(
            paths.CLASSICAL_METRICS,
            dataset=config["datasets"],
            method=config["classical"],
        ),
        bounds=expand(paths.BOUND, dataset=config["datasets"]),
    output:
        runs=report(
            paths.RUNS_TABLE,
            caption=caption_of("runs_table"),
            category=paper.ALL_RUNS,
            labels={"table": "every evaluation"},
        ),
        summary=report(
            paths.SUMMARY_TABLE,
            caption=caption_of("summary_table"),
            category=paper.ALL_RUNS,
            labels={"table": "statistics over seeds"},
        ),
        thread_csv=paths.THREAD_TABLE,
        thread_md=report(
            paths.THREAD_MARKDOWN,
            caption=caption_of("thread_table"),
            category=paper.THREAD,
            labels={"table": "the thread beside us"},
        ),
    log:
        paths.log("aggregate"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        experiments=config["experiments"],
        labels={d: spec["labels"] for d, spec in config["datasets"].items()},
        code=step_code("aggregate"),
    script:
        "../scripts/aggregate.py"

# Every run of a model on a family of datasets (an SNR list's levels, or one dataset), each
# on its own dataset and on those its experiments' evaluate_on name: one job, which starts
# Keras once and loads each model once (a job's start-up costs more than its predictions).
# Rule evaluate_<family>_<model>, one per such group.
for (family, model), evaluations in EVALUATION_GROUPS.items():
    group_runs = sorted({run for run, _ in evaluations})

    rule:
        name:
            f"evaluate_{family}_{model}"
        input:
            dataset=sorted(
                {paths.fill(paths.DATASET, dataset=t) for _, t in evaluations}
            ),
            model=run_files(group_runs, paths.RUN_MODEL),
            status=run_files(group_runs, paths.RUN_TRAINING),
        output:
            metrics=[paths.evaluation(paths.METRICS, *r, t) for r, t in evaluations],
            predictions=[
                paths.evaluation(paths.PREDICTIONS, *r, t) for r, t in evaluations
            ],
        log:
            paths.log("evaluate", family=family, model=model),
        benchmark:
            paths.benchmark("evaluate", family=family, model=model)
        conda:
            ENV
        threads: 1
        resources:
            mem_mb=2000,
            runtime=5 + len(evaluations),
        params:
            evaluations=[
                {
                    "run": run._asdict(),
                    "dataset": paths.fill(paths.DATASET, dataset=test),
                    "model": paths.fill(paths.RUN_MODEL, **run._asdict()),
                    "status": paths.fill(paths.RUN_TRAINING, **run._asdict()),
                }
                for run, test in evaluations
            ],
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

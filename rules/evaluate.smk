# A run on its own dataset. Its files are lists of one, as evaluate_on_<family>'s are lists
# of the family's datasets: the same script and step serve both.
rule evaluate:
    input:
        dataset=["data/{dataset}.h5"],
        model=run_path("model.keras"),
        status=run_path("training.json"),
    output:
        metrics=[run_path("metrics.json")],
        predictions=[run_path("predictions.h5")],
    log:
        f"logs/evaluate/{RUN}.log",
    benchmark:
        f"results/benchmarks/evaluate/{RUN}.tsv"
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
            dataset=[f"data/{test}.h5" for test in tests],
            model=run_path("model.keras"),
            status=run_path("training.json"),
        output:
            metrics=[cross_path("metrics.json", test) for test in tests],
            predictions=[cross_path("predictions.h5", test) for test in tests],
        log:
            f"logs/evaluate/{RUN}/on/{family}.log",
        benchmark:
            f"results/benchmarks/evaluate/{RUN}/on/{family}.tsv"
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
        metrics=[*run_files(RUNS, "metrics.json"), *cross_files("metrics.json")],
        classical=expand(
            "results/classical/{dataset}/{method}/metrics.json",
            dataset=config["datasets"],
            method=config["classical"],
        ),
        bounds=expand("results/bounds/{dataset}.json", dataset=config["datasets"]),
    output:
        runs=report(
            "results/runs.csv",
            caption=caption_of("runs_table"),
            category=paper.ALL_RUNS,
            labels={"table": "every evaluation"},
        ),
        summary=report(
            "results/summary.csv",
            caption=caption_of("summary_table"),
            category=paper.ALL_RUNS,
            labels={"table": "statistics over seeds"},
        ),
        thread_csv="results/thread_comparison.csv",
        thread_md=report(
            "results/thread_comparison.md",
            caption=caption_of("thread_table"),
            category=paper.THREAD,
            labels={"table": "the thread beside us"},
        ),
    log:
        "logs/aggregate.log",
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

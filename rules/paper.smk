# The study as a paper: the thread's numbers among our seeds, where the estimators lose to
# the bound, and the report's front page and captions, written from the study's tables.


rule seed_distribution:
    input:
        runs=paths.RUNS_TABLE,
    output:
        table=report(
            paths.SEED_TABLE,
            caption=caption_of("seed_table"),
            category=paper.THREAD,
            labels={"table": "the thread among our seeds ({experiment})"},
        ),
        figure=report(
            paths.figure("train_mae_by_seed"),
            caption=caption_of("seed_distribution"),
            category=paper.THREAD,
            subcategory="{experiment}",
            labels={
                "experiment": "{experiment}",
                "figure": "the thread among our seeds",
            },
        ),
        figure_pdf=paths.figure("train_mae_by_seed", "pdf"),
    log:
        paths.log("seed_distribution"),
    wildcard_constraints:
        experiment="|".join(seed_experiments()) or "^$",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        experiment=lambda w: config["experiments"][w.experiment],
        labels=lambda w: dataset_labels(config["experiments"][w.experiment]["datasets"]),
        code=step_code("seed_distribution"),
    script:
        "../scripts/seed_distribution.py"


rule by_frequency:
    input:
        metrics=leaderboard_evaluations(paths.METRICS),
        bounds=expand(paths.BOUND, dataset=BENCHMARKS),
    output:
        table=report(
            paths.BY_FREQUENCY_TABLE,
            caption=caption_of("by_frequency_table"),
            category=paper.LEADERBOARD,
            labels={"table": "error near the band edges"},
        ),
        figure=report(
            paths.figure("error_by_frequency", experiment=paths.LEADERBOARD_FIGURES),
            caption=caption_of("by_frequency"),
            category=paper.LEADERBOARD,
            subcategory="leaderboard",
            labels={"experiment": "leaderboard", "figure": "error against frequency"},
        ),
        figure_pdf=paths.figure(
            "error_by_frequency", "pdf", experiment=paths.LEADERBOARD_FIGURES
        ),
    log:
        paths.log("by_frequency"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        tests=leaderboard_tests(),
        kinds={m: study.model_kind(config, m) for m in config["models"]},
        code=step_code("by_frequency"),
    script:
        "../scripts/by_frequency.py"


rule report_texts:
    input:
        unpack(report_text_inputs),
    output:
        **{name: caption_path(name) for name in paper.CAPTIONS},
        workflow=paths.REPORT_PAGE,
    log:
        paths.log("report_texts"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        experiments=config["experiments"],
        labels=dataset_labels(config["datasets"]),
        code=step_code("report_texts"),
    script:
        "../scripts/report_texts.py"

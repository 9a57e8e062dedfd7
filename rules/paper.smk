# The study as a paper: the thread's numbers among our seeds, where the estimators lose to
# the bound, and the report's facts (facts.json, from the study's tables) with the front
# page and captions its templates (report/) make of them.


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


rule failure_trend:
    input:
        runs=paths.RUNS_TABLE,
    output:
        table=report(
            paths.FAILURE_TREND_TABLE,
            caption=caption_of("failure_trend_table"),
            category=experiment_category,
            labels={"table": "failure rate along the sweep ({experiment})"},
        ),
        figure=report(
            paths.figure("failure_rate"),
            caption=caption_of("failure_trend"),
            category=experiment_category,
            subcategory="{experiment}",
            labels={"experiment": "{experiment}", "figure": "failure rate"},
        ),
        figure_pdf=paths.figure("failure_rate", "pdf"),
    log:
        paths.log("failure_trend"),
    wildcard_constraints:
        experiment="|".join(trend_experiments()) or "^$",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        experiment=lambda w: config["experiments"][w.experiment],
        labels=lambda w: dataset_labels(config["experiments"][w.experiment]["datasets"]),
        code=step_code("failure_trend"),
    script:
        "../scripts/failure_trend.py"


rule by_frequency:
    input:
        metrics=leaderboard_evaluations(paths.METRICS),
        predictions=leaderboard_evaluations(paths.PREDICTIONS),
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
        **{name: caption_path(name) for name in texts.caption_names(REPORT_TEMPLATES)},
        workflow=paths.REPORT_PAGE,
        facts=paths.REPORT_FACTS,
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

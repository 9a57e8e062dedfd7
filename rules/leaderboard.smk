rule leaderboard:
    input:
        metrics=leaderboard_evaluations(paths.METRICS),
        predictions=leaderboard_evaluations(paths.PREDICTIONS),
        bounds=expand(paths.BOUND, dataset=BENCHMARKS),
    output:
        table=report(
            paths.LEADERBOARD_TABLE,
            caption=caption_of("leaderboard_table"),
            category=paper.LEADERBOARD,
            labels={"table": "leaderboard"},
        ),
        figure=report(
            paths.figure("rmse_vs_snr", experiment=paths.LEADERBOARD_FIGURES),
            caption=caption_of("leaderboard"),
            category=paper.LEADERBOARD,
            subcategory="leaderboard",
            labels={"experiment": "leaderboard", "figure": "RMSE vs SNR"},
        ),
        # written by plots.save beside the PNG
        figure_pdf=paths.figure(
            "rmse_vs_snr", "pdf", experiment=paths.LEADERBOARD_FIGURES
        ),
    log:
        paths.log("leaderboard"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=15,
    params:
        tests=leaderboard_tests(),
        kinds={m: study.model_kind(config, m) for m in config["models"]},
        code=step_code("leaderboard"),
    script:
        "../scripts/leaderboard.py"

rule leaderboard:
    input:
        metrics=leaderboard_evaluations("metrics.json"),
        predictions=leaderboard_evaluations("predictions.h5"),
        bounds=expand("results/bounds/{dataset}.json", dataset=BENCHMARKS),
    output:
        table=report(
            "results/leaderboard.csv",
            caption=caption_of("leaderboard_table"),
            category=paper.LEADERBOARD,
            labels={"table": "leaderboard"},
        ),
        figure=report(
            "results/figures/leaderboard/rmse_vs_snr.png",
            caption=caption_of("leaderboard"),
            category=paper.LEADERBOARD,
            subcategory="leaderboard",
            labels={"experiment": "leaderboard", "figure": "RMSE vs SNR"},
        ),
        # written by plots.save beside the PNG
        figure_pdf="results/figures/leaderboard/rmse_vs_snr.pdf",
    log:
        "logs/leaderboard.log",
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

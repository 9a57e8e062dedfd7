rule experiment_figures:
    input:
        predictions=lambda w: run_files(runs_of(w.experiment), paths.RUN_PREDICTIONS),
        histories=lambda w: run_files(runs_of(w.experiment), paths.RUN_HISTORY),
    output:
        predicted_vs_true=report(
            paths.figure("predicted_vs_true"),
            caption=caption_of("predicted_vs_true"),
            category=experiment_category,
            subcategory="{experiment}",
            labels={"experiment": "{experiment}", "figure": "predicted vs true"},
        ),
        predicted_vs_true_pdf=paths.figure("predicted_vs_true", "pdf"),
        learning_curves=report(
            paths.figure("learning_curves"),
            caption=caption_of("learning_curves"),
            category=experiment_category,
            subcategory="{experiment}",
            labels={"experiment": "{experiment}", "figure": "learning curves"},
        ),
        learning_curves_pdf=paths.figure("learning_curves", "pdf"),
    log:
        paths.log("experiment_figures"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        nyquist=lambda w: nyquist_of(w.experiment),
        loss=lambda w: losses_of(w.experiment),
        code=step_code("experiment_figures"),
    script:
        "../scripts/experiment_figures.py"


rule sweep_figure:
    input:
        summary=paths.SUMMARY_TABLE,
    output:
        # The PNG first: the script writes output[0] (plots.save puts the PDF beside it).
        figure=report(
            paths.figure("error_vs_{sweep}"),
            caption=caption_of("sweep"),
            category=experiment_category,
            subcategory="{experiment}",
            labels={"experiment": "{experiment}", "figure": "error vs {sweep}"},
        ),
        figure_pdf=paths.figure("error_vs_{sweep}", "pdf"),
    log:
        paths.log("sweep_figure"),
    wildcard_constraints:
        sweep="|".join(
            {e["sweep"] for e in config["experiments"].values() if "sweep" in e}
        )
        or "^$",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        labels=lambda w: sweep_labels(w.experiment, w.sweep),
        models=lambda w: config["experiments"][w.experiment]["models"],
        classical=lambda w: config["experiments"][w.experiment]["classical"],
        thread_points=lambda w: thread_sweep_points(w.experiment, w.sweep),
        code=step_code("sweep_figure"),
    script:
        "../scripts/sweep_figure.py"


rule frequency_figure:
    input:
        lambda w: run_files(runs_of(w.experiment), paths.RUN_METRICS),
        lambda w: expand(
            paths.CLASSICAL_METRICS,
            dataset=experiment_datasets(w.experiment),
            method=config["classical"],
        ),
    output:
        # The PNG first: the script writes output[0] (plots.save puts the PDF beside it).
        figure=report(
            paths.figure("error_vs_frequency"),
            caption=caption_of("error_vs_frequency"),
            category=experiment_category,
            subcategory="{experiment}",
            labels={"experiment": "{experiment}", "figure": "error vs frequency"},
        ),
        figure_pdf=paths.figure("error_vs_frequency", "pdf"),
    log:
        paths.log("frequency_figure"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        nyquist=lambda w: nyquist_of(w.experiment),
        code=step_code("frequency_figure"),
    script:
        "../scripts/frequency_figure.py"

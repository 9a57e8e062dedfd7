rule train:
    input:
        dataset="data/{dataset}.h5",
    output:
        model=run_path("model.keras"),
        history=run_path("history.csv"),
        status=run_path("training.json"),
        validation=run_path("validation.h5"),
    log:
        "logs/train/{dataset}/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/{dataset}/{model}/seed{seed}.tsv"
    conda:
        ENV
    threads: config["train_threads"]
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        settings=lambda w: study.training_settings(config, w.model),
        seed=lambda w: int(w.seed),
        backend=config["keras_backend"],
        # Editing this model's builder re-trains it; other builders' edits do not.
        builder=lambda w: builder_code(w.model),
        code=step_code("train"),
    script:
        "../scripts/train.py"

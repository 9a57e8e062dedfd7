rule train:
    input:
        # A model with weights_from takes its base run's network instead of training.
        unpack(base_run_files),
        dataset=paths.DATASET,
    output:
        model=paths.RUN_MODEL,
        history=paths.RUN_HISTORY,
        status=paths.RUN_TRAINING,
        validation=paths.RUN_VALIDATION,
    log:
        paths.log("train"),
    benchmark:
        paths.benchmark("train")
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

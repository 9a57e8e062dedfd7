rule dataset:
    output:
        paths.DATASET,
    log:
        paths.log("dataset"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        spec=lambda w: config["datasets"][w.dataset],
        code=step_code("make_dataset"),
    script:
        "../scripts/make_dataset.py"

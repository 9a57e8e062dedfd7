rule dataset:
    output:
        "data/{dataset}.h5",
    log:
        "logs/dataset/{dataset}.log",
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

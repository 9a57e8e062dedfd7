rule classical:
    input:
        dataset=paths.DATASET,
    output:
        metrics=paths.CLASSICAL_METRICS,
        predictions=paths.CLASSICAL_PREDICTIONS,
    log:
        paths.log("classical"),
    benchmark:
        paths.benchmark("classical")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        options=lambda w: config["classical"][w.method],
        code=step_code("classical_estimate"),
    script:
        "../scripts/classical.py"


rule bound:
    input:
        dataset=paths.DATASET,
    output:
        paths.BOUND,
    log:
        paths.log("bound"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        code=step_code("bound"),
    script:
        "../scripts/bound.py"

rule classical:
    input:
        dataset="data/{dataset}.h5",
    output:
        metrics="results/classical/{dataset}/{method}/metrics.json",
        predictions="results/classical/{dataset}/{method}/predictions.h5",
    log:
        "logs/classical/{dataset}/{method}.log",
    benchmark:
        "results/benchmarks/classical/{dataset}/{method}.tsv"
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
        dataset="data/{dataset}.h5",
    output:
        "results/bounds/{dataset}.json",
    log:
        "logs/bound/{dataset}.log",
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

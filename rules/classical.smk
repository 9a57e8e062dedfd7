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
    params:
        options=lambda w: config["classical"][w.method],
        code=source_fingerprint("sinefreq.classical", "sinefreq.metrics"),
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
    params:
        code=source_fingerprint("sinefreq.crlb"),
    script:
        "../scripts/bound.py"

rule dataset:
    output:
        "data/{dataset}.h5",
    log:
        "logs/dataset/{dataset}.log",
    conda:
        ENV
    params:
        spec=lambda w: config["datasets"][w.dataset],
        code=source_fingerprint("sinefreq.signals", "sinefreq.io"),
    script:
        "../scripts/make_dataset.py"

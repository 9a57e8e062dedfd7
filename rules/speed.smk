# Where the study's time goes: every benchmarked job's wall and CPU time, per rule, and
# the fixed cost per job where the job records its work (see sinefreq.speed).


rule speed:
    input:
        benchmarks=speed_benchmarks(),
        # read by path from each job's name, listed so they are there and up to date
        work=speed_work_records(),
    output:
        report(
            paths.SPEED_TABLE,
            caption=caption_of("speed_table"),
            category=paper.SPEED,
            labels={"table": "time per rule"},
        ),
    log:
        paths.log("speed"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        records=WORK_RECORDS,
        code=step_code("speed"),
    script:
        "../scripts/speed.py"

#!/usr/bin/env bash
# Quick start, part 1: set up .venv and run the default study (or any snakemake command:
# arguments go to snakemake, e.g. `./study.sh --cores 8`, `./study.sh -n`,
# `./study.sh --configfile config/test.yaml`, `./study.sh --report report.html`).
set -euo pipefail
cd "$(dirname "$0")"
dev/bootstrap.sh
exec .venv/bin/snakemake "$@"

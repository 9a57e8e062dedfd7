#!/usr/bin/env bash
# Quick start, part 2: set up .venv and run every check: lint, format, workflow lint, tests.
# Arguments go to pytest, e.g. `./test.sh -k config -x`.
set -euo pipefail
cd "$(dirname "$0")"
dev/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff" && ruff check . && ruff format --check .
echo "== snakefmt" && snakefmt --check Snakefile rules
echo "== snakemake --lint" && snakemake --lint --cores 1
# One worker per core, a file per worker at a time (tests/conftest.py groups the files that
# share a slow fixture).
echo "== pytest" && pytest --numprocesses auto --dist loadfile "$@"

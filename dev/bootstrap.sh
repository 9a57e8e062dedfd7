#!/usr/bin/env bash
# Create .venv with Python >= 3.11 and install sinefreq and its tools at the locked
# versions (constraints.txt). Idempotent: re-installs only when pyproject.toml or the
# lock changed. `dev/bootstrap.sh --relock` upgrades everything and rewrites the lock.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3.12 python3; do
    if command -v "$candidate" >/dev/null; then python=$candidate; break; fi
  done
fi
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  { echo "sinefreq needs Python >= 3.11; $python is $("$python" --version 2>&1). Set PYTHON=..." >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $("$python" --version)" >&2
  "$python" -m venv .venv
fi

stamp=.venv/.sinefreq-installed
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ "${1:-}" = "--relock" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q --upgrade -e '.[test]'
  { sed -n '1,2p' constraints.txt; .venv/bin/python -m pip freeze --exclude-editable | grep -v '^-e '; } > constraints.new
  mv constraints.new constraints.txt
  .venv/bin/python dev/conda_env.py > envs/sinefreq.yaml
  want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
  echo "$want" > "$stamp"
elif [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing sinefreq and its locked dependencies into .venv" >&2
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c constraints.txt -e '.[test]'
  echo "$want" > "$stamp"
fi

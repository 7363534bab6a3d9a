#!/usr/bin/env bash
# Installs ledger and its test tools into ./.venv, then runs the whole suite:
# ruff, mypy --strict and pytest (unit, integration, acceptance).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
echo "== ruff"
.venv/bin/ruff check src projections tests scripts
echo "== mypy --strict"
.venv/bin/mypy --strict src projections tests scripts
if .venv/bin/python -c "import sys; sys.path.insert(0, '.'); from tests.pgserver import find_bindir; sys.exit(find_bindir() is None)"; then
  echo "== PostgreSQL server binaries found: the suite runs on SQLite and on PostgreSQL"
else
  echo "== PostgreSQL server binaries NOT found: PostgreSQL tests are SKIPPED (install postgresql to run them)"
fi
echo "== pytest"
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"

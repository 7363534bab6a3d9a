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
echo "== pytest"
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"

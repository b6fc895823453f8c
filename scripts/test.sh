#!/usr/bin/env bash
# Quickstart 2: set up (first time only) and run every check: lint, format, types, content, tests.
# The same script runs in CI (.ci/run). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
if [ ! -f .venv/.installed-dev ] || [ pyproject.toml -nt .venv/.installed-dev ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
  .venv/bin/python -m pip install --quiet -e '.[dev,ocr]'
  touch .venv/.installed-dev .venv/.installed
fi
echo "== lint (ruff)";          .venv/bin/ruff check bot tests scripts
echo "== format (ruff)";        .venv/bin/ruff format --check bot tests scripts
echo "== types (mypy --strict)"; .venv/bin/mypy bot
echo "== content (bot check)";  .venv/bin/python -m bot check
echo "== tests (pytest)";       .venv/bin/python -m pytest "$@"

#!/usr/bin/env bash
# Quickstart 1: set up (first time only) and start the bot.
# With TELEGRAM_BOT_TOKEN in the environment or .env: the Telegram bot. Without: the console chat.
# Extra arguments go to `python -m bot`, e.g. `bash scripts/start.sh chat --user alice`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
  .venv/bin/python -m pip install --quiet -e '.[ocr]'  # ocr: reading screenshots (offline)
  touch .venv/.installed
fi
exec .venv/bin/python -m bot "$@"

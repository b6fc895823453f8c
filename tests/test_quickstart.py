"""The README's two quickstart commands are exactly what a newcomer types, and they work."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def quickstart_commands() -> list[str]:
    """The commands in the README's Quickstart code block, comments removed."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the Quickstart section has a bash block"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.split("#", 1)[0].strip()]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "WEBHOOK_URL", "BOT_DB")}
    env["BOT_DB"] = str(tmp_path / "quickstart.sqlite3")
    env["PYTHON"] = sys.executable  # the interpreter running the tests sets up .venv if it is missing
    return env


def test_quickstart_is_two_commands():
    """Two commands: one starts the bot, one runs the tests."""
    assert quickstart_commands() == ["bash scripts/start.sh", "bash scripts/test.sh"]


def test_start_command_opens_the_console_chat_without_a_token(tmp_path):
    """Without a token, the start command is the console chat: it greets, understands a message, quits on EOF."""
    command = quickstart_commands()[0].split()
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=_env(tmp_path),
        input="my icloud storage is full and the backup fails\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "console chat" in result.stderr
    assert "bot> " in result.stdout and "you> my icloud storage is full" in result.stdout
    assert "iOS" in result.stdout  # it went on to ask which iOS version: the message was understood
    assert (tmp_path / "quickstart.sqlite3").exists()  # the conversation was stored where BOT_DB says


@pytest.mark.skipif(os.environ.get("QUICKSTART_NESTED") == "1", reason="already inside scripts/test.sh from here")
def test_test_command_runs_every_check(tmp_path):
    """The test command lints, type-checks, validates content and reaches pytest (collect-only, no recursion)."""
    command = [*quickstart_commands()[1].split(), "--collect-only", "-q"]
    env = {**_env(tmp_path), "QUICKSTART_NESTED": "1"}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    for stage in ("== lint", "== format", "== types", "== content", "== tests"):
        assert stage in result.stdout
    assert re.search(r"tests/test_quickstart\.py: \d+", result.stdout)  # pytest collected the suite

"""The desk is the application layer: no telegram, click or SQL, however it might be reached."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.engine.test_imports import _imports

DESK = Path(__file__).resolve().parents[2] / "bot" / "desk"
DESK_FILES = sorted(DESK.glob("*.py"))
FORBIDDEN = ("telegram", "click", "sqlite3", "sqlite_utils", "httpx", "bot.tg", "bot.storage", "bot.cli")


def _forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


def test_desk_files_found() -> None:
    """Guards the walk itself: an empty glob would make the import tests pass vacuously."""
    assert {"turn", "cases", "ports", "memory", "flood", "continuation"} <= {p.stem for p in DESK_FILES}


@pytest.mark.parametrize("path", DESK_FILES, ids=lambda p: p.name)
def test_desk_imports_no_adapter_and_no_sql(path: Path) -> None:
    """No import in bot/desk/*.py names telegram, click, SQL or the modules built on them."""
    bad = [f"{path.name}:{line} imports {module}" for line, module in _imports(path) if _forbidden(module)]
    assert not bad, bad


def test_forbidden_says_no_to_what_the_rule_is_about() -> None:
    """The checker itself rejects the libraries and accepts the desk's own neighbours."""
    assert all(_forbidden(m) for m in ("telegram.ext", "click", "sqlite3", "sqlite_utils.db", "bot.storage.db"))
    assert not any(_forbidden(m) for m in ("bot.engine.model", "bot.desk.ports", "dataclasses", "bot.storage_x"))


def test_desk_import_pulls_in_nothing_forbidden() -> None:
    """Importing the whole desk in a fresh interpreter loads no telegram, click or SQL module."""
    code = (
        "import sys, bot.desk.turn, bot.desk.memory; "
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('telegram', 'sqlite_utils', 'sqlite3', 'click', 'httpx'))))"
    )
    root = DESK.parents[1]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert result.stdout.strip() == ""

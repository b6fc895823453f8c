"""The engine stays pure: only the standard library, rapidfuzz and itself; storage never touches telegram."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
ENGINE_FILES = sorted((BOT / "engine").glob("*.py"))
# standard-library modules the engine must not use anyway: environment, clock, randomness, I/O to the outside
FORBIDDEN_STDLIB = {
    "os",
    "time",
    "datetime",
    "random",
    "secrets",
    "uuid",
    "sqlite3",
    "socket",
    "subprocess",
    "urllib",
    "http",
    "asyncio",
    "threading",
    "logging",
    "zoneinfo",
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


def _allowed(module: str) -> bool:
    top = module.split(".")[0]
    if module.startswith(".") or module == "bot.engine" or module.startswith("bot.engine."):
        return True
    if top in ("rapidfuzz", "__future__"):
        return True
    return top in sys.stdlib_module_names and top not in FORBIDDEN_STDLIB


def test_engine_files_found():
    """Guards the walk itself: an empty glob would make the import tests pass vacuously."""
    names = {p.stem for p in ENGINE_FILES}
    assert {"model", "content", "text", "matcher", "slots", "machine"} <= names


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: p.name)
def test_engine_imports_only_stdlib_rapidfuzz_and_itself(path):
    """Every import in bot/engine/*.py is stdlib (minus clock/env/random/IO), rapidfuzz or bot.engine."""
    bad = [f"{path.name}:{line} imports {module}" for line, module in _imports(path) if not _allowed(module)]
    assert not bad, bad


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: p.name)
def test_engine_reads_no_environment(path):
    """No `environ`/`getenv` anywhere in the engine, however it might be reached."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert not names & {"environ", "getenv", "putenv"}


def test_allowed_rejects_the_forbidden():
    """The checker itself says no to the libraries the rule is about."""
    for module in (
        "telegram",
        "telegram.ext",
        "sqlite_utils",
        "click",
        "os",
        "time",
        "datetime",
        "random",
        "bot.storage",
        "bot.config",
    ):
        assert not _allowed(module), module
    for module in ("re", "rapidfuzz.fuzz", "bot.engine.model", ".model"):
        assert _allowed(module), module


def test_storage_never_imports_telegram():
    """bot/storage/ and bot/stats.py import neither telegram nor the Telegram adapter."""
    for path in [*sorted((BOT / "storage").glob("*.py")), BOT / "stats.py"]:
        modules = [m for _, m in _imports(path)]
        assert modules, path.name
        assert not [m for m in modules if m.split(".")[0] == "telegram" or m.startswith("bot.tg")], path.name


def test_engine_import_pulls_in_nothing_forbidden():
    """Importing the whole engine in a fresh interpreter loads no telegram, sqlite_utils or click."""
    code = (
        "import sys, bot.engine.machine, bot.engine.content, bot.engine.diagram; "
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('telegram', 'sqlite_utils', 'click', 'httpx'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=BOT.parent)
    assert result.stdout.strip() == ""

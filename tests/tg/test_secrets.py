"""Secrets never shown, start-up errors in one line: the token and the webhook secret are masked in every log
record and uncaught exception; a refused token, an unreachable Bot API or an unusable database end
`python -m bot run` with one masked line and exit 1, never a traceback."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram.error import NetworkError

from bot.config import Secret, Settings
from bot.engine.model import Catalog
from bot.tg import app as app_module
from bot.tg import masking
from bot.tg.app import StartupError, run_bot
from bot.tg.masking import QuietStartup, SecretFilter
from tests.tg.conftest import TOKEN
from tests.tg.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
SECRET = "hook-Secret_42"


def _format(record: logging.LogRecord, *filters: logging.Filter) -> str:
    for f in filters:
        f.filter(record)
    return logging.Formatter().format(record)


def _record_with_traceback(message: str, args: tuple[object, ...], error: str) -> logging.LogRecord:
    record = logging.LogRecord("telegram.ext.ExtBot", logging.DEBUG, __file__, 1, message, args, None)
    try:
        raise RuntimeError(error)
    except RuntimeError as exc:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    return record


def test_webhook_secret_and_token_are_masked_in_messages_arguments_and_tracebacks() -> None:
    # PTB logs setWebhook's parameters at DEBUG; the secret token is one of them.
    record = _record_with_traceback(
        "Calling Bot API endpoint `%s` with parameters `%s`",
        ("setWebhook", {"url": "https://bot.example/hook", "secret_token": SECRET}),
        f"POST /bot{TOKEN}/setWebhook secret={SECRET}",
    )
    text = _format(record, SecretFilter(TOKEN, secret=SECRET))
    assert SECRET not in text and TOKEN not in text
    assert "<webhook-secret>" in text and "<token>" in text


@pytest.fixture
def hooks() -> Iterator[None]:
    """install() replaces the process's exception hooks: put them back after the test."""
    saved = sys.excepthook, threading.excepthook, masking.quiet_startup.active
    yield
    sys.excepthook, threading.excepthook = saved[0], saved[1]
    masking.quiet_startup.active = saved[2]


def test_uncaught_exceptions_are_masked(hooks: None, capsys: pytest.CaptureFixture[str]) -> None:
    masking.install(Settings(token=Secret(TOKEN), webhook_secret=Secret(SECRET)))
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected; secret {SECRET}")
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    thread = threading.Thread(target=lambda: (_ for _ in ()).throw(ValueError(f"bot{TOKEN}")), name="worker")
    thread.start()
    thread.join()
    err = capsys.readouterr().err
    assert "RuntimeError: The token `<token>` was rejected; secret <webhook-secret>" in err
    assert "Exception in thread worker" in err and "ValueError: bot<token>" in err
    assert TOKEN not in err and SECRET not in err


def test_start_up_records_keep_one_line_until_the_application_has_started() -> None:
    quiet = QuietStartup()
    text = _format(_record_with_traceback("Invalid token. Aborting retry loop.", (), "rejected"), quiet)
    assert text == "Invalid token. Aborting retry loop. (RuntimeError: rejected)"
    quiet.over()
    text = _format(_record_with_traceback("later", (), "boom"), quiet)
    assert text.startswith("later\nTraceback")


def _run(fake: FakeBotApi, db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.api_url,
        "BOT_DB": str(db),
        "LOG_LEVEL": "DEBUG",  # the most talkative level: still no secret, no traceback
        "PTB_TIMEDELTA": "1",
        **env,
    }
    # cwd is the database's folder, so a developer's .env in the project root is not read
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=db.parent, env=environ, capture_output=True, text=True, timeout=60
    )


def _one_masked_line(result: subprocess.CompletedProcess[str]) -> str:
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out, out
    assert TOKEN not in out and TOKEN.split(":")[1] not in out, out
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: "), out
    return last


def test_a_refused_token_ends_start_up_with_one_masked_line(fake: FakeBotApi, tmp_path: Path) -> None:
    # A revoked token: PTB's InvalidToken carries the token in its message and used to escape as a traceback.
    fake.refuse_token(TOKEN)
    last = _one_masked_line(_run(fake, tmp_path / "bot.sqlite3"))
    assert "refused the bot token" in last and "TELEGRAM_BOT_TOKEN" in last


@pytest.mark.parametrize("kind", ["corrupt", "directory", "read-only"])
def test_an_unusable_database_ends_start_up_with_one_line(fake: FakeBotApi, tmp_path: Path, kind: str) -> None:
    db = tmp_path / "bot.sqlite3"
    if kind == "corrupt":
        db.write_bytes(b"this is not an SQLite database, just some bytes in its place " * 20)
    elif kind == "directory":
        db.mkdir()
    else:
        db.write_bytes(b"")
        db.chmod(0o444)
        tmp_path.chmod(0o555)
        if os.access(db, os.W_OK):
            tmp_path.chmod(0o755)
            pytest.skip("running as a user who can write read-only files (root)")
    try:
        last = _one_masked_line(_run(fake, db))
    finally:
        tmp_path.chmod(0o755)
    assert last.startswith(f"Error: cannot open the database {db}"), last
    assert fake.calls() == []  # nothing was asked of Telegram


def test_an_unreachable_api_ends_start_up_with_one_masked_line(
    monkeypatch: pytest.MonkeyPatch, hooks: None, catalog: Catalog, tmp_path: Path
) -> None:
    # What PTB raises after its bootstrap retries when the Bot API cannot be reached (the real process takes
    # 20 s of retries to get there, so the translation is checked here).
    def unreachable(*args: object) -> None:
        raise NetworkError(f"httpx.ConnectError: connecting to /bot{TOKEN}/getMe failed")

    monkeypatch.setattr(app_module, "_serve", unreachable)
    monkeypatch.setattr(app_module, "use_fast_event_loop", lambda: False)
    settings = Settings(token=Secret(TOKEN), api_url="http://127.0.0.1:9/bot", db_path=tmp_path / "bot.sqlite3")
    with pytest.raises(StartupError) as raised:
        run_bot(settings, catalog)
    assert str(raised.value) == (
        "cannot reach the Bot API at http://127.0.0.1:9/bot: httpx.ConnectError: connecting to /bot<token>/getMe failed"
    )

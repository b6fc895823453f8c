"""Fixtures for the Telegram adapter tests: a fake Bot API server and the real Application running against it."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.config import DEFAULT_INTENTS, Secret, Settings
from bot.engine.content import load_catalog
from bot.engine.machine import Engine
from bot.engine.model import Catalog
from bot.storage import Store
from bot.tg.app import ALLOWED_UPDATES, App, build_application
from bot.tg.policy import policy
from tests.tg.fake_bot_api import FakeBotApi

TOKEN = "123:abc"
MENU = "What kind of backup problem is it?"
ICLOUD_MENU = "What's going on with the iCloud backup?"


def joined(*messages: str) -> str:
    """One Telegram message holding a reply's engine messages, as bot/tg/render.py joins them."""
    return "\n\n".join(messages)


# PTB 22 warns inside its own RetryAfter constructor unless this opt-in to v23's timedelta is set; with
# warnings as errors that would turn every 429 into a crash in tests.
os.environ.setdefault("PTB_TIMEDELTA", "1")


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry backoff in milliseconds instead of seconds: same behaviour, faster tests. Each test starts with
    the delivery policy out of shutdown (an earlier test's application may have stopped)."""
    monkeypatch.setattr("bot.tg.delivery.FIRST_DELAY", 0.02)
    policy.reset()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(DEFAULT_INTENTS)


_ENGINES: dict[tuple[int, bool], Engine] = {}


def shared_engine(catalog: Catalog, *, handoff: bool = False) -> Engine:
    """One engine per catalog (and handoff setting) for the whole run: building a matcher takes half a second,
    so both engines share one."""
    if (id(catalog), False) not in _ENGINES:
        _ENGINES[(id(catalog), False)] = Engine(catalog, ttl_seconds=24 * 3600)
    if handoff and (id(catalog), True) not in _ENGINES:
        matcher = _ENGINES[(id(catalog), False)].matcher
        _ENGINES[(id(catalog), True)] = Engine(catalog, matcher, ttl_seconds=24 * 3600, handoff_available=True)
    return _ENGINES[(id(catalog), handoff)]


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    server = FakeBotApi(TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_for(fake: FakeBotApi, db_path: Path, token: str = TOKEN, **changes: Any) -> Settings:
    return Settings(token=Secret(token), api_url=fake.api_url, db_path=db_path, **changes)


async def start_app(app: App) -> None:
    """What run_polling does before it idles (initialize, post_init, polling, start)."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    await app.start()


async def stop_app(app: App) -> None:
    """What run_polling does after a stop signal."""
    assert app.updater is not None
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)


@asynccontextmanager
async def running_bot(
    fake: FakeBotApi,
    db_path: Path,
    catalog: Catalog,
    *,
    token: str = TOKEN,
    settings: dict[str, Any] | None = None,
    **kwargs: Any,
) -> AsyncIterator[App]:
    store = Store.open(db_path)
    handoff = (settings or {}).get("support_chat_id") is not None
    kwargs.setdefault("engine", shared_engine(catalog, handoff=handoff))
    app = build_application(settings_for(fake, db_path, token, **(settings or {})), catalog, store, **kwargs)
    await start_app(app)
    try:
        yield app
    finally:
        await stop_app(app)


BotFactory = Callable[..., Any]


@pytest.fixture
def bot(fake: FakeBotApi, db_path: Path, catalog: Catalog) -> BotFactory:
    """`async with bot(): ...` runs the application against the fake server on the test's database."""

    def factory(**kwargs: Any) -> Any:
        return running_bot(fake, db_path, catalog, **kwargs)

    return factory

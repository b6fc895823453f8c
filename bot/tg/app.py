"""Builds and runs the python-telegram-bot Application: wiring, logging, start-up and shutdown.

Polling by default, a webhook (with its secret token enforced by PTB) when WEBHOOK_URL is set. No PTB
persistence: every turn is stored by the desk (bot/desk/turn.py, bot/storage/) before the reply goes out.
Retention: old data is purged at start-up and then daily by a task that lives as long as the application.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlparse

from telegram import Bot, BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseRateLimiter

from bot.config import Settings
from bot.desk.cases import CaseDesk
from bot.desk.checkins import CheckinDesk
from bot.desk.continuation import Continuation
from bot.desk.flood import FloodGate
from bot.desk.incidents import IncidentDesk
from bot.desk.turn import Conversations
from bot.engine.machine import Engine
from bot.engine.model import Catalog
from bot.health import HealthServer
from bot.metrics import Metrics
from bot.storage import Store
from bot.tg.conversation import OrderedUpdateProcessor
from bot.tg.delivery import with_retry
from bot.tg.handlers import MAX_INPUT, Handlers
from bot.tg.inbound import command_descriptions
from bot.tg.operators import TelegramOperatorChat

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
MAX_CONCURRENT_UPDATES = 256
# httpcore scans every pooled connection for every queued request: PTB's default of 256 connections costs
# more CPU than it saves. Telegram serves one bot's requests fine over a few dozen keep-alive connections.
# Eight keep-alive connections measured fastest (scripts/bench_telegram.py: 4, 8, 12, 16, 32, 256 tried).
CONNECTION_POOL = 8
DAY = 24 * 3600.0

# PTB's six generic parameters add nothing here
App = Application[Any, Any, Any, Any, Any, Any]


class TokenFilter(logging.Filter):
    """Replaces the bot token anywhere in a log record (message, arguments, traceback) with "<token>"."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.secrets = [s for s in dict.fromkeys((token, quote(token, safe=""))) if s]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg = self._clean(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        return True


def configure_logging(settings: Settings) -> None:
    """Quiet the HTTP client (its INFO lines carry URLs with the token) and mask the token everywhere."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    token_filter = TokenFilter(settings.token.reveal())
    for handler in root.handlers:
        if not any(isinstance(f, TokenFilter) for f in handler.filters):
            handler.addFilter(token_filter)


def file_url(api_url: str) -> str:
    """The file download prefix that belongs to a Bot API prefix: .../bot -> .../file/bot."""
    base = api_url.rstrip("/")
    return base[: -len("bot")] + "file/bot" if base.endswith("/bot") else base


async def purge_daily(store: Store, retention_days: int, clock: Callable[[], float], every: float = DAY) -> None:
    """Delete data older than the retention period now, then every `every` seconds, until cancelled."""
    while True:
        try:
            removed = store.purge(clock() - retention_days * DAY)
            log.info("retention: removed %d rows older than %d days", removed, retention_days)
        except Exception as exc:  # a failed purge must not end the loop: the next one retries
            log.error("retention purge failed: %r", exc)
        await asyncio.sleep(every)


def default_rate_limiter() -> AIORateLimiter:
    """Telegram's documented limits: ~30 messages/s overall, 20/min per group; 429s waited out and retried."""
    return AIORateLimiter(overall_max_rate=30, group_max_rate=20, max_retries=3)


def build_application(
    settings: Settings,
    catalog: Catalog,
    store: Store,
    *,
    metrics: Metrics | None = None,
    rate_limiter: BaseRateLimiter | None = None,  # type: ignore[type-arg]  # PTB leaves its parameter open
    flood: FloodGate | None = None,
    clock: Callable[[], float] = time.time,
    on_shutdown: Callable[[], None] | None = None,
    engine: Engine | None = None,
) -> App:
    """The Application with every handler registered; `store` is closed when the application shuts down.

    `engine` may be passed in to reuse its matcher (building one takes a moment); by default it is built
    from `catalog` and the settings.
    """
    engine = engine or Engine(
        catalog, ttl_seconds=settings.session_ttl_hours * 3600, handoff_available=settings.support_chat_id is not None
    )
    background: list[asyncio.Task[None]] = []

    async def post_init(app: App) -> None:
        background.append(asyncio.create_task(purge_daily(store, settings.retention_days, clock), name="retention"))
        commands = [
            BotCommand(name, description) for name, description in command_descriptions(catalog.text("commands"))
        ]
        try:
            await with_retry(lambda: app.bot.set_my_commands(commands), what="setMyCommands")
        except TelegramError as exc:  # the menu is a nicety: the bot works without it
            log.warning("could not set the command menu: %s", exc.__class__.__name__)

    async def post_shutdown(app: App) -> None:
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        store.close()
        if on_shutdown is not None:
            on_shutdown()

    builder = (
        ApplicationBuilder()
        .token(settings.token.reveal())
        .concurrent_updates(OrderedUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .connection_pool_size(CONNECTION_POOL)
        .rate_limiter(rate_limiter if rate_limiter is not None else default_rate_limiter())
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.api_url:
        builder = builder.base_url(settings.api_url).base_file_url(file_url(settings.api_url))
    app: App = builder.build()
    desk = build_desk(settings, engine, store, app.bot, flood)
    Handlers(desk, store, metrics or Metrics(), clock=clock).register(app)
    return app


def build_desk(settings: Settings, engine: Engine, store: Store, bot: Bot, flood: FloodGate | None) -> Conversations:
    """The desk Telegram's handlers hand every turn to: the operator chat when SUPPORT_CHAT_ID is set, links
    to continue in private, messages cut at MAX_INPUT characters."""
    cases = None
    if settings.support_chat_id is not None:
        operators = TelegramOperatorChat(bot, engine.catalog, settings.support_chat_id)
        cases = CaseDesk(engine.catalog, store.cases, operators, hide_names=settings.hide_operator_names)
    links = Continuation(engine, store.sessions, store.links, username=lambda: bot.username)
    checkins = CheckinDesk(engine, store.checkins, store.sessions, store.bookkeeping, minutes=settings.checkin_minutes)
    incidents = IncidentDesk(engine.catalog, store.incidents)
    return Conversations(
        engine,
        store,
        cases=cases,
        links=links,
        flood=flood,
        max_input=MAX_INPUT,
        checkins=checkins,
        incidents=incidents,
    )


def use_fast_event_loop() -> bool:
    """uvloop where it is installed (Linux, macOS): about 10% more updates per second than asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return False
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return True


def run_bot(settings: Settings, catalog: Catalog) -> None:
    """Run until SIGINT/SIGTERM: polling, or a webhook server when settings.webhook_url is set."""
    configure_logging(settings)
    use_fast_event_loop()
    store = Store.open(settings.db_path)
    metrics = Metrics()
    health = HealthServer(metrics, settings.health_port).start() if settings.health_port > 0 else None
    app = build_application(settings, catalog, store, metrics=metrics, on_shutdown=health.stop if health else None)
    if settings.webhook_url:
        log.info("starting webhook on %s:%s", settings.webhook_listen, settings.webhook_port)
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlparse(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret.reveal(),
            allowed_updates=ALLOWED_UPDATES,
            bootstrap_retries=5,
        )
    else:
        log.info("starting long polling")
        app.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=5)

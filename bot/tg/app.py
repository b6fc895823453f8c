"""Builds and runs the python-telegram-bot Application: wiring, logging, start-up and shutdown.

Polling by default, a webhook (with its secret token enforced by PTB) when WEBHOOK_URL is set. No PTB
persistence: every turn is stored by the desk (bot/desk/turn.py, bot/storage/) before the reply goes out.
With polling every update is journaled as it is fetched and marked handled when its handling ends; what a
killed process left is handled at start (bot/storage/journal.py, bot/tg/replay.py).
Retention: old data is purged at start-up and then daily by a task that lives as long as the application.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from telegram import Bot, BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseRateLimiter
from telegram.request import HTTPXRequest

from bot.config import Settings
from bot.desk.cases import CaseDesk
from bot.desk.checkins import CheckinDesk
from bot.desk.continuation import Continuation
from bot.desk.flood import FloodGate
from bot.desk.incidents import IncidentDesk
from bot.desk.ports import ImageReader
from bot.desk.turn import Conversations
from bot.engine.machine import Engine
from bot.engine.model import Catalog
from bot.health import HealthServer
from bot.metrics import Metrics
from bot.storage import Store
from bot.tg import masking
from bot.tg.conversation import OrderedUpdateProcessor
from bot.tg.delivery import with_retry
from bot.tg.handlers import MAX_INPUT, Handlers
from bot.tg.inbound import command_descriptions
from bot.tg.lifecycle import BotApplication
from bot.tg.masking import Masker, SecretFilter
from bot.tg.operators import TelegramOperatorChat
from bot.tg.replay import replay
from bot.tg.updates import ScreenedBot
from bot.tg.webhook import cap_request_bodies

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
MAX_CONCURRENT_UPDATES = 256
# httpcore scans every pooled connection for every queued request: PTB's default of 256 connections costs
# more CPU than it saves. Telegram serves one bot's requests fine over a few dozen keep-alive connections.
# Eight keep-alive connections measured fastest (scripts/bench_telegram.py: 4, 8, 12, 16, 32, 256 tried).
CONNECTION_POOL = 8
# A send waiting for a free connection has not gone out yet, so waiting longer is safe; PTB's default of 1 s
# turned bursts of 100 chats into TimedOut errors and retries (bench_telegram.py --people 100).
POOL_TIMEOUT = 10.0
DAY = 24 * 3600.0

# PTB's six generic parameters add nothing here
App = Application[Any, Any, Any, Any, Any, Any]


# The filter that masks the token (and the webhook secret) in log records: bot/tg/masking.py
TokenFilter = SecretFilter


class StartupError(Exception):
    """The bot could not start (refused token, unreachable Bot API, unusable database ...): one masked line."""


def configure_logging(settings: Settings) -> Masker:
    """Quiet the HTTP client (its INFO lines carry URLs with the token); mask the token and the webhook
    secret in every log record and uncaught exception; keep start-up failures to one line each."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return masking.install(settings)


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


GROUP_RATE_LIMIT = 20  # messages a minute in one group: Telegram's limit, not raised by a local Bot API server


def default_rate_limiter(per_second: int = 30) -> AIORateLimiter:
    """Telegram's documented limits: `per_second` (SEND_RATE_LIMIT, default ~30) messages overall, 0 for no
    overall pacing; 20 a minute per group. No retries here: a 429 is waited out by bot/tg/delivery.py, within
    the deadlines of bot/tg/policy.py."""
    return AIORateLimiter(overall_max_rate=per_second, group_max_rate=GROUP_RATE_LIMIT, max_retries=0)


def screened_bot(
    settings: Settings,
    rate_limiter: BaseRateLimiter,  # type: ignore[type-arg]  # PTB leaves its parameter open
    metrics: Metrics,
    on_received: Callable[[list[Any]], list[Any]] = lambda raws: raws,
) -> ScreenedBot:
    """The bot, with getUpdates parsed one update at a time (bot/tg/updates.py), each batch handed to
    `on_received` first (the update journal), and PTB's own request defaults otherwise, except a pool of
    CONNECTION_POOL connections for sending, waited for up to POOL_TIMEOUT (getUpdates has a connection of
    its own)."""
    urls = {"base_url": settings.api_url, "base_file_url": file_url(settings.api_url)} if settings.api_url else {}
    return ScreenedBot(
        settings.token.reveal(),
        request=HTTPXRequest(connection_pool_size=CONNECTION_POOL, pool_timeout=POOL_TIMEOUT),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
        rate_limiter=rate_limiter,
        on_skipped=metrics.skipped_updates.inc,
        on_received=on_received,
        **urls,
    )


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
    reader: ImageReader | None = None,
) -> App:
    """The Application with every handler registered; `store` is closed when the application shuts down.

    `engine` may be passed in to reuse its matcher (building one takes a moment); by default it is built
    from `catalog` and the settings. `reader` reads pictures (bot/vision/worker.py): started with the
    application (its models load in the background), closed with it; without one, pictures get "I can't read
    pictures here".
    """
    engine = engine or Engine(
        catalog, ttl_seconds=settings.session_ttl_hours * 3600, handoff_available=settings.support_chat_id is not None
    )
    background: list[asyncio.Task[None]] = []

    async def post_init(app: App) -> None:
        # Before polling starts: what a killed process left goes first (bot/tg/replay.py)
        await replay(bot, store.journal, app.update_queue, handlers.out, clock)
        background.append(asyncio.create_task(purge_daily(store, settings.retention_days, clock), name="retention"))
        if reader is not None:
            background.append(asyncio.create_task(start_reader(reader), name="ocr-worker"))
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
        if reader is not None:
            reader.close()
        store.close()
        if on_shutdown is not None:
            on_shutdown()

    metrics = metrics or Metrics()
    limiter = default_rate_limiter(settings.send_rate_limit) if rate_limiter is None else rate_limiter
    bot = screened_bot(settings, limiter, metrics, on_received=lambda raws: store.journal.keep(raws, clock()))

    def done(update: object) -> None:
        if not isinstance(update, Update):
            return
        try:
            store.journal.done(update.update_id, clock())
        except sqlite3.Error as exc:  # e.g. the database closed under a shutdown: handled again at start
            log.warning("update %s not marked handled: %r", update.update_id, exc)

    builder = (
        ApplicationBuilder()
        .application_class(BotApplication)
        .bot(bot)
        .concurrent_updates(OrderedUpdateProcessor(MAX_CONCURRENT_UPDATES, on_done=done))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    app: App = builder.build()
    desk = build_desk(settings, engine, store, app.bot, flood, reader)
    handlers = Handlers(desk, store, metrics, clock=clock)
    handlers.register(app)
    return app


def build_desk(
    settings: Settings,
    engine: Engine,
    store: Store,
    bot: Bot,
    flood: FloodGate | None,
    reader: ImageReader | None = None,
) -> Conversations:
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
        reader=reader,
    )


async def start_reader(reader: ImageReader) -> None:
    """Load the OCR models now, so the first screenshot is read at full speed; a failure is only logged
    (each picture then retries, and says it cannot be read when it still fails)."""
    try:
        await reader.start()
    except Exception as exc:
        log.warning("the OCR worker did not start: %s", type(exc).__name__)


def picture_reader() -> ImageReader | None:
    """The OCR worker when the `ocr` extra is installed (bot/vision), else None."""
    from bot import vision

    if not vision.available():
        log.info("the ocr extra is not installed: pictures get a request for the words")
        return None
    from bot.vision.worker import Reader

    return Reader()


def use_fast_event_loop() -> bool:
    """uvloop where it is installed (Linux, macOS): about 10% more updates per second than asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return False
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return True


def run_bot(settings: Settings, catalog: Catalog) -> None:
    """Run until SIGINT/SIGTERM: polling, or a webhook server when settings.webhook_url is set.

    A failure to start raises StartupError with one masked line; nothing else escapes with a traceback.
    """
    masker = configure_logging(settings)
    use_fast_event_loop()
    try:
        store = Store.open(settings.db_path)
    except (sqlite3.Error, OSError) as exc:
        raise StartupError(masker.clean(f"cannot open the database {settings.db_path}: {exc}")) from None
    try:
        _serve(settings, catalog, store)
    except InvalidToken:
        where = f" at {settings.api_url}" if settings.api_url else ""
        raise StartupError(
            f"the Bot API{where} refused the bot token: check TELEGRAM_BOT_TOKEN"
            + (" and the path of TELEGRAM_API_URL (it should end in /bot)" if settings.api_url else "")
        ) from None
    except NetworkError as exc:  # includes TimedOut
        where = settings.api_url or "api.telegram.org"
        raise StartupError(masker.clean(f"cannot reach the Bot API at {where}: {exc}")) from None
    except TelegramError as exc:
        raise StartupError(masker.clean(f"the Bot API refused to start the bot: {exc}")) from None
    except (sqlite3.Error, OSError) as exc:  # e.g. the webhook port is taken, the database became read-only
        raise StartupError(masker.clean(f"could not start: {exc.__class__.__name__}: {exc}")) from None
    finally:
        store.close()


def _serve(settings: Settings, catalog: Catalog, store: Store) -> None:
    metrics = Metrics()
    health = HealthServer(metrics, settings.health_port).start() if settings.health_port > 0 else None
    reader = picture_reader()
    app = build_application(
        settings, catalog, store, metrics=metrics, on_shutdown=health.stop if health else None, reader=reader
    )
    if settings.webhook_url:
        log.info("starting webhook on %s:%s", settings.webhook_listen, settings.webhook_port)
        cap_request_bodies()
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

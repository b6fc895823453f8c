"""Restarts: the conversation's state is in SQLite, so a new process continues where the old one was."""

from __future__ import annotations

import asyncio
import contextlib

from bot.engine.model import Catalog
from bot.storage import Store
from tests.tg.conftest import ICLOUD_MENU, MENU, BotFactory, joined, running_bot, start_app, stop_app
from tests.tg.fake_bot_api import FakeBotApi


async def test_button_from_before_a_restart_works(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # Stop gracefully with the menu on screen; after the restart its button continues the conversation.
    async with bot():
        fake.send_text(31, "/start")
        await fake.wait_sent(31, 1)
    fake.press_label(31, 31, "iCloud (on the phone, no cable)")
    async with bot():
        texts = await fake.wait_sent_exactly(31, 2)
    assert texts == [joined(catalog.text("greeting"), MENU), ICLOUD_MENU]


async def test_abrupt_stop_loses_nothing(fake: FakeBotApi, db_path, catalog: Catalog) -> None:  # type: ignore[no-untyped-def]
    # The first process goes silent mid-conversation (no shutdown, its connection to Telegram gone, its
    # database left open); a second process on the same file continues with a button from the first.
    from bot.tg.app import build_application
    from tests.tg.conftest import settings_for, shared_engine

    dead_store = Store.open(db_path)
    dead = build_application(
        settings_for(fake, db_path, "111:dead"), catalog, dead_store, engine=shared_engine(catalog)
    )
    await start_app(dead)
    start = fake.send_text(32, "/start")
    await fake.wait_sent(32, 1)
    # Wait until the first process has confirmed /start (its next getUpdates): otherwise Telegram hands
    # /start to the second process again, which rightly shows the pending question once more.
    await fake.wait_for(lambda: fake.confirmed > start["update_id"], what="/start confirmed")
    fake.kill_token("111:dead")
    fake.press_label(32, 32, "iCloud (on the phone, no cable)")
    fake.send_text(32, "1")  # typed while nobody was listening: handled after the restart, in order
    async with running_bot(fake, db_path, catalog, token="222:alive"):
        texts = await fake.wait_sent_exactly(32, 3)
    assert texts == [joined(catalog.text("greeting"), MENU), ICLOUD_MENU, "Which one fits best?"]
    with contextlib.suppress(Exception):
        await asyncio.wait_for(stop_app(dead), 10)

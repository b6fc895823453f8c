"""Whole private conversations through PTB and the fake Bot API: what a person would see."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.engine.model import Catalog
from bot.storage import Store
from tests.tg.conftest import BotFactory
from tests.tg.fake_bot_api import FakeBotApi

MENU = "What kind of backup problem is it?"


def keyboard(message: dict) -> list[list[str]]:
    return [[b["text"] for b in row] for row in message.get("reply_markup", {}).get("inline_keyboard", [])]


async def test_start_sends_greeting_and_menu_with_one_button_per_row(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog
) -> None:
    # The command menu is set at start-up; /start answers with the greeting and the menu's buttons.
    async with bot():
        fake.send_text(1, "/start")
        texts = await fake.wait_sent(1, 2)
    assert texts == [catalog.text("greeting"), MENU]
    assert [c["command"] for c in fake.commands] == ["start", "help", "reset", "forget"]
    first, last = fake.bot_messages(1)
    assert "reply_markup" not in first
    assert keyboard(last) == [["iCloud (on the phone, no cable)"], ["A computer (Mac or Windows PC)"]]
    assert all("parse_mode" not in p for p in fake.sent(1))


async def test_buttons_walk_to_a_fix_and_each_answered_question_is_marked(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog
) -> None:
    # Every press is answered, the pressed question is edited to show the choice without its keyboard,
    # and a free-text answer works in the middle of the buttons.
    async with bot():
        fake.send_text(1, "/start")
        await fake.wait_sent(1, 2)
        steps = [
            ("iCloud (on the phone, no cable)", 3),
            ("Not enough iCloud storage", 4),
            ("iCloud storage is full", 6),
        ]
        for label, total in steps:
            fake.press_label(1, 1, label)
            await fake.wait_sent(1, total)
        fake.send_text(1, "ios 18")  # the iOS question answered in words
        texts = await fake.wait_sent(1, 9)
        assert texts[-1] == catalog.text("step_question")
        assert texts[-2].startswith("Step 1 of")
        fake.press_label(1, 1, catalog.text("opt_fixed"))
        texts = await fake.wait_sent(1, 11)
    assert texts[-2] == catalog.text("fixed")
    assert texts[-1] == catalog.text("feedback_question")
    assert len(fake.calls("answerCallbackQuery")) == 4
    menu = fake.bot_messages(1)[1]
    assert menu["text"] == MENU + "\n\n» iCloud (on the phone, no cable)"
    assert "reply_markup" not in menu
    step = next(m for m in fake.bot_messages(1) if m["text"].startswith(catalog.text("step_question")))
    assert step["text"].endswith("» " + catalog.text("opt_fixed"))
    assert len(fake.calls("editMessageText")) == 4


async def test_free_text_is_understood_and_stored(fake: FakeBotApi, bot: BotFactory, db_path: Path) -> None:
    # A described problem is understood (its category counted) and answered with a question; the turn and
    # the session are in the database afterwards.
    async with bot():
        fake.send_text(5, "my icloud backup fails because there is not enough icloud storage")
        await fake.wait_for(
            lambda: any("reply_markup" in m for m in fake.bot_messages(5)), what="a question with buttons"
        )
    store = Store.open(db_path)
    assert store.query("SELECT category FROM turns WHERE key = 'tg:5:0:5'") == [("storage",)]
    assert store.query("SELECT state FROM sessions WHERE key = 'tg:5:0:5'")[0][0] != "idle"
    store.close()


async def test_deep_link_payload_reaches_the_engine(fake: FakeBotApi, bot: BotFactory) -> None:
    # /start icloud_full (a t.me/bot?start=icloud_full link) opens that fix directly.
    async with bot():
        fake.send_text(2, "/start icloud_full")
        texts = await fake.wait_sent(2, 2)
    assert texts[0] == "Got it: iCloud storage is full."


async def test_help_reset_and_forget(fake: FakeBotApi, bot: BotFactory, catalog: Catalog, db_path: Path) -> None:
    # /help@botname works like /help; /forget deletes everything stored about the person.
    async with bot():
        fake.send_text(3, "my iphone won't back up to icloud, storage full")
        await fake.wait_for(lambda: len(fake.sent(3)) >= 2)
        count = len(fake.sent(3))
        fake.send_text(3, "/help@backup_helper_bot")
        texts = await fake.wait_sent(3, count + 1)
        assert catalog.text("help") in texts
        fake.send_text(3, "/reset")
        await fake.wait_for(lambda: catalog.text("reset") in fake.texts(3))
        fake.send_text(3, "/forget")
        await fake.wait_for(lambda: catalog.text("forget") in fake.texts(3))
    store = Store.open(db_path)
    assert store.query("SELECT count(*) FROM turns WHERE user_id = 3") == [(0,)]
    assert store.query("SELECT count(*) FROM sessions WHERE user_id = 3") == [(0,)]
    store.close()


async def test_media_edits_and_blank_text(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # Photos, stickers, voice, documents and locations get the "text only" answer; edits are ignored;
    # whitespace-only text is the engine's "empty" case.
    async with bot():
        for i, kind in enumerate(("photo", "sticker", "voice", "document", "location")):
            fake.send_media(4, kind)
            await fake.wait_sent(4, i + 1)
        fake.send_text(4, "edited text", edited=True)
        fake.send_text(4, "   ")
        texts = await fake.wait_sent(4, 6)
        await asyncio.sleep(0.2)
    assert texts[:5] == [catalog.text("unsupported_media")] * 5
    assert texts[5] == catalog.text("empty")
    assert len(fake.sent(4)) == 6


async def test_repeated_update_is_ignored(fake: FakeBotApi, bot: BotFactory) -> None:
    # Telegram may deliver an update twice; the second copy changes nothing and sends nothing.
    async with bot():
        update = fake.send_text(6, "/start")
        await fake.wait_sent(6, 2)
        fake.redeliver(update)
        fake.send_text(6, "/help")
        await fake.wait_sent(6, 4)  # the help text and the pending question again
        await asyncio.sleep(0.2)
    assert len(fake.sent(6)) == 4


async def test_one_conversation_is_handled_in_order(fake: FakeBotApi, bot: BotFactory) -> None:
    # Three messages arrive together; each answer builds on the previous one, so they ran in order.
    fake.send_text(7, "/start")
    fake.send_text(7, "1")
    fake.send_text(7, "1")
    async with bot():
        texts = await fake.wait_sent(7, 4)
    assert texts[1:] == [MENU, "What's going on with the iCloud backup?", "Which one fits best?"]


async def test_many_conversations_at_once(fake: FakeBotApi, bot: BotFactory) -> None:
    # Twenty people write at the same moment; everyone gets the greeting and the menu, once.
    for user_id in range(100, 120):
        fake.send_text(user_id, "/start")
    async with bot():
        await fake.wait_for(lambda: len(fake.sent()) >= 40, what="40 messages")
        await asyncio.sleep(0.2)
    assert all(len(fake.sent(u)) == 2 for u in range(100, 120))


async def test_flood_is_answered_once_then_dropped(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog, db_path: Path
) -> None:
    # 14 messages in a burst: ten are handled, the 11th gets "slow down", the rest are dropped quietly.
    for _ in range(14):
        fake.send_text(8, "hello")
    async with bot():
        await fake.wait_for(lambda: catalog.text("flood") in fake.texts(8))
        await asyncio.sleep(0.3)
    assert fake.texts(8).count(catalog.text("flood")) == 1
    store = Store.open(db_path)
    assert store.query("SELECT count(*) FROM turns WHERE user_id = 8") == [(10,)]
    store.close()


async def test_blocked_person_is_marked_and_not_retried(fake: FakeBotApi, bot: BotFactory, db_path: Path) -> None:
    # 403 on sending: the person blocked the bot. Marked in the store, no retry; writing again unmarks.
    fake.fail("sendMessage", "403")
    async with bot():
        fake.send_text(9, "/start")
        await fake.wait_for(lambda: len(fake.calls("sendMessage", ok_only=False)) >= 1)
        await asyncio.sleep(0.3)
        assert len(fake.calls("sendMessage", ok_only=False)) == 1
        store = Store.open(db_path)
        assert store.is_blocked(9)
        fake.send_text(9, "/help")
        await fake.wait_sent(9, 1)
        assert not store.is_blocked(9)
        store.close()

"""Whole private conversations through PTB and the fake Bot API: what a person would see."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.engine.model import Catalog
from bot.storage import Store
from tests.tg.conftest import ICLOUD_MENU, MENU, BotFactory, joined
from tests.tg.fake_bot_api import FakeBotApi

FULL = "Got it: iCloud storage is full."


def keyboard(message: dict) -> list[list[str]]:
    return [[b["text"] for b in row] for row in message.get("reply_markup", {}).get("inline_keyboard", [])]


async def test_start_sends_greeting_and_menu_with_one_button_per_row(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog
) -> None:
    # The command menu is set at start-up; /start answers with ONE message: the greeting and the menu's
    # prompt joined by a blank line, the menu's buttons under it.
    async with bot():
        fake.send_text(1, "/start")
        texts = await fake.wait_sent_exactly(1, 1)
    assert texts == [joined(catalog.text("greeting"), MENU)]
    assert [c["command"] for c in fake.commands] == ["start", "help", "reset", "forget"]
    (message,) = fake.bot_messages(1)
    assert keyboard(message) == [["iCloud (on the phone, no cable)"], ["A computer (Mac or Windows PC)"]]
    assert all("parse_mode" not in p for p in fake.sent(1))


async def test_buttons_walk_to_a_fix_and_each_answered_question_is_marked(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog
) -> None:
    # Every press is answered, the pressed question is edited to show the choice without its keyboard,
    # and a free-text answer works in the middle of the buttons. Each turn is one message.
    async with bot():
        fake.send_text(1, "/start")
        await fake.wait_sent(1, 1)
        steps = ["iCloud (on the phone, no cable)", "Not enough iCloud storage", "iCloud storage is full"]
        for total, label in enumerate(steps, start=2):
            fake.press_label(1, 1, label)
            await fake.wait_sent(1, total)
        fake.send_text(1, "ios 18")  # the iOS question answered in words
        texts = await fake.wait_sent(1, 5)
        solved = fake.press_any(1, 1, catalog.text("opt_fixed"), catalog.text("opt_solved"))
        texts = await fake.wait_sent_exactly(1, 6)
    greeting, icloud, which, ios, step, fixed = texts
    assert greeting == joined(catalog.text("greeting"), MENU)
    assert (icloud, which) == (ICLOUD_MENU, "Which one fits best?")
    assert ios.startswith(joined(FULL, "Which iOS version"))
    question = catalog.text("step_question" if solved == catalog.text("opt_fixed") else "check_question")
    assert joined("", "Step 1 of") in step and step.endswith(joined("", question))
    assert fixed == joined(catalog.text("fixed"), catalog.text("feedback_question"))
    assert len(fake.calls("answerCallbackQuery")) == 4
    messages = fake.bot_messages(1)
    assert [m["text"] for m in messages] == [
        joined(greeting, "» iCloud (on the phone, no cable)"),
        joined(icloud, "» Not enough iCloud storage"),
        joined(which, "» iCloud storage is full"),
        ios,  # answered in words: not edited, keyboard left as it was
        joined(step, "» " + solved),
        fixed,
    ]
    assert ["reply_markup" in m for m in messages] == [False, False, False, True, False, True]
    assert keyboard(messages[-1]) == [[catalog.text("opt_helpful")], [catalog.text("opt_not_helpful")]]
    assert len(fake.calls("editMessageText")) == 4


async def test_free_text_is_understood_and_stored(fake: FakeBotApi, bot: BotFactory, db_path: Path) -> None:
    # A described problem is understood (its category counted) and answered with a question; the turn and
    # the session are in the database afterwards.
    async with bot():
        fake.send_text(5, "my icloud backup fails because there is not enough icloud storage")
        await fake.wait_for(
            lambda: any("reply_markup" in m for m in fake.bot_messages(5)), what="a question with buttons"
        )
    (question,) = fake.bot_messages(5)  # the understood problem and its first question in one message
    assert question["text"].startswith(joined(FULL, "Which iOS version"))
    store = Store.open(db_path)
    assert store.query("SELECT category FROM turns WHERE key = 'tg:5:0:5'") == [("storage",)]
    assert store.query("SELECT state FROM sessions WHERE key = 'tg:5:0:5'")[0][0] != "idle"
    store.close()


async def test_deep_link_payload_reaches_the_engine(fake: FakeBotApi, bot: BotFactory) -> None:
    # /start icloud_full (a t.me/bot?start=icloud_full link) opens that fix directly.
    async with bot():
        fake.send_text(2, "/start icloud_full")
        texts = await fake.wait_sent_exactly(2, 1)
    assert texts[0].startswith(joined(FULL, "Which iOS version"))
    assert "reply_markup" in fake.bot_messages(2)[0]


async def test_help_reset_and_forget(fake: FakeBotApi, bot: BotFactory, catalog: Catalog, db_path: Path) -> None:
    # /help@botname works like /help and repeats the pending question in the same message; /forget
    # deletes everything stored about the person.
    async with bot():
        fake.send_text(3, "my iphone won't back up to icloud, storage full")
        await fake.wait_sent(3, 1)
        fake.send_text(3, "/help@backup_helper_bot")
        await fake.wait_sent(3, 2)
        fake.send_text(3, "/reset")
        await fake.wait_sent(3, 3)
        fake.send_text(3, "/forget")
        texts = await fake.wait_sent_exactly(3, 4)
    question = texts[0].removeprefix(joined(FULL, ""))
    assert question.startswith("Which iOS version")
    assert texts[1:] == [
        joined(catalog.text("help"), question),
        joined(catalog.text("reset"), MENU),
        catalog.text("forget"),
    ]
    assert ["reply_markup" in m for m in fake.bot_messages(3)] == [True, True, True, False]
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


async def test_repeated_update_is_ignored(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # Telegram may deliver an update twice; the second copy changes nothing and sends nothing.
    async with bot():
        update = fake.send_text(6, "/start")
        await fake.wait_sent(6, 1)
        fake.redeliver(update)
        fake.send_text(6, "/help")
        texts = await fake.wait_sent_exactly(6, 2)
    assert texts[1] == joined(catalog.text("help"), "Where are you trying to back up?")  # and the question again


async def test_one_conversation_is_handled_in_order(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # Three messages arrive together; each answer builds on the previous one, so they ran in order.
    fake.send_text(7, "/start")
    fake.send_text(7, "1")
    fake.send_text(7, "1")
    async with bot():
        texts = await fake.wait_sent_exactly(7, 3)
    assert texts == [joined(catalog.text("greeting"), MENU), ICLOUD_MENU, "Which one fits best?"]


async def test_many_conversations_at_once(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # Twenty people write at the same moment; everyone gets the greeting and the menu, once, in one message.
    for user_id in range(100, 120):
        fake.send_text(user_id, "/start")
    async with bot():
        await fake.wait_for(lambda: len(fake.sent()) >= 20, what="20 messages")
        await asyncio.sleep(0.2)
    assert len(fake.sent()) == 20
    assert all(fake.texts(u) == [joined(catalog.text("greeting"), MENU)] for u in range(100, 120))


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
        assert store.bookkeeping.is_blocked(9)
        fake.send_text(9, "/help")
        await fake.wait_sent(9, 1)
        assert not store.bookkeeping.is_blocked(9)
        store.close()

"""Groups and forum topics: answer only when addressed, keep members' conversations apart."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from bot.engine.model import Catalog
from bot.storage import Store
from tests.tg.conftest import ICLOUD_MENU, MENU, BotFactory, joined
from tests.tg.fake_bot_api import BOT_USERNAME, FakeBotApi

GROUP = -1001
FULL = "Got it: iCloud storage is full."
NOTE = "To keep the group tidy, we can carry on in a private chat. Your progress comes with you."


async def test_unaddressed_messages_are_ignored(fake: FakeBotApi, bot: BotFactory) -> None:
    # Members talking among themselves (text, photos, other bots' commands) get no answer.
    async with bot():
        fake.send_text(11, "my backup fails, any idea?", chat_id=GROUP)
        fake.send_media(11, "photo", chat_id=GROUP)
        fake.send_text(11, "/start@some_other_bot", chat_id=GROUP)
        fake.send_text(11, "/weather", chat_id=GROUP)
        await asyncio.sleep(0.5)
    assert fake.sent(GROUP) == []


async def test_mention_is_answered_in_its_topic_as_a_reply(fake: FakeBotApi, bot: BotFactory) -> None:
    # An @mention in a forum topic: the mention is stripped, the answer (one message, with its question's
    # buttons) goes to the same topic and replies to the member's message.
    fake.make_forum(GROUP)
    async with bot():
        update = fake.send_text(
            11, f"@{BOT_USERNAME} icloud backup fails, storage is full", chat_id=GROUP, thread_id=77
        )
        texts = await fake.wait_sent_exactly(GROUP, 1)
    assert texts[0].startswith(joined(FULL, "Which iOS version"))
    (params,) = fake.sent(GROUP)
    assert params["message_thread_id"] == 77
    assert params["reply_parameters"]["message_id"] == update["message"]["message_id"]
    assert "reply_markup" in params


async def test_reply_to_the_bot_and_commands_are_answered(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # /help@botname and a reply to one of the bot's messages count as addressed.
    async with bot():
        fake.send_text(12, f"/help@{BOT_USERNAME}", chat_id=GROUP)
        await fake.wait_sent(GROUP, 1)
        ours = fake.bot_messages(GROUP)[0]
        fake.send_text(12, "my icloud backup is full", chat_id=GROUP, reply_to=ours["message_id"])
        texts = await fake.wait_sent_exactly(GROUP, 2)
    assert texts[0] == joined(catalog.text("help"), NOTE)  # the first answer offers a private chat, once
    assert NOTE not in texts[1]
    assert texts[1].startswith(joined(FULL, "Which iOS version"))
    assert fake.sent(GROUP)[1]["reply_parameters"]["message_id"] != ours["message_id"]  # answers the member


async def test_another_members_press_is_rejected(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # Only the member who started a conversation can press its buttons; others get an alert, nothing changes.
    async with bot():
        fake.send_text(13, f"/start@{BOT_USERNAME}", chat_id=GROUP)
        await fake.wait_sent(GROUP, 1)
        (menu,) = fake.bot_messages(GROUP)
        assert menu["text"] == joined(catalog.text("greeting"), MENU, NOTE)
        first = menu["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        fake.press(14, menu, first)
        await fake.wait_for(lambda: len(fake.calls("answerCallbackQuery")) == 1)
        await asyncio.sleep(0.2)
        alert = fake.calls("answerCallbackQuery")[0].params
        assert alert["text"] == catalog.text("not_your_buttons")
        assert alert["show_alert"] is True
        assert len(fake.sent(GROUP)) == 1 and "reply_markup" in fake.bot_messages(GROUP)[-1]
        fake.press(13, menu, first)
        texts = await fake.wait_sent_exactly(GROUP, 2)
    assert texts[-1] == ICLOUD_MENU


async def test_button_owner_holds_without_the_quoted_message(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog, db_path: Path
) -> None:
    # The member deleted their message (or a client leaves the quote out): another member's press still gets
    # only a popup, nothing is posted or edited and no conversation changes; the owner's press still works.
    async with bot():
        fake.send_text(13, f"/start@{BOT_USERNAME}", chat_id=GROUP)
        await fake.wait_sent(GROUP, 1)
        (menu,) = fake.bot_messages(GROUP)
        first = menu["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        fake.press(14, menu, first, quote=False)
        await fake.wait_for(lambda: len(fake.calls("answerCallbackQuery")) == 1)
        await asyncio.sleep(0.3)
        alert = fake.calls("answerCallbackQuery")[0].params
        assert alert["text"] == catalog.text("not_your_buttons") and alert["show_alert"] is True
        assert len(fake.sent(GROUP)) == 1 and not fake.calls("editMessageText")
        fake.press(13, menu, first, quote=False)
        texts = await fake.wait_sent_exactly(GROUP, 2)
    assert texts[-1] == ICLOUD_MENU
    store = Store.open(db_path)
    assert store.query("SELECT count(*) FROM sessions WHERE key LIKE '%:14'") == [(0,)]
    store.close()


async def test_a_refused_button_answer_never_swallows_the_next_question(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog
) -> None:
    # answerCallbackQuery refused ("query is too old": the press was answered late): the next question is
    # still sent, and only then is the old keyboard removed.
    async with bot():
        fake.send_text(31, "/start")
        await fake.wait_sent(31, 1)
        fake.fail("answerCallbackQuery", "400", times=5)
        (menu,) = fake.bot_messages(31)
        fake.press(31, menu, menu["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
        texts = await fake.wait_sent_exactly(31, 2)
        await fake.wait_for(lambda: bool(fake.calls("editMessageText")), what="the old question marked")
    assert texts[-1] == ICLOUD_MENU
    assert "reply_markup" in fake.bot_messages(31)[-1]
    order = [c.method for c in fake.calls() if c.method in ("sendMessage", "editMessageText")]
    assert order == ["sendMessage", "sendMessage", "editMessageText"]


async def test_two_members_conversations_are_kept_apart(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # Two members in one group: each conversation keeps its own state.
    async with bot():
        fake.send_text(15, f"/start@{BOT_USERNAME}", chat_id=GROUP)
        await fake.wait_sent(GROUP, 1)
        fake.send_text(16, f"@{BOT_USERNAME} my mac doesn't see the iphone", chat_id=GROUP)
        await fake.wait_sent(GROUP, 2)
        fake.send_text(15, f"@{BOT_USERNAME} 1", chat_id=GROUP)  # member 15 answers the menu by number
        texts = await fake.wait_sent_exactly(GROUP, 3)
    # each member's first answer carries their own private-chat offer; later answers do not
    assert texts[0] == joined(catalog.text("greeting"), MENU, NOTE)
    # a Mac named without its macOS: "Finder or iTunes?" (issue 11.1)
    assert texts[1].startswith(joined("Got it: Computer doesn't see the iPhone.", catalog.text("mac_app_question")))
    assert texts[1].endswith(NOTE)
    assert texts[2] == ICLOUD_MENU
    assert all("reply_markup" in p for p in fake.sent(GROUP))


async def test_admins_switch_auto_answer(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # /autoanswer on needs an admin; once on, every message in the group is answered.
    fake.make_admin(GROUP, 17)
    async with bot():
        fake.send_text(18, "/autoanswer on", chat_id=GROUP)
        await fake.wait_sent(GROUP, 1)
        fake.send_text(17, "/autoanswer on", chat_id=GROUP)
        await fake.wait_sent(GROUP, 2)
        fake.send_text(18, "icloud backup fails, storage full", chat_id=GROUP)
        texts = await fake.wait_sent_exactly(GROUP, 3)
    assert texts[:2] == [catalog.text("admins_only"), catalog.text("autoanswer_on")]
    assert texts[2].startswith(joined(FULL, "Which iOS version"))  # the plain message was answered


def link_of(message: dict) -> str:
    """The URL of the message's link button (the last row of its keyboard)."""
    (button,) = message["reply_markup"]["inline_keyboard"][-1]
    return str(button["url"])


async def test_two_members_at_once_in_forum_topics(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # Two members write at the same moment, in two topics of a forum and once more in the first topic: three
    # separate conversations, each answered in its own topic, each offered its own private-chat link.
    fake.make_forum(GROUP)
    fake.send_text(21, f"@{BOT_USERNAME} icloud backup fails, storage is full", chat_id=GROUP, thread_id=5)
    fake.send_text(22, f"@{BOT_USERNAME} my mac doesn't see the iphone", chat_id=GROUP, thread_id=6)
    fake.send_text(22, f"/start@{BOT_USERNAME}", chat_id=GROUP, thread_id=5)
    async with bot():
        await fake.wait_sent_exactly(GROUP, 3)
    by_topic = {(p["message_thread_id"], p["text"].split("\n")[0]) for p in fake.sent(GROUP)}
    assert by_topic == {
        (5, FULL),
        (6, "Got it: Computer doesn't see the iPhone."),
        (5, catalog.text("greeting")),
    }
    messages = fake.bot_messages(GROUP)
    assert all(m["text"].endswith(NOTE) for m in messages)
    assert len({link_of(m) for m in messages}) == 3


async def test_continue_in_private_round_trip(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog, db_path: Path
) -> None:
    # The first group answer carries a t.me deep link; opened by the member, the private chat continues at
    # the pending question. Another member cannot use it, and it works once.
    async with bot():
        fake.send_text(23, f"@{BOT_USERNAME} icloud backup fails, storage is full", chat_id=GROUP)
        await fake.wait_sent(GROUP, 1)
        (answer,) = fake.bot_messages(GROUP)
        url = link_of(answer)
        labels = [row[0]["text"] for row in answer["reply_markup"]["inline_keyboard"]]
        assert labels[-1] == catalog.text("private_continue_button") and "iOS 15 or 16" in labels
        prefix = f"https://t.me/{BOT_USERNAME}?start=c_"
        assert url.startswith(prefix)
        token = url.removeprefix(prefix)
        assert len(token) >= 16 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
        question = answer["text"].removeprefix(joined(FULL, "")).removesuffix(joined("", NOTE))

        fake.send_text(24, f"/start c_{token}")  # someone else's link: a fresh start
        await fake.wait_sent(24, 1)
        fake.send_text(23, f"/start c_{token}")
        await fake.wait_sent(23, 1)
        fake.send_text(23, "ios 18")  # the conversation goes on where it was
        await fake.wait_sent(23, 2)
        fake.send_text(23, f"/start c_{token}")  # used: a fresh start
        texts = await fake.wait_sent_exactly(23, 3)
    assert fake.texts(24) == [joined(catalog.text("greeting"), MENU)]
    assert texts[0] == joined(catalog.text("private_continued"), question)
    assert "reply_markup" in fake.bot_messages(23)[0]
    assert "Step 1 of" in texts[1]
    assert texts[2] == joined(catalog.text("greeting"), MENU)
    store = Store.open(db_path)
    assert store.query("SELECT key, used IS NOT NULL FROM continue_links") == [(f"tg:{GROUP}:0:23", 1)]
    store.close()

"""Human handoff through PTB and the fake Bot API: tickets in the operator chat, relays both ways, /close."""

from __future__ import annotations

import html
from pathlib import Path

from bot.engine.model import Catalog
from bot.engine.summary import RESULT_LABELS
from bot.storage import Store
from tests.tg.conftest import MENU, BotFactory, joined
from tests.tg.fake_bot_api import FakeBotApi

OPS = -2001  # the operator chat (SUPPORT_CHAT_ID)
PERSON = 21
OPERATOR = 31
NAME = '<b>Eve</b> & "Co"'  # a display name that is also HTML: must be escaped in the operator chat
PROBLEM = "icloud storage is full & backup fails <help>"
IOS = "iOS 17 or later (including iOS 26)"


def support(**more: object) -> dict[str, object]:
    return {"settings": {"support_chat_id": OPS, **more}}


async def ask_for_a_human(fake: FakeBotApi, catalog: Catalog, person: int = PERSON) -> None:
    """Describe the problem, answer the iOS question, say step 1 didn't help, then ask for a person."""
    fake.name(person, NAME)
    fake.send_text(person, PROBLEM)
    await fake.wait_sent(person, 1)
    fake.press_label(person, person, IOS)
    await fake.wait_sent(person, 2)
    fake.press_any(person, person, catalog.text("opt_not_fixed"), catalog.text("opt_next"))
    await fake.wait_sent(person, 3)
    fake.send_text(person, "/human")
    await fake.wait_sent(person, 4)
    await fake.wait_sent(OPS, 1)


def ops_texts(fake: FakeBotApi) -> list[str]:
    """What operators read (the messages are HTML)."""
    return [html.unescape(p["text"]) for p in fake.sent(OPS)]


async def test_forum_round_trip(fake: FakeBotApi, bot: BotFactory, catalog: Catalog, db_path: Path) -> None:
    # The whole handoff in a forum: a topic per case with an escaped summary; the operator's reply reaches the
    # person with the operator's name; the person's messages reach the topic (told once); /close asks the
    # person for feedback, and their answer is recorded.
    fake.make_forum(OPS)
    fake.name(OPERATOR, "Olga")
    async with bot(**support()):
        await ask_for_a_human(fake, catalog)
        assert fake.texts(PERSON)[-1] == catalog.text("human_requested")
        (topic_call,) = fake.calls("createForumTopic")
        assert topic_call.params["name"] == f"Case #1 from {NAME}"  # plain text: topic names are not HTML
        (summary,) = fake.sent(OPS)
        topic = summary["message_thread_id"]
        assert summary["parse_mode"] == "HTML"
        text = summary["text"]
        assert text.startswith(f'Case #1 from <a href="tg://user?id={PERSON}">{html.escape(NAME, quote=False)}</a>')
        assert "<b>Eve" not in text and "<help>" not in text  # nothing the person wrote is markup
        shown = html.unescape(text)
        assert "Problem: iCloud storage is full (storage)" in shown
        assert "Steps tried:\n  1. " in shown
        assert f"-> {RESULT_LABELS['not_fixed']}" in shown or f"-> {RESULT_LABELS['next']}" in shown
        assert f'In their words:\n  "{PROBLEM}"' in shown
        assert shown.endswith(catalog.text("ticket_reply_hint"))

        fake.send_text(OPERATOR, "Hi! Try deleting an old backup first.", chat_id=OPS, thread_id=topic)
        await fake.wait_sent(PERSON, 5)
        assert fake.texts(PERSON)[-1] == catalog.text(
            "relay_from_operator", name="Olga", text="Hi! Try deleting an old backup first."
        )

        fake.send_text(PERSON, "done, still failing <sigh>")
        await fake.wait_sent(OPS, 2)
        fake.send_text(PERSON, "any other idea?")
        await fake.wait_sent(OPS, 3)
        relayed = fake.sent(OPS)[1:]
        assert all(p["message_thread_id"] == topic for p in relayed)
        assert relayed[0]["text"].endswith("\ndone, still failing &lt;sigh&gt;")
        link = f'<a href="tg://user?id={PERSON}">{html.escape(NAME, quote=False)}</a>'
        assert relayed[1]["text"] == f"Case #1 from {link}\nany other idea?"
        texts = await fake.wait_sent_exactly(PERSON, 6)
        assert texts[-1] == catalog.text("ticket_forwarded")  # once per ticket, not per message

        fake.send_text(OPERATOR, "/close", chat_id=OPS, thread_id=topic)
        texts = await fake.wait_sent(PERSON, 7)
        assert texts[-1] == joined(catalog.text("handoff_closed"), catalog.text("feedback_question"))
        await fake.wait_sent(OPS, 4)
        assert ops_texts(fake)[-1] == catalog.text("ticket_closed", number="1")
        fake.press_label(PERSON, PERSON, catalog.text("opt_helpful"))
        texts = await fake.wait_sent_exactly(PERSON, 8)
        assert texts[-1] == catalog.text("feedback_thanks")
        fake.send_text(OPERATOR, "one more thing", chat_id=OPS, thread_id=topic)  # closed: nothing relayed
        await fake.wait_sent_exactly(PERSON, 8)
    store = Store.open(db_path)
    assert store.query("SELECT id, status FROM handoffs") == [(1, "closed")]
    kinds = store.query("SELECT kind, detail FROM outcomes WHERE kind IN ('handoff', 'feedback') ORDER BY id")
    assert kinds == [("handoff", ""), ("handoff", "closed"), ("feedback", "helpful")]
    store.close()


async def test_reply_thread_round_trip(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # An operator group without topics: the summary is the thread's root; a reply to it or to any later
    # message of the case reaches the person; other talk in the group is not relayed; /close is a reply.
    fake.name(OPERATOR, "Olga")
    async with bot(**support()):
        await ask_for_a_human(fake, catalog)
        assert fake.calls("getChat") and not fake.calls("createForumTopic")
        (summary,) = fake.bot_messages(OPS)
        assert "message_thread_id" not in fake.sent(OPS)[0]
        fake.send_text(OPERATOR, "unrelated chatter", chat_id=OPS)
        fake.send_text(OPERATOR, "Which Mac is it?", chat_id=OPS, reply_to=summary["message_id"])
        texts = await fake.wait_sent_exactly(PERSON, 5)
        assert texts[-1] == catalog.text("relay_from_operator", name="Olga", text="Which Mac is it?")

        fake.send_text(PERSON, "a MacBook Air")
        await fake.wait_sent(OPS, 2)
        relayed = fake.bot_messages(OPS)[-1]
        assert fake.sent(OPS)[-1]["reply_parameters"]["message_id"] == summary["message_id"]
        fake.send_text(OPERATOR, "Thanks, checking.", chat_id=OPS, reply_to=relayed["message_id"])
        texts = await fake.wait_sent(PERSON, 7)
        assert texts[-2:] == [
            catalog.text("ticket_forwarded"),
            catalog.text("relay_from_operator", name="Olga", text="Thanks, checking."),
        ]
        fake.send_text(OPERATOR, "/close", chat_id=OPS)  # not a reply: which case? the hint says how
        await fake.wait_sent(OPS, 3)
        assert ops_texts(fake)[-1] == catalog.text("ticket_reply_hint")
        fake.send_text(OPERATOR, "/close", chat_id=OPS, reply_to=relayed["message_id"])
        texts = await fake.wait_sent_exactly(PERSON, 8)
        assert texts[-1] == joined(catalog.text("handoff_closed"), catalog.text("feedback_question"))
        await fake.wait_sent(OPS, 4)
        assert ops_texts(fake)[-1] == catalog.text("ticket_closed", number="1")


async def test_close_and_stats_are_for_operators_only(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # /close and /stats outside the operator chat are refused, in private and in other groups; the
    # ticket stays open and the person's /close is not relayed as a message either.
    async with bot(**support()):
        await ask_for_a_human(fake, catalog)
        fake.send_text(PERSON, "/close")
        await fake.wait_sent(PERSON, 5)
        fake.send_text(PERSON, "/stats")
        await fake.wait_sent(PERSON, 6)
        fake.send_text(77, "/close", chat_id=-3001)
        await fake.wait_sent(-3001, 1)
        texts = await fake.wait_sent_exactly(PERSON, 6)
    assert texts[-2:] == [catalog.text("operators_only")] * 2
    assert fake.texts(-3001) == [catalog.text("operators_only")]
    assert len(fake.sent(OPS)) == 1  # only the summary


async def test_hidden_operator_names(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # HIDE_OPERATOR_NAMES: the person sees "The support team", not the operator's name.
    fake.make_forum(OPS)
    fake.name(OPERATOR, "Olga")
    async with bot(**support(hide_operator_names=True)):
        await ask_for_a_human(fake, catalog)
        topic = fake.sent(OPS)[0]["message_thread_id"]
        fake.send_text(OPERATOR, "We're on it.", chat_id=OPS, thread_id=topic)
        texts = await fake.wait_sent_exactly(PERSON, 5)
    assert texts[-1] == catalog.text("relay_from_team", text="We're on it.")
    assert "Olga" not in texts[-1]


async def test_reset_and_forget_close_the_ticket(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog, db_path: Path
) -> None:
    # /reset while a case is open ends it (operators told) and starts over; /forget during a second case
    # ends that one too and deletes the person's tickets and continue links.
    fake.make_forum(OPS)
    async with bot(**support()):
        await ask_for_a_human(fake, catalog)
        fake.send_text(PERSON, "/reset")
        texts = await fake.wait_sent(PERSON, 5)
        assert texts[-1] == joined(catalog.text("reset"), MENU)
        await fake.wait_sent(OPS, 2)
        assert ops_texts(fake)[-1] == catalog.text("ticket_ended", number="1")
        assert fake.sent(OPS)[-1]["message_thread_id"] == fake.sent(OPS)[0]["message_thread_id"]
        fake.send_text(PERSON, "/human")
        await fake.wait_sent(OPS, 3)  # case 2: its summary
        fake.send_text(PERSON, "/forget")
        texts = await fake.wait_sent(PERSON, 7)
        assert texts[-1] == catalog.text("forget")
        await fake.wait_sent(OPS, 4)
        assert ops_texts(fake)[-1] == catalog.text("ticket_ended", number="2")
    store = Store.open(db_path)
    for table in ("handoffs", "sessions", "turns", "outcomes", "continue_links"):
        assert store.query(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", [PERSON]) == [(0,)], table
    assert store.query("SELECT COUNT(*) FROM handoff_messages") == [(0,)]
    store.close()


async def test_missing_topic_rights_fall_back_to_a_reply_thread(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog
) -> None:
    # A forum where the bot may not create topics: the case is still posted, as a reply thread.
    fake.make_forum(OPS)
    fake.deny_topics()
    async with bot(**support()):
        await ask_for_a_human(fake, catalog)
    assert fake.texts(PERSON)[-1] == catalog.text("human_requested")
    assert "message_thread_id" not in fake.sent(OPS)[0]


async def test_unreachable_operator_chat_is_said_honestly(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # The bot was removed from the operator chat (403 there): the person is not promised a person.
    async with bot(**support()):
        fake.name(PERSON, NAME)
        fake.send_text(PERSON, PROBLEM)
        await fake.wait_sent(PERSON, 1)
        fake.fail("sendMessage", "403")  # the next send is the case summary
        fake.send_text(PERSON, "/human")
        texts = await fake.wait_sent_exactly(PERSON, 2)
        fake.send_text(PERSON, "hello?")  # no ticket: the engine answers, nothing is relayed
        await fake.wait_sent(PERSON, 3)
    assert texts[-1] == catalog.text("human_unavailable")
    assert fake.sent(OPS) == []


async def test_old_buttons_do_not_end_an_open_case(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog, db_path: Path
) -> None:
    # While a person is on the case, pressing a button of an earlier question only stops its spinner.
    async with bot(**support()):
        await ask_for_a_human(fake, catalog)
        fake.press_any(PERSON, PERSON, catalog.text("opt_fixed"), catalog.text("opt_solved"))  # step 2's buttons
        await fake.wait_for(lambda: len(fake.calls("answerCallbackQuery")) == 3)
        await fake.wait_sent_exactly(PERSON, 4)
    assert len(fake.sent(OPS)) == 1
    store = Store.open(db_path)
    assert store.query("SELECT status FROM handoffs") == [("open",)]
    store.close()

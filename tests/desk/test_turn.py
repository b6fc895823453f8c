"""Conversations.handle: one turn for every front-end (recorded, forgotten, continued in private, cut)."""

from __future__ import annotations

from dataclasses import replace

from bot.desk.admission import Admit, Gate
from bot.desk.continuation import PREFIX, Link
from bot.desk.flood import FloodGate
from bot.desk.ports import Person, Where
from bot.engine.model import Catalog, Command, Session, Text
from bot.storage import Store
from tests.desk.conftest import ALICE, CONSOLE, GROUP, Desk

MENU = "What kind of backup problem is it?"


async def test_a_turn_is_recorded_before_it_is_handed_back(desk: Desk) -> None:
    # The session after the turn is already stored, with the person's words as a turn row.
    turn = await desk.say(ALICE, "icloud storage is full")
    assert desk.store.sessions.load(ALICE.key) == turn.session
    (row,) = desk.store.sessions.turns
    assert (row.key, row.user_id) == (ALICE.key, 21)


async def test_open_greets_a_new_conversation_and_shows_one_under_way(desk: Desk, catalog: Catalog) -> None:
    # A front-end's first turn: the greeting and menu; after a restart the pending question again.
    first = await desk.conversations.open(CONSOLE, desk.now)
    assert first.reply.messages[0] == catalog.text("greeting") and MENU in first.reply.messages
    await desk.command(CONSOLE, "start")
    await desk.press(CONSOLE, "iCloud (on the phone, no cable)")
    again = await desk.conversations.open(CONSOLE, desk.now)
    assert again.reply.buttons == desk.last[CONSOLE.key].reply.buttons and again.session.state != "idle"


async def test_forget_is_the_same_for_the_console_and_a_person(desk: Desk, catalog: Catalog) -> None:
    # /forget answers the same words and leaves nothing behind, whether the conversation has a person id
    # (Telegram: everything about them) or not (the console: everything about the conversation).
    for where in (CONSOLE, ALICE):
        await desk.say(where, "icloud storage is full")
        turn = await desk.command(where, "forget")
        assert turn.reply.messages[-1] == catalog.text("forget")
        assert desk.store.sessions.load(where.key) == Session()
    assert desk.store.sessions.rows == {} and desk.store.sessions.turns == [] and desk.store.sessions.outcomes == []


async def test_forget_removes_every_conversation_of_the_person_only(desk: Desk) -> None:
    # Telegram's /forget covers the person's group conversations too, and nobody else's.
    bob = Where("tg:22:0:22", 22, 22, 0, True, Person(22, "Bob"))
    for where in (GROUP, bob, ALICE):
        await desk.say(where, "icloud storage is full")
    await desk.command(ALICE, "forget")
    assert set(desk.store.sessions.rows) == {bob.key}


async def test_a_group_answer_offers_the_private_chat_once(desk: Desk, catalog: Catalog) -> None:
    # The first answer in a group carries the note and a t.me link (an effect); later answers do not.
    first = await desk.say(GROUP, "icloud storage is full")
    assert first.reply.messages[-1] == catalog.text("private_continue_note")
    (link,) = first.effects
    assert isinstance(link, Link) and link.url.startswith(f"https://t.me/backup_bot?start={PREFIX}")
    second = await desk.say(GROUP, "hello")
    assert second.effects == () and catalog.text("private_continue_note") not in second.reply.messages
    private = await desk.say(ALICE, "hello")
    assert private.effects == ()


async def test_the_link_continues_the_group_conversation_in_private(desk: Desk, catalog: Catalog) -> None:
    # /start c_<token> in private: the group session under the private key, its question introduced; the
    # token works once and only for its member.
    first = await desk.say(GROUP, "icloud storage is full")
    token = first.effects[0].url.rpartition("=")[2]
    stranger = Where("tg:23:0:23", 23, 23, 0, True, Person(23, "Eve"))
    fresh = await desk.command(stranger, "start", token)
    assert fresh.reply.messages[0] == catalog.text("greeting")
    resumed = await desk.command(ALICE, "start", token)
    assert resumed.reply.messages[0] == catalog.text("private_continued")
    assert resumed.reply.buttons == first.reply.buttons
    assert desk.store.sessions.load(ALICE.key).intent == desk.store.sessions.load(GROUP.key).intent
    again = await desk.command(ALICE, "start", token)
    assert again.reply.messages[0] == catalog.text("greeting")


async def test_without_a_username_no_link_is_offered(handoff_engine) -> None:  # type: ignore[no-untyped-def]
    # Before the front-end knows the bot's @username there is nothing to link to, and nothing is stored.
    from tests.desk.conftest import make_desk

    desk = make_desk(handoff_engine, username=None)
    turn = await desk.say(GROUP, "icloud storage is full")
    assert turn.effects == () and desk.store.links.rows == {}


async def test_a_long_message_is_cut_and_the_person_told(desk: Desk, catalog: Catalog) -> None:
    # The engine reads the first 2000 characters; the reply says so first; the stored turn keeps the text.
    text = "icloud storage is full " * 100
    turn = await desk.say(ALICE, text)
    assert turn.reply.messages[0] == catalog.text("too_long")
    assert desk.store.sessions.turns[0].what == (text, turn.reply.match)


async def test_admission_floods_once_and_shows_a_repeat_once(desk: Desk, catalog: Catalog) -> None:
    # Over the limit: told once, then quiet. A redelivered update from an earlier process shows where the
    # conversation stands; the same repeat again is dropped silently.
    admit = desk.conversations.admit
    verdicts = [desk.conversations.arrive(ALICE, desk.now) for _ in range(12)]
    assert verdicts[:10] == [None] * 10
    assert [v.verdict for v in verdicts[10:] if v is not None] == [Admit.FLOOD] * 2
    assert verdicts[10] is not None and verdicts[10].reply is not None
    assert verdicts[10].reply.messages == (catalog.text("flood"),)
    assert verdicts[11] is not None and verdicts[11].reply is None
    assert admit(ALICE, 1, desk.now).verdict is Admit.TURN  # the flood limit is not applied twice
    bob = Where("tg:22:0:22", 22, 22)
    desk.store.bookkeeping.first_time(99, desk.now)  # an earlier process took update 99
    shown = admit(bob, 99, desk.now + 100)
    assert shown.verdict is Admit.REPEAT and shown.reply is not None and shown.reply.messages
    assert admit(bob, 99, desk.now + 101).reply is None


async def test_a_person_who_writes_again_is_no_longer_blocked(desk: Desk) -> None:
    # A private message proves they unblocked the bot.
    desk.store.bookkeeping.set_blocked(21, True, desk.now)
    assert desk.conversations.admit(ALICE, 1, desk.now).verdict is Admit.TURN
    assert not desk.store.bookkeeping.is_blocked(21)


async def test_the_same_turn_on_sqlite(handoff_engine, catalog: Catalog) -> None:  # type: ignore[no-untyped-def]
    # The desk runs unchanged on the SQLite store: a turn is recorded, /forget removes it.
    from bot.desk.turn import Conversations

    store = Store.memory()
    desk = Conversations(handoff_engine, store)
    turn = await desk.handle(ALICE, Text("icloud is full"), 1.0)
    assert store.sessions.load(ALICE.key) == turn.session
    await desk.handle(ALICE, Command("forget"), 2.0)
    assert store.query("SELECT COUNT(*) FROM turns") == [(0,)]
    store.close()


async def test_an_update_is_handled_exactly_when_its_turn_is_stored(desk: Desk) -> None:
    # Admission only reads: an update whose process died before its turn was stored is still new to the
    # next process; once the turn is stored (with the update id, in one transaction) it is a repeat.
    conversations = desk.conversations

    def next_process() -> Gate:  # a gate that knows only what is stored
        return Gate(conversations.engine, desk.store.sessions, desk.store.bookkeeping, FloodGate())

    assert conversations.admit(ALICE, 7, desk.now).verdict is Admit.TURN
    assert next_process().admit(ALICE.key, 21, 7, private=True, now=desk.now).verdict is Admit.TURN
    await conversations.handle(replace(ALICE, update_id=7), Text("icloud storage is full"), desk.now)
    shown = next_process().admit(ALICE.key, 21, 7, private=True, now=desk.now)
    assert shown.verdict is Admit.REPEAT and shown.reply is not None

"""Check-ins on the memory twins: offered on slow steps, stored before the answer, sent once, cancelled when
the person acts first, answered with the step's own results; at most three rounds for one step."""

from __future__ import annotations

import pytest

from bot.desk.checkins import CheckinDesk, Scheduled
from bot.desk.memory import MemoryStore
from bot.desk.ports import Where
from bot.desk.turn import Conversations, Turn
from bot.engine.machine import Engine
from bot.engine.model import Catalog, Choice
from tests.desk.conftest import ALICE, CONSOLE, GROUP, Desk, MemoryOperatorChat

SLOW = "icloud backup works at home but never at work"  # restricted_network: its first step ends in a backup
IOS = "iOS 17 or later (including iOS 26)"
OFFER = "Check back with me"
MINUTES = 30.0


def make(engine: Engine, minutes: float = MINUTES) -> Desk:
    store = MemoryStore()
    checkins = CheckinDesk(engine, store.checkins, store.sessions, store.bookkeeping, minutes=minutes)
    return Desk(Conversations(engine, store, checkins=checkins), store, MemoryOperatorChat())


@pytest.fixture
def desk(handoff_engine: Engine) -> Desk:
    return make(handoff_engine)


def labels(desk: Desk, where: Where = ALICE) -> list[str]:
    return [b.label for b in desk.last[where.key].reply.buttons]


async def at_slow_step(desk: Desk, where: Where = ALICE) -> None:
    await desk.say(where, SLOW)
    await desk.press(where, IOS)
    assert OFFER in labels(desk, where), labels(desk, where)


def checkins(desk: Desk) -> CheckinDesk:
    assert desk.conversations.checkins is not None
    return desk.conversations.checkins


async def test_a_slow_step_offers_a_check_in_and_a_quick_one_does_not(desk: Desk) -> None:
    # restricted_network's first step (ends in a backup) offers it; icloud_full's first (a look-up) does not.
    await at_slow_step(desk)
    await desk.say(GROUP, "icloud storage is full")
    await desk.press(GROUP, IOS)
    assert "Done, next step" in labels(desk, GROUP) and OFFER not in labels(desk, GROUP)


async def test_the_console_never_offers_one(desk: Desk) -> None:
    # Nobody could be written to later: a conversation without a person id gets the usual answers only.
    await desk.say(CONSOLE, SLOW)
    await desk.press(CONSOLE, IOS)
    assert labels(desk, CONSOLE) == ["Yes, it worked", "No, still failing", "Skip this step"]


async def test_pressing_it_stores_the_check_in_before_answering(desk: Desk, catalog: Catalog) -> None:
    await at_slow_step(desk)
    turn = await desk.press(ALICE, OFFER)
    assert turn.reply.messages == (catalog.text("checkin_scheduled", minutes="30"),)
    (effect,) = turn.effects
    (stored,) = desk.store.checkins.scheduled()
    assert effect == Scheduled(stored.id, desk.now + MINUTES * 60)
    assert (stored.key, stored.chat_id, stored.round) == (ALICE.key, 21, 1)
    assert turn.session == desk.store.sessions.load(ALICE.key)  # the step is still the pending question


async def test_a_due_check_in_is_sent_once(desk: Desk, catalog: Catalog) -> None:
    await at_slow_step(desk)
    await desk.press(ALICE, OFFER)
    (stored,) = desk.store.checkins.scheduled()
    due = checkins(desk).fire(stored.id, stored.due)
    assert due is not None and due.where.key == ALICE.key and due.where.private
    assert due.reply.messages == (catalog.text("checkin_question"),)
    assert [b.label for b in due.reply.buttons] == ["Yes, it worked", "No, still failing", "Not yet"]
    assert checkins(desk).fire(stored.id, stored.due + 1) is None  # never twice
    assert desk.store.checkins.scheduled() == []


async def fire_all(desk: Desk, where: Where = ALICE) -> None:
    """Send every scheduled check-in, as the scheduler would when they are due; its question becomes the last
    reply the person can press."""
    for stored in desk.store.checkins.scheduled():
        due = checkins(desk).fire(stored.id, stored.due)
        assert due is not None
        desk.last[where.key] = Turn(due.reply, (), desk.last[where.key].session)


async def test_fixed_through_a_check_in_is_the_steps_resolution(desk: Desk, catalog: Catalog) -> None:
    await at_slow_step(desk)
    await desk.press(ALICE, OFFER)
    await fire_all(desk)
    turn = await desk.press(ALICE, "Yes, it worked")
    assert catalog.text("fixed") in turn.reply.messages
    assert [o.kind for o in turn.reply.outcomes] == ["step", "resolved"]
    (row,) = desk.store.checkins.rows.values()
    assert (row.status, row.answer) == ("answered", "fixed")


async def test_still_failing_goes_on_at_the_next_step(desk: Desk) -> None:
    await at_slow_step(desk)
    await desk.press(ALICE, OFFER)
    await fire_all(desk)
    turn = await desk.press(ALICE, "No, still failing")
    assert turn.session.step == 1 and turn.session.tried == ((0, "not_fixed"),)
    assert desk.store.checkins.rows[1].answer == "failing"


async def test_not_yet_offers_another_round_at_most_three(desk: Desk, catalog: Catalog) -> None:
    await at_slow_step(desk)
    await desk.press(ALICE, OFFER)
    for round_ in (1, 2):
        await fire_all(desk)
        turn = await desk.press(ALICE, "Not yet")
        (again,) = desk.store.checkins.scheduled()
        assert again.round == round_ + 1 and isinstance(turn.effects[0], Scheduled)
    await fire_all(desk)
    turn = await desk.press(ALICE, "Not yet")
    assert turn.reply.messages[0] == catalog.text("checkin_last") and desk.store.checkins.scheduled() == []
    assert OFFER not in [b.label for b in turn.reply.buttons]  # the step again, without a fourth round
    assert [b.label for b in turn.reply.buttons] == ["Yes, it worked", "No, still failing", "Skip this step"]


@pytest.mark.parametrize("act", ["text", "reset", "forget", "new problem", "old button"])
async def test_the_person_acting_first_cancels_it(desk: Desk, act: str) -> None:
    await at_slow_step(desk)
    await desk.press(ALICE, OFFER)
    (stored,) = desk.store.checkins.scheduled()
    if act == "text":
        await desk.say(ALICE, "still failing")
    elif act == "new problem":
        await desk.say(ALICE, "actually it says my icloud storage is full")
    elif act == "old button":
        await desk.send(ALICE, Choice(f"{desk.store.sessions.load(ALICE.key).seq}:skip"))
    else:
        await desk.command(ALICE, act)
    assert desk.store.checkins.scheduled() == []
    assert checkins(desk).fire(stored.id, stored.due) is None


async def test_not_sent_to_someone_who_blocked_the_bot(desk: Desk) -> None:
    await at_slow_step(desk)
    await desk.press(ALICE, OFFER)
    (stored,) = desk.store.checkins.scheduled()
    desk.store.bookkeeping.set_blocked(21, True, desk.now)
    assert checkins(desk).fire(stored.id, stored.due) is None
    assert desk.store.checkins.rows[stored.id].status == "cancelled"


async def test_in_a_group_it_goes_to_the_members_thread_with_their_name(desk: Desk) -> None:
    topic = Where("tg:-7:44:21", 21, -7, 44, False, GROUP.person)
    await at_slow_step(desk, topic)
    await desk.press(topic, OFFER)
    (stored,) = desk.store.checkins.scheduled()
    due = checkins(desk).fire(stored.id, stored.due)
    assert due is not None and (due.where.chat_id, due.where.thread_id, due.where.private) == (-7, 44, False)
    assert due.where.person is not None and due.where.person.name == "Alice"


async def test_a_typed_answer_after_a_check_in_counts_as_answered(desk: Desk) -> None:
    await at_slow_step(desk)
    await desk.press(ALICE, OFFER)
    await fire_all(desk)
    await desk.say(ALICE, "yes it worked")
    assert desk.store.checkins.rows[1].answer == "fixed"


async def test_a_stale_check_in_button_is_a_closed_question(desk: Desk, catalog: Catalog) -> None:
    await at_slow_step(desk)
    await desk.press(ALICE, OFFER)
    await fire_all(desk)
    question = desk.last[ALICE.key]
    await desk.press(ALICE, "No, still failing")
    desk.last[ALICE.key] = question
    turn = await desk.press(ALICE, "Yes, it worked")
    assert turn.reply.messages[0] == catalog.text("stale_option")


async def test_zero_minutes_means_no_check_ins(handoff_engine: Engine) -> None:
    off = make(handoff_engine, minutes=0)
    await off.say(ALICE, SLOW)
    await off.press(ALICE, IOS)
    assert OFFER not in labels(off, ALICE)

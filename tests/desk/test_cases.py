"""Handoff cases through the desk with an in-memory operator chat: opening, relaying, closing, forgetting."""

from __future__ import annotations

from bot.desk.ports import OperatorMessage
from bot.engine.machine import Engine
from bot.engine.model import Catalog, HandoffClosed
from tests.desk.conftest import ALICE, Desk, make_desk

PROBLEM = "icloud storage is full & backup fails"
IOS = "iOS 17 or later (including iOS 26)"


async def ask_for_a_human(desk: Desk, catalog: Catalog) -> None:
    """Describe the problem, answer the iOS question, say step 1 didn't help, then ask for a person."""
    await desk.say(ALICE, PROBLEM)
    await desk.press(ALICE, IOS)
    await desk.press(ALICE, catalog.text("opt_not_fixed"), catalog.text("opt_next"))
    await desk.command(ALICE, "human")


async def test_a_handoff_opens_one_case_with_the_summary(desk: Desk, catalog: Catalog) -> None:
    # The person is promised a person; the operator chat gets one case with the name and the summary.
    await ask_for_a_human(desk, catalog)
    assert desk.last[ALICE.key].reply.messages[-1] == catalog.text("human_requested")
    (posted,) = desk.operators.posts
    assert posted.kind == "case" and posted.case_id == 1
    assert posted.text.startswith("Alice\n") and "Problem: iCloud storage is full (storage)" in posted.text
    case = desk.store.cases.open_of(ALICE.key)
    assert case is not None and case.root_message_id == posted.message_id and case.user_chat_id == 21


async def test_a_refused_operator_chat_is_said_honestly(handoff_engine: Engine, catalog: Catalog) -> None:
    # When the case cannot be posted nobody is promised; no half-made case is left to swallow messages.
    desk = make_desk(handoff_engine, refuse=True)
    await ask_for_a_human(desk, catalog)
    messages = desk.last[ALICE.key].reply.messages
    assert catalog.text("human_requested") not in messages
    assert messages[-1] == catalog.text("human_unavailable")
    assert desk.store.cases.rows == {}


async def test_relays_both_ways_and_the_person_is_told_once(desk: Desk, catalog: Catalog) -> None:
    # The person's messages reach the case (the first time they are told); an operator's reply comes back
    # named, and a reply to it maps to the same case.
    await ask_for_a_human(desk, catalog)
    cases = desk.conversations.cases
    assert cases is not None and ALICE.person is not None
    case = cases.open_case(ALICE.key)
    assert case is not None
    assert await cases.forward(case, ALICE.person, "still failing")
    assert not await cases.forward(case, ALICE.person, "any idea?")
    assert [p.text for p in desk.operators.posts[1:]] == ["still failing", "any idea?"]
    said = cases.relay(case, OperatorMessage(4242, "Try this.", "Olga"))
    assert said == catalog.text("relay_from_operator", name="Olga", text="Try this.")
    assert cases.case_of(0, 4242) == case and cases.case_of(0, 999) is None
    anonymous = cases.relay(case, OperatorMessage(4243, "Try that.", None))
    assert anonymous == catalog.text("relay_from_team", text="Try that.")


async def test_hidden_operator_names(handoff_engine: Engine, catalog: Catalog) -> None:
    # With names hidden an operator speaks as the team.
    desk = make_desk(handoff_engine, hide_names=True)
    await ask_for_a_human(desk, catalog)
    cases = desk.conversations.cases
    assert cases is not None
    case = cases.open_case(ALICE.key)
    assert case is not None
    said = cases.relay(case, OperatorMessage(1, "Hello.", "Olga"))
    assert said == catalog.text("relay_from_team", text="Hello.")


async def test_a_forum_case_is_found_by_its_topic(handoff_engine: Engine, catalog: Catalog) -> None:
    # In a forum each case has its topic: any message in it belongs to the case.
    desk = make_desk(handoff_engine, forum=True)
    await ask_for_a_human(desk, catalog)
    cases = desk.conversations.cases
    assert cases is not None
    case = cases.open_case(ALICE.key)
    assert case is not None and case.operator_thread_id == 501
    assert cases.case_of(501, None) == case and cases.case_of(502, None) is None


async def test_reset_ends_the_case_and_operators_are_told(desk: Desk, catalog: Catalog) -> None:
    # Leaving the handoff (/reset) closes the case with a "left" notice; a new /human opens case #2.
    await ask_for_a_human(desk, catalog)
    await desk.command(ALICE, "reset")
    assert desk.store.cases.open_of(ALICE.key) is None
    assert [p.kind for p in desk.operators.posts] == ["case", "left"]
    await ask_for_a_human(desk, catalog)
    reopened = desk.store.cases.open_of(ALICE.key)
    assert reopened is not None and reopened.id == 2


async def test_close_by_an_operator_asks_the_person_for_feedback(desk: Desk, catalog: Catalog) -> None:
    # /close: the case closes once (a second close is refused) and the person's turn is the engine's
    # HandoffClosed, recorded like any other.
    await ask_for_a_human(desk, catalog)
    cases = desk.conversations.cases
    assert cases is not None
    case = cases.open_case(ALICE.key)
    assert case is not None
    assert await cases.close(case, desk.now, by_operator=True)
    assert not await cases.close(case, desk.now, by_operator=True)
    turn = await desk.send(ALICE, HandoffClosed())
    assert turn.reply.messages and desk.operators.posts[-1].kind == "end"
    assert desk.store.sessions.load(ALICE.key).state != "handoff"


async def test_forget_closes_the_case_then_removes_everything(desk: Desk, catalog: Catalog) -> None:
    # /forget during a case: operators are told it ended, then nothing about the person is kept.
    await ask_for_a_human(desk, catalog)
    turn = await desk.command(ALICE, "forget")
    assert turn.reply.messages[-1] == catalog.text("forget")
    assert [p.kind for p in desk.operators.posts] == ["case", "left"]
    assert desk.store.cases.rows == {} and desk.store.sessions.rows == {} and desk.store.sessions.turns == []

"""Incidents on the memory twins: the operators' command, the banner on a diagnosis it covers, subscribing,
and every subscriber told once at the end."""

from __future__ import annotations

import pytest

from bot.desk.incidents import Banner, IncidentDesk, Notify
from bot.desk.memory import MemoryStore
from bot.desk.turn import Conversations, Turn
from bot.engine.machine import Engine
from bot.engine.model import Catalog, Choice, Reply
from tests.desk.conftest import ALICE, GROUP, Desk, MemoryOperatorChat

SLOW = "my icloud backup fails on wifi, it times out"  # wifi_unstable, category network
TEXT = "iCloud Backup is having problems right now"


@pytest.fixture
def desk(handoff_engine: Engine) -> Desk:
    store = MemoryStore()
    incidents = IncidentDesk(handoff_engine.catalog, store.incidents)
    return Desk(Conversations(handoff_engine, store, incidents=incidents), store, MemoryOperatorChat())


def incidents(desk: Desk) -> IncidentDesk:
    assert desk.conversations.incidents is not None
    return desk.conversations.incidents


def test_the_command_starts_lists_and_ends(desk: Desk, catalog: Catalog) -> None:
    t = catalog.text
    assert incidents(desk).command("", 1.0) == (t("incident_none"), None)
    assert incidents(desk).command(f"Network {TEXT}", 1.0) == (t("incident_started", target="network"), None)
    assert incidents(desk).command("", 2.0)[0] == t("incident_list", incidents=f"- network: {TEXT}")
    answer, notify = incidents(desk).command("off network", 3.0)
    assert answer == t("incident_ended", target="network", count="0") and notify == Notify(1, 0)
    assert incidents(desk).command("off network", 4.0) == (t("incident_none"), None)


@pytest.mark.parametrize("args", ["network", "off", "   "])
def test_the_command_explains_itself(desk: Desk, catalog: Catalog, args: str) -> None:
    expected = catalog.text("incident_none") if not args.strip() else catalog.text("incident_usage")
    assert incidents(desk).command(args, 1.0)[0] == expected


def test_an_unknown_target_is_refused(desk: Desk, catalog: Catalog) -> None:
    # Only categories and intents with steps: a typo must not start an incident nobody ever sees.
    assert incidents(desk).command("netwrok down", 1.0)[0] == catalog.text("incident_unknown", target="netwrok")
    assert incidents(desk).command("greeting down", 1.0)[0] == catalog.text("incident_unknown", target="greeting")
    assert desk.store.incidents.active() == []


@pytest.mark.parametrize("target", ["network", "wifi_unstable"])
async def test_a_diagnosis_under_it_opens_with_the_banner(desk: Desk, catalog: Catalog, target: str) -> None:
    incidents(desk).command(f"{target} {TEXT}", 1.0)
    turn = await desk.say(ALICE, SLOW)
    (banner,) = turn.effects
    assert isinstance(banner, Banner) and banner.text == catalog.text("incident_banner", text=TEXT)
    assert banner.button.label == catalog.text("incident_subscribe")
    assert turn.session.intent == "wifi_unstable" and turn.reply.buttons  # the conversation goes on as usual
    later = await desk.press(ALICE, "iOS 17 or later (including iOS 26)")
    assert later.effects == ()  # once, when the diagnosis is made


async def test_other_diagnoses_get_no_banner(desk: Desk) -> None:
    incidents(desk).command(f"storage {TEXT}", 1.0)
    turn = await desk.say(ALICE, SLOW)
    assert turn.effects == ()


async def test_subscribing_and_the_notice_at_the_end(desk: Desk, catalog: Catalog) -> None:
    incidents(desk).command(f"network {TEXT}", 1.0)
    for where in (ALICE, GROUP):
        turn = await desk.say(where, SLOW)
        (banner,) = [e for e in turn.effects if isinstance(e, Banner)]
        desk.last[where.key] = Turn(Reply((banner.text,), (banner.button,)), (), turn.session)
        said = await desk.press(where, catalog.text("incident_subscribe"))
        assert said.reply.messages == (catalog.text("incident_subscribed"),)
    assert desk.store.sessions.load(ALICE.key).intent == "wifi_unstable"  # the step is still pending
    answer, notify = incidents(desk).command("off network", 10.0)
    assert answer == catalog.text("incident_ended", target="network", count="2") and notify is not None
    notices = list(incidents(desk).notices(notify.incident_id, 11.0))
    assert [(n.where.chat_id, n.where.private) for n in notices] == [(21, True), (-7, False)]
    assert all(n.reply.messages == (catalog.text("incident_fixed"),) for n in notices)
    assert list(incidents(desk).notices(notify.incident_id, 12.0)) == []  # nobody twice
    late = await desk.send(ALICE, Choice(f"inc:{notify.incident_id}"))  # an old banner's button
    assert late.reply.messages == (catalog.text("incident_already_fixed"),)

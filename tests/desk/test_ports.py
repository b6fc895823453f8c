"""One contract for every storage implementation: SQLite in memory, SQLite in a file, and the memory twin.

As aiogram's tests/test_fsm/storage/test_storages.py does: the desk may only rely on what all of them pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.desk.memory import MemoryStore
from bot.desk.ports import Storage
from bot.engine.model import Match, Outcome, Session
from bot.storage import Store

NOW = 1_700_000_000.0


@pytest.fixture(params=["sqlite-memory", "sqlite-file", "memory-twin"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    made: Storage
    if request.param == "sqlite-memory":
        made = Store.memory()
    elif request.param == "sqlite-file":
        made = Store.open(tmp_path / "x.sqlite3")
    else:
        made = MemoryStore()
    yield made
    made.close()


def _session(seq: int = 7) -> Session:
    return Session(state="step", intent="icloud_full", step=2, slots={"ios": "ios17_plus"}, seq=seq, started=NOW)


def _case(storage: Storage, key: str = "tg:9:0:9", user_id: int = 9) -> int:
    return storage.cases.open(
        key, user_id=user_id, user_chat_id=user_id, user_thread_id=0, operator_chat_id=-5, now=NOW
    )


def test_sessions_round_trip_and_replace(storage: Storage) -> None:
    """Unknown keys load fresh; what is recorded comes back; a second record replaces the first."""
    sessions = storage.sessions
    assert sessions.load("nobody") == Session()
    sessions.record("k", _session(), now=NOW, user_id=1, chat_id=1, text="hi", match=Match("x", "storage", 0.5))
    assert sessions.load("k") == _session()
    sessions.record("k", _session(8), now=NOW + 1, user_id=1, outcomes=[Outcome("resolved", "x", 0)])
    assert sessions.load("k") == _session(8)


def test_forget_user_reaches_every_concern_and_only_that_person(storage: Storage) -> None:
    """A person's sessions, cases and links go; another person's stay."""
    for user in (1, 2):
        storage.sessions.record(f"tg:{user}", _session(), now=NOW, user_id=user, text="hi")
        _case(storage, f"tg:{user}", user)
        storage.links.add(f"tok{user}", f"tg:-1:0:{user}", user, NOW)
    assert storage.sessions.forget_user(1) >= 3
    assert storage.sessions.load("tg:1") == Session() and storage.sessions.load("tg:2") == _session()
    assert storage.cases.open_of("tg:1") is None and storage.cases.open_of("tg:2") is not None
    assert not storage.links.offered("tg:-1:0:1") and storage.links.offered("tg:-1:0:2")


def test_forget_key_removes_one_conversation(storage: Storage) -> None:
    """The console has no person id: its /forget removes the conversation by key."""
    storage.sessions.record("console:a", _session(), now=NOW, text="hi")
    storage.sessions.record("console:b", _session(), now=NOW, text="hi")
    assert storage.sessions.forget_key("console:a") >= 1
    assert storage.sessions.load("console:a") == Session() and storage.sessions.load("console:b") == _session()


def test_case_lifecycle(storage: Storage) -> None:
    """A case is numbered, placed, found by topic and by any of its messages, told-once, closed once."""
    cases = storage.cases
    number = _case(storage)
    found = cases.open_of("tg:9:0:9")
    assert number == 1 and found is not None and found.open
    cases.place(number, operator_thread_id=77, root_message_id=500)
    cases.add_message(number, 501)
    assert [c.id for c in (cases.by_topic(-5, 77), cases.by_message(-5, 500), cases.by_message(-5, 501)) if c] == [
        1
    ] * 3
    assert cases.by_message(-6, 500) is None  # message ids are per chat
    assert [c.id for c in cases.open_of_user(9)] == [number]
    assert cases.note_forward(number) and not cases.note_forward(number)
    assert cases.close(number, NOW + 1) and not cases.close(number, NOW + 2)
    closed = cases.get(number)
    assert cases.open_of("tg:9:0:9") is None and closed is not None and not closed.open
    assert _case(storage) == 2  # numbers are never reused


def test_dropped_case_leaves_nothing(storage: Storage) -> None:
    """A case that could not be posted is removed with its messages."""
    number = _case(storage)
    storage.cases.place(number, operator_thread_id=0, root_message_id=600)
    storage.cases.drop(number)
    assert storage.cases.get(number) is None and storage.cases.by_message(-5, 600) is None


def test_links_are_single_use_personal_and_expire(storage: Storage) -> None:
    """A link works once, only for its member, and not after its maximum age; offered-ness is remembered."""
    links = storage.links
    assert not links.offered("tg:-1:0:9")
    links.add("tok1", "tg:-1:0:9", 9, NOW)
    links.add("tok2", "tg:-1:0:8", 8, NOW)
    assert links.offered("tg:-1:0:9")
    assert links.use("tok1", 10, now=NOW + 1, max_age=60) is None  # someone else's
    assert links.use("tok1", 9, now=NOW + 1, max_age=60) == "tg:-1:0:9"
    assert links.use("tok1", 9, now=NOW + 2, max_age=60) is None  # used
    assert links.use("tok2", 8, now=NOW + 61, max_age=60) is None  # expired
    assert links.use("nope", 9, now=NOW, max_age=60) is None


def test_bookkeeping(storage: Storage) -> None:
    """Update ids are new once; blocked flags and group auto-answer round-trip both ways."""
    book = storage.bookkeeping
    assert book.first_time(42, NOW) and not book.first_time(42, NOW + 1) and book.first_time(43, NOW)
    assert not book.is_blocked(5)
    book.set_blocked(5, True, NOW)
    assert book.is_blocked(5)
    book.set_blocked(5, False, NOW)
    assert not book.is_blocked(5)
    book.set_group_auto_answer(-100, True)
    assert book.group_auto_answer(-100) and not book.group_auto_answer(-101)
    book.set_group_auto_answer(-100, False)
    assert not book.group_auto_answer(-100)


def _checkin(storage: Storage, key: str = "tg:9:0:9", user_id: int = 9, due: float = NOW + 60) -> int:
    return storage.checkins.add(
        key, user_id=user_id, chat_id=user_id, thread_id=0, name="Nine", seq=7, round=1, due=due, now=NOW
    )


def test_checkin_lifecycle(storage: Storage) -> None:
    """Scheduled, listed earliest first, claimed once, answered (a later answer replaces it), cancelled by key."""
    checkins = storage.checkins
    late, early = _checkin(storage, due=NOW + 90), _checkin(storage, "tg:8:0:8", 8, due=NOW + 30)
    assert [c.id for c in checkins.scheduled()] == [early, late]
    found = checkins.get(late)
    assert found is not None and (found.key, found.name, found.seq, found.status) == (
        "tg:9:0:9",
        "Nine",
        7,
        "scheduled",
    )
    claimed = checkins.claim(late, NOW + 90)
    assert claimed is not None and claimed.status == "sent"
    assert checkins.claim(late, NOW + 91) is None  # at most once
    assert checkins.last_sent("tg:9:0:9") == claimed and checkins.last_sent("tg:8:0:8") is None
    assert checkins.answer(late, "other", NOW + 92) and checkins.answer(late, "fixed", NOW + 93)
    answered = checkins.get(late)
    assert answered is not None and (answered.status, answered.answer) == ("answered", "fixed")
    assert not checkins.answer(early, "fixed", NOW)  # never sent: nothing to answer
    assert checkins.cancel("tg:8:0:8", NOW) == 1 and checkins.cancel("tg:8:0:8", NOW) == 0
    assert checkins.claim(early, NOW + 40) is None and checkins.scheduled() == []
    again = _checkin(storage)
    assert checkins.cancel_one(again, NOW) and not checkins.cancel_one(again, NOW)


def test_incident_lifecycle(storage: Storage) -> None:
    """One active incident per target (restarting it changes the text); subscribers of an active one only,
    once each; after the end each is claimed once."""
    incidents = storage.incidents
    first = incidents.start("network", "down", NOW)
    again = incidents.start("network", "still down", NOW + 1)
    assert again.id == first.id and again.text == "still down" and again.active
    other = incidents.start("icloud_full", "slow", NOW)
    assert [i.target for i in incidents.active()] == ["network", "icloud_full"]
    assert incidents.subscribe(first.id, key="k1", user_id=1, chat_id=1, thread_id=0, now=NOW)
    assert not incidents.subscribe(first.id, key="k1", user_id=1, chat_id=1, thread_id=0, now=NOW)
    assert incidents.subscribe(first.id, key="k2", user_id=2, chat_id=-5, thread_id=4, now=NOW)
    assert incidents.unnotified(first.id) == []  # still active: nobody to tell yet
    ended = incidents.end("network", NOW + 5)
    assert ended is not None and ended.ended == NOW + 5 and incidents.end("network", NOW + 6) is None
    assert not incidents.subscribe(first.id, key="k3", user_id=3, chat_id=3, thread_id=0, now=NOW)
    assert [(s.key, s.chat_id, s.thread_id) for s in incidents.unnotified(first.id)] == [("k1", 1, 0), ("k2", -5, 4)]
    assert incidents.ended_with_unnotified() == [first.id]
    assert incidents.claim_notice(first.id, "k1", NOW) and not incidents.claim_notice(first.id, "k1", NOW)
    assert [s.key for s in incidents.unnotified(first.id)] == ["k2"]
    assert incidents.claim_notice(first.id, "k2", NOW) and incidents.ended_with_unnotified() == []
    assert [i.id for i in incidents.active()] == [other.id]
    assert incidents.start("network", "again", NOW + 10).id not in (first.id, other.id)  # a new one


def test_forget_reaches_checkins_and_subscriptions(storage: Storage) -> None:
    """A person's check-ins and incident subscriptions go with everything else; another person's stay."""
    incident = storage.incidents.start("network", "down", NOW)
    for user in (1, 2):
        storage.sessions.record(f"tg:{user}", _session(), now=NOW, user_id=user)
        _checkin(storage, f"tg:{user}", user)
        storage.incidents.subscribe(incident.id, key=f"tg:{user}", user_id=user, chat_id=user, thread_id=0, now=NOW)
    storage.sessions.forget_user(1)
    assert [c.user_id for c in storage.checkins.scheduled()] == [2]
    storage.incidents.end("network", NOW)
    assert [s.user_id for s in storage.incidents.unnotified(incident.id)] == [2]

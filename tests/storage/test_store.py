"""The SQLite store (bot/storage/), in memory and in a real file alike."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from bot.engine.model import Match, Outcome, Session
from bot.storage import Store, redact
from bot.storage.db import migrations
from tests.storage.conftest import NOW


def _session() -> Session:
    return Session(
        state="step",
        intent="icloud_full",
        step=2,
        slots={"ios": "ios17_plus"},
        seq=7,
        tried=((0, "not_fixed"), (1, "skip")),
        words=("icloud full",),
        started=NOW,
        last_active=NOW,
    )


def test_unknown_key_loads_a_fresh_session(store):
    """Nothing stored yet: a blank Session, not None and not an error."""
    assert store.sessions.load("nobody") == Session()


def test_record_then_load_round_trip(store):
    """What is recorded is what comes back, and a second record replaces the first."""
    store.sessions.record("tg:1", _session(), now=NOW, user_id=1, chat_id=1)
    assert store.sessions.load("tg:1") == _session()
    store.sessions.record("tg:1", Session(state="idle", seq=8), now=NOW + 1, user_id=1, chat_id=1)
    assert store.sessions.load("tg:1") == Session(state="idle", seq=8)
    assert store.query("SELECT COUNT(*) FROM sessions") == [(1,)]


def test_turn_and_outcomes_are_written(store):
    """A turn row carries the match; each outcome becomes a row for the same key and user."""
    outcomes = [Outcome("step", "icloud_full", 0, "not_fixed"), Outcome("escalated", "icloud_full", 1)]
    store.sessions.record(
        "tg:1",
        _session(),
        now=NOW,
        user_id=1,
        text="icloud is full",
        match=Match("icloud_full", "storage", 0.9),
        outcomes=outcomes,
    )
    assert store.query("SELECT key, user_id, text, intent, category FROM turns") == [
        ("tg:1", 1, "icloud is full", "icloud_full", "storage")
    ]
    assert store.query("SELECT kind, intent, step, detail FROM outcomes ORDER BY id") == [
        ("step", "icloud_full", 0, "not_fixed"),
        ("escalated", "icloud_full", 1, ""),
    ]


def test_turn_is_atomic(store):
    """If writing an outcome fails, neither the session nor the turn is kept (one transaction)."""

    class Broken:
        kind = "step"
        intent = "x"
        step = 0

        @property
        def detail(self):
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        store.sessions.record("tg:2", _session(), now=NOW, user_id=2, text="hello", outcomes=[Broken()])
    assert store.sessions.load("tg:2") == Session()
    assert store.query("SELECT COUNT(*) FROM turns") == [(0,)]
    store.sessions.record("tg:2", _session(), now=NOW, user_id=2, text="again")  # the store is still usable
    assert store.query("SELECT COUNT(*) FROM turns") == [(1,)]


@pytest.mark.parametrize(
    ("raw", "leaked"),
    [
        ("mail me at jane.doe+backup@example.co.uk please", "jane.doe"),
        ("call +44 20 7946 0958 tomorrow", "7946"),
        ("my number is (555) 123-4567", "123-4567"),
    ],
)
def test_stored_text_is_redacted(store, raw, leaked):
    """E-mail addresses and phone numbers never reach the turns table."""
    store.sessions.record("tg:3", Session(), now=NOW, user_id=3, text=raw)
    ((stored,),) = store.query("SELECT text FROM turns")
    assert leaked not in stored
    assert "[email]" in stored or "[phone]" in stored


def test_redact_keeps_ordinary_numbers():
    """Error codes, iOS versions and sizes are kept: they matter for troubleshooting."""
    text = "error 0xE8000015 on ios 17.4, 5 GB of 50 GB used, code -54"
    assert redact(text) == text


def test_forget_user_deletes_only_that_user(store):
    """forget_user removes every row of one person and leaves the others alone."""
    for user in (1, 2):
        store.sessions.record(
            f"tg:{user}", _session(), now=NOW, user_id=user, text="hi", outcomes=[Outcome("resolved", "icloud_full", 0)]
        )
    removed = store.sessions.forget_user(1)
    assert removed == 3
    assert store.sessions.load("tg:1") == Session()
    assert store.sessions.load("tg:2") == _session()
    for table in ("sessions", "turns", "outcomes"):
        assert store.query(f"SELECT DISTINCT user_id FROM {table}") == [(2,)]


def test_first_time_dedupes_updates(store):
    """An update id is new once; a redelivery of the same id is not."""
    assert store.bookkeeping.first_time(42, NOW)
    assert not store.bookkeeping.first_time(42, NOW + 1)
    assert store.bookkeeping.first_time(43, NOW)


def test_purge_by_age(store):
    """purge removes turns, outcomes, seen updates and sessions older than the cut-off, keeps newer ones."""
    store.sessions.record("old", Session(), now=NOW - 100, user_id=1, text="old", outcomes=[Outcome("resolved")])
    store.bookkeeping.first_time(1, NOW - 100)
    store.sessions.record("new", Session(), now=NOW, user_id=2, text="new", outcomes=[Outcome("resolved")])
    store.bookkeeping.first_time(2, NOW)
    assert store.purge(older_than=NOW - 50) == 4
    assert store.query("SELECT text FROM turns") == [("new",)]
    assert store.query("SELECT key FROM sessions") == [("new",)]
    assert store.bookkeeping.first_time(1, NOW)  # forgotten, so new again
    assert not store.bookkeeping.first_time(2, NOW)


def test_corrupt_session_row_gives_a_fresh_session(store):
    """A row that is not a valid session (bad JSON, wrong types) never blocks the person."""
    rows = ['{"state": "step", "step": "two"}', "not json {", "[1, 2]", "null", '{"tried": 5}', '{"slots": 3}']
    for i, data in enumerate(rows):
        store.db.execute("INSERT INTO sessions (key, data) VALUES (?, ?)", [f"bad{i}", data])
        assert store.sessions.load(f"bad{i}") == Session(), data


def test_migrations_are_named_and_complete(store):
    """Every named migration is recorded as applied, in order."""
    every = [m.name for m in migrations.pending(sqlite_utils.Database(memory=True))]
    assert every[0] == "m001_create_tables"
    assert store.applied_migrations() == every


def test_migrations_are_idempotent(tmp_path):
    """Opening the same file twice applies nothing the second time and keeps the data."""
    path = tmp_path / "x.sqlite3"
    first = Store.open(path)
    first.sessions.record("k", _session(), now=NOW, user_id=1)
    first.close()
    second = Store.open(path)
    assert second.migrate() == []
    assert second.sessions.load("k") == _session()
    second.close()


def test_file_store_uses_wal(tmp_path):
    """File databases are in WAL mode, as seen by a separate connection."""
    path = tmp_path / "x.sqlite3"
    Store.open(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_blocked_users_and_group_settings(store):
    """Plain Telegram bookkeeping round-trips: blocked flag and group auto-answer."""
    assert not store.bookkeeping.is_blocked(5)
    store.bookkeeping.set_blocked(5, True, NOW)
    assert store.bookkeeping.is_blocked(5)
    store.bookkeeping.set_group_auto_answer(-100, True)
    assert store.bookkeeping.group_auto_answer(-100) and not store.bookkeeping.group_auto_answer(-101)


def _ticket(store: Store, key: str = "tg:9:0:9", user_id: int = 9) -> int:
    return store.cases.open(key, user_id=user_id, user_chat_id=user_id, user_thread_id=0, operator_chat_id=-5, now=NOW)


def test_handoff_lifecycle(store):
    """A ticket is numbered, placed, found by topic and by any of its messages, told-once, closed once."""
    number = _ticket(store)
    assert number == 1 and store.cases.open_of("tg:9:0:9").status == "open"
    store.cases.place(number, operator_thread_id=77, root_message_id=500)
    store.cases.add_message(number, 501)
    assert store.cases.by_topic(-5, 77).id == number
    assert store.cases.by_message(-5, 500).id == store.cases.by_message(-5, 501).id == number
    assert store.cases.by_message(-6, 500) is None  # message ids are per chat
    assert store.cases.note_forward(number) and not store.cases.note_forward(number)
    assert store.cases.close(number, NOW + 1) and not store.cases.close(number, NOW + 2)
    assert store.cases.open_of("tg:9:0:9") is None and not store.cases.get(number).open


def test_dropped_handoff_leaves_nothing(store):
    """A ticket that could not be posted is removed with its messages."""
    number = _ticket(store)
    store.cases.place(number, operator_thread_id=0, root_message_id=600)
    store.cases.drop(number)
    assert store.cases.get(number) is None and store.cases.by_message(-5, 600) is None


def test_continue_links_are_single_use_personal_and_expire(store):
    """A link works once, only for its member, and not after its maximum age; offered-ness is remembered."""
    assert not store.links.offered("tg:-1:0:9")
    store.links.add("tok1", "tg:-1:0:9", 9, NOW)
    store.links.add("tok2", "tg:-1:0:8", 8, NOW)
    assert store.links.offered("tg:-1:0:9")
    assert store.links.use("tok1", 10, now=NOW + 1, max_age=60) is None  # someone else's
    assert store.links.use("tok1", 9, now=NOW + 1, max_age=60) == "tg:-1:0:9"
    assert store.links.use("tok1", 9, now=NOW + 2, max_age=60) is None  # used
    assert store.links.use("tok2", 8, now=NOW + 61, max_age=60) is None  # expired
    assert store.links.use("nope", 9, now=NOW, max_age=60) is None


def test_forget_and_purge_cover_handoffs_and_links(store):
    """forget_user removes a person's tickets, their messages and links; purge removes closed old tickets
    and old links but keeps open tickets."""
    old, still_open = _ticket(store), _ticket(store, "tg:8:0:8", 8)
    store.cases.place(old, operator_thread_id=0, root_message_id=700)
    store.cases.close(old, NOW - 100)
    store.links.add("old", "tg:-1:0:8", 8, NOW - 100)
    store.purge(older_than=NOW - 50)
    assert store.cases.get(old) is None and store.cases.by_message(-5, 700) is None
    assert store.cases.get(still_open) is not None
    assert store.query("SELECT COUNT(*) FROM continue_links") == [(0,)]
    store.links.add("new", "tg:-1:0:8", 8, NOW)
    store.cases.place(still_open, operator_thread_id=0, root_message_id=800)
    store.sessions.forget_user(8)
    assert store.cases.get(still_open) is None and store.cases.by_message(-5, 800) is None
    assert store.query("SELECT COUNT(*) FROM continue_links") == [(0,)]


def test_undecodable_text_is_stored_not_raised(store):
    """Lone surrogates (undecodable input) are stored as U+FFFD instead of raising in SQLite."""
    from bot.engine.model import Match, Session

    bad = "hi \udcff\udcfe there"
    store.sessions.record("k", Session(words=(bad,)), now=1.0, user_id=1, text=bad, match=Match(None, "none", 0.0))
    stored = store.query("SELECT text FROM turns WHERE key = 'k'")[0][0]
    assert stored == "hi \ufffd\ufffd there"
    assert store.sessions.load("k").words  # the session round-trips


def test_forget_user_empties_every_table_that_has_a_user_id(store):
    """Walks the schema: any table with a user_id column (now or added later) is emptied for that person."""
    tables = [t for t in store.db.table_names() if "user_id" in store.db.table(t).columns_dict]
    assert {"sessions", "turns", "outcomes", "handoffs", "users"} <= set(tables)
    for table in tables:
        store.db.table(table).insert({"user_id": 7})
        store.db.table(table).insert({"user_id": 8})
    store.sessions.forget_user(7)
    for table in tables:
        assert store.query(f"SELECT COUNT(*) FROM {table} WHERE user_id = 7") == [(0,)], table
        assert store.query(f"SELECT COUNT(*) FROM {table} WHERE user_id = 8") == [(1,)], table


@pytest.mark.parametrize("forget", ["user", "key"])
def test_forgotten_words_leave_every_database_file(tmp_path, forget):
    """After forgetting, the person's words are in none of the files' bytes (database, -wal, -shm), while
    another person's words are kept: deleted content is zeroed and the WAL checkpointed."""
    path = tmp_path / "words.sqlite3"
    store = Store.open(path)
    mine, theirs = "zebraquartz", "marmotopal"
    for n in range(30):  # many versions of the row, in many WAL frames
        session = Session(state="idle", words=(f"{mine} backup fails {n}",), started=NOW, last_active=NOW)
        store.sessions.record("tg:1:0:1", session, now=NOW + n, user_id=1, chat_id=1, text=f"{mine} {n}")
    store.sessions.record("tg:2:0:2", Session(words=(theirs,)), now=NOW, user_id=2, chat_id=2, text=theirs)
    assert mine.encode() in b"".join(p.read_bytes() for p in tmp_path.iterdir())  # the test can see it
    if forget == "user":
        store.sessions.forget_user(1)
    else:
        store.sessions.forget_key("tg:1:0:1")
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert mine.encode() not in files
    assert theirs.encode() in files
    assert store.sessions.load("tg:2:0:2").words == (theirs,)
    store.close()


def test_purge_covers_checkins_and_incidents(store):
    """Past check-ins and ended incidents (with their subscribers) older than the cut-off go; a check-in still
    waiting and an active incident stay, however old."""
    old = NOW - 100

    def add(key):
        return store.checkins.add(key, user_id=1, chat_id=1, thread_id=0, name="", seq=1, round=1, due=old, now=old)

    waiting, sent = add("a"), add("b")
    store.checkins.claim(sent, old)
    ended = store.incidents.start("network", "down", old)
    store.incidents.subscribe(ended.id, key="a", user_id=1, chat_id=1, thread_id=0, now=old)
    store.incidents.end("network", old)
    active = store.incidents.start("storage", "slow", old)
    store.purge(older_than=NOW - 50)
    assert [c.id for c in store.checkins.scheduled()] == [waiting] and store.checkins.get(sent) is None
    assert store.incidents.get(ended.id) is None and store.incidents.unnotified(ended.id) == []
    assert [i.id for i in store.incidents.active()] == [active.id]
    assert store.query("SELECT COUNT(*) FROM incident_subscribers") == [(0,)]

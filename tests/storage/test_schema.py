"""The database schema, frozen; and a database written by the m001-m004 release upgrading in place."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from bot.engine.model import Session
from bot.storage import Store

RELEASE_M004 = Path(__file__).with_name("release_m004.sql")  # `.dump` of a database that release wrote

# The schema as of m004. A new migration changes this text on purpose; anything else changing it is a bug.
SCHEMA = """
CREATE TABLE "continue_links" (
   "token" TEXT PRIMARY KEY,
   "key" TEXT,
   "user_id" INTEGER,
   "created" REAL,
   "used" REAL
)
CREATE TABLE "group_settings" (
   "chat_id" INTEGER PRIMARY KEY,
   "auto_answer" INTEGER
)
CREATE TABLE "handoff_messages" (
   "operator_chat_id" INTEGER,
   "message_id" INTEGER,
   "handoff_id" INTEGER,
   PRIMARY KEY ("operator_chat_id", "message_id")
)
CREATE TABLE "handoffs" (
   "id" INTEGER PRIMARY KEY,
   "key" TEXT,
   "user_id" INTEGER,
   "user_chat_id" INTEGER,
   "user_thread_id" INTEGER,
   "operator_chat_id" INTEGER,
   "operator_thread_id" INTEGER,
   "root_message_id" INTEGER,
   "status" TEXT,
   "opened" REAL,
   "closed" REAL
, "forward_noted" INTEGER NOT NULL DEFAULT 0)
CREATE INDEX "idx_continue_links_key"
    ON "continue_links" ("key")
CREATE INDEX "idx_continue_links_user_id"
    ON "continue_links" ("user_id")
CREATE INDEX "idx_handoffs_key"
    ON "handoffs" ("key")
CREATE INDEX "idx_handoffs_operator_chat_id_operator_thread_id"
    ON "handoffs" ("operator_chat_id", "operator_thread_id")
CREATE INDEX "idx_outcomes_key"
    ON "outcomes" ("key")
CREATE INDEX "idx_sessions_user_id"
    ON "sessions" ("user_id")
CREATE INDEX "idx_turns_key"
    ON "turns" ("key")
CREATE INDEX "idx_turns_ts"
    ON "turns" ("ts")
CREATE TABLE "outcomes" (
   "id" INTEGER PRIMARY KEY,
   "key" TEXT,
   "user_id" INTEGER,
   "ts" REAL,
   "kind" TEXT,
   "intent" TEXT,
   "step" INTEGER,
   "detail" TEXT
)
CREATE TABLE "seen_updates" (
   "update_id" INTEGER PRIMARY KEY,
   "ts" REAL
)
CREATE TABLE "sessions" (
   "key" TEXT PRIMARY KEY,
   "user_id" INTEGER,
   "chat_id" INTEGER,
   "data" TEXT,
   "state" TEXT,
   "intent" TEXT,
   "updated" REAL
)
CREATE TABLE "turns" (
   "id" INTEGER PRIMARY KEY,
   "key" TEXT,
   "user_id" INTEGER,
   "ts" REAL,
   "text" TEXT,
   "intent" TEXT,
   "category" TEXT,
   "score" REAL
)
CREATE TABLE "users" (
   "user_id" INTEGER PRIMARY KEY,
   "blocked" INTEGER,
   "updated" REAL
)
"""
RELEASE_MIGRATIONS = ["m001_create_tables", "m002_updates_and_users", "m003_handoffs_and_groups", "m004_continue_links"]
# What each migration after the release added (m005 check-ins, m006 incidents, m007 the update journal),
# frozen the same way.
ADDED = """
CREATE TABLE "checkins" (
   "id" INTEGER PRIMARY KEY,
   "key" TEXT,
   "user_id" INTEGER,
   "chat_id" INTEGER,
   "thread_id" INTEGER,
   "name" TEXT,
   "seq" INTEGER,
   "round" INTEGER,
   "due" REAL,
   "status" TEXT,
   "answer" TEXT,
   "created" REAL,
   "sent" REAL,
   "answered" REAL
)
CREATE INDEX "idx_checkins_key"
    ON "checkins" ("key")
CREATE INDEX "idx_checkins_status_due"
    ON "checkins" ("status", "due")
CREATE INDEX "idx_checkins_user_id"
    ON "checkins" ("user_id")
CREATE INDEX "idx_incident_subscribers_user_id"
    ON "incident_subscribers" ("user_id")
CREATE INDEX "idx_incidents_target"
    ON "incidents" ("target")
CREATE TABLE "incident_subscribers" (
   "incident_id" INTEGER,
   "key" TEXT,
   "user_id" INTEGER,
   "chat_id" INTEGER,
   "thread_id" INTEGER,
   "subscribed" REAL,
   "notified" REAL,
   PRIMARY KEY ("incident_id", "key")
)
CREATE TABLE "incidents" (
   "id" INTEGER PRIMARY KEY,
   "target" TEXT,
   "text" TEXT,
   "started" REAL,
   "ended" REAL
)
CREATE TABLE "update_journal" (
   "update_id" INTEGER PRIMARY KEY,
   "user_id" INTEGER,
   "received" REAL,
   "raw" TEXT,
   "answer" TEXT
)
CREATE INDEX "idx_update_journal_user_id"
    ON "update_journal" ("user_id")
"""
MIGRATIONS = [*RELEASE_MIGRATIONS, "m005_checkins", "m006_incidents", "m007_update_journal"]


def _merged(*schemas: str) -> str:
    """Several schema texts as one, sorted by object name as `_schema` reads a database."""
    statements = [s for text in schemas for s in re.split(r"\n(?=CREATE )", text.strip())]
    return "\n" + "\n".join(sorted(statements, key=lambda s: re.findall(r'"([^"]+)"', s)[0])) + "\n"


CURRENT = _merged(SCHEMA, ADDED)


def _schema(path: Path) -> str:
    """Every table and index but the migrations' own bookkeeping, sorted by name."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE '%migrations%' ORDER BY name"
        ).fetchall()
    return "\n" + "\n".join(sql for (sql,) in rows) + "\n"


def _release_database(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.executescript(RELEASE_M004.read_text(encoding="utf-8"))


def test_a_new_database_has_the_frozen_schema(tmp_path: Path) -> None:
    """What the migrations build today is exactly the schema above."""
    Store.open(tmp_path / "new.sqlite3").close()
    assert _schema(tmp_path / "new.sqlite3") == CURRENT


def test_the_release_fixture_is_that_schema(tmp_path: Path) -> None:
    """Guards the fixture: it really is a database of the m004 release (its own bookkeeping table and all)."""
    path = tmp_path / "old.sqlite3"
    _release_database(path)
    assert _schema(path) == SCHEMA
    with sqlite3.connect(path) as conn:
        assert [n for (n,) in conn.execute("SELECT name FROM _migrations ORDER BY name")] == RELEASE_MIGRATIONS


def test_a_release_database_upgrades_in_place_with_nothing_lost(tmp_path: Path) -> None:
    """The old database opens with the new code: no migration runs again, its record moves to sqlite-utils'
    table, and every row is still there and readable through the ports."""
    path = tmp_path / "old.sqlite3"
    _release_database(path)
    with sqlite3.connect(path) as conn:
        before = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in _tables(conn)}
    store = Store.open(path)
    assert store.applied_migrations() == MIGRATIONS
    assert store.migrate() == []
    assert "_migrations" not in store.db.table_names()
    session = store.sessions.load("tg:1:0:1")
    assert (session.state, session.intent, session.step, session.seq) == ("step", "icloud_full", 1, 3)
    assert store.sessions.load("console:me") == Session()
    case = store.cases.open_of("tg:1:0:1")
    assert case is not None and (case.operator_thread_id, case.root_message_id) == (7, 70)
    assert store.cases.by_message(-5, 71) == case
    assert not store.cases.note_forward(case.id)  # the release had told the person already
    assert store.links.offered("tg:-1:0:3")
    assert store.bookkeeping.is_blocked(2) and store.bookkeeping.group_auto_answer(-100)
    assert not store.bookkeeping.first_time(55, 1.0)
    store.close()
    with sqlite3.connect(path) as conn:
        after = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in _tables(conn)}
    assert {t: after[t] for t in before} == before and all(not after[t] for t in set(after) - set(before))
    assert _schema(path) == CURRENT


def test_a_second_open_after_the_upgrade_applies_nothing(tmp_path: Path) -> None:
    """The adopted record is the record: reopening finds every migration applied once."""
    path = tmp_path / "old.sqlite3"
    _release_database(path)
    Store.open(path).close()
    store = Store.open(path)
    assert store.applied_migrations() == MIGRATIONS
    rows = store.query("SELECT migration_set, name FROM _sqlite_migrations ORDER BY id")
    assert rows == [("bot", name) for name in MIGRATIONS]
    store.close()


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%migrations%'")
    return sorted(name for (name,) in rows)

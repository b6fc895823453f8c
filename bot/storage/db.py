"""The SQLite file: opening it (WAL), and its append-only named migrations (sqlite-utils `Migrations`).

Never imports telegram or the desk. Migration names are permanent: a database records the ones it has had.
Databases written before sqlite-utils' migrations were used kept their record in a `_migrations` table
(name, applied); `migrate` carries those names over into sqlite-utils' `_sqlite_migrations` first, so an
existing database upgrades in place and nothing runs twice.
"""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

MIGRATION_SET = "bot"
LEGACY_TABLE = "_migrations"  # the hand-written bookkeeping of releases up to m004
migrations = Migrations(MIGRATION_SET)


@migrations()
def m001_create_tables(db: sqlite_utils.Database) -> None:
    db.table("sessions").create(
        {"key": str, "user_id": int, "chat_id": int, "data": str, "state": str, "intent": str, "updated": float},
        pk="key",
    )
    db.table("turns").create(
        {
            "id": int,
            "key": str,
            "user_id": int,
            "ts": float,
            "text": str,
            "intent": str,
            "category": str,
            "score": float,
        },
        pk="id",
    )
    db.table("outcomes").create(
        {"id": int, "key": str, "user_id": int, "ts": float, "kind": str, "intent": str, "step": int, "detail": str},
        pk="id",
    )
    db.table("turns").create_index(["key"])
    db.table("turns").create_index(["ts"])
    db.table("outcomes").create_index(["key"])
    db.table("sessions").create_index(["user_id"])


@migrations()
def m002_updates_and_users(db: sqlite_utils.Database) -> None:
    db.table("seen_updates").create({"update_id": int, "ts": float}, pk="update_id")
    db.table("users").create({"user_id": int, "blocked": int, "updated": float}, pk="user_id")


@migrations()
def m003_handoffs_and_groups(db: sqlite_utils.Database) -> None:
    db.table("handoffs").create(
        {
            "id": int,
            "key": str,
            "user_id": int,
            "user_chat_id": int,
            "user_thread_id": int,
            "operator_chat_id": int,
            "operator_thread_id": int,
            "root_message_id": int,
            "status": str,
            "opened": float,
            "closed": float,
        },
        pk="id",
    )
    db.table("handoffs").create_index(["key"])
    db.table("handoffs").create_index(["operator_chat_id", "operator_thread_id"])
    db.table("handoff_messages").create(
        {"operator_chat_id": int, "message_id": int, "handoff_id": int}, pk=("operator_chat_id", "message_id")
    )
    db.table("group_settings").create({"chat_id": int, "auto_answer": int}, pk="chat_id")


@migrations()
def m004_continue_links(db: sqlite_utils.Database) -> None:
    """Continue-in-private tokens, and whether a ticket's person was told their messages go to the team."""
    db.table("continue_links").create(
        {"token": str, "key": str, "user_id": int, "created": float, "used": float}, pk="token"
    )
    db.table("continue_links").create_index(["key"])
    db.table("continue_links").create_index(["user_id"])
    db.table("handoffs").add_column("forward_noted", int, not_null_default=0)


@migrations()
def m005_checkins(db: sqlite_utils.Database) -> None:
    """Check-ins: the bot writes back about a step whose result takes time (bot/desk/checkins.py)."""
    db.table("checkins").create(
        {
            "id": int,
            "key": str,
            "user_id": int,
            "chat_id": int,
            "thread_id": int,
            "name": str,
            "seq": int,
            "round": int,
            "due": float,
            "status": str,
            "answer": str,
            "created": float,
            "sent": float,
            "answered": float,
        },
        pk="id",
    )
    db.table("checkins").create_index(["status", "due"])
    db.table("checkins").create_index(["key"])
    db.table("checkins").create_index(["user_id"])


@migrations()
def m006_incidents(db: sqlite_utils.Database) -> None:
    """Incidents the support team announced, and who asked to be told when each ends."""
    db.table("incidents").create({"id": int, "target": str, "text": str, "started": float, "ended": float}, pk="id")
    db.table("incidents").create_index(["target"])
    db.table("incident_subscribers").create(
        {
            "incident_id": int,
            "key": str,
            "user_id": int,
            "chat_id": int,
            "thread_id": int,
            "subscribed": float,
            "notified": float,
        },
        pk=("incident_id", "key"),
    )
    db.table("incident_subscribers").create_index(["user_id"])


@migrations()
def m007_update_journal(db: sqlite_utils.Database) -> None:
    """Updates fetched but not yet handled, and the answer to send for each (bot/storage/journal.py)."""
    db.table("update_journal").create(
        {"update_id": int, "user_id": int, "received": float, "raw": str, "answer": str}, pk="update_id"
    )
    db.table("update_journal").create_index(["user_id"])


def open_file(path: Path | str) -> sqlite_utils.Database:
    """A file database in WAL mode, migrated."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.enable_wal()
    db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: survives a killed process, fast commits
    db.execute("PRAGMA busy_timeout=5000")
    db.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten with zeros: /forget leaves no words
    migrate(db)
    return db


def scrub(db: sqlite_utils.Database) -> None:
    """After deleting a person's data: copy the WAL into the database and empty it, so the old versions of
    the deleted rows that the WAL still holds are gone too (secure_delete has zeroed them in the pages)."""
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def open_memory() -> sqlite_utils.Database:
    db = sqlite_utils.Database(memory=True)
    migrate(db)
    return db


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the named migrations not applied yet, in order; return their names."""
    _adopt_legacy_record(db)
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    return pending


def applied(db: sqlite_utils.Database) -> list[str]:
    """The names of the migrations this database has had, in the order they were applied."""
    return [m.name for m in migrations.applied(db)]


def _adopt_legacy_record(db: sqlite_utils.Database) -> None:
    """Move the names recorded in the old `_migrations` table into sqlite-utils' table, then drop it."""
    if LEGACY_TABLE not in db.table_names():
        return
    with db.atomic():
        migrations.ensure_migrations_table(db)
        done = set(applied(db))
        legacy = db.execute(f"SELECT name, applied FROM {LEGACY_TABLE} ORDER BY name").fetchall()
        for name, when in legacy:
            if name not in done:
                db.table(Migrations.migrations_table).insert(
                    {"migration_set": MIGRATION_SET, "name": name, "applied_at": str(when)}
                )
        db.table(LEGACY_TABLE).drop()

"""Persistence behind the desk's ports (sqlite-utils). Never imports telegram.

`Store.open(path)` for a file (WAL, migrations applied at open), `Store.memory()` for an in-memory SQLite
database. One module per concern: db (opening, migrations), sessions (and forgetting, retention), cases
(and continue links), bookkeeping, reports, checkins, incidents, the update journal; text redaction in text.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.desk.ports import Handoff
from bot.storage import db as database
from bot.storage.bookkeeping import SqliteBookkeeping
from bot.storage.cases import SqliteCases, SqliteLinks
from bot.storage.checkins import SqliteCheckins, purge_checkins
from bot.storage.incidents import SqliteIncidents, purge_incidents
from bot.storage.journal import SqliteJournal
from bot.storage.reports import SqliteReports
from bot.storage.sessions import SqliteSessions, purge
from bot.storage.text import redact, storable

__all__ = ["Handoff", "Store", "redact", "storable"]


class Store:
    """One SQLite database and every port over it. Use it from the thread that opened it (SQLite
    connections are per thread): the bot's event loop, or the console."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.sessions = SqliteSessions(db)
        self.cases = SqliteCases(db)
        self.links = SqliteLinks(db)
        self.bookkeeping = SqliteBookkeeping(db)
        self.reports = SqliteReports(db)
        self.checkins = SqliteCheckins(db)
        self.incidents = SqliteIncidents(db)
        self.journal = SqliteJournal(db)

    @classmethod
    def open(cls, path: Path | str) -> Store:
        return cls(database.open_file(path))

    @classmethod
    def memory(cls) -> Store:
        return cls(database.open_memory())

    def close(self) -> None:
        self.db.close()

    def migrate(self) -> list[str]:
        """Apply the named migrations not applied yet; return their names."""
        return database.migrate(self.db)

    def applied_migrations(self) -> list[str]:
        return database.applied(self.db)

    def purge(self, older_than: float) -> int:
        """Retention: see bot.storage.sessions.purge."""
        with self.db.atomic():
            removed = purge(self.db, older_than)
            return removed + purge_checkins(self.db, older_than) + purge_incidents(self.db, older_than)

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Raw rows, for tests and one-off inspection."""
        return list(self.db.execute(sql, list(params)).fetchall())

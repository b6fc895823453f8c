"""Sessions, turns and outcomes in SQLite; forgetting a person or a conversation; retention.

A turn is written in one transaction together with the session it produced, before the reply is handed
back, so a crash never loses a conversation. Turn text is redacted (bot/storage/text.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import sqlite_utils

from bot.engine.model import Match, Outcome, Session
from bot.storage.bookkeeping import mark_handled
from bot.storage.db import scrub
from bot.storage.text import redact, storable

# every table that holds a person's data, by the column that says whose
PERSONAL = ("sessions", "turns", "outcomes", "handoffs", "continue_links", "checkins", "incident_subscribers")
MAX_TURN_TEXT = 1000


class SqliteSessions:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def load(self, key: str) -> Session:
        row = self.db.execute("SELECT data FROM sessions WHERE key = ?", [key]).fetchone()
        if row is None:
            return Session()
        try:
            return Session.from_dict(json.loads(row[0]))
        except (ValueError, TypeError, KeyError, AttributeError):
            return Session()  # an unreadable row never blocks a person: they start fresh

    def record(
        self,
        key: str,
        session: Session,
        *,
        now: float,
        user_id: int | None = None,
        chat_id: int | None = None,
        text: str | None = None,
        match: Match | None = None,
        outcomes: Iterable[Outcome] = (),
        update_id: int | None = None,
    ) -> None:
        with self.db.atomic():
            if update_id is not None:  # the update is handled exactly when its turn is stored
                mark_handled(self.db, update_id, now)
            self.db.execute(
                "INSERT INTO sessions (key, user_id, chat_id, data, state, intent, updated) VALUES (?,?,?,?,?,?,?) "
                "ON CONFLICT(key) DO UPDATE SET user_id=excluded.user_id, chat_id=excluded.chat_id, "
                "data=excluded.data, state=excluded.state, intent=excluded.intent, updated=excluded.updated",
                [key, user_id, chat_id, storable(json.dumps(session.to_dict())), session.state, session.intent, now],
            )
            if text is not None:
                self.db.execute(
                    "INSERT INTO turns (key, user_id, ts, text, intent, category, score) VALUES (?,?,?,?,?,?,?)",
                    [
                        key,
                        user_id,
                        now,
                        redact(text)[:MAX_TURN_TEXT],
                        match.intent if match else None,
                        match.category if match else None,
                        match.score if match else None,
                    ],
                )
            for o in outcomes:
                self.db.execute(
                    "INSERT INTO outcomes (key, user_id, ts, kind, intent, step, detail) VALUES (?,?,?,?,?,?,?)",
                    [key, user_id, now, o.kind, o.intent, o.step, o.detail],
                )

    def forget_user(self, user_id: int) -> int:
        return self._forget("user_id", user_id, (*PERSONAL, "users", "update_journal"))

    def forget_key(self, key: str) -> int:
        return self._forget("key", key, PERSONAL)

    def _forget(self, column: str, value: int | str, tables: tuple[str, ...]) -> int:
        # column and tables are fixed names from the two callers above, never user input
        with self.db.atomic():
            removed = self.db.execute(
                f"DELETE FROM handoff_messages WHERE handoff_id IN (SELECT id FROM handoffs WHERE {column} = ?)",
                [value],
            ).rowcount
            for table in tables:
                removed += self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", [value]).rowcount
        scrub(self.db)
        return removed


def purge(db: sqlite_utils.Database, older_than: float) -> int:
    """Retention: delete turns, outcomes, sessions, closed cases, continue links and seen update ids older
    than `older_than`, and updates journaled that long ago. Open cases stay until the support team closes them."""
    with db.atomic():
        removed = db.execute("DELETE FROM turns WHERE ts < ?", [older_than]).rowcount
        removed += db.execute("DELETE FROM outcomes WHERE ts < ?", [older_than]).rowcount
        removed += db.execute("DELETE FROM seen_updates WHERE ts < ?", [older_than]).rowcount
        removed += db.execute("DELETE FROM update_journal WHERE received < ?", [older_than]).rowcount
        removed += db.execute("DELETE FROM sessions WHERE updated < ?", [older_than]).rowcount
        removed += db.execute("DELETE FROM continue_links WHERE created < ?", [older_than]).rowcount
        old = "SELECT id FROM handoffs WHERE status = 'closed' AND closed < ?"
        removed += db.execute(f"DELETE FROM handoff_messages WHERE handoff_id IN ({old})", [older_than]).rowcount
        removed += db.execute(f"DELETE FROM handoffs WHERE id IN ({old})", [older_than]).rowcount
    return removed

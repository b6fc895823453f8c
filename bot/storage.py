"""Persistence of sessions, turns and outcomes (sqlite-utils). Never imports telegram.

`Store(path)` for a file (WAL, migrations applied at open), `Store.memory()` for tests. A turn is written in
one transaction together with the session it produced, before the reply is handed back, so a crash never
loses a conversation. Text stored for analytics has e-mail addresses and phone numbers redacted.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.engine.model import Match, Outcome, Session

_SURROGATE = re.compile("[\ud800-\udfff]")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d\s().-]{7,}\d(?![\w])")


def storable(text: str) -> str:
    """Text SQLite can store: lone surrogates (from undecodable input) become U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def redact(text: str) -> str:
    """Replace e-mail addresses and phone numbers, keep everything else."""
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", storable(text)))


Migration = Callable[[sqlite_utils.Database], None]


def m001_create_tables(db: sqlite_utils.Database) -> None:
    db.table("sessions").create(
        {
            "key": str,
            "user_id": int,
            "chat_id": int,
            "data": str,
            "state": str,
            "intent": str,
            "updated": float,
        },
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
        {
            "id": int,
            "key": str,
            "user_id": int,
            "ts": float,
            "kind": str,
            "intent": str,
            "step": int,
            "detail": str,
        },
        pk="id",
    )
    db.table("turns").create_index(["key"])
    db.table("turns").create_index(["ts"])
    db.table("outcomes").create_index(["key"])
    db.table("sessions").create_index(["user_id"])


def m002_updates_and_users(db: sqlite_utils.Database) -> None:
    db.table("seen_updates").create({"update_id": int, "ts": float}, pk="update_id")
    db.table("users").create({"user_id": int, "blocked": int, "updated": float}, pk="user_id")


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


def m004_continue_links(db: sqlite_utils.Database) -> None:
    """Continue-in-private tokens, and whether a ticket's person was told their messages go to the team."""
    db.table("continue_links").create(
        {"token": str, "key": str, "user_id": int, "created": float, "used": float}, pk="token"
    )
    db.table("continue_links").create_index(["key"])
    db.table("continue_links").create_index(["user_id"])
    db.table("handoffs").add_column("forward_noted", int, not_null_default=0)


MIGRATIONS: list[tuple[str, Migration]] = [
    ("m001_create_tables", m001_create_tables),
    ("m002_updates_and_users", m002_updates_and_users),
    ("m003_handoffs_and_groups", m003_handoffs_and_groups),
    ("m004_continue_links", m004_continue_links),
]
HANDOFF_COLUMNS = (
    "id, key, user_id, user_chat_id, user_thread_id, operator_chat_id, operator_thread_id, root_message_id, status"
)


@dataclass(frozen=True, slots=True)
class Handoff:
    """A ticket: one person's case handed to the support team. `id` is the case number operators see."""

    id: int
    key: str  # the person's conversation
    user_id: int
    user_chat_id: int
    user_thread_id: int
    operator_chat_id: int
    operator_thread_id: int  # the forum topic of the case; 0 in a group without topics
    root_message_id: int  # the summary message: the thread's root
    status: str  # "open" or "closed"

    @property
    def open(self) -> bool:
        return self.status == "open"


def _handoff(row: tuple[Any, ...] | None) -> Handoff | None:
    if row is None:
        return None
    ident, key, user_id, user_chat, user_thread, op_chat, op_thread, root, status = row
    return Handoff(
        int(ident),
        str(key),
        int(user_id or 0),
        int(user_chat or 0),
        int(user_thread or 0),
        int(op_chat or 0),
        int(op_thread or 0),
        int(root or 0),
        str(status),
    )


class Store:
    """All database access. Use it from the thread that opened it (SQLite connections are per thread): the
    bot's event loop, or the console. The lock keeps a write's statements together, not threads apart."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._lock = threading.RLock()
        self.migrate()

    @classmethod
    def open(cls, path: Path | str) -> Store:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(path)
        db.enable_wal()
        db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: survives a killed process, fast commits
        db.execute("PRAGMA busy_timeout=5000")
        return cls(db)

    @classmethod
    def memory(cls) -> Store:
        return cls(sqlite_utils.Database(memory=True))

    def close(self) -> None:
        with self._lock:
            self.db.close()

    # ------------------------------------------------------------ migrations

    def migrate(self) -> list[str]:
        """Apply the named migrations not applied yet, in order; return their names."""
        applied_now: list[str] = []
        with self._lock:
            if "_migrations" not in self.db.table_names():
                self.db.table("_migrations").create({"name": str, "applied": str}, pk="name")
            done = {row["name"] for row in self.db.table("_migrations").rows}
            for name, migration in MIGRATIONS:
                if name not in done:
                    with self._atomic():
                        migration(self.db)
                        self.db.table("_migrations").insert({"name": name, "applied": "now"})
                    applied_now.append(name)
        return applied_now

    def applied_migrations(self) -> list[str]:
        return [row["name"] for row in self.db.table("_migrations").rows_where(order_by="name")]

    @contextmanager
    def _atomic(self) -> Iterator[None]:
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # ------------------------------------------------------------ sessions and turns

    def load(self, key: str) -> Session:
        rows = list(self.db.execute("SELECT data FROM sessions WHERE key = ?", [key]).fetchall())
        if not rows:
            return Session()
        try:
            return Session.from_dict(json.loads(rows[0][0]))
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
    ) -> None:
        """Save the session and what happened in this turn, in one transaction."""
        with self._lock, self._atomic():
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
                        redact(text)[:1000],
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
        """Delete everything stored about a person; returns the number of rows removed."""
        return self._forget(
            "user_id", user_id, ("sessions", "turns", "outcomes", "handoffs", "continue_links", "users")
        )

    def forget_key(self, key: str) -> int:
        """Delete everything stored about one conversation (the console's /forget)."""
        return self._forget("key", key, ("sessions", "turns", "outcomes", "handoffs", "continue_links"))

    def _forget(self, column: str, value: int | str, tables: tuple[str, ...]) -> int:
        # column and tables are fixed names from the two callers above, never user input
        removed = 0
        with self._lock, self._atomic():
            removed += self.db.execute(
                f"DELETE FROM handoff_messages WHERE handoff_id IN (SELECT id FROM handoffs WHERE {column} = ?)",
                [value],
            ).rowcount
            for table in tables:
                removed += self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", [value]).rowcount
        return removed

    def purge(self, older_than: float) -> int:
        """Retention: delete turns, outcomes, sessions, closed handoffs, continue links and seen update ids
        older than `older_than`. Open handoffs stay until the support team closes them."""
        with self._lock, self._atomic():
            removed = self.db.execute("DELETE FROM turns WHERE ts < ?", [older_than]).rowcount
            removed += self.db.execute("DELETE FROM outcomes WHERE ts < ?", [older_than]).rowcount
            removed += self.db.execute("DELETE FROM seen_updates WHERE ts < ?", [older_than]).rowcount
            removed += self.db.execute("DELETE FROM sessions WHERE updated < ?", [older_than]).rowcount
            removed += self.db.execute("DELETE FROM continue_links WHERE created < ?", [older_than]).rowcount
            old = "SELECT id FROM handoffs WHERE status = 'closed' AND closed < ?"
            removed += self.db.execute(
                f"DELETE FROM handoff_messages WHERE handoff_id IN ({old})", [older_than]
            ).rowcount
            removed += self.db.execute(f"DELETE FROM handoffs WHERE id IN ({old})", [older_than]).rowcount
        return removed

    # ------------------------------------------------------------ handoffs (tickets)

    def open_handoff(
        self, key: str, *, user_id: int, user_chat_id: int, user_thread_id: int, operator_chat_id: int, now: float
    ) -> int:
        """A new open ticket for conversation `key`; returns its number. Its thread is set once posted."""
        with self._lock:
            cursor = self.db.execute(
                "INSERT INTO handoffs (key, user_id, user_chat_id, user_thread_id, operator_chat_id, "
                "operator_thread_id, root_message_id, status, opened) VALUES (?,?,?,?,?,0,0,'open',?)",
                [key, user_id, user_chat_id, user_thread_id, operator_chat_id, now],
            )
            self.db.conn.commit()
            return int(cursor.lastrowid or 0)

    def place_handoff(self, handoff_id: int, *, operator_thread_id: int, root_message_id: int) -> None:
        """Where the ticket lives in the operator chat: its forum topic (0: none) and its summary message."""
        with self._lock, self._atomic():
            self.db.execute(
                "UPDATE handoffs SET operator_thread_id = ?, root_message_id = ? WHERE id = ?",
                [operator_thread_id, root_message_id, handoff_id],
            )
            self._add_handoff_message(handoff_id, root_message_id)

    def add_handoff_message(self, handoff_id: int, message_id: int) -> None:
        """An operator-chat message of the ticket: a reply to it reaches the ticket's person."""
        with self._lock, self._atomic():
            self._add_handoff_message(handoff_id, message_id)

    def _add_handoff_message(self, handoff_id: int, message_id: int) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO handoff_messages (operator_chat_id, message_id, handoff_id) "
            "SELECT operator_chat_id, ?, id FROM handoffs WHERE id = ?",
            [message_id, handoff_id],
        )

    def drop_handoff(self, handoff_id: int) -> None:
        """Remove a ticket that could not be posted."""
        with self._lock, self._atomic():
            self.db.execute("DELETE FROM handoff_messages WHERE handoff_id = ?", [handoff_id])
            self.db.execute("DELETE FROM handoffs WHERE id = ?", [handoff_id])

    def handoff(self, handoff_id: int) -> Handoff | None:
        return _handoff(
            self.db.execute(f"SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE id = ?", [handoff_id]).fetchone()
        )

    def open_handoff_of(self, key: str) -> Handoff | None:
        """The conversation's open ticket, if any (the newest, should there be several)."""
        row = self.db.execute(
            f"SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE key = ? AND status = 'open' ORDER BY id DESC LIMIT 1",
            [key],
        ).fetchone()
        return _handoff(row)

    def open_handoffs_of_user(self, user_id: int) -> list[Handoff]:
        rows = self.db.execute(
            f"SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE user_id = ? AND status = 'open' ORDER BY id", [user_id]
        ).fetchall()
        return [h for h in map(_handoff, rows) if h is not None]

    def handoff_by_topic(self, operator_chat_id: int, thread_id: int) -> Handoff | None:
        row = self.db.execute(
            f"SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE operator_chat_id = ? AND operator_thread_id = ? "
            "ORDER BY id DESC LIMIT 1",
            [operator_chat_id, thread_id],
        ).fetchone()
        return _handoff(row)

    def handoff_by_message(self, operator_chat_id: int, message_id: int) -> Handoff | None:
        row = self.db.execute(
            "SELECT handoff_id FROM handoff_messages WHERE operator_chat_id = ? AND message_id = ?",
            [operator_chat_id, message_id],
        ).fetchone()
        return self.handoff(int(row[0])) if row else None

    def close_handoff(self, handoff_id: int, now: float) -> bool:
        """Close an open ticket; False when it was not open (already closed, or gone)."""
        with self._lock:
            cursor = self.db.execute(
                "UPDATE handoffs SET status = 'closed', closed = ? WHERE id = ? AND status = 'open'", [now, handoff_id]
            )
            self.db.conn.commit()
            return cursor.rowcount == 1

    def note_forward(self, handoff_id: int) -> bool:
        """True the first time it is called for a ticket: the person is told once that messages go through."""
        with self._lock:
            cursor = self.db.execute(
                "UPDATE handoffs SET forward_noted = 1 WHERE id = ? AND forward_noted = 0", [handoff_id]
            )
            self.db.conn.commit()
            return cursor.rowcount == 1

    # ------------------------------------------------------------ continue-in-private links

    def add_continue_link(self, token: str, key: str, user_id: int, now: float) -> None:
        with self._lock:
            self.db.table("continue_links").insert(
                {"token": token, "key": key, "user_id": user_id, "created": now, "used": None}
            )

    def continue_offered(self, key: str) -> bool:
        """Whether this conversation was already offered a link (used, expired or not)."""
        return self.db.execute("SELECT 1 FROM continue_links WHERE key = ? LIMIT 1", [key]).fetchone() is not None

    def use_continue_link(self, token: str, user_id: int, *, now: float, max_age: float) -> str | None:
        """The conversation key a token carries, marking it used; None when unknown, used, expired or
        someone else's."""
        with self._lock:
            cursor = self.db.execute(
                "UPDATE continue_links SET used = ? WHERE token = ? AND user_id = ? AND used IS NULL AND created >= ? "
                "RETURNING key",
                [now, token, user_id, now - max_age],
            )
            row = cursor.fetchone()
            self.db.conn.commit()
            return str(row[0]) if row else None

    # ------------------------------------------------------------ telegram bookkeeping (plain data)

    def first_time(self, update_id: int, now: float) -> bool:
        """True the first time an update id is seen; False for a repeat."""
        with self._lock:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO seen_updates (update_id, ts) VALUES (?, ?)", [update_id, now]
            )
            self.db.conn.commit()
            return cursor.rowcount == 1

    def set_blocked(self, user_id: int, blocked: bool, now: float) -> None:
        with self._lock:
            self.db.table("users").upsert({"user_id": user_id, "blocked": int(blocked), "updated": now}, pk="user_id")

    def is_blocked(self, user_id: int) -> bool:
        row = self.db.execute("SELECT blocked FROM users WHERE user_id = ?", [user_id]).fetchone()
        return bool(row and row[0])

    def group_auto_answer(self, chat_id: int) -> bool:
        row = self.db.execute("SELECT auto_answer FROM group_settings WHERE chat_id = ?", [chat_id]).fetchone()
        return bool(row and row[0])

    def set_group_auto_answer(self, chat_id: int, on: bool) -> None:
        with self._lock:
            self.db.table("group_settings").upsert({"chat_id": chat_id, "auto_answer": int(on)}, pk="chat_id")

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.db.execute(sql, list(params)).fetchall())

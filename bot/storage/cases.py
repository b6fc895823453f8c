"""Handoff cases and continue-in-private links in SQLite (the desk's Cases and Links ports)."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from bot.desk.ports import Handoff

COLUMNS = (
    "id, key, user_id, user_chat_id, user_thread_id, operator_chat_id, operator_thread_id, root_message_id, status"
)


def _case(row: tuple[Any, ...] | None) -> Handoff | None:
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


class SqliteCases:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def open(
        self, key: str, *, user_id: int, user_chat_id: int, user_thread_id: int, operator_chat_id: int, now: float
    ) -> int:
        cursor = self.db.execute(
            "INSERT INTO handoffs (key, user_id, user_chat_id, user_thread_id, operator_chat_id, "
            "operator_thread_id, root_message_id, status, opened) VALUES (?,?,?,?,?,0,0,'open',?)",
            [key, user_id, user_chat_id, user_thread_id, operator_chat_id, now],
        )
        return int(cursor.lastrowid or 0)

    def place(self, case_id: int, *, operator_thread_id: int, root_message_id: int) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE handoffs SET operator_thread_id = ?, root_message_id = ? WHERE id = ?",
                [operator_thread_id, root_message_id, case_id],
            )
            self.add_message(case_id, root_message_id)

    def add_message(self, case_id: int, message_id: int) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO handoff_messages (operator_chat_id, message_id, handoff_id) "
            "SELECT operator_chat_id, ?, id FROM handoffs WHERE id = ?",
            [message_id, case_id],
        )

    def drop(self, case_id: int) -> None:
        with self.db.atomic():
            self.db.execute("DELETE FROM handoff_messages WHERE handoff_id = ?", [case_id])
            self.db.execute("DELETE FROM handoffs WHERE id = ?", [case_id])

    def get(self, case_id: int) -> Handoff | None:
        return _case(self.db.execute(f"SELECT {COLUMNS} FROM handoffs WHERE id = ?", [case_id]).fetchone())

    def open_of(self, key: str) -> Handoff | None:
        row = self.db.execute(
            f"SELECT {COLUMNS} FROM handoffs WHERE key = ? AND status = 'open' ORDER BY id DESC LIMIT 1", [key]
        ).fetchone()
        return _case(row)

    def open_of_user(self, user_id: int) -> list[Handoff]:
        rows = self.db.execute(
            f"SELECT {COLUMNS} FROM handoffs WHERE user_id = ? AND status = 'open' ORDER BY id", [user_id]
        ).fetchall()
        return [case for case in map(_case, rows) if case is not None]

    def by_topic(self, operator_chat_id: int, thread_id: int) -> Handoff | None:
        row = self.db.execute(
            f"SELECT {COLUMNS} FROM handoffs WHERE operator_chat_id = ? AND operator_thread_id = ? "
            "ORDER BY id DESC LIMIT 1",
            [operator_chat_id, thread_id],
        ).fetchone()
        return _case(row)

    def by_message(self, operator_chat_id: int, message_id: int) -> Handoff | None:
        row = self.db.execute(
            "SELECT handoff_id FROM handoff_messages WHERE operator_chat_id = ? AND message_id = ?",
            [operator_chat_id, message_id],
        ).fetchone()
        return self.get(int(row[0])) if row else None

    def close(self, case_id: int, now: float) -> bool:
        cursor = self.db.execute(
            "UPDATE handoffs SET status = 'closed', closed = ? WHERE id = ? AND status = 'open'", [now, case_id]
        )
        return cursor.rowcount == 1

    def note_forward(self, case_id: int) -> bool:
        cursor = self.db.execute("UPDATE handoffs SET forward_noted = 1 WHERE id = ? AND forward_noted = 0", [case_id])
        return cursor.rowcount == 1


class SqliteLinks:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def add(self, token: str, key: str, user_id: int, now: float) -> None:
        self.db.table("continue_links").insert({"token": token, "key": key, "user_id": user_id, "created": now})

    def offered(self, key: str) -> bool:
        return self.db.execute("SELECT 1 FROM continue_links WHERE key = ? LIMIT 1", [key]).fetchone() is not None

    def use(self, token: str, user_id: int, *, now: float, max_age: float) -> str | None:
        with self.db.atomic():  # RETURNING: the row is read inside the transaction that marks it used
            row = self.db.execute(
                "UPDATE continue_links SET used = ? WHERE token = ? AND user_id = ? AND used IS NULL AND created >= ? "
                "RETURNING key",
                [now, token, user_id, now - max_age],
            ).fetchone()
        return str(row[0]) if row else None

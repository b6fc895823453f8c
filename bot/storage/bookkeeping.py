"""Plain facts in SQLite: update ids seen, people who blocked the bot, groups' auto-answer setting."""

from __future__ import annotations

import sqlite_utils


def mark_handled(db: sqlite_utils.Database, update_id: int, now: float) -> bool:
    """Record an update id as handled (inside the caller's transaction, if any); False when it already was."""
    cursor = db.execute("INSERT OR IGNORE INTO seen_updates (update_id, ts) VALUES (?, ?)", [update_id, now])
    return cursor.rowcount == 1


class SqliteBookkeeping:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def first_time(self, update_id: int, now: float) -> bool:
        return mark_handled(self.db, update_id, now)

    def seen(self, update_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM seen_updates WHERE update_id = ?", [update_id]).fetchone() is not None

    def set_blocked(self, user_id: int, blocked: bool, now: float) -> None:
        self.db.table("users").upsert({"user_id": user_id, "blocked": int(blocked), "updated": now}, pk="user_id")

    def is_blocked(self, user_id: int) -> bool:
        row = self.db.execute("SELECT blocked FROM users WHERE user_id = ?", [user_id]).fetchone()
        return bool(row and row[0])

    def group_auto_answer(self, chat_id: int) -> bool:
        row = self.db.execute("SELECT auto_answer FROM group_settings WHERE chat_id = ?", [chat_id]).fetchone()
        return bool(row and row[0])

    def set_group_auto_answer(self, chat_id: int, on: bool) -> None:
        self.db.table("group_settings").upsert({"chat_id": chat_id, "auto_answer": int(on)}, pk="chat_id")

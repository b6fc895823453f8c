"""Check-ins in SQLite (the `checkins` table, migration m005). Never imports telegram or the desk's logic.

Claiming is one conditional UPDATE, so a check-in goes from scheduled to sent at most once, whichever
process or job asks, and a restart after `kill -9` never sends it again.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from bot.desk.ports import Checkin

COLUMNS = "id, key, user_id, chat_id, thread_id, name, seq, round, due, status, answer"


def _checkin(row: tuple[Any, ...]) -> Checkin:
    id_, key, user_id, chat_id, thread_id, name, seq, round_, due, status, answer = row
    return Checkin(
        int(id_), key, int(user_id), int(chat_id), int(thread_id), name or "", int(seq), int(round_), float(due),
        status, answer,
    )  # fmt: skip


class SqliteCheckins:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def add(
        self,
        key: str,
        *,
        user_id: int,
        chat_id: int,
        thread_id: int,
        name: str,
        seq: int,
        round: int,
        due: float,
        now: float,
    ) -> int:
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT INTO checkins (key, user_id, chat_id, thread_id, name, seq, round, due, status, created) "
                "VALUES (?,?,?,?,?,?,?,?,'scheduled',?)",
                [key, user_id, chat_id, thread_id, name, seq, round, due, now],
            )
        return int(cursor.lastrowid or 0)

    def get(self, checkin_id: int) -> Checkin | None:
        row = self.db.execute(f"SELECT {COLUMNS} FROM checkins WHERE id = ?", [checkin_id]).fetchone()
        return _checkin(row) if row else None

    def scheduled(self) -> list[Checkin]:
        rows = self.db.execute(f"SELECT {COLUMNS} FROM checkins WHERE status = 'scheduled' ORDER BY due, id")
        return [_checkin(r) for r in rows.fetchall()]

    def cancel(self, key: str, now: float) -> int:
        with self.db.atomic():
            return int(
                self.db.execute(
                    "UPDATE checkins SET status = 'cancelled', answered = ? WHERE key = ? AND status = 'scheduled'",
                    [now, key],
                ).rowcount
            )

    def cancel_one(self, checkin_id: int, now: float) -> bool:
        with self.db.atomic():
            return bool(
                self.db.execute(
                    "UPDATE checkins SET status = 'cancelled', answered = ? WHERE id = ? AND status = 'scheduled'",
                    [now, checkin_id],
                ).rowcount
            )

    def claim(self, checkin_id: int, now: float) -> Checkin | None:
        with self.db.atomic():
            done = self.db.execute(
                "UPDATE checkins SET status = 'sent', sent = ? WHERE id = ? AND status = 'scheduled'", [now, checkin_id]
            ).rowcount
        return self.get(checkin_id) if done else None

    def last_sent(self, key: str) -> Checkin | None:
        row = self.db.execute(
            f"SELECT {COLUMNS} FROM checkins WHERE key = ? AND sent IS NOT NULL ORDER BY sent DESC, id DESC LIMIT 1",
            [key],
        ).fetchone()
        return _checkin(row) if row else None

    def answer(self, checkin_id: int, answer: str, now: float) -> bool:
        with self.db.atomic():
            return bool(
                self.db.execute(
                    "UPDATE checkins SET status = 'answered', answer = ?, answered = ? "
                    "WHERE id = ? AND status IN ('sent', 'answered')",
                    [answer, now, checkin_id],
                ).rowcount
            )


def purge_checkins(db: sqlite_utils.Database, older_than: float) -> int:
    """Retention: check-ins created before `older_than` that are no longer waiting."""
    return int(db.execute("DELETE FROM checkins WHERE created < ? AND status != 'scheduled'", [older_than]).rowcount)

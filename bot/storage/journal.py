"""The update journal: every update fetched from Telegram, kept until it is handled, with its answer.

With polling, Telegram counts a batch as delivered once the next getUpdates asks past it, and PTB asks as
soon as it has handed the batch on, long before each update is handled. So each update is written here when
it is fetched, before it can be confirmed (`keep`); the answer to send is stored before it is sent
(`answered`); and the update is marked handled (`done`: its row goes, its id joins `seen_updates`) when its
handling ends. What a killed process leaves here is handled at the next start (bot/tg/replay.py).

A person's rows go with /forget (by user_id) and with retention; rows hold the raw update only until it is
handled. Never imports telegram.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from bot.storage.bookkeeping import mark_handled


@dataclass(frozen=True, slots=True)
class Pending:
    """An update a process fetched and did not finish: its raw JSON, and its answer when one was stored."""

    update_id: int
    raw: dict[str, Any]
    answer: dict[str, Any] | None


class SqliteJournal:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def keep(self, raws: Iterable[Any], now: float) -> list[Any]:
        """Journal a fetched batch in one transaction; return the updates to hand on: not those already
        journaled (in hand, or left for the replay at start) nor those already handled."""
        fresh = []
        with self.db.atomic():
            for raw in raws:
                update_id = raw.get("update_id") if isinstance(raw, dict) else None
                if not isinstance(update_id, int):
                    fresh.append(raw)  # nothing to journal it by; the parser skips it
                    continue
                if self.db.execute("SELECT 1 FROM seen_updates WHERE update_id = ?", [update_id]).fetchone():
                    continue
                cursor = self.db.execute(
                    "INSERT OR IGNORE INTO update_journal (update_id, user_id, received, raw) VALUES (?,?,?,?)",
                    [update_id, sender_of(raw), now, json.dumps(raw)],
                )
                if cursor.rowcount == 1:
                    fresh.append(raw)
        return fresh

    def answered(self, update_id: int, answer: dict[str, Any]) -> None:
        """The answer to an update, stored before it is sent, so a killed process's successor sends it."""
        self.db.execute("UPDATE update_journal SET answer = ? WHERE update_id = ?", [json.dumps(answer), update_id])

    def done(self, update_id: int, now: float) -> None:
        """The update was handled (or deliberately dropped): never handled again."""
        with self.db.atomic():
            self.db.execute("DELETE FROM update_journal WHERE update_id = ?", [update_id])
            mark_handled(self.db, update_id, now)

    def pending(self, since: float) -> list[Pending]:
        """What an earlier process left unfinished, oldest first; rows older than `since` are dropped."""
        self.db.execute("DELETE FROM update_journal WHERE received < ?", [since])
        rows = self.db.execute("SELECT update_id, raw, answer FROM update_journal ORDER BY update_id").fetchall()
        found = []
        for update_id, raw, answer in rows:
            try:
                found.append(Pending(update_id, json.loads(raw), json.loads(answer) if answer else None))
            except (TypeError, ValueError):
                self.done(update_id, since)  # an unreadable row is dropped, never retried for ever
        return found


def sender_of(raw: dict[str, Any]) -> int | None:
    """The user id of whoever sent an update (a message's or a button press's `from`), for /forget."""
    for kind in ("message", "callback_query", "edited_message"):
        part = raw.get(kind)
        if isinstance(part, dict) and isinstance(part.get("from"), dict):
            user_id = part["from"].get("id")
            return user_id if isinstance(user_id, int) else None
    return None

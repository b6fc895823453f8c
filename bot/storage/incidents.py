"""Incidents and their subscribers in SQLite (tables `incidents`, `incident_subscribers`, migration m006).

Telling a subscriber is claimed first (one conditional UPDATE), so nobody hears about the same incident twice,
also when a restart finishes the notifying. Never imports telegram or the desk's logic.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from bot.desk.ports import Incident, Subscriber


def _incident(row: tuple[Any, ...]) -> Incident:
    id_, target, text, started, ended = row
    return Incident(int(id_), target, text, float(started), None if ended is None else float(ended))


class SqliteIncidents:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def start(self, target: str, text: str, now: float) -> Incident:
        with self.db.atomic():
            current = self._active_of(target)
            if current is not None:
                self.db.execute("UPDATE incidents SET text = ? WHERE id = ?", [text, current.id])
                incident_id = current.id
            else:
                cursor = self.db.execute(
                    "INSERT INTO incidents (target, text, started) VALUES (?,?,?)", [target, text, now]
                )
                incident_id = int(cursor.lastrowid or 0)
        found = self.get(incident_id)
        assert found is not None
        return found

    def end(self, target: str, now: float) -> Incident | None:
        with self.db.atomic():
            current = self._active_of(target)
            if current is None:
                return None
            self.db.execute("UPDATE incidents SET ended = ? WHERE id = ?", [now, current.id])
        return self.get(current.id)

    def active(self) -> list[Incident]:
        rows = self.db.execute(
            "SELECT id, target, text, started, ended FROM incidents WHERE ended IS NULL ORDER BY id"
        ).fetchall()
        return [_incident(r) for r in rows]

    def get(self, incident_id: int) -> Incident | None:
        row = self.db.execute(
            "SELECT id, target, text, started, ended FROM incidents WHERE id = ?", [incident_id]
        ).fetchone()
        return _incident(row) if row else None

    def _active_of(self, target: str) -> Incident | None:
        row = self.db.execute(
            "SELECT id, target, text, started, ended FROM incidents WHERE target = ? AND ended IS NULL "
            "ORDER BY id DESC LIMIT 1",
            [target],
        ).fetchone()
        return _incident(row) if row else None

    def subscribe(self, incident_id: int, *, key: str, user_id: int, chat_id: int, thread_id: int, now: float) -> bool:
        incident = self.get(incident_id)
        if incident is None or not incident.active:
            return False
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO incident_subscribers (incident_id, key, user_id, chat_id, thread_id, subscribed)"
                " VALUES (?,?,?,?,?,?)",
                [incident_id, key, user_id, chat_id, thread_id, now],
            )
        return bool(cursor.rowcount)

    def unnotified(self, incident_id: int) -> list[Subscriber]:
        rows = self.db.execute(
            "SELECT s.incident_id, s.key, s.user_id, s.chat_id, s.thread_id FROM incident_subscribers s "
            "JOIN incidents i ON i.id = s.incident_id "
            "WHERE s.incident_id = ? AND i.ended IS NOT NULL AND s.notified IS NULL ORDER BY s.subscribed",
            [incident_id],
        ).fetchall()
        return [Subscriber(int(i), k, int(u), int(c), int(t)) for i, k, u, c, t in rows]

    def ended_with_unnotified(self) -> list[int]:
        rows = self.db.execute(
            "SELECT DISTINCT s.incident_id FROM incident_subscribers s JOIN incidents i ON i.id = s.incident_id "
            "WHERE i.ended IS NOT NULL AND s.notified IS NULL ORDER BY s.incident_id"
        ).fetchall()
        return [int(i) for (i,) in rows]

    def claim_notice(self, incident_id: int, key: str, now: float) -> bool:
        with self.db.atomic():
            return bool(
                self.db.execute(
                    "UPDATE incident_subscribers SET notified = ? WHERE incident_id = ? AND key = ? "
                    "AND notified IS NULL",
                    [now, incident_id, key],
                ).rowcount
            )


def purge_incidents(db: sqlite_utils.Database, older_than: float) -> int:
    """Retention: incidents that ended before `older_than`, with their subscribers."""
    old = "SELECT id FROM incidents WHERE ended IS NOT NULL AND ended < ?"
    removed = int(db.execute(f"DELETE FROM incident_subscribers WHERE incident_id IN ({old})", [older_than]).rowcount)
    return removed + int(db.execute(f"DELETE FROM incidents WHERE id IN ({old})", [older_than]).rowcount)

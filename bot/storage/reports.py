"""The queries behind the support report (bot/stats.py turns their rows into figures). Read only."""

from __future__ import annotations

from typing import Any

import sqlite_utils


class SqliteReports:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def _rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        return list(self.db.execute(sql, params).fetchall())

    def outcome_kinds_by_key(self, since: float) -> list[tuple[str, str]]:
        """(conversation, outcome kind) pairs, each once."""
        return [(k, v) for k, v in self._rows("SELECT DISTINCT key, kind FROM outcomes WHERE ts >= ?", [since])]

    def keys_with_turns(self, since: float) -> list[str]:
        return [k for (k,) in self._rows("SELECT DISTINCT key FROM turns WHERE ts >= ?", [since])]

    def sessions_active(self, since: float) -> list[tuple[str, str | None, str | None, float]]:
        """(key, state, intent, updated) of every session active since `since`."""
        rows = self._rows("SELECT key, state, intent, updated FROM sessions WHERE updated >= ?", [since])
        return [(k, s, i, float(u)) for k, s, i, u in rows]

    def outcome_counts(self, since: float) -> dict[str, int]:
        return dict(self._rows("SELECT kind, COUNT(*) FROM outcomes WHERE ts >= ? GROUP BY kind", [since]))

    def conversations_by_intent(self, since: float, kind: str) -> dict[str, int]:
        """Per intent: how many conversations had an outcome of `kind`."""
        return dict(
            self._rows(
                "SELECT intent, COUNT(DISTINCT key) FROM outcomes WHERE ts >= ? AND kind = ? GROUP BY intent",
                [since, kind],
            )
        )

    def resolved_at_step(self, since: float) -> list[tuple[int, int]]:
        """(step index, resolutions) in step order."""
        return self._rows(
            "SELECT step, COUNT(*) FROM outcomes WHERE ts >= ? AND kind = 'resolved' AND step IS NOT NULL "
            "GROUP BY step ORDER BY step",
            [since],
        )

    def step_results(self, since: float) -> list[tuple[str, int, int, int]]:
        """(intent, step index, times fixed, times tried)."""
        return self._rows(
            "SELECT intent, step, SUM(detail = 'fixed'), COUNT(*) FROM outcomes WHERE ts >= ? AND kind = 'step' "
            "GROUP BY intent, step ORDER BY intent, step",
            [since],
        )

    def unmatched(self, since: float, limit: int = 15) -> list[tuple[str, int]]:
        """The most frequent messages nothing matched, case-insensitively grouped."""
        return self._rows(
            "SELECT text, COUNT(*) AS n FROM turns WHERE ts >= ? AND category = 'none' "
            "AND intent IS NULL GROUP BY lower(text) ORDER BY n DESC, lower(text) LIMIT ?",
            [since, limit],
        )

    def cases(self, since: float) -> tuple[int, int]:
        """(cases open now, cases closed since `since`)."""
        (still_open,) = self.db.execute("SELECT COUNT(*) FROM handoffs WHERE status = 'open'").fetchone()
        (closed,) = self.db.execute(
            "SELECT COUNT(*) FROM handoffs WHERE status = 'closed' AND closed >= ?", [since]
        ).fetchone()
        return int(still_open), int(closed)

    def checkins(self, since: float) -> tuple[int, int, int]:
        """(check-ins sent, answered, answered "fixed": resolutions that came through one) since `since`."""
        row = self.db.execute(
            "SELECT COALESCE(SUM(sent >= ?), 0), COALESCE(SUM(answer IS NOT NULL AND answered >= ?), 0), "
            "COALESCE(SUM(answer = 'fixed' AND answered >= ?), 0) FROM checkins",
            [since, since, since],
        ).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

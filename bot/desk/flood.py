"""Inbound flood limit per person: more than `limit` messages within `window` seconds.

The first message over the limit is answered once (the caller sends the `flood` text); later ones are dropped
quietly until the person's rate falls back under the limit. Memory only: a restart forgives everyone.
Imports only the standard library (it is the desk's, so the next front-end gets it too).
"""

from __future__ import annotations

from collections import deque
from enum import Enum


class Verdict(Enum):
    PASS = "pass"
    WARN = "warn"  # over the limit for the first time: tell the person once
    DROP = "drop"


class FloodGate:
    def __init__(self, limit: int = 10, window: float = 10.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[int, deque[float]] = {}
        self._warned: set[int] = set()
        self._last_sweep = 0.0

    def check(self, user_id: int, now: float) -> Verdict:
        stamps = self._seen.setdefault(user_id, deque())
        while stamps and now - stamps[0] >= self.window:
            stamps.popleft()
        stamps.append(now)
        self._sweep(now)
        if len(stamps) <= self.limit:
            self._warned.discard(user_id)
            return Verdict.PASS
        if user_id in self._warned:
            return Verdict.DROP
        self._warned.add(user_id)
        return Verdict.WARN

    def _sweep(self, now: float) -> None:
        """Forget people who have been quiet for a whole window, so the table stays small."""
        if now - self._last_sweep < self.window:
            return
        self._last_sweep = now
        for user_id in [u for u, s in self._seen.items() if not s or now - s[-1] >= self.window]:
            del self._seen[user_id]
            self._warned.discard(user_id)

    def __len__(self) -> int:
        return len(self._seen)

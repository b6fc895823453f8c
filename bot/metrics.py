"""Prometheus counters of the running bot, in their own CollectorRegistry (so tests can make fresh ones).

Imports only prometheus_client; the Telegram adapter increments, bot/health.py serves them.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter("bot_updates_total", "Updates handled, by kind", ["kind"], registry=r)
        self.replies = Counter("bot_replies_sent_total", "Messages sent to people", registry=r)
        self.errors = Counter("bot_errors_total", "Errors while handling an update", registry=r)
        self.handoffs = Counter("bot_handoffs_total", "Conversations handed to a person", registry=r)
        self.matches = Counter(
            "bot_matches_total", "Free-text messages understood, by category", ["category"], registry=r
        )
        self.skipped_updates = Counter(
            "bot_updates_skipped_total", "Updates that could not be parsed and were skipped", registry=r
        )
        self.flood_drops = Counter("bot_flood_dropped_total", "Messages dropped by the flood limit", registry=r)
        self.followups = Counter(
            "bot_followups_total",
            "Check-ins and incident notices sent or not delivered",
            ["kind", "result"],
            registry=r,
        )

    def render(self) -> bytes:
        """The Prometheus text exposition of every counter."""
        return generate_latest(self.registry)

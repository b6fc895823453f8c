"""The per-person flood limit (bot/desk/flood.py): plain and clock-free."""

from __future__ import annotations

from bot.desk.flood import FloodGate, Verdict


def test_flood_gate_warns_once_then_drops_until_calm() -> None:
    gate = FloodGate(limit=10, window=10.0)
    verdicts = [gate.check(1, t * 0.1) for t in range(13)]
    assert verdicts[:10] == [Verdict.PASS] * 10
    assert verdicts[10:] == [Verdict.WARN, Verdict.DROP, Verdict.DROP]
    assert gate.check(2, 1.3) is Verdict.PASS  # someone else is not affected
    assert gate.check(1, 30.0) is Verdict.PASS  # calm again after a quiet window
    gate.check(3, 100.0)
    assert len(gate) == 1  # quiet people are forgotten

"""What a support team wants to know, computed from the store: conversations, resolution rates, step success,
unmatched messages, handoffs. Never imports telegram.
"""

from __future__ import annotations

from typing import Any

from bot.storage import Store


def collect_stats(store: Store, since: float = 0.0) -> dict[str, Any]:
    q = store.query
    outcome_counts = dict(q("SELECT kind, COUNT(*) FROM outcomes WHERE ts >= ? GROUP BY kind", [since]))
    conversations = q("SELECT COUNT(DISTINCT key) FROM turns WHERE ts >= ?", [since])[0][0]
    started = dict(
        q(
            "SELECT intent, COUNT(DISTINCT key) FROM outcomes WHERE ts >= ? AND kind = 'step' GROUP BY intent",
            [since],
        )
    )
    resolved = dict(
        q(
            "SELECT intent, COUNT(*) FROM outcomes WHERE ts >= ? AND kind = 'resolved' GROUP BY intent",
            [since],
        )
    )
    escalated = dict(
        q(
            "SELECT intent, COUNT(*) FROM outcomes WHERE ts >= ? AND kind = 'escalated' GROUP BY intent",
            [since],
        )
    )
    per_intent = {
        intent: {
            "conversations": n,
            "resolved": resolved.get(intent, 0),
            "escalated": escalated.get(intent, 0),
            "resolution_rate": resolved.get(intent, 0) / n if n else 0.0,
        }
        for intent, n in sorted(started.items(), key=lambda kv: -kv[1])
    }
    steps = q(
        "SELECT intent, step, SUM(detail = 'fixed'), COUNT(*) FROM outcomes WHERE ts >= ? AND kind = 'step' "
        "GROUP BY intent, step ORDER BY intent, step",
        [since],
    )
    unmatched = q(
        "SELECT text, COUNT(*) AS n FROM turns WHERE ts >= ? AND (category IS NULL OR category = 'none') "
        "AND intent IS NULL GROUP BY lower(text) ORDER BY n DESC LIMIT 15",
        [since],
    )
    handoffs = dict(q("SELECT status, COUNT(*) FROM handoffs WHERE opened >= ? GROUP BY status", [since]))
    total_started = sum(started.values())
    total_resolved = sum(resolved.values())
    return {
        "conversations": conversations,
        "outcomes": outcome_counts,
        "resolution_rate": total_resolved / total_started if total_started else 0.0,
        "per_intent": per_intent,
        "steps": [
            {"intent": i, "step": s + 1, "fixed": f, "tried": n, "success_rate": f / n if n else 0.0}
            for i, s, f, n in steps
        ],
        "unmatched": [{"text": t, "count": n} for t, n in unmatched],
        "handoffs": {"open": handoffs.get("open", 0), "closed": handoffs.get("closed", 0)},
    }


def format_stats(stats: dict[str, Any]) -> str:
    out = [
        f"Conversations: {stats['conversations']}",
        f"Resolved by the bot: {stats['outcomes'].get('resolved', 0)}  escalated: "
        f"{stats['outcomes'].get('escalated', 0)}  abandoned: {stats['outcomes'].get('abandoned', 0)}  "
        f"out of scope: {stats['outcomes'].get('out_of_scope', 0)}",
        f"Resolution rate (of troubleshooting started): {stats['resolution_rate']:.0%}",
        f"Handoffs: {stats['handoffs']['open']} open, {stats['handoffs']['closed']} closed",
    ]
    if stats["per_intent"]:
        out.append("\nPer intent (conversations, resolved, rate):")
        out.extend(
            f"  {name:<24} {v['conversations']:>4} {v['resolved']:>4} {v['resolution_rate']:>5.0%}"
            for name, v in stats["per_intent"].items()
        )
    if stats["steps"]:
        out.append("\nPer step (fixed / tried):")
        out.extend(
            f"  {s['intent']:<24} step {s['step']}: {s['fixed']}/{s['tried']} ({s['success_rate']:.0%})"
            for s in stats["steps"]
        )
    if stats["unmatched"]:
        out.append("\nMost frequent unmatched messages (add them as phrases?):")
        out.extend(f"  {u['count']:>3} x {u['text'][:80]}" for u in stats["unmatched"])
    return "\n".join(out)

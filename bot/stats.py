"""What a support team wants to know: conversations, resolution rates, step success, unmatched messages,
handoffs. The rows come from bot/storage/reports.py; this module only counts and formats. Never imports
telegram or SQL.
"""

from __future__ import annotations

from typing import Any

from bot.storage.reports import SqliteReports as Reports

# one outcome per conversation, the first that applies
CONVERSATION_OUTCOMES = ("resolved", "escalated", "abandoned", "out_of_scope", "other")


def _conversation_outcomes(reports: Reports, since: float, now: float | None, ttl: float | None) -> dict[str, int]:
    """Each conversation (a key with a turn, an outcome or session activity since `since`) counted once:
    resolved by the bot; else escalated (steps ran out, or handed to a person); else abandoned (left a problem
    half way: said so by a later message, or its session idle past the TTL while a question was pending);
    else out of scope; else other (small talk, or still under way). A conversation left at the menu without
    a problem counts as abandoned unless it was out of scope."""
    keys: dict[str, set[str]] = {}
    for key, kind in reports.outcome_kinds_by_key(since):
        keys.setdefault(key, set()).add(kind)
    for key in reports.keys_with_turns(since):
        keys.setdefault(key, set())
    stale_cut = now - ttl if now is not None and ttl is not None else None
    for key, state, intent, updated in reports.sessions_active(since):
        kinds = keys.setdefault(key, set())
        if stale_cut is not None and state not in (None, "idle") and updated < stale_cut:
            kinds.add("stale_intent" if intent else "stale")
    counts = dict.fromkeys(CONVERSATION_OUTCOMES, 0)
    for kinds in keys.values():
        if "resolved" in kinds:
            counts["resolved"] += 1
        elif kinds & {"escalated", "handoff"}:
            counts["escalated"] += 1
        elif kinds & {"abandoned", "stale_intent"}:
            counts["abandoned"] += 1
        elif "out_of_scope" in kinds:
            counts["out_of_scope"] += 1
        elif "stale" in kinds:
            counts["abandoned"] += 1
        else:
            counts["other"] += 1
    return counts


def collect_stats(
    reports: Reports, since: float = 0.0, *, now: float | None = None, ttl: float | None = None
) -> dict[str, Any]:
    """The figures since `since`. With `now` and `ttl` (seconds), a session idle past the TTL with a question
    pending counts as abandoned even if the person never came back (the engine only notices on their return).
    """
    outcome_counts = reports.outcome_counts(since)
    per_conversation = _conversation_outcomes(reports, since, now, ttl)
    conversations = sum(per_conversation.values())
    started = reports.conversations_by_intent(since, "step")
    resolved = reports.conversations_by_intent(since, "resolved")
    escalated = reports.conversations_by_intent(since, "escalated")
    per_intent = {
        intent: {
            "conversations": n,
            "resolved": resolved.get(intent, 0),
            "escalated": escalated.get(intent, 0),
            "resolution_rate": resolved.get(intent, 0) / n if n else 0.0,
        }
        for intent, n in sorted(started.items(), key=lambda kv: (-kv[1], kv[0]))
    }
    resolved_at = reports.resolved_at_step(since)
    steps = reports.step_results(since)
    unmatched = reports.unmatched(since)
    still_open, closed = reports.cases(since)
    checkins_sent, checkins_answered, checkins_resolved = reports.checkins(since)
    total_started = sum(started.values())
    total_resolved = sum(v["resolved"] for v in per_intent.values())
    return {
        "conversations": conversations,
        "per_conversation": per_conversation,
        "outcomes": outcome_counts,
        "resolved_at_step": {int(step) + 1: n for step, n in resolved_at},
        "resolution_rate": total_resolved / total_started if total_started else 0.0,
        "per_intent": per_intent,
        "steps": [
            {"intent": i, "step": s + 1, "fixed": f, "tried": n, "success_rate": f / n if n else 0.0}
            for i, s, f, n in steps
        ],
        "unmatched": [{"text": t, "count": n} for t, n in unmatched],
        "handoffs": {"open": still_open, "closed": closed},
        "checkins": {"sent": checkins_sent, "answered": checkins_answered, "resolved": checkins_resolved},
    }


def format_stats(stats: dict[str, Any]) -> str:
    outcomes = stats["per_conversation"]
    at_step = ", ".join(f"step {step}: {n}" for step, n in stats["resolved_at_step"].items())
    out = [
        f"Conversations: {stats['conversations']}",
        f"Resolved by the bot: {outcomes['resolved']}" + (f" ({at_step})" if at_step else ""),
        f"Escalated: {outcomes['escalated']}",
        f"Abandoned: {outcomes['abandoned']}",
        f"Out of scope: {outcomes['out_of_scope']}",
        f"Other (small talk, under way): {outcomes['other']}",
        f"Resolution rate (of troubleshooting started): {stats['resolution_rate']:.0%}",
        f"Handoffs: {stats['handoffs']['open']} open, {stats['handoffs']['closed']} closed",
        "Check-ins: {sent} sent, {answered} answered, {resolved} resolved through one".format(**stats["checkins"]),
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


def report(header: str, reports: Reports, *, days: int, now: float, ttl: float) -> str:
    """The support team's report over the last `days` days, as /stats and `python -m bot stats` show it."""
    return header + "\n" + format_stats(collect_stats(reports, since=now - days * 86400, now=now, ttl=ttl))

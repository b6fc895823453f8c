"""An intent's fix steps for one person: which apply, how they read, which they already did, how it ends.

Imports only the standard library and the engine's own modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.engine.content import step_applies
from bot.engine.facts import hardware_evidence
from bot.engine.model import Catalog, Intent, Session, Step

FALLBACK_ESCALATION = "apple_support"


def applicable(intent: Intent, slots: Mapping[str, str]) -> list[Step]:
    return [s for s in intent.steps if step_applies(s, slots)]


def already_done(step: Step, done: Sequence[str]) -> bool:
    """The person said they did everything this step amounts to."""
    return bool(step.tries) and all(t in done for t in step.tries)


def render(catalog: Catalog, intent: Intent, session: Session) -> str:
    steps = applicable(intent, session.slots)
    step = steps[min(session.step, len(steps) - 1)]
    values = {}
    for name, holder in catalog.placeholders.items():
        slot_value = session.slots.get(holder.slot, "not_sure")
        values[name] = holder.values.get(slot_value) or holder.values.get("not_sure", "")
    t = catalog.text
    parts = [f"{t('step_header', n=str(session.step + 1), total=str(len(steps)))} {step.text.format(**values)}"]
    if step.warning:
        parts.append(f"{t('warning_prefix')} {step.warning.format(**values)}")
    return "\n\n".join(parts)


def escalation(catalog: Catalog, intent: Intent, facts: Mapping[str, float]) -> str:
    """The escalation that fits the evidence. A repair is booked only for a hardware cause; a cable or port
    problem without any hardware clue stated (water, a drop, a damaged port) goes to Apple Support, which
    can test it, instead of sending the person straight to a repair."""
    key = intent.escalation
    if key == "hardware_repair" and intent.id == "cable_or_port" and not hardware_evidence(facts):
        key = FALLBACK_ESCALATION
    return catalog.escalations.get(key, "")

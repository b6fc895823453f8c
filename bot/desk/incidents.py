"""Incidents: the support team announces a known outage; conversations it covers open with their text.

`/incident CATEGORY-OR-INTENT TEXT` (in the operator chat; the front-end refuses it anywhere else) starts one,
`/incident off CATEGORY-OR-INTENT` ends it, `/incident` lists the active ones. While one is active, a turn
that reaches a diagnosis under it (the intent, or any intent of the category) opens with a `Banner`: the
operators' text and a "Tell me when it's fixed" button; the steps follow as usual. Ending it hands back a
`Notify` for the front-end, which tells every subscriber (each claimed first: nobody is told twice, also
when a restart finishes the job). No telegram, click or SQL: incidents are a port (bot/desk/ports.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.desk.ports import Incident, Incidents, Subscriber, Where
from bot.engine.model import CATEGORIES, Button, Catalog, Choice, Event, Reply, Session

SUBSCRIBE = "inc:"  # button data: "inc:<incident id>" (no question number: it never goes stale)


@dataclass(frozen=True, slots=True)
class Banner:
    """Effect: a message sent before the reply, with a button of its own."""

    text: str
    button: Button


@dataclass(frozen=True, slots=True)
class Notify:
    """Effect of ending an incident: tell its subscribers (paced by the front-end's rate limiter)."""

    incident_id: int
    subscribers: int


@dataclass(frozen=True, slots=True)
class Notice:
    """One subscriber to tell, already claimed."""

    subscriber: Subscriber
    where: Where
    reply: Reply


class IncidentDesk:
    """The desk's side of incidents; one instance serves every conversation and the operator chat."""

    def __init__(self, catalog: Catalog, incidents: Incidents) -> None:
        self.catalog = catalog
        self.incidents = incidents

    # ------------------------------------------------------------ the operator command

    def command(self, args: str, now: float) -> tuple[str, Notify | None]:
        """`/incident ...` from an operator: the answer for the operator chat, and whom to tell (on `off`)."""
        t = self.catalog.text
        words = args.split(maxsplit=1)
        if not words:
            active = self.incidents.active()
            if not active:
                return t("incident_none"), None
            lines = "\n".join(f"- {i.target}: {i.text}" for i in active)
            return t("incident_list", incidents=lines), None
        if words[0].lower() == "off":
            target = words[1].strip().lower() if len(words) > 1 else ""
            if not target:
                return t("incident_usage"), None
            ended = self.incidents.end(target, now)
            if ended is None:
                return self.command("", now)[0], None  # nothing to end: what is active
            count = len(self.incidents.unnotified(ended.id))
            return t("incident_ended", target=target, count=str(count)), Notify(ended.id, count)
        target = words[0].lower()
        text = words[1].strip() if len(words) > 1 else ""
        if not text:
            return t("incident_usage"), None
        if not self._known(target):
            return t("incident_unknown", target=target), None
        self.incidents.start(target, text, now)
        return t("incident_started", target=target), None

    def _known(self, target: str) -> bool:
        intent = self.catalog.intents.get(target)
        return target in CATEGORIES or (intent is not None and intent.kind == "cause")

    # ------------------------------------------------------------ conversations

    def covering(self, intent_id: str | None) -> Incident | None:
        """The active incident a diagnosis falls under: the intent's own first, else its category's."""
        intent = self.catalog.intents.get(intent_id or "")
        if intent is None:
            return None
        active = self.incidents.active()
        for target in (intent.id, intent.category):
            found = [i for i in active if i.target == target]
            if found:
                return found[-1]
        return None

    def banner(self, before: Session, after: Session) -> Banner | None:
        """A turn that reaches a diagnosis under an active incident opens with the operators' text."""
        if after.intent is None or after.intent == before.intent:
            return None
        incident = self.covering(after.intent)
        if incident is None:
            return None
        t = self.catalog.text
        return Banner(
            t("incident_banner", text=incident.text), Button(f"{SUBSCRIBE}{incident.id}", t("incident_subscribe"))
        )

    def intercept(self, where: Where, event: Event, now: float) -> Reply | None:
        """ "Tell me when it's fixed": subscribe the conversation; None for any other event."""
        if not isinstance(event, Choice) or not event.data.startswith(SUBSCRIBE):
            return None
        t = self.catalog.text
        chosen = t("incident_subscribe")
        try:
            incident = self.incidents.get(int(event.data[len(SUBSCRIBE) :]))
        except ValueError:
            incident = None
        if incident is None or not incident.active or where.user_id is None:
            return Reply((t("incident_already_fixed"),), chosen=chosen)
        self.incidents.subscribe(
            incident.id,
            key=where.key,
            user_id=where.user_id,
            chat_id=where.chat_id or 0,
            thread_id=where.thread_id,
            now=now,
        )
        return Reply((t("incident_subscribed"),), chosen=chosen)

    # ------------------------------------------------------------ the end of an incident

    def notices(self, incident_id: int, now: float) -> Iterator[Notice]:
        """Each subscriber still to tell, claimed one at a time just before it is handed out."""
        text = self.catalog.text("incident_fixed")
        for sub in self.incidents.unnotified(incident_id):
            if self.incidents.claim_notice(incident_id, sub.key, now):
                where = Where(sub.key, sub.user_id, sub.chat_id, sub.thread_id, sub.chat_id > 0)
                yield Notice(sub, where, Reply((text,)))

    def unfinished(self) -> list[int]:
        """Ended incidents with subscribers not told yet (a restart carries on)."""
        return self.incidents.ended_with_unnotified()

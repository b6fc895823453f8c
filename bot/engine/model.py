"""Value types of the engine: the content catalog, sessions, events and replies.

Frozen dataclasses only; no behaviour beyond (de)serialising a session. Imports only the standard library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypedDict, Unpack

CATEGORIES = ("storage", "network", "software", "account", "hardware", "encryption")
Category = Literal["storage", "network", "software", "account", "hardware", "encryption", "general", "none"]
Route = Literal["icloud", "computer", "both"]
Kind = Literal["cause", "general", "greeting", "thanks", "bye", "human", "confused", "out_of_scope"]


@dataclass(frozen=True, slots=True)
class Option:
    """One answer of a slot question."""

    value: str
    label: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Question:
    """A slot question ("Which iOS version?") asked before an intent's steps when the slot is unknown."""

    slot: str
    text: str
    options: tuple[Option, ...]

    def values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A `{name}` in step text that expands to one text per value of a slot."""

    name: str
    slot: str
    values: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Step:
    text: str
    source: str
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    warning: str | None = None
    check: bool = False  # the step only looks something up: "Done?" instead of "Did that fix it?"
    tries: tuple[str, ...] = ()  # what doing the step amounts to (TRIES): skipped when the person already did it
    checkin: bool = False  # its result takes time (a backup to finish): the desk offers "Check back with me"


@dataclass(frozen=True, slots=True)
class Intent:
    id: str
    category: Category
    title: str
    phrases: tuple[str, ...]
    kind: Kind = "cause"
    keywords: tuple[str, ...] = ()
    alerts: tuple[str, ...] = ()
    source: str = ""
    route: Route = "both"
    needs: tuple[str, ...] = ()
    intro: str = ""
    escalation: str = ""
    steps: tuple[Step, ...] = ()
    start: str = ""  # general intents: the triage node they open
    reply: str = ""  # out-of-scope intents: the honest answer
    requires: tuple[str, ...] = ()  # eligible only when one of these terms is in the message


@dataclass(frozen=True, slots=True)
class TriageOption:
    label: str
    goto: str  # a triage node id or an intent id
    set: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TriageNode:
    id: str
    text: str
    options: tuple[TriageOption, ...]


@dataclass(frozen=True, slots=True)
class Catalog:
    intents: Mapping[str, Intent]
    questions: Mapping[str, Question]
    placeholders: Mapping[str, Placeholder]
    escalations: Mapping[str, str]
    triage: Mapping[str, TriageNode]
    texts: Mapping[str, str]
    tries: Mapping[str, str] = field(default_factory=dict)  # what each TRIES value reads as ("another cable")

    def text(self, key: str, **values: str) -> str:
        template = self.texts[key]
        return template.format(**values) if values else template


# ---------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class Text:
    """Free text typed by the person."""

    text: str


@dataclass(frozen=True, slots=True)
class Choice:
    """A button press: the opaque `data` of an option the engine offered (Telegram callback_data)."""

    data: str


@dataclass(frozen=True, slots=True)
class Command:
    """/start, /help, /reset, /forget, /human; `arg` is the deep-link payload of /start."""

    name: str
    arg: str = ""


@dataclass(frozen=True, slots=True)
class HandoffClosed:
    """The support team closed the person's case (sent by the adapter; no person can type it)."""


Event = Text | Choice | Command | HandoffClosed


# ---------------------------------------------------------------- replies


@dataclass(frozen=True, slots=True)
class Button:
    data: str  # at most 64 bytes: fits Telegram's callback_data
    label: str


@dataclass(frozen=True, slots=True)
class Match:
    """What a free-text message was understood as."""

    intent: str | None
    category: Category
    score: float
    ambiguous: tuple[str, ...] = ()  # runner-up intents too close to call


@dataclass(frozen=True, slots=True)
class Outcome:
    """Something a support team wants counted: a step's result, a resolution, an escalation, ..."""

    kind: Literal["step", "resolved", "escalated", "abandoned", "out_of_scope", "feedback", "handoff"]
    intent: str | None = None
    step: int | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    messages: tuple[str, ...]
    buttons: tuple[Button, ...] = ()  # attached to the last message
    chosen: str | None = None  # label of the pressed option, so an adapter can mark the old question answered
    match: Match | None = None
    outcomes: tuple[Outcome, ...] = ()
    handoff: bool = False  # the person asked for (or accepted) a human
    forget: bool = False  # the person asked to delete their data

    @property
    def text(self) -> str:
        return "\n\n".join(self.messages)


# ---------------------------------------------------------------- session

State = Literal["idle", "slot", "triage", "step", "disambiguate", "confirm", "feedback", "offer_human", "handoff"]
STATES: tuple[State, ...] = (
    "idle",
    "slot",
    "triage",
    "step",
    "disambiguate",
    "confirm",
    "feedback",
    "offer_human",
    "handoff",
)


class SessionChanges(TypedDict, total=False):
    """The fields `Session.evolve` accepts, typed so mypy checks every state value and field name."""

    state: State
    intent: str | None
    node: str | None
    step: int
    slots: Mapping[str, str]
    candidates: tuple[str, ...]
    seq: int
    misses: int
    tried: tuple[tuple[int, str], ...]
    words: tuple[str, ...]
    facts: Mapping[str, float]
    done: tuple[str, ...]
    started: float
    last_active: float


@dataclass(frozen=True, slots=True)
class Session:
    """One conversation's state. Plain data: serialised to JSON by the store after every turn."""

    state: State = "idle"
    intent: str | None = None
    node: str | None = None  # the pending slot name or triage node id
    step: int = 0  # index into the intent's steps as filtered by the slots
    slots: Mapping[str, str] = field(default_factory=dict)
    candidates: tuple[str, ...] = ()  # intents offered by "did you mean"
    seq: int = 0  # numbers each question; a button from an older question is stale
    misses: int = 0
    tried: tuple[tuple[int, str], ...] = ()  # (step index, result) of the current intent
    words: tuple[str, ...] = ()  # the person's own description, for a human's summary
    facts: Mapping[str, float] = field(default_factory=dict)  # quantities stated (engine/facts.py), whole talk
    done: tuple[str, ...] = ()  # what the person says they already did (content's TRIES vocabulary)
    started: float = 0.0
    last_active: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "intent": self.intent,
            "node": self.node,
            "step": self.step,
            "slots": dict(self.slots),
            "candidates": list(self.candidates),
            "seq": self.seq,
            "misses": self.misses,
            "tried": [list(t) for t in self.tried],
            "words": list(self.words),
            "facts": dict(self.facts),
            "done": list(self.done),
            "started": self.started,
            "last_active": self.last_active,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Session:
        state = data.get("state", "idle")
        return cls(
            state=state if state in STATES else "idle",
            intent=data.get("intent"),
            node=data.get("node"),
            step=int(data.get("step", 0)),
            slots=dict(data.get("slots", {})),
            candidates=tuple(data.get("candidates", ())),
            seq=int(data.get("seq", 0)),
            misses=int(data.get("misses", 0)),
            tried=tuple((int(i), str(r)) for i, r in data.get("tried", ())),
            words=tuple(data.get("words", ())),
            facts={str(k): float(v) for k, v in dict(data.get("facts", {})).items()},
            done=tuple(str(d) for d in data.get("done", ())),
            started=float(data.get("started", 0.0)),
            last_active=float(data.get("last_active", 0.0)),
        )

    def evolve(self, **changes: Unpack[SessionChanges]) -> Session:
        return replace(self, **changes)

"""The desk's edges: small Protocols for what a turn needs from storage and from the support team's chat.

bot/storage/ implements the storage ports with SQLite, bot/desk/memory.py with dicts (for tests and
`chat --memory`), bot/tg/operators.py implements the operator chat with python-telegram-bot. One contract
test (tests/desk/test_ports.py) runs every implementation. Imports only the engine's values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from bot.engine.model import Match, Outcome, Session
from bot.vision.model import Limits, Reading


@dataclass(frozen=True, slots=True)
class Handoff:
    """A case: one person's conversation handed to the support team. `id` is the number operators see."""

    id: int
    key: str  # the person's conversation
    user_id: int
    user_chat_id: int
    user_thread_id: int
    operator_chat_id: int
    operator_thread_id: int  # the forum topic of the case; 0 in a group without topics
    root_message_id: int  # the summary message: the thread's root
    status: str  # "open" or "closed"

    @property
    def open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True, slots=True)
class Person:
    """Who wrote: what the operator chat may show of them (no phone number, no username)."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a new case was posted in the operator chat: its forum topic (0: none) and its summary message."""

    thread_id: int
    root_message_id: int


@dataclass(frozen=True, slots=True)
class Where:
    """One conversation: whose, in which chat (and forum topic), and who is writing (when known)."""

    key: str
    user_id: int | None = None
    chat_id: int | None = None
    thread_id: int = 0
    private: bool = True
    person: Person | None = None
    update_id: int | None = None  # the Telegram update this turn answers: marked handled with the turn


@dataclass(frozen=True, slots=True)
class OperatorMessage:
    """What an operator said in a case's thread."""

    message_id: int
    text: str
    name: str | None  # the operator's first name; None when they post anonymously as the chat


class Sessions(Protocol):
    """Conversations, their turns and outcomes; and forgetting a person across every concern."""

    def load(self, key: str) -> Session: ...

    def record(
        self,
        key: str,
        session: Session,
        *,
        now: float,
        user_id: int | None = None,
        chat_id: int | None = None,
        text: str | None = None,
        match: Match | None = None,
        outcomes: Iterable[Outcome] = (),
        update_id: int | None = None,
    ) -> None:
        """Save the session and what happened in this turn, all or nothing; with `update_id`, that update
        is marked handled in the same transaction (Bookkeeping.seen)."""

    def forget_user(self, user_id: int) -> int:
        """Delete everything stored about a person (sessions, turns, cases, links ...); rows removed."""

    def forget_key(self, key: str) -> int:
        """Delete everything stored about one conversation; rows removed."""


class Cases(Protocol):
    """Handoff cases and the operator-chat messages that belong to each."""

    def open(
        self, key: str, *, user_id: int, user_chat_id: int, user_thread_id: int, operator_chat_id: int, now: float
    ) -> int:
        """A new open case; returns its number (1, 2, ...). Its place is set once posted."""

    def place(self, case_id: int, *, operator_thread_id: int, root_message_id: int) -> None: ...

    def add_message(self, case_id: int, message_id: int) -> None:
        """An operator-chat message of the case: a reply to it reaches the case's person."""

    def drop(self, case_id: int) -> None:
        """Remove a case that could not be posted, with its messages."""

    def get(self, case_id: int) -> Handoff | None: ...

    def open_of(self, key: str) -> Handoff | None:
        """The conversation's open case, if any (the newest, should there be several)."""

    def open_of_user(self, user_id: int) -> list[Handoff]: ...

    def by_topic(self, operator_chat_id: int, thread_id: int) -> Handoff | None: ...

    def by_message(self, operator_chat_id: int, message_id: int) -> Handoff | None: ...

    def close(self, case_id: int, now: float) -> bool:
        """Close an open case; False when it was not open (already closed, or gone)."""

    def note_forward(self, case_id: int) -> bool:
        """True the first time for a case: the person is told once that their messages go through."""


class Links(Protocol):
    """Continue-in-private tokens."""

    def add(self, token: str, key: str, user_id: int, now: float) -> None: ...

    def offered(self, key: str) -> bool:
        """Whether this conversation was already offered a link (used, expired or not)."""

    def use(self, token: str, user_id: int, *, now: float, max_age: float) -> str | None:
        """The conversation key a token carries, marking it used; None when unknown, used, expired or
        someone else's."""


class Bookkeeping(Protocol):
    """Plain facts about updates, people and groups."""

    def first_time(self, update_id: int, now: float) -> bool:
        """True the first time an update id is seen; False for a repeat."""

    def seen(self, update_id: int) -> bool:
        """Whether an update was handled already (by first_time, or with its turn by Sessions.record)."""

    def set_blocked(self, user_id: int, blocked: bool, now: float) -> None: ...

    def is_blocked(self, user_id: int) -> bool: ...

    def group_auto_answer(self, chat_id: int) -> bool: ...

    def set_group_auto_answer(self, chat_id: int, on: bool) -> None: ...


class Storage(Protocol):
    """Every storage port of one database (bot.storage.Store, bot.desk.memory.MemoryStore)."""

    @property
    def sessions(self) -> Sessions: ...

    @property
    def cases(self) -> Cases: ...

    @property
    def links(self) -> Links: ...

    @property
    def bookkeeping(self) -> Bookkeeping: ...

    @property
    def checkins(self) -> Checkins: ...

    @property
    def incidents(self) -> Incidents: ...

    def close(self) -> None: ...


class OperatorChat(Protocol):
    """The support team's chat. Methods that post return None when Telegram refused (the desk decides what
    the person is told then); wording and markup are the implementation's."""

    @property
    def chat_id(self) -> int: ...

    def is_operator_chat(self, chat_id: int) -> bool: ...

    async def post_case(self, case_id: int, person: Person, summary: str) -> Placed | None:
        """Post a new case's summary (in a topic of its own where the chat is a forum)."""

    async def post_message(self, case: Handoff, person: Person, text: str) -> int | None:
        """Relay a person's message into the case's thread; the posted message's id."""

    async def post_end(self, case: Handoff, *, by_operator: bool) -> int | None:
        """Say in the case's thread that it ended (closed by an operator, or left by the person)."""


# ---------------------------------------------------------------- follow-ups: check-ins and incidents


@dataclass(frozen=True, slots=True)
class Checkin:
    """A promise to write back to a person about the step they are trying (bot/desk/checkins.py).

    status: "scheduled" (waiting for `due`), "sent", "answered" or "cancelled"; only scheduled ones are sent.
    """

    id: int
    key: str  # the conversation
    user_id: int
    chat_id: int
    thread_id: int
    name: str  # the person's name, to mention them in a group
    seq: int  # the question (session.seq) it follows up on: a conversation that moved on is not asked
    round: int  # 1 for the first check-in of a step, up to the desk's limit
    due: float
    status: str
    answer: str | None = None  # "fixed", "failing", "later" or "other" (they wrote instead)


class Checkins(Protocol):
    """Check-ins: the database is the truth; a scheduler only wakes the desk up."""

    def add(
        self,
        key: str,
        *,
        user_id: int,
        chat_id: int,
        thread_id: int,
        name: str,
        seq: int,
        round: int,
        due: float,
        now: float,
    ) -> int:
        """A scheduled check-in; its id."""

    def get(self, checkin_id: int) -> Checkin | None: ...

    def scheduled(self) -> list[Checkin]:
        """Every check-in still to send, earliest first (re-armed at start)."""

    def cancel(self, key: str, now: float) -> int:
        """The conversation's scheduled check-ins are cancelled; how many."""

    def cancel_one(self, checkin_id: int, now: float) -> bool: ...

    def claim(self, checkin_id: int, now: float) -> Checkin | None:
        """Scheduled -> sent, at most once ever: the check-in to send now, or None (sent, cancelled, gone)."""

    def last_sent(self, key: str) -> Checkin | None:
        """The conversation's newest check-in that was sent (answered or not)."""

    def answer(self, checkin_id: int, answer: str, now: float) -> bool:
        """Record what a sent check-in was answered with (a later answer replaces an earlier one)."""


@dataclass(frozen=True, slots=True)
class Incident:
    """A known outage the support team announced: conversations under `target` open with its text."""

    id: int
    target: str  # a category ("network") or an intent id ("icloud_full")
    text: str
    started: float
    ended: float | None = None

    @property
    def active(self) -> bool:
        return self.ended is None


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A person who asked to be told when an incident is fixed."""

    incident_id: int
    key: str
    user_id: int
    chat_id: int
    thread_id: int


class Incidents(Protocol):
    """Incidents and who asked to hear when each ends."""

    def start(self, target: str, text: str, now: float) -> Incident:
        """A new active incident; an active one for the same target keeps its subscribers and gets the text."""

    def end(self, target: str, now: float) -> Incident | None:
        """End the target's active incident; None when there was none."""

    def active(self) -> list[Incident]: ...

    def get(self, incident_id: int) -> Incident | None: ...

    def subscribe(self, incident_id: int, *, key: str, user_id: int, chat_id: int, thread_id: int, now: float) -> bool:
        """True when newly subscribed to an active incident (False: already, or it ended)."""

    def unnotified(self, incident_id: int) -> list[Subscriber]:
        """Subscribers of an ended incident not told yet."""

    def ended_with_unnotified(self) -> list[int]:
        """Ended incidents someone still has to be told about (a restart finishes the notifying)."""

    def claim_notice(self, incident_id: int, key: str, now: float) -> bool:
        """Mark a subscriber told, at most once: True when this call did it."""


class ImageReader(Protocol):
    """Reads the words in a picture: bot/vision/worker.py `Reader` (OCR in its worker process)."""

    limits: Limits

    @property
    def available(self) -> bool: ...

    async def start(self) -> None: ...

    async def read(self, data: bytes) -> Reading:
        """The words, or raises bot.vision.model.Unreadable."""
        ...

    def close(self) -> None: ...

"""In-memory twins of every port (bot/desk/ports.py), for fast tests and front-ends that keep nothing.

They behave as bot/storage/ does; tests/desk/test_ports.py runs the same contract against both. Imports only
the standard library and the desk's and engine's values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from bot.desk.ports import Checkin, Handoff, Incident, Person, Placed, Subscriber
from bot.engine.model import Match, Outcome, Session
from bot.vision.model import Limits, Reading, Unreadable
from bot.vision.redact import redact


@dataclass(slots=True)
class Row:
    """A turn or outcome as kept in memory: whose, when, and what."""

    key: str
    user_id: int | None
    ts: float
    what: object


@dataclass(slots=True)
class _Link:
    key: str
    user_id: int
    created: float
    used: float | None = None


class MemoryCases:
    def __init__(self) -> None:
        self.rows: dict[int, Handoff] = {}
        self.messages: dict[tuple[int, int], int] = {}  # (operator chat, message id) -> case
        self.noted: set[int] = set()
        self._next = 1

    def open(
        self, key: str, *, user_id: int, user_chat_id: int, user_thread_id: int, operator_chat_id: int, now: float
    ) -> int:
        number, self._next = self._next, self._next + 1
        self.rows[number] = Handoff(number, key, user_id, user_chat_id, user_thread_id, operator_chat_id, 0, 0, "open")
        return number

    def place(self, case_id: int, *, operator_thread_id: int, root_message_id: int) -> None:
        case = self.rows.get(case_id)
        if case is not None:
            self.rows[case_id] = replace(case, operator_thread_id=operator_thread_id, root_message_id=root_message_id)
            self.add_message(case_id, root_message_id)

    def add_message(self, case_id: int, message_id: int) -> None:
        case = self.rows.get(case_id)
        if case is not None:
            self.messages.setdefault((case.operator_chat_id, message_id), case_id)

    def drop(self, case_id: int) -> None:
        self.rows.pop(case_id, None)
        self.noted.discard(case_id)
        for where in [w for w, c in self.messages.items() if c == case_id]:
            del self.messages[where]

    def get(self, case_id: int) -> Handoff | None:
        return self.rows.get(case_id)

    def open_of(self, key: str) -> Handoff | None:
        found = [c for c in self.rows.values() if c.key == key and c.open]
        return max(found, key=lambda c: c.id) if found else None

    def open_of_user(self, user_id: int) -> list[Handoff]:
        return sorted((c for c in self.rows.values() if c.user_id == user_id and c.open), key=lambda c: c.id)

    def by_topic(self, operator_chat_id: int, thread_id: int) -> Handoff | None:
        found = [
            c
            for c in self.rows.values()
            if c.operator_chat_id == operator_chat_id and c.operator_thread_id == thread_id
        ]
        return max(found, key=lambda c: c.id) if found else None

    def by_message(self, operator_chat_id: int, message_id: int) -> Handoff | None:
        case_id = self.messages.get((operator_chat_id, message_id))
        return self.rows.get(case_id) if case_id is not None else None

    def close(self, case_id: int, now: float) -> bool:
        case = self.rows.get(case_id)
        if case is None or not case.open:
            return False
        self.rows[case_id] = replace(case, status="closed")
        return True

    def note_forward(self, case_id: int) -> bool:
        if case_id not in self.rows or case_id in self.noted:
            return False
        self.noted.add(case_id)
        return True


class MemoryLinks:
    def __init__(self) -> None:
        self.rows: dict[str, _Link] = {}

    def add(self, token: str, key: str, user_id: int, now: float) -> None:
        self.rows[token] = _Link(key, user_id, now)

    def offered(self, key: str) -> bool:
        return any(link.key == key for link in self.rows.values())

    def use(self, token: str, user_id: int, *, now: float, max_age: float) -> str | None:
        link = self.rows.get(token)
        if link is None or link.user_id != user_id or link.used is not None or link.created < now - max_age:
            return None
        link.used = now
        return link.key


class MemorySessions:
    def __init__(self, cases: MemoryCases, links: MemoryLinks, handled: set[int] | None = None) -> None:
        self.handled = handled if handled is not None else set()  # update ids handled (shared with MemoryBookkeeping)
        self.rows: dict[str, tuple[Session, int | None]] = {}
        self.turns: list[Row] = []
        self.outcomes: list[Row] = []
        self._cases = cases
        self._links = links
        self.also_forget: list[Callable[[Callable[[str, int | None], bool]], int]] = []  # other concerns' rows

    def load(self, key: str) -> Session:
        found = self.rows.get(key)
        return found[0] if found else Session()

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
        added = [Row(key, user_id, now, o) for o in outcomes]  # read them all before changing anything
        if update_id is not None:
            self.handled.add(update_id)
        self.rows[key] = (session, user_id)
        if text is not None:
            self.turns.append(Row(key, user_id, now, (text, match)))
        self.outcomes.extend(added)

    def forget_user(self, user_id: int) -> int:
        return self._forget(lambda key, user: user == user_id)

    def forget_key(self, key: str) -> int:
        return self._forget(lambda k, user: k == key)

    def _forget(self, whose: Callable[[str, int | None], bool]) -> int:
        removed = 0
        for key in [k for k, (_, user) in self.rows.items() if whose(k, user)]:
            del self.rows[key]
            removed += 1
        for rows in (self.turns, self.outcomes):
            kept = [r for r in rows if not whose(r.key, r.user_id)]
            removed += len(rows) - len(kept)
            rows[:] = kept
        for case in [c for c in self._cases.rows.values() if whose(c.key, c.user_id)]:
            self._cases.drop(case.id)
            removed += 1
        for token in [t for t, link in self._links.rows.items() if whose(link.key, link.user_id)]:
            del self._links.rows[token]
            removed += 1
        for forgets in self.also_forget:
            removed += forgets(whose)
        return removed


class MemoryBookkeeping:
    def __init__(self) -> None:
        self.handled: set[int] = set()
        self.blocked: set[int] = set()
        self.auto_answer: set[int] = set()

    def first_time(self, update_id: int, now: float) -> bool:
        if update_id in self.handled:
            return False
        self.handled.add(update_id)
        return True

    def seen(self, update_id: int) -> bool:
        return update_id in self.handled

    def set_blocked(self, user_id: int, blocked: bool, now: float) -> None:
        (self.blocked.add if blocked else self.blocked.discard)(user_id)

    def is_blocked(self, user_id: int) -> bool:
        return user_id in self.blocked

    def group_auto_answer(self, chat_id: int) -> bool:
        return chat_id in self.auto_answer

    def set_group_auto_answer(self, chat_id: int, on: bool) -> None:
        (self.auto_answer.add if on else self.auto_answer.discard)(chat_id)


class MemoryCheckins:
    def __init__(self) -> None:
        self.rows: dict[int, Checkin] = {}
        self.sent_at: dict[int, float] = {}

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
        number = max(self.rows, default=0) + 1
        self.rows[number] = Checkin(number, key, user_id, chat_id, thread_id, name, seq, round, due, "scheduled")
        return number

    def get(self, checkin_id: int) -> Checkin | None:
        return self.rows.get(checkin_id)

    def scheduled(self) -> list[Checkin]:
        return sorted((c for c in self.rows.values() if c.status == "scheduled"), key=lambda c: (c.due, c.id))

    def cancel(self, key: str, now: float) -> int:
        found = [c for c in self.rows.values() if c.key == key and c.status == "scheduled"]
        for c in found:
            self.rows[c.id] = replace(c, status="cancelled")
        return len(found)

    def cancel_one(self, checkin_id: int, now: float) -> bool:
        found = self.rows.get(checkin_id)
        if found is None or found.status != "scheduled":
            return False
        self.rows[checkin_id] = replace(found, status="cancelled")
        return True

    def claim(self, checkin_id: int, now: float) -> Checkin | None:
        found = self.rows.get(checkin_id)
        if found is None or found.status != "scheduled":
            return None
        self.rows[checkin_id] = replace(found, status="sent")
        self.sent_at[checkin_id] = now
        return self.rows[checkin_id]

    def last_sent(self, key: str) -> Checkin | None:
        sent = [c for c in self.rows.values() if c.key == key and c.id in self.sent_at]
        return max(sent, key=lambda c: (self.sent_at[c.id], c.id)) if sent else None

    def answer(self, checkin_id: int, answer: str, now: float) -> bool:
        found = self.rows.get(checkin_id)
        if found is None or found.status not in ("sent", "answered"):
            return False
        self.rows[checkin_id] = replace(found, status="answered", answer=answer)
        return True

    def forget(self, whose: Callable[[str, int | None], bool]) -> int:
        gone = [i for i, c in self.rows.items() if whose(c.key, c.user_id)]
        for i in gone:
            del self.rows[i]
            self.sent_at.pop(i, None)
        return len(gone)


class MemoryIncidents:
    def __init__(self) -> None:
        self.rows: dict[int, Incident] = {}
        self.subscribers: dict[tuple[int, str], Subscriber] = {}
        self.notified: set[tuple[int, str]] = set()

    def start(self, target: str, text: str, now: float) -> Incident:
        current = self._active_of(target)
        if current is not None:
            self.rows[current.id] = replace(current, text=text)
            return self.rows[current.id]
        number = max(self.rows, default=0) + 1
        self.rows[number] = Incident(number, target, text, now)
        return self.rows[number]

    def end(self, target: str, now: float) -> Incident | None:
        current = self._active_of(target)
        if current is None:
            return None
        self.rows[current.id] = replace(current, ended=now)
        return self.rows[current.id]

    def active(self) -> list[Incident]:
        return sorted((i for i in self.rows.values() if i.active), key=lambda i: i.id)

    def get(self, incident_id: int) -> Incident | None:
        return self.rows.get(incident_id)

    def _active_of(self, target: str) -> Incident | None:
        found = [i for i in self.rows.values() if i.target == target and i.active]
        return max(found, key=lambda i: i.id) if found else None

    def subscribe(self, incident_id: int, *, key: str, user_id: int, chat_id: int, thread_id: int, now: float) -> bool:
        incident = self.rows.get(incident_id)
        if incident is None or not incident.active or (incident_id, key) in self.subscribers:
            return False
        self.subscribers[(incident_id, key)] = Subscriber(incident_id, key, user_id, chat_id, thread_id)
        return True

    def unnotified(self, incident_id: int) -> list[Subscriber]:
        incident = self.rows.get(incident_id)
        if incident is None or incident.active:
            return []
        return [s for k, s in self.subscribers.items() if k[0] == incident_id and k not in self.notified]

    def ended_with_unnotified(self) -> list[int]:
        return sorted({i for i in self.rows if self.unnotified(i)})

    def claim_notice(self, incident_id: int, key: str, now: float) -> bool:
        if (incident_id, key) not in self.subscribers or (incident_id, key) in self.notified:
            return False
        self.notified.add((incident_id, key))
        return True

    def forget(self, whose: Callable[[str, int | None], bool]) -> int:
        gone = [k for k, s in self.subscribers.items() if whose(s.key, s.user_id)]
        for k in gone:
            del self.subscribers[k]
            self.notified.discard(k)
        return len(gone)


class MemoryStore:
    """Every storage port, in memory; forgetting a person reaches every concern, as in the database."""

    def __init__(self) -> None:
        self.cases = MemoryCases()
        self.links = MemoryLinks()
        self.bookkeeping = MemoryBookkeeping()
        self.sessions = MemorySessions(self.cases, self.links, self.bookkeeping.handled)
        self.checkins = MemoryCheckins()
        self.incidents = MemoryIncidents()
        self.sessions.also_forget += [self.checkins.forget, self.incidents.forget]

    def close(self) -> None:
        """Nothing to release."""


@dataclass(slots=True)
class Posted:
    """A message the in-memory operator chat received."""

    kind: str  # "case", "message" or "end"
    case_id: int
    text: str
    message_id: int


@dataclass(slots=True)
class MemoryOperatorChat:
    """The support team's chat as a list of posts; `refuse` makes every post fail (Telegram said no)."""

    chat_id: int = -100
    refuse: bool = False
    forum: bool = False
    posts: list[Posted] = field(default_factory=list)

    def is_operator_chat(self, chat_id: int) -> bool:
        return chat_id == self.chat_id

    def _post(self, kind: str, case_id: int, text: str) -> int | None:
        if self.refuse:
            return None
        message_id = 1000 + len(self.posts)
        self.posts.append(Posted(kind, case_id, text, message_id))
        return message_id

    async def post_case(self, case_id: int, person: Person, summary: str) -> Placed | None:
        root = self._post("case", case_id, f"{person.name}\n{summary}")
        if root is None:
            return None
        return Placed(thread_id=500 + case_id if self.forum else 0, root_message_id=root)

    async def post_message(self, case: Handoff, person: Person, text: str) -> int | None:
        return self._post("message", case.id, text)

    async def post_end(self, case: Handoff, *, by_operator: bool) -> int | None:
        return self._post("end" if by_operator else "left", case.id, "")


class MemoryReader:
    """The picture reader's twin: an "image" is UTF-8 text, read back redacted as OCR's words would be.

    `confidence` is what OCR would report; `available=False` is a bot without the ocr extra.
    """

    def __init__(self, *, confidence: float = 0.99, available: bool = True, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.confidence = confidence
        self._available = available
        self.read_count = 0

    @property
    def available(self) -> bool:
        return self._available

    async def start(self) -> None:
        return None

    async def read(self, data: bytes) -> Reading:
        if not self._available:
            raise Unreadable("unavailable")
        if not data:
            raise Unreadable("empty")
        if len(data) > self.limits.max_bytes:
            raise Unreadable("too_big")
        try:
            text = redact(" ".join(data.decode("utf-8").split()))
        except UnicodeDecodeError:
            raise Unreadable("not_image") from None
        if not text:
            raise Unreadable("no_text")
        self.read_count += 1
        return Reading(text, self.confidence, (text,), 0, 0)

    def close(self) -> None:
        return None

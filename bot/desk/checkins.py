"""Check-ins: "Check back with me" on a step whose result takes time, and the question sent later.

A step marked `checkin = true` in content offers the extra option. Pressed, a check-in is stored (before the
answer is handed back) and the front-end's scheduler is asked to wake the desk at its time (a `Scheduled`
effect); the database is the truth, so a restarted bot re-arms what is stored. When it is due, `fire` claims
it (scheduled -> sent, at most once ever) and hands back the question: fixed, still failing, not yet.
Fixed and still failing are the engine's own step results ("fixed", and "not_fixed" or "next" on a check
step); not yet offers another check-in, at most `rounds` for one step.

Cancelled when the person acts first (writes, presses another button, /reset, /forget, a new problem), when
the conversation moved on or expired, and never sent to someone who blocked the bot. No telegram, click or
SQL: the check-ins are a port (bot/desk/ports.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.desk.ports import Bookkeeping, Checkin, Checkins, Person, Sessions, Where
from bot.engine.machine import Engine
from bot.engine.model import Button, Choice, Command, Event, Reply, Session, Text

OFFER = "checkin"  # the option's value, after the question number: "<seq>:checkin"
ANSWERS = {"ci_fixed": "fixed", "ci_failing": "failing", "ci_later": "later"}
ROUNDS = 3  # check-ins for one step at most


@dataclass(frozen=True, slots=True)
class Scheduled:
    """Effect: wake the desk at `due` for this check-in (the front-end's scheduler; a lost wake-up is re-armed
    at start from the database)."""

    checkin_id: int
    due: float


@dataclass(frozen=True, slots=True)
class Due:
    """A check-in to send now: where to (a group member's thread; mention `person`), and the question."""

    checkin: Checkin
    where: Where
    reply: Reply


@dataclass(frozen=True, slots=True)
class Intercepted:
    """What the check-ins made of an event before the engine: a reply of their own (`reply`, the session
    unchanged), or the event the engine should see, and the sent check-in it answers (if any)."""

    event: Event
    reply: Reply | None = None
    effects: tuple[Scheduled, ...] = ()
    answered: Checkin | None = None


def minutes_text(minutes: float) -> str:
    """30 -> "30", 0.5 -> "0.5"."""
    return f"{minutes:g}"


class CheckinDesk:
    """The desk's side of check-ins; one instance serves every conversation."""

    def __init__(
        self,
        engine: Engine,
        checkins: Checkins,
        sessions: Sessions,
        bookkeeping: Bookkeeping,
        *,
        minutes: float,
        rounds: int = ROUNDS,
    ) -> None:
        self.engine = engine
        self.catalog = engine.catalog
        self.checkins = checkins
        self.sessions = sessions
        self.bookkeeping = bookkeeping
        self.delay = minutes * 60.0
        self.minutes = minutes
        self.rounds = rounds
        self.enabled = minutes > 0  # CHECKIN_MINUTES=0: no check-ins at all

    # ------------------------------------------------------------ before the engine

    def intercept(self, where: Where, session: Session, event: Event, now: float) -> Intercepted:
        """The person acted: a waiting check-in is cancelled; a check-in's own buttons are read here."""
        if not self.enabled or where.user_id is None or not isinstance(event, Text | Choice | Command):
            return Intercepted(event)
        self.checkins.cancel(where.key, now)  # they wrote first: nobody needs to ask them any more
        last = self.checkins.last_sent(where.key)
        waiting = last if last is not None and last.status == "sent" and last.seq == session.seq else None
        step = self.engine.pending_step(session)
        if isinstance(event, Choice) and step is not None:
            seq, _, value = event.data.partition(":")
            if seq == str(session.seq) and value == OFFER and step.checkin and self._rounds_left(where, session):
                return self._schedule(where, session, now, chosen=self.catalog.text("checkin_offer"))
            if seq == str(session.seq) and value in ANSWERS and waiting is not None:
                return self._answer(where, session, waiting, ANSWERS[value], step.check, now)
        if waiting is not None:
            self.checkins.answer(waiting.id, "other", now)  # they wrote instead of pressing
            return Intercepted(event, answered=waiting)
        return Intercepted(event)

    def _answer(
        self, where: Where, session: Session, checkin: Checkin, answer: str, check: bool, now: float
    ) -> Intercepted:
        self.checkins.answer(checkin.id, answer, now)
        if answer == "fixed":
            return Intercepted(Choice(f"{session.seq}:fixed"), answered=checkin)
        if answer == "failing":
            return Intercepted(Choice(f"{session.seq}:{'next' if check else 'not_fixed'}"), answered=checkin)
        chosen = self.catalog.text("checkin_opt_later")
        if self._rounds_left(where, session):
            return self._schedule(where, session, now, chosen=chosen, answered=checkin)
        _, again = self.engine.present(session)
        reply = replace(again, messages=(self.catalog.text("checkin_last"), *again.messages), chosen=chosen)
        return Intercepted(Choice(""), reply=reply, answered=checkin)

    def _rounds_left(self, where: Where, session: Session) -> bool:
        last = self.checkins.last_sent(where.key)
        done = last.round if last is not None and last.seq == session.seq else 0
        return done < self.rounds

    def _schedule(
        self, where: Where, session: Session, now: float, *, chosen: str, answered: Checkin | None = None
    ) -> Intercepted:
        last = self.checkins.last_sent(where.key)
        round_ = last.round + 1 if last is not None and last.seq == session.seq else 1
        due = now + self.delay
        person = where.person
        checkin_id = self.checkins.add(
            where.key,
            user_id=where.user_id or 0,
            chat_id=where.chat_id or 0,
            thread_id=where.thread_id,
            name=person.name if person is not None else "",
            seq=session.seq,
            round=round_,
            due=due,
            now=now,
        )
        said = self.catalog.text("checkin_scheduled", minutes=minutes_text(self.minutes))
        reply = Reply((said,), chosen=chosen)
        return Intercepted(Choice(""), reply=reply, effects=(Scheduled(checkin_id, due),), answered=answered)

    # ------------------------------------------------------------ after the engine

    def offer(self, where: Where, session: Session, reply: Reply) -> Reply:
        """A step whose result takes time gets "Check back with me" beside its usual answers."""
        if not self.enabled or where.user_id is None or not reply.buttons:
            return reply
        step = self.engine.pending_step(session)
        prefix = f"{session.seq}:"
        if step is None or not step.checkin or not all(b.data.startswith(prefix) for b in reply.buttons):
            return reply
        if any(b.data == prefix + OFFER for b in reply.buttons) or not self._rounds_left(where, session):
            return reply
        button = Button(prefix + OFFER, self.catalog.text("checkin_offer"))
        return replace(reply, buttons=(*reply.buttons, button))

    def settle(self, answered: Checkin | None, reply: Reply, now: float) -> None:
        """A check-in answered by typing that fixed it counts as a resolution through the check-in."""
        if answered is not None and any(o.kind == "resolved" for o in reply.outcomes):
            self.checkins.answer(answered.id, "fixed", now)

    # ------------------------------------------------------------ when one is due

    def fire(self, checkin_id: int, now: float) -> Due | None:
        """The check-in to send now, claimed so it is never sent twice; None when it is not to be sent (already
        sent, cancelled, the conversation moved on or expired, the person blocked the bot)."""
        checkin = self.checkins.get(checkin_id)
        if checkin is None or checkin.status != "scheduled":
            return None
        session = self.sessions.load(checkin.key)
        moved_on = session.seq != checkin.seq or self.engine.pending_step(session) is None
        expired = bool(session.last_active) and now - session.last_active > self.engine.ttl
        if moved_on or expired or self.bookkeeping.is_blocked(checkin.user_id):
            self.checkins.cancel_one(checkin_id, now)
            return None
        claimed = self.checkins.claim(checkin_id, now)
        if claimed is None:
            return None
        t = self.catalog.text
        buttons = tuple(
            Button(f"{checkin.seq}:{value}", t(label))
            for value, label in (
                ("ci_fixed", "checkin_opt_fixed"),
                ("ci_failing", "checkin_opt_failing"),
                ("ci_later", "checkin_opt_later"),
            )
        )
        private = checkin.chat_id > 0
        person = Person(checkin.user_id, checkin.name) if checkin.name else None
        where = Where(checkin.key, checkin.user_id, checkin.chat_id, checkin.thread_id, private, person)
        return Due(claimed, where, Reply((t("checkin_question"),), buttons))

    def pending(self) -> list[Checkin]:
        """Every check-in still to send (a front-end arms them at start)."""
        return self.checkins.scheduled() if self.enabled else []

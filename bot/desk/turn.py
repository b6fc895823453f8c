"""One turn for every front-end: `Conversations.handle(where, event, now) -> Turn(reply, effects)`.

The console chat, `chat --jsonl` and Telegram all call exactly this: resume a continue-in-private link,
run the engine, record the turn (or forget the person), follow up on the conversation's handoff case, and
offer a group member the private chat. The session is recorded before the reply is handed back, so a
killed process never loses a conversation. No telegram, click or SQL: storage and the operator chat are
ports (bot/desk/ports.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.desk.admission import Admission, Gate
from bot.desk.cases import CaseDesk
from bot.desk.checkins import CheckinDesk, Scheduled
from bot.desk.continuation import Continuation, Link
from bot.desk.flood import FloodGate
from bot.desk.incidents import Banner, IncidentDesk
from bot.desk.pictures import REFUSALS, Picture, quoted, read_picture, unsure
from bot.desk.ports import Checkin, ImageReader, Storage, Where
from bot.engine.machine import Engine
from bot.engine.model import Command, Event, Reply, Session, Text
from bot.vision.model import Unreadable

# What a front-end does besides sending the reply: a continue-in-private link under it, a check-in to wake up
# for, an incident banner sent before it.
Effect = Link | Scheduled | Banner


@dataclass(frozen=True, slots=True)
class Turn:
    reply: Reply
    effects: tuple[Effect, ...] = ()
    session: Session = field(default_factory=Session)  # the conversation after it (machine front-ends report it)


class Conversations:
    """Every conversation of one bot; one instance serves every front-end's turns."""

    def __init__(
        self,
        engine: Engine,
        storage: Storage,
        *,
        cases: CaseDesk | None = None,
        links: Continuation | None = None,
        flood: FloodGate | None = None,
        max_input: int | None = None,
        checkins: CheckinDesk | None = None,
        incidents: IncidentDesk | None = None,
        reader: ImageReader | None = None,
    ) -> None:
        self.engine = engine
        self.storage = storage
        self.sessions = storage.sessions
        self.cases = cases
        self.links = links
        self.gate = Gate(engine, storage.sessions, storage.bookkeeping, flood if flood is not None else FloodGate())
        self.reader = reader  # reads pictures (bot/vision's worker); None: "I can't read pictures here"
        self.max_input = max_input  # characters of a message the engine reads; longer ones are cut (and said so)
        self.checkins = checkins
        self.incidents = incidents

    def arrive(self, where: Where, now: float) -> Admission | None:
        """The flood limit as an update arrives, before it waits: None lets it in (bot/desk/admission.py)."""
        return self.gate.arrive(where.user_id or 0, now)

    def admit(self, where: Where, update_id: int, now: float) -> Admission:
        """Whether an update let in by `arrive` becomes a turn (redelivery): see bot/desk/admission.py."""
        return self.gate.admit(where.key, where.user_id or 0, update_id, private=where.private, now=now)

    async def handle(self, where: Where, event: Event | Picture, now: float) -> Turn:
        if isinstance(event, Picture):
            return await self.picture(where, event, now)
        text = event.text if isinstance(event, Text) else None
        cut = text is not None and self.max_input is not None and len(text) > self.max_input
        if cut and text is not None:
            event = Text(text[: self.max_input])
        resumed = None
        if self.links is not None and where.private and where.user_id is not None:
            resumed = self.links.resume(event, where.user_id, now)
        before = self.sessions.load(where.key)
        answered = None
        if resumed is None:
            follow = self._follow_up(where, before, event, now)
            if isinstance(follow, Turn):
                return follow
            event, answered = follow
        session, reply = resumed or self.engine.respond(before, event, now)
        if reply.forget:
            await self.forget(where, now)
            return Turn(reply, (), session)
        effects: tuple[Effect, ...] = ()
        if self.checkins is not None:
            reply = self.checkins.offer(where, session, reply)
            self.checkins.settle(answered, reply, now)
        if self.incidents is not None:
            banner = self.incidents.banner(before, session)
            effects = (banner,) if banner is not None else ()
        self.sessions.record(
            where.key,
            session,
            now=now,
            user_id=where.user_id,
            chat_id=where.chat_id,
            text=text,
            match=reply.match,
            outcomes=reply.outcomes,
            update_id=where.update_id,
        )
        if self.cases is not None:
            reply = await self.cases.follow(where, session, reply, now)
        if cut:
            reply = replace(reply, messages=(self.engine.catalog.text("too_long"), *reply.messages))
        return self._offer_private(where, Turn(reply, effects, session), now)

    def _follow_up(
        self, where: Where, session: Session, event: Event, now: float
    ) -> Turn | tuple[Event, Checkin | None]:
        """Incident and check-in buttons answered by the desk itself (a Turn), or the event for the engine
        (a check-in's answer becomes the step's own) and the sent check-in it answers."""
        if self.incidents is not None:
            subscribed = self.incidents.intercept(where, event, now)
            if subscribed is not None:
                return Turn(subscribed, (), session)
        if self.checkins is None:
            return event, None
        seen = self.checkins.intercept(where, session, event, now)
        if seen.reply is not None:
            return Turn(seen.reply, seen.effects, session)
        return seen.event, seen.answered

    async def picture(self, where: Where, picture: Picture, now: float) -> Turn:
        """A picture's words go on as if typed, after "I can read: ..." (bot/desk/pictures.py)."""
        text = self.engine.catalog.text
        caption = picture.caption.strip()
        try:
            reading = await read_picture(self.reader, picture)
        except Unreadable as exc:
            refusal = text(REFUSALS[exc.reason])
            if not caption:
                return Turn(Reply((refusal,)), (), self.sessions.load(where.key))
            turn = await self.handle(where, Text(caption), now)  # the caption alone is what they said
            return replace(turn, reply=replace(turn.reply, messages=(text("image_caption_only"), *turn.reply.messages)))
        turn = await self.handle(where, Text(f"{caption} {reading.text}".strip()), now)
        said = [text("image_read", text=quoted(reading.text))]
        if unsure(reading, turn.reply.match):
            said.append(text("image_unsure"))
        return replace(turn, reply=replace(turn.reply, messages=(*said, *turn.reply.messages)))

    async def open(self, where: Where, now: float) -> Turn:
        """A front-end's first turn: a fresh conversation starts, one under way shows its pending question."""
        session = self.sessions.load(where.key)
        if session.state == "idle":
            return await self.handle(where, Command("start"), now)
        session, reply = self.engine.present(session)
        self.sessions.record(
            where.key, session, now=now, user_id=where.user_id, chat_id=where.chat_id, update_id=where.update_id
        )
        return Turn(reply, (), session)

    async def forget(self, where: Where, now: float) -> None:
        """/forget: the person's open cases are closed (operators told), then everything about them goes;
        without a person id (the console), everything about the conversation."""
        if where.user_id is None:
            self.sessions.forget_key(where.key)
            return
        if self.cases is not None:
            await self.cases.forget(where.user_id, now)
        self.sessions.forget_user(where.user_id)

    def _offer_private(self, where: Where, turn: Turn, now: float) -> Turn:
        """In a group, the first answer carries a link to continue in private (once per conversation)."""
        if where.private or where.user_id is None or self.links is None or not turn.reply.messages:
            return turn
        offer = self.links.offer(where.key, where.user_id, now)
        if offer is None:
            return turn
        note, link = offer
        return Turn(replace(turn.reply, messages=(*turn.reply.messages, note)), (*turn.effects, link), turn.session)

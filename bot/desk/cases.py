"""Handoff cases: the decisions around handing a conversation to the support team.

Opening a case when the engine hands over (and dropping it when it could not be posted), closing it when the
person leaves the handoff or asks to be forgotten, relaying messages both ways while it is open, and the
honest wording when no case could be posted. Markup and forum topics are the operator chat's
(bot/tg/operators.py). No telegram, click or SQL.
"""

from __future__ import annotations

from dataclasses import replace

from bot.desk.ports import Cases, Handoff, OperatorChat, OperatorMessage, Person, Where
from bot.engine.model import Catalog, Reply, Session
from bot.engine.summary import summarise


class CaseDesk:
    """The desk's side of handoffs; one instance serves every conversation."""

    def __init__(self, catalog: Catalog, cases: Cases, operators: OperatorChat, *, hide_names: bool) -> None:
        self.catalog = catalog
        self.cases = cases
        self.operators = operators
        self.hide_names = hide_names

    def open_case(self, key: str) -> Handoff | None:
        return self.cases.open_of(key)

    async def follow(self, where: Where, session: Session, reply: Reply, now: float) -> Reply:
        """Close the conversation's case when the person left the handoff (/start, /reset ...); open one when
        the engine handed the case over. Returns the reply to send: when no case could be posted, the person
        is told honestly that nobody is connected instead of being promised a person."""
        case = self.cases.open_of(where.key)
        if case is not None and session.state != "handoff":
            await self.close(case, now, by_operator=False)
            case = None
        if not reply.handoff or case is not None:
            return reply
        if where.person is not None and await self._open(where, where.person, session, now) is not None:
            return reply
        requested = self.catalog.text("human_requested")
        instead = (
            self.catalog.text("human_unavailable") if session.intent else self.catalog.escalations["apple_support"]
        )
        return replace(reply, messages=tuple(instead if m == requested else m for m in reply.messages))

    async def forget(self, user_id: int, now: float) -> None:
        """The person asked to be forgotten: close their open cases (telling the operators) first."""
        for case in self.cases.open_of_user(user_id):
            await self.close(case, now, by_operator=False)

    async def _open(self, where: Where, person: Person, session: Session, now: float) -> Handoff | None:
        number = self.cases.open(
            where.key,
            user_id=person.id,
            user_chat_id=where.chat_id or 0,
            user_thread_id=where.thread_id,
            operator_chat_id=self.operators.chat_id,
            now=now,
        )
        try:
            placed = await self.operators.post_case(number, person, summarise(self.catalog, session).text())
        except BaseException:  # a bug or a cancellation: no half-made case may swallow the person's messages
            self.cases.drop(number)
            raise
        if placed is None:
            self.cases.drop(number)
            return None
        self.cases.place(number, operator_thread_id=placed.thread_id, root_message_id=placed.root_message_id)
        return self.cases.get(number)

    async def forward(self, case: Handoff, person: Person, text: str) -> bool:
        """Post the person's message in the case's thread. True when the person should be told it was passed
        on (the first time for this case)."""
        posted = await self.operators.post_message(case, person, text)
        if posted is None:
            return False
        self.cases.add_message(case.id, posted)
        return self.cases.note_forward(case.id)

    def case_of(self, thread_id: int, replied_to: int | None) -> Handoff | None:
        """The case an operator-chat message belongs to: by its forum topic, or by the message it replies to."""
        if thread_id:
            case = self.cases.by_topic(self.operators.chat_id, thread_id)
            if case is not None:
                return case
        if replied_to is not None:
            return self.cases.by_message(self.operators.chat_id, replied_to)
        return None

    def relay(self, case: Handoff, message: OperatorMessage) -> str:
        """An operator's message as the person sees it; remembered, so a reply to it maps to the case too."""
        self.cases.add_message(case.id, message.message_id)
        if self.hide_names or message.name is None:
            return self.catalog.text("relay_from_team", text=message.text)
        return self.catalog.text("relay_from_operator", name=message.name, text=message.text)

    async def close(self, case: Handoff, now: float, *, by_operator: bool) -> bool:
        """Close an open case and say so in its thread; False when it was not open any more."""
        if not self.cases.close(case.id, now):
            return False
        posted = await self.operators.post_end(case, by_operator=by_operator)
        if posted is not None:
            self.cases.add_message(case.id, posted)
        return True

"""Human handoff: tickets in the support team's chat, and messages relayed both ways while one is open.

Owns the operator side: posting a case's summary (a forum topic per ticket when the operator chat is a forum,
otherwise a reply thread under the summary), mapping operator-chat messages back to their ticket, relaying a
person's messages there, and closing tickets. Operator-chat messages are HTML with every piece of
user-provided text escaped. Flow decisions stay in the engine; wording comes from the catalog.
"""

from __future__ import annotations

import html
import logging
from dataclasses import replace
from functools import partial

from telegram import Bot, Message, ReplyParameters, User
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.engine.model import Catalog, Reply, Session
from bot.engine.summary import summarise
from bot.storage import Handoff, Store
from bot.tg.conversation import thread_of
from bot.tg.delivery import Blocked, with_retry

log = logging.getLogger(__name__)
MAX_TOPIC_NAME = 128  # Telegram's limit for a forum topic's name
MAX_RELAYED = 3500  # characters of a person's message relayed to operators (the header fits beside it)
MAX_SUMMARY = 3500


def _escape(text: str) -> str:
    """Text as HTML that shows exactly that text (quotes need no escaping outside attributes)."""
    return html.escape(text, quote=False)


def _who(person: User) -> str:
    """The person's name as a link to their profile; no phone number, no username."""
    return f'<a href="tg://user?id={int(person.id)}">{_escape(person.full_name)}</a>'


class HandoffDesk:
    """The support team's side of handoffs; one instance serves every conversation."""

    def __init__(self, catalog: Catalog, store: Store, operator_chat_id: int, *, hide_names: bool) -> None:
        self.catalog = catalog
        self.store = store
        self.operator_chat_id = operator_chat_id
        self.hide_names = hide_names

    def is_operator_chat(self, chat_id: int) -> bool:
        """Operators are the members of the operator chat: anything said inside it comes from one."""
        return chat_id == self.operator_chat_id

    def open_ticket(self, key: str) -> Handoff | None:
        return self.store.open_handoff_of(key)

    # ------------------------------------------------------------ after an engine turn

    async def follow(
        self,
        bot: Bot,
        person: User | None,
        *,
        key: str,
        chat_id: int,
        thread_id: int,
        session: Session,
        reply: Reply,
        now: float,
    ) -> Reply:
        """Close the conversation's ticket when the person left the handoff (/start, /reset ...); open one when
        the engine handed the case over. Returns the reply to send: when no ticket could be posted, the person
        is told honestly that nobody is connected instead of being promised a person."""
        ticket = self.store.open_handoff_of(key)
        if ticket is not None and session.state != "handoff":
            await self.close(bot, ticket, now, by_operator=False)
            ticket = None
        if not reply.handoff or ticket is not None:
            return reply
        if person is not None and await self._open(bot, person, key, chat_id, thread_id, session, now):
            return reply
        requested = self.catalog.text("human_requested")
        instead = (
            self.catalog.text("human_unavailable") if session.intent else self.catalog.escalations["apple_support"]
        )
        return replace(reply, messages=tuple(instead if m == requested else m for m in reply.messages))

    async def forget(self, bot: Bot, user_id: int, now: float) -> None:
        """The person asked to be forgotten: close their open tickets (telling the operators) first."""
        for ticket in self.store.open_handoffs_of_user(user_id):
            await self.close(bot, ticket, now, by_operator=False)

    async def _open(
        self, bot: Bot, person: User, key: str, chat_id: int, thread_id: int, session: Session, now: float
    ) -> Handoff | None:
        number = self.store.open_handoff(
            key,
            user_id=person.id,
            user_chat_id=chat_id,
            user_thread_id=thread_id,
            operator_chat_id=self.operator_chat_id,
            now=now,
        )
        try:
            topic = await self._new_topic(bot, number, person)
            text = "\n\n".join(
                [
                    self._html("ticket_header", number=str(number), who=_who(person)),
                    _escape(summarise(self.catalog, session).text()[:MAX_SUMMARY]),
                    self._html("ticket_reply_hint"),
                ]
            )
            root = await self._post(bot, text, thread_id=topic, root=0)
        except (TelegramError, Blocked) as exc:
            log.warning("could not post case %s to the operator chat: %s", number, exc.__class__.__name__)
            self.store.drop_handoff(number)
            return None
        except BaseException:  # a bug or a cancellation: no half-made ticket may swallow the person's messages
            self.store.drop_handoff(number)
            raise
        self.store.place_handoff(number, operator_thread_id=topic, root_message_id=root)
        return self.store.handoff(number)

    async def _new_topic(self, bot: Bot, number: int, person: User) -> int:
        """A forum topic for the case when the operator chat is a forum; 0 (a reply thread) otherwise."""
        chat = await with_retry(partial(bot.get_chat, self.operator_chat_id), what="getChat")
        if not chat.is_forum:
            return 0
        name = self.catalog.text("ticket_header", number=str(number), who=person.full_name)[:MAX_TOPIC_NAME]
        try:
            topic = await with_retry(
                partial(bot.create_forum_topic, self.operator_chat_id, name), what="createForumTopic"
            )
        except TelegramError as exc:  # e.g. the bot lacks Manage Topics: a reply thread still works
            log.warning("could not create a forum topic: %s", exc.__class__.__name__)
            return 0
        return topic.message_thread_id

    # ------------------------------------------------------------ relaying

    async def forward(self, bot: Bot, ticket: Handoff, person: User, text: str) -> bool:
        """Post the person's message in the ticket's thread. True when the person should be told it was
        passed on (the first time for this ticket)."""
        header = self._html("ticket_header", number=str(ticket.id), who=_who(person))
        body = header + "\n" + _escape(text[:MAX_RELAYED])
        try:
            posted = await self._post(bot, body, thread_id=ticket.operator_thread_id, root=ticket.root_message_id)
        except (TelegramError, Blocked) as exc:
            log.warning("could not relay to case %s: %s", ticket.id, exc.__class__.__name__)
            return False
        self.store.add_handoff_message(ticket.id, posted)
        return self.store.note_forward(ticket.id)

    def ticket_of(self, message: Message) -> Handoff | None:
        """The ticket an operator-chat message belongs to: by its forum topic, or by the message it replies to."""
        thread = thread_of(message)
        if thread:
            ticket = self.store.handoff_by_topic(self.operator_chat_id, thread)
            if ticket is not None:
                return ticket
        replied = message.reply_to_message
        if replied is not None and not replied.forum_topic_created:
            return self.store.handoff_by_message(self.operator_chat_id, replied.message_id)
        return None

    def relay(self, ticket: Handoff, message: Message) -> str:
        """An operator's message as the person sees it (plain text: nothing to escape); remembered, so a reply
        to it maps to the ticket too."""
        self.store.add_handoff_message(ticket.id, message.message_id)
        operator = message.from_user
        anonymous = message.sender_chat is not None or operator is None
        text = message.text or message.caption or ""
        if self.hide_names or anonymous or operator is None:
            return self.catalog.text("relay_from_team", text=text)
        return self.catalog.text("relay_from_operator", name=operator.first_name, text=text)

    # ------------------------------------------------------------ closing

    async def close(self, bot: Bot, ticket: Handoff, now: float, *, by_operator: bool) -> bool:
        """Close an open ticket and say so in its thread; False when it was not open any more."""
        if not self.store.close_handoff(ticket.id, now):
            return False
        text = self._html("ticket_closed" if by_operator else "ticket_ended", number=str(ticket.id))
        try:
            posted = await self._post(bot, text, thread_id=ticket.operator_thread_id, root=ticket.root_message_id)
            self.store.add_handoff_message(ticket.id, posted)
        except (TelegramError, Blocked) as exc:
            log.warning("could not announce the end of case %s: %s", ticket.id, exc.__class__.__name__)
        return True

    # ------------------------------------------------------------ helpers

    def _html(self, key: str, **values: str) -> str:
        """A catalog text as HTML: the wording escaped, `values` inserted as given (escape them first)."""
        return _escape(self.catalog.texts[key]).format(**values)

    async def _post(self, bot: Bot, text: str, *, thread_id: int, root: int) -> int:
        """Send to the operator chat: into the ticket's topic, or as a reply to its summary."""
        reply_to = ReplyParameters(root, allow_sending_without_reply=True) if root and not thread_id else None
        sent = await with_retry(
            partial(
                bot.send_message,
                self.operator_chat_id,
                text,
                parse_mode=ParseMode.HTML,
                message_thread_id=thread_id or None,
                reply_parameters=reply_to,
            ),
            what="sendMessage",
        )
        return sent.message_id

"""Thin handlers: update -> event -> engine -> store -> render. No content strings, no flow logic.

The session is recorded before anything is sent, so a killed process never loses a conversation's state.
Groups: the bot answers only when addressed (a command, an @mention, a reply to it) unless the group's admins
switched auto-answer on; only the member who owns a conversation can press its buttons.
Handoff (bot/tg/handoff.py): while a person's ticket is open their messages go to the operator chat, and
operators' replies come back; in the operator chat only tickets, /close and /stats are handled.
Continue-in-private links: bot/tg/continuation.py.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from telegram import Bot, CallbackQuery, Chat, Message, MessageEntity, ReplyParameters, Update, User
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.engine.machine import Engine
from bot.engine.model import Choice, Command, Event, HandoffClosed, Reply, Text
from bot.metrics import Metrics
from bot.stats import report
from bot.storage import Handoff, Store
from bot.tg.continuation import Continuation
from bot.tg.conversation import conversation_key, thread_of
from bot.tg.delivery import Blocked, with_retry
from bot.tg.flood import FloodGate, Verdict
from bot.tg.handoff import HandoffDesk
from bot.tg.render import Link, mark_answered, render_reply

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
COMMANDS = ("start", "help", "reset", "forget", "human")
STATS_DAYS = 30
HANDLED_MEMORY = 20_000  # update ids remembered to tell a repeat from one an earlier process took on
MAX_INPUT = 2000  # characters of one message passed to the engine; longer ones are cut (and the person told)
MEDIA = (
    filters.PHOTO
    | filters.Sticker.ALL
    | filters.VOICE
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.AUDIO
    | filters.Document.ALL
    | filters.LOCATION
    | filters.VENUE
    | filters.CONTACT
    | filters.ANIMATION
    | filters.POLL
    | filters.Dice.ALL
)
CHATS = filters.ChatType.PRIVATE | filters.ChatType.GROUPS
NEW = filters.UpdateType.MESSAGE  # edited messages and channel posts are ignored


@dataclass(frozen=True, slots=True)
class Inbound:
    """Where an update came from and where its answer goes."""

    key: str
    user_id: int
    chat_id: int
    thread_id: int
    reply_to: int | None  # in groups: the member's message our answer replies to
    private: bool


def _inbound(chat: Chat, user_id: int, thread_id: int, reply_to: int | None) -> Inbound:
    private = chat.type == Chat.PRIVATE
    return Inbound(
        conversation_key(chat.id, thread_id, user_id),
        user_id,
        chat.id,
        thread_id,
        None if private else reply_to,
        private,
    )


def _person_of(ticket: Handoff) -> Inbound:
    """Where messages to a ticket's person go."""
    return Inbound(
        ticket.key, ticket.user_id, ticket.user_chat_id, ticket.user_thread_id, None, ticket.user_chat_id > 0
    )


def command_descriptions(text: str) -> list[tuple[str, str]]:
    """`name: description` lines of the `commands` text -> (name, description) pairs."""
    pairs = []
    for line in text.splitlines():
        name, sep, description = line.partition(":")
        if sep and name.strip() and description.strip():
            pairs.append((name.strip().lstrip("/"), description.strip()))
    return pairs


class Handlers:
    """The bot's handlers; one instance serves every conversation."""

    def __init__(
        self,
        engine: Engine,
        store: Store,
        metrics: Metrics,
        *,
        flood: FloodGate | None = None,
        clock: Callable[[], float] = time.time,
        desk: HandoffDesk | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.metrics = metrics
        self.flood = flood if flood is not None else FloodGate()
        self.clock = clock
        self.desk = desk
        self.links = Continuation(engine, store)
        self._handled_here: OrderedDict[int, None] = OrderedDict()  # update ids this process took on

    def register(self, app: Application) -> None:  # type: ignore[type-arg]  # any of PTB's six generics
        add = app.add_handler
        add(CommandHandler("autoanswer", self.on_autoanswer, filters=filters.ChatType.GROUPS & NEW))
        add(CommandHandler("close", self.on_close, filters=CHATS & NEW))
        add(CommandHandler("stats", self.on_stats, filters=CHATS & NEW))
        add(CommandHandler(COMMANDS, self.on_command, filters=CHATS & NEW))
        add(MessageHandler(filters.COMMAND & CHATS & NEW, self.on_other_command))
        add(MessageHandler(filters.TEXT & ~filters.COMMAND & CHATS & NEW, self.on_text))
        add(MessageHandler(MEDIA & CHATS & NEW, self.on_media))
        add(CallbackQueryHandler(self.on_button))
        app.add_error_handler(self.on_error)

    # ------------------------------------------------------------ handlers

    async def on_command(self, update: Update, context: Context) -> None:
        message = update.message
        if message is None or message.text is None or update.effective_user is None or self._operators(message):
            return
        name = message.text.split(maxsplit=1)[0][1:].partition("@")[0].lower()
        await self._turn(
            update, context.bot, self._from_message(message, update), Command(name, " ".join(context.args or []))
        )

    async def on_other_command(self, update: Update, context: Context) -> None:
        """An unknown /command: the engine answers with help; in groups only when it names this bot."""
        message = update.message
        if message is None or message.text is None or update.effective_user is None or self._operators(message):
            return
        head = message.text.split(maxsplit=1)[0][1:]
        name, _, target = head.partition("@")
        if message.chat.type != Chat.PRIVATE and target.lower() != (context.bot.username or "").lower():
            return
        await self._turn(update, context.bot, self._from_message(message, update), Command(name.lower()))

    async def on_text(self, update: Update, context: Context) -> None:
        message = update.message
        if message is None or update.effective_user is None:
            return
        if self.desk is not None and self._operators(message):
            await self._from_operator(update, context.bot, message, self.desk)
            return
        text = self._addressed(message, context.bot)
        if text is None:
            return
        inbound = self._from_message(message, update)
        ticket = self.desk.open_ticket(inbound.key) if self.desk is not None else None
        if self.desk is not None and ticket is not None:
            await self._to_operators(update, context.bot, inbound, ticket, text, self.desk)
            return
        await self._turn(update, context.bot, inbound, Text(text[:MAX_INPUT]), text=text)

    async def on_close(self, update: Update, context: Context) -> None:
        """/close in a ticket's topic or thread: the case ends and the person is asked for feedback."""
        admitted = await self._operator_command(update, context.bot)
        if admitted is None or self.desk is None:
            return
        message, inbound, now = admitted
        ticket = self.desk.ticket_of(message)
        if ticket is None or not await self.desk.close(context.bot, ticket, now, by_operator=True):
            await self._send_all(context.bot, inbound, Reply((self.engine.catalog.text("ticket_reply_hint"),)))
            return
        await self._respond(context.bot, _person_of(ticket), HandoffClosed(), now)

    async def on_stats(self, update: Update, context: Context) -> None:
        """/stats: the support figures of the last 30 days, as `python -m bot stats` prints them."""
        admitted = await self._operator_command(update, context.bot)
        if admitted is None:
            return
        _, inbound, now = admitted
        header = self.engine.catalog.text("stats_header", days=str(STATS_DAYS))
        figures = report(header, self.store, days=STATS_DAYS, now=now, ttl=self.engine.ttl)
        await self._send_all(context.bot, inbound, Reply((figures,)))

    async def on_media(self, update: Update, context: Context) -> None:
        message = update.message
        if message is None or update.effective_user is None or self._operators(message):
            return
        if self._addressed(message, context.bot) is None:
            return
        inbound = self._from_message(message, update)
        if await self._admit(update, inbound, context.bot) is not None:
            self.metrics.updates.labels("media").inc()
            unsupported = self.engine.catalog.text("unsupported_media")
            await self._send_all(context.bot, inbound, Reply((unsupported,)))

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None or not isinstance(query.message, Message) or query.data is None:
            if query is not None:
                await with_retry(query.answer, what="answerCallbackQuery")
            return
        message = query.message
        owner = self._owner(message)
        if owner is not None and owner != query.from_user.id:
            self.metrics.updates.labels("foreign_button").inc()
            alert = self.engine.catalog.text("not_your_buttons")
            await with_retry(partial(query.answer, alert, show_alert=True), what="answerCallbackQuery")
            return
        reply_to = message.reply_to_message.message_id if message.reply_to_message else None
        inbound = _inbound(message.chat, query.from_user.id, thread_of(message), reply_to)
        if self.desk is not None and self.desk.open_ticket(inbound.key) is not None:
            # a person is on the case: an old button must not pull the conversation away from them
            await with_retry(query.answer, what="answerCallbackQuery")
            return
        await self._turn(update, context.bot, inbound, Choice(query.data), query=query)

    async def on_autoanswer(self, update: Update, context: Context) -> None:
        message = update.message
        if message is None or update.effective_user is None:
            return
        inbound = self._from_message(message, update)
        if await self._admit(update, inbound, context.bot) is None:
            return
        self.metrics.updates.labels("command").inc()
        arg = (context.args or [""])[0].lower()
        text = self.engine.catalog.text
        if arg in ("on", "off"):
            if not await self._is_admin(context.bot, message):
                await self._send_all(context.bot, inbound, Reply((text("admins_only"),)))
                return
            self.store.set_group_auto_answer(message.chat.id, arg == "on")
        status = "autoanswer_on" if self.store.group_auto_answer(message.chat.id) else "autoanswer_off"
        await self._send_all(context.bot, inbound, Reply((text(status),)))

    async def on_error(self, update: object, context: Context) -> None:
        """Log with context (never the message text), apologise, keep running."""
        self.metrics.errors.inc()
        upd = update if isinstance(update, Update) else None
        chat = upd.effective_chat if upd else None
        log.error(
            "error handling update %s (chat %s): %r",
            upd.update_id if upd else None,
            chat.id if chat else None,
            context.error,
            exc_info=context.error,
        )
        if upd is None or chat is None:
            return
        try:
            if upd.callback_query is not None:
                await upd.callback_query.answer()
        except TelegramError:
            pass  # already answered, or Telegram unreachable: nothing more to do
        message = upd.effective_message
        thread = thread_of(message) if isinstance(message, Message) else 0
        try:
            await with_retry(
                partial(
                    context.bot.send_message,
                    chat.id,
                    self.engine.catalog.text("error"),
                    message_thread_id=thread or None,
                ),
                what="sendMessage",
                attempts=2,
            )
        except (TelegramError, Blocked) as exc:
            log.warning("could not apologise in chat %s: %s", chat.id, exc.__class__.__name__)

    # ------------------------------------------------------------ the turn

    async def _turn(
        self,
        update: Update,
        bot: Bot,
        inbound: Inbound,
        event: Event,
        *,
        text: str | None = None,
        query: CallbackQuery | None = None,
    ) -> None:
        now = await self._admit(update, inbound, bot, query=query)
        if now is None:
            return
        await self._respond(bot, inbound, event, now, text=text, query=query, person=update.effective_user)

    async def _respond(
        self,
        bot: Bot,
        inbound: Inbound,
        event: Event,
        now: float,
        *,
        text: str | None = None,
        query: CallbackQuery | None = None,
        person: User | None = None,
    ) -> None:
        """One engine turn for a conversation: stored, handed to the support team if need be, then sent."""
        self.metrics.updates.labels(type(event).__name__.lower()).inc()
        resumed = self.links.resume(event, inbound.user_id, now) if inbound.private else None
        session, reply = resumed or self.engine.respond(self.store.load(inbound.key), event, now)
        if reply.forget:
            if self.desk is not None:
                await self.desk.forget(bot, inbound.user_id, now)
            self.store.forget_user(inbound.user_id)
        else:
            self.store.record(
                inbound.key,
                session,
                now=now,
                user_id=inbound.user_id,
                chat_id=inbound.chat_id,
                text=text,
                match=reply.match,
                outcomes=reply.outcomes,
            )
        if self.desk is not None and not reply.forget:
            reply = await self.desk.follow(
                bot,
                person,
                key=inbound.key,
                chat_id=inbound.chat_id,
                thread_id=inbound.thread_id,
                session=session,
                reply=reply,
                now=now,
            )
        self._count(reply)
        if text is not None and len(text) > MAX_INPUT:
            reply = replace(reply, messages=(self.engine.catalog.text("too_long"), *reply.messages))
        if query is not None:
            await self._answer_button(bot, query, reply)
        offer = None
        if not inbound.private and reply.messages and not reply.forget:
            offer = self.links.offer(inbound.key, inbound.user_id, bot.username, now)
        if offer is not None:
            reply = replace(reply, messages=(*reply.messages, offer[0]))
        await self._send_all(bot, inbound, reply, link=offer[1] if offer else None)

    # ------------------------------------------------------------ handoff relays (they bypass the engine)

    async def _to_operators(
        self, update: Update, bot: Bot, inbound: Inbound, ticket: Handoff, text: str, desk: HandoffDesk
    ) -> None:
        """A person's message while their ticket is open goes to the operators; they are told so once."""
        if await self._admit(update, inbound, bot) is None or update.effective_user is None:
            return
        self.metrics.updates.labels("to_operators").inc()
        if await desk.forward(bot, ticket, update.effective_user, text):
            await self._send_all(bot, inbound, Reply((self.engine.catalog.text("ticket_forwarded"),)))

    async def _from_operator(self, update: Update, bot: Bot, message: Message, desk: HandoffDesk) -> None:
        """An operator's message in an open ticket's topic or thread goes to the person; other talk is theirs."""
        ticket = desk.ticket_of(message)
        if ticket is None or not ticket.open:
            return
        if await self._admit(update, self._from_message(message, update), bot) is None:
            return
        self.metrics.updates.labels("from_operator").inc()
        await self._send_all(bot, _person_of(ticket), Reply((desk.relay(ticket, message),)))

    async def _operator_command(self, update: Update, bot: Bot) -> tuple[Message, Inbound, float] | None:
        """An operator command to handle: (message, where to answer, now); None when there is nothing to do
        (a repeat, a flood) or it came from outside the operator chat (then refused)."""
        message = update.message
        if message is None or update.effective_user is None:
            return None
        inbound = self._from_message(message, update)
        now = await self._admit(update, inbound, bot)
        if now is None:
            return None
        self.metrics.updates.labels("command").inc()
        if not self._operators(message):
            await self._send_all(bot, inbound, Reply((self.engine.catalog.text("operators_only"),)))
            return None
        return message, inbound, now

    async def _admit(
        self, update: Update, inbound: Inbound, bot: Bot, *, query: CallbackQuery | None = None
    ) -> float | None:
        """The time of a turn to handle; None for a repeated update or a flood (the latter told once)."""
        now = self.clock()
        verdict = self.flood.check(inbound.user_id, now)
        if verdict is not Verdict.PASS:
            self.metrics.flood_drops.inc()
            if query is not None:
                await with_retry(query.answer, what="answerCallbackQuery")
            if verdict is Verdict.WARN:
                await self._send_all(bot, inbound, Reply((self.engine.catalog.text("flood"),)))
            return None
        if not self.store.first_time(update.update_id, now):
            if query is not None:
                await with_retry(query.answer, what="answerCallbackQuery")
            if update.update_id not in self._handled_here:
                # An earlier process recorded this turn and may have died before answering: show where
                # the conversation stands, so the person is never left without the pending question.
                self._handled_here[update.update_id] = None
                _, reply = self.engine.present(self.store.load(inbound.key))
                await self._send_all(bot, inbound, reply)
            return None
        self._handled_here[update.update_id] = None
        if len(self._handled_here) > HANDLED_MEMORY:
            self._handled_here.popitem(last=False)
        if inbound.private and self.store.is_blocked(inbound.user_id):
            self.store.set_blocked(inbound.user_id, False, now)  # they wrote again, so they unblocked us
        return now

    def _count(self, reply: Reply) -> None:
        if reply.match is not None:
            self.metrics.matches.labels(reply.match.category).inc()
        if reply.handoff:
            self.metrics.handoffs.inc()

    # ------------------------------------------------------------ sending

    async def _answer_button(self, bot: Bot, query: CallbackQuery, reply: Reply) -> None:
        """Stop the button's spinner; mark the question answered and remove its keyboard."""
        await with_retry(query.answer, what="answerCallbackQuery")
        message = query.message
        if reply.chosen is None or not isinstance(message, Message) or not message.text:
            return
        try:
            await with_retry(
                partial(
                    bot.edit_message_text,
                    mark_answered(message.text, reply.chosen),
                    message.chat.id,
                    message.message_id,
                ),
                what="editMessageText",
            )
        except BadRequest as exc:  # e.g. the message is too old to edit: the answer itself still goes out
            log.info("could not mark question %s answered: %s", message.message_id, exc.message)
        except Blocked:
            pass  # the send below reports it

    async def _send_all(self, bot: Bot, inbound: Inbound, reply: Reply, *, link: Link | None = None) -> None:
        reply_to = ReplyParameters(inbound.reply_to, allow_sending_without_reply=True) if inbound.reply_to else None
        try:
            for out in render_reply(reply, link):
                send = partial(
                    bot.send_message,
                    inbound.chat_id,
                    out.text,
                    reply_markup=out.keyboard,
                    message_thread_id=inbound.thread_id or None,
                    reply_parameters=reply_to,
                )
                await with_retry(send, what="sendMessage")
                self.metrics.replies.inc()
        except Blocked:
            log.info("chat %s refuses our messages (403)", inbound.chat_id)
            if inbound.private:
                self.store.set_blocked(inbound.user_id, True, self.clock())

    # ------------------------------------------------------------ reading updates

    def _from_message(self, message: Message, update: Update) -> Inbound:
        user = update.effective_user
        assert user is not None  # checked by every caller
        return _inbound(message.chat, user.id, thread_of(message), message.message_id)

    def _addressed(self, message: Message, bot: Bot) -> str | None:
        """The text meant for us with our @mention removed, or None when a group message is not for us."""
        text = message.text or message.caption or ""
        if message.chat.type == Chat.PRIVATE:
            return text
        username = bot.username or ""
        entities = message.parse_entities() if message.text else message.parse_caption_entities()
        mentioned = False
        for entity, value in entities.items():
            if entity.type == MessageEntity.MENTION and value.lower() == f"@{username}".lower():
                mentioned = True
            elif entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot.id:
                mentioned = True
                text = text.replace(value, " ", 1)
        if username:
            text = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
        replied = message.reply_to_message
        to_us = bool(
            replied and replied.from_user and replied.from_user.id == bot.id and not replied.forum_topic_created
        )
        if mentioned or to_us or self.store.group_auto_answer(message.chat.id):
            return " ".join(text.split())
        return None

    def _operators(self, message: Message) -> bool:
        """Whether a message was said in the operator chat (whose members are the operators)."""
        return self.desk is not None and self.desk.is_operator_chat(message.chat.id)

    @staticmethod
    def _owner(message: Message) -> int | None:
        """Who a group's button message belongs to: the member whose message it answers (None: anyone)."""
        if message.chat.type == Chat.PRIVATE or message.reply_to_message is None:
            return None
        author = message.reply_to_message.from_user
        return author.id if author else None

    async def _is_admin(self, bot: Bot, message: Message) -> bool:
        if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
            return True  # an anonymous admin posting as the group
        if message.from_user is None:
            return False
        member = await with_retry(
            partial(bot.get_chat_member, message.chat.id, message.from_user.id), what="getChatMember"
        )
        return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)

"""Thin handlers: update -> event -> desk (bot/desk/turn.py) -> messages. No content strings, no flow logic.

Groups: the bot answers only when addressed (a command, an @mention, a reply to it) unless the group's admins
switched auto-answer on; only the member who owns a conversation can press its buttons. While a person's
case is open their messages go to the operator chat and operators' replies come back (bot/desk/cases.py);
in the operator chat only cases, /close and /stats are handled.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial

from telegram import Bot, CallbackQuery, Chat, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.desk.admission import Admit
from bot.desk.checkins import Scheduled
from bot.desk.continuation import Link
from bot.desk.incidents import Banner
from bot.desk.pictures import Picture
from bot.desk.ports import Handoff
from bot.desk.turn import Conversations
from bot.engine.model import Choice, Command, Event, HandoffClosed, Reply, Text
from bot.metrics import Metrics
from bot.stats import report
from bot.storage import Store
from bot.tg.conversation import OrderedUpdateProcessor, thread_of
from bot.tg.delivery import with_retry
from bot.tg.followup import FollowUps
from bot.tg.inbound import (
    Inbound,
    addressed,
    command_name,
    inbound,
    of_message,
    operator_message,
    person_of,
    pressed,
    replied_to,
)
from bot.tg.outbound import Outbound
from bot.tg.pictures import fetcher, image_of, typing

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
COMMANDS = ("start", "help", "reset", "forget", "human")
STATS_DAYS = 30
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


class Handlers:
    """The bot's handlers; one instance serves every conversation."""

    def __init__(
        self, desk: Conversations, store: Store, metrics: Metrics, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.desk = desk
        self.cases = desk.cases
        self.store = store
        self.metrics = metrics
        self.clock = clock
        self.text = desk.engine.catalog.text
        self.out = Outbound(metrics, store.bookkeeping, clock)
        self.followups: FollowUps | None = None  # set by register: it needs the application's job queue
        self.bot: Bot | None = None  # set by register

    def register(self, app: Application) -> None:  # type: ignore[type-arg]  # any of PTB's six generics
        add = app.add_handler
        self.bot = app.bot
        if isinstance(app.update_processor, OrderedUpdateProcessor):
            app.update_processor.guard(self.screen, self.metrics.flood_drops.inc)
        self.followups = FollowUps(self.desk, app.job_queue, self.store.bookkeeping, self.metrics, self.clock)
        add(CommandHandler("incident", self.on_incident, filters=CHATS & NEW))
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
        message = self._personal(update, command=True)
        if message is None or self._operators(message):
            return
        name, _ = command_name(message)
        event = Command(name, " ".join(context.args or []))
        await self._turn(update, context.bot, of_message(message, update), event)

    async def on_other_command(self, update: Update, context: Context) -> None:
        """An unknown /command: the engine answers with help; in groups only when it names this bot."""
        message = self._personal(update, command=True)
        if message is None or self._operators(message):
            return
        name, target = command_name(message)
        if message.chat.type != Chat.PRIVATE and target != (context.bot.username or "").lower():
            return
        await self._turn(update, context.bot, of_message(message, update), Command(name))

    async def on_text(self, update: Update, context: Context) -> None:
        message = self._personal(update)
        if message is None:
            return
        if self._operators(message):
            await self._from_operator(update, context.bot, message)
            return
        text = addressed(message, context.bot, self.store.bookkeeping.group_auto_answer)
        if text is None:
            return
        to = of_message(message, update)
        case = self.cases.open_case(to.where.key) if self.cases is not None else None
        if case is not None:
            await self._to_operators(update, context.bot, to, case, text)
            return
        await self._turn(update, context.bot, to, Text(text))

    async def on_close(self, update: Update, context: Context) -> None:
        """/close in a case's topic or thread: the case ends and the person is asked for feedback."""
        admitted = await self._operator_command(update, context.bot)
        if admitted is None or self.cases is None:
            return
        message, to, now = admitted
        case = self.cases.case_of(thread_of(message), replied_to(message))
        if case is None or not await self.cases.close(case, now, by_operator=True):
            await self.out.say(context.bot, to, self.text("ticket_reply_hint"))
            return
        await self._respond(context.bot, person_of(case), HandoffClosed(), now)

    async def on_stats(self, update: Update, context: Context) -> None:
        """/stats: the support figures of the last 30 days, as `python -m bot stats` prints them."""
        admitted = await self._operator_command(update, context.bot)
        if admitted is None:
            return
        _, to, now = admitted
        header = self.text("stats_header", days=str(STATS_DAYS))
        figures = report(header, self.store.reports, days=STATS_DAYS, now=now, ttl=self.desk.engine.ttl)
        await self.out.say(context.bot, to, figures)

    async def on_incident(self, update: Update, context: Context) -> None:
        """/incident in the operator chat: start, end (telling who asked) or list incidents (bot/desk/incidents.py)."""
        admitted = await self._operator_command(update, context.bot)
        if admitted is None or self.desk.incidents is None:
            return
        _, to, now = admitted
        answer, notify = self.desk.incidents.command(" ".join(context.args or []), now)
        await self.out.say(context.bot, to, answer)
        if notify is not None and self.followups is not None:
            context.application.create_task(self.followups.notify(context.bot, notify), name="incident-notices")

    async def on_media(self, update: Update, context: Context) -> None:
        message = self._personal(update)
        if message is None or self._operators(message):
            return
        caption = addressed(message, context.bot, self.store.bookkeeping.group_auto_answer)
        if caption is None:
            return
        to = of_message(message, update)
        image = image_of(message)
        if image is not None and (self.cases is None or self.cases.open_case(to.where.key) is None):
            async with typing(context.bot, to):  # "typing..." while it is fetched and read
                await self._turn(update, context.bot, to, Picture(fetcher(context.bot, image), image.size, caption))
            return
        if await self._admit(update, context.bot, to) is not None:
            self.metrics.updates.labels("media").inc()
            await self.out.say(context.bot, to, self.text("unsupported_media"))

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None or not isinstance(query.message, Message) or query.data is None:
            await self.out.answer(query)
            return
        message = query.message
        allowed, data = pressed(message, query.data)
        if allowed not in (None, query.from_user.id):
            await self._refuse_button(query)
            return
        reply_to = message.reply_to_message.message_id if message.reply_to_message else None
        to = inbound(message.chat, query.from_user, thread_of(message), reply_to)
        if self.cases is not None and self.cases.open_case(to.where.key) is not None:
            await self.out.answer(query)  # a person is on the case: an old button must not pull them away
            return
        await self._turn(update, context.bot, to, Choice(data), query=query)

    async def on_autoanswer(self, update: Update, context: Context) -> None:
        message = self._personal(update)
        if message is None:
            return
        to = of_message(message, update)
        if await self._admit(update, context.bot, to) is None:
            return
        self.metrics.updates.labels("command").inc()
        arg = (context.args or [""])[0].lower()
        if arg in ("on", "off") and not await self._is_admin(context.bot, message):
            await self.out.say(context.bot, to, self.text("admins_only"))
            return
        if arg in ("on", "off"):
            self.store.bookkeeping.set_group_auto_answer(message.chat.id, arg == "on")
        on = self.store.bookkeeping.group_auto_answer(message.chat.id)
        await self.out.say(context.bot, to, self.text("autoanswer_on" if on else "autoanswer_off"))

    async def on_error(self, update: object, context: Context) -> None:
        """Log with context (never the message text), apologise, keep running."""
        self.metrics.errors.inc()
        upd = update if isinstance(update, Update) else None
        chat = upd.effective_chat if upd else None
        where = (upd.update_id if upd else None, chat.id if chat else None)
        log.error("error handling update %s (chat %s): %r", *where, context.error, exc_info=context.error)
        if upd is None or chat is None:
            return
        if upd.callback_query is not None:
            await self.out.answer(upd.callback_query, attempts=1)
        message = upd.effective_message
        thread = thread_of(message) if isinstance(message, Message) else 0
        await self.out.apologise(context.bot, chat.id, thread, self.text("error"))

    # ------------------------------------------------------------ flood control, as updates arrive

    def screen(self, update: object) -> Awaitable[None] | None:
        """The flood limit for an update that just arrived, before it waits for its conversation
        (bot/tg/conversation.py): None lets it in; a flood is dropped, its first update answered once."""
        if not isinstance(update, Update) or self.bot is None:
            return None
        to = self._counted(update, self.bot)
        if to is None:
            return None
        admission = self.desk.arrive(to.where, self.clock())
        if admission is None:
            return None
        self.metrics.flood_drops.inc()
        return self._turn_away(self.bot, to, update.callback_query, admission.reply)

    def _counted(self, update: Update, bot: Bot) -> Inbound | None:
        """Where an update that counts towards its sender's flood limit came from: a button press, a private
        message, or a group message addressed to the bot (members' talk among themselves never counts)."""
        query = update.callback_query
        if query is not None:
            if not isinstance(query.message, Message):
                return None
            return inbound(query.message.chat, query.from_user, thread_of(query.message), None)
        message = self._personal(update)
        if message is None or self._operators(message):
            return None
        to = of_message(message, update)
        if to.private or addressed(message, bot, self.store.bookkeeping.group_auto_answer) is not None:
            return to
        name, target = command_name(message) if (message.text or "").startswith("/") else ("", "")
        return to if name and target in ("", (bot.username or "").lower()) else None

    async def _turn_away(self, bot: Bot, to: Inbound, query: CallbackQuery | None, notice: Reply | None) -> None:
        await self.out.answer(query)
        if notice is not None:
            await self.out.send(bot, to, notice)

    # ------------------------------------------------------------ the turn

    async def _turn(
        self, update: Update, bot: Bot, to: Inbound, event: Event | Picture, *, query: CallbackQuery | None = None
    ) -> None:
        now = await self._admit(update, bot, to, query=query)
        if now is not None:
            await self._respond(bot, to, event, now, query=query, update_id=update.update_id)

    async def _respond(
        self,
        bot: Bot,
        to: Inbound,
        event: Event | Picture,
        now: float,
        *,
        query: CallbackQuery | None = None,
        update_id: int | None = None,
    ) -> None:
        """One desk turn for a conversation (stored with `update_id` marked handled), then its answer: stored
        in the update journal, then sent, so a killed process's successor sends it (bot/tg/replay.py)."""
        self.metrics.updates.labels(type(event).__name__.lower()).inc()
        turn = await self.desk.handle(replace(to.where, update_id=update_id), event, now)
        self._count(turn.reply)
        await self.out.answer(query)
        banners = [(Reply((e.text,), (e.button,)), None) for e in turn.effects if isinstance(e, Banner)]
        link = next((e for e in turn.effects if isinstance(e, Link)), None)
        parcel = self.out.parcel(to, [*banners, (turn.reply, link)])
        if update_id is not None:
            self.store.journal.answered(update_id, parcel.to_dict())
        await self.out.deliver(bot, parcel)
        if query is not None:
            await self.out.mark_answered(bot, query, turn.reply)
        for scheduled in (e for e in turn.effects if isinstance(e, Scheduled)):
            if self.followups is not None:
                self.followups.arm(scheduled)

    async def _admit(
        self, update: Update, bot: Bot, to: Inbound, *, query: CallbackQuery | None = None
    ) -> float | None:
        """The time of a turn to handle; None for a repeated update (shown where its conversation stands)."""
        now = self.clock()
        admission = self.desk.admit(to.where, update.update_id, now)
        if admission.verdict is Admit.TURN:
            return now
        await self.out.answer(query)
        if admission.reply is not None:
            await self.out.send(bot, to, admission.reply)
        return None

    async def _refuse_button(self, query: CallbackQuery) -> None:
        """Someone pressed another member's button in a group: an alert for them, nothing else."""
        self.metrics.updates.labels("foreign_button").inc()
        await self.out.answer(query, self.text("not_your_buttons"))

    def _count(self, reply: Reply) -> None:
        if reply.match is not None:
            self.metrics.matches.labels(reply.match.category).inc()
        if reply.handoff:
            self.metrics.handoffs.inc()

    # ------------------------------------------------------------ the operator chat

    async def _to_operators(self, update: Update, bot: Bot, to: Inbound, case: Handoff, text: str) -> None:
        """A person's message while their case is open goes to the operators; they are told so once."""
        if self.cases is None or to.where.person is None or await self._admit(update, bot, to) is None:
            return
        self.metrics.updates.labels("to_operators").inc()
        if await self.cases.forward(case, to.where.person, text):
            await self.out.say(bot, to, self.text("ticket_forwarded"))

    async def _from_operator(self, update: Update, bot: Bot, message: Message) -> None:
        """An operator's message in an open case's topic or thread goes to the person; other talk is theirs."""
        case = self.cases.case_of(thread_of(message), replied_to(message)) if self.cases is not None else None
        if self.cases is None or case is None or not case.open:
            return
        if await self._admit(update, bot, of_message(message, update)) is None:
            return
        self.metrics.updates.labels("from_operator").inc()
        await self.out.say(bot, person_of(case), self.cases.relay(case, operator_message(message)))

    async def _operator_command(self, update: Update, bot: Bot) -> tuple[Message, Inbound, float] | None:
        """An operator command to handle: (message, where to answer, now); None when there is nothing to do
        (a repeat, a flood) or it came from outside the operator chat (then refused)."""
        message = self._personal(update)
        if message is None:
            return None
        to = of_message(message, update)
        now = await self._admit(update, bot, to)
        if now is None:
            return None
        self.metrics.updates.labels("command").inc()
        if not self._operators(message):
            await self.out.say(bot, to, self.text("operators_only"))
            return None
        return message, to, now

    # ------------------------------------------------------------ reading updates

    @staticmethod
    def _personal(update: Update, *, command: bool = False) -> Message | None:
        """The update's new message when a person wrote it (and, for a command, its text)."""
        message = update.message
        if message is None or update.effective_user is None or (command and message.text is None):
            return None
        return message

    def _operators(self, message: Message) -> bool:
        """Whether a message was said in the operator chat (whose members are the operators)."""
        return self.cases is not None and self.cases.operators.is_operator_chat(message.chat.id)

    @staticmethod
    async def _is_admin(bot: Bot, message: Message) -> bool:
        if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
            return True  # an anonymous admin posting as the group
        if message.from_user is None:
            return False
        member = await with_retry(
            partial(bot.get_chat_member, message.chat.id, message.from_user.id), what="getChatMember"
        )
        return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)

"""Sending: a reply -> Telegram messages (bot/tg/render.py) delivered with retries, button answers, and the
apology after an error. A chat that refuses our messages (403) is remembered as blocked.

A turn's answer is first made into a `Parcel` (every message, ready to send), which the update journal can
store before it is delivered and a later process can deliver again (bot/tg/replay.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.error import BadRequest, TelegramError

from bot.desk.continuation import Link
from bot.desk.ports import Bookkeeping
from bot.engine.model import Reply
from bot.metrics import Metrics
from bot.tg.delivery import Blocked, with_retry
from bot.tg.inbound import Inbound
from bot.tg.render import Outgoing, mark_answered, render_reply

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Parcel:
    """Messages for one conversation, ready to send."""

    chat_id: int
    thread_id: int
    reply_to: int | None  # in groups: the member's message the answer replies to
    user_id: int
    private: bool
    messages: tuple[Outgoing, ...]

    def to_dict(self) -> dict[str, Any]:
        messages = [{"text": m.text, "keyboard": m.keyboard.to_dict() if m.keyboard else None} for m in self.messages]
        where = {k: getattr(self, k) for k in ("chat_id", "thread_id", "reply_to", "user_id", "private")}
        return {**where, "messages": messages}

    @classmethod
    def from_dict(cls, data: dict[str, Any], bot: Bot) -> Parcel:
        messages = tuple(
            Outgoing(m["text"], InlineKeyboardMarkup.de_json(m["keyboard"], bot) if m["keyboard"] else None)
            for m in data["messages"]
        )
        return cls(data["chat_id"], data["thread_id"], data["reply_to"], data["user_id"], data["private"], messages)


class Outbound:
    def __init__(self, metrics: Metrics, bookkeeping: Bookkeeping, clock: Callable[[], float] = time.time) -> None:
        self.metrics = metrics
        self.bookkeeping = bookkeeping
        self.clock = clock

    async def send(self, bot: Bot, to: Inbound, reply: Reply, *, link: Link | None = None) -> None:
        await self.deliver(bot, self.parcel(to, [(reply, link)]))

    @staticmethod
    def parcel(to: Inbound, replies: Iterable[tuple[Reply, Link | None]]) -> Parcel:
        """Replies (each with its continue link, if any) as the messages to send; in groups the buttons say
        whose conversation they belong to."""
        owner = None if to.private else to.user_id
        messages = tuple(out for reply, link in replies for out in render_reply(reply, link, owner))
        return Parcel(to.chat_id, to.where.thread_id, to.reply_to, to.user_id, to.private, messages)

    async def deliver(self, bot: Bot, parcel: Parcel) -> None:
        reply_to = ReplyParameters(parcel.reply_to, allow_sending_without_reply=True) if parcel.reply_to else None
        try:
            for out in parcel.messages:
                send = partial(
                    bot.send_message,
                    parcel.chat_id,
                    out.text,
                    reply_markup=out.keyboard,
                    message_thread_id=parcel.thread_id or None,
                    reply_parameters=reply_to,
                )
                await with_retry(send, what="sendMessage")
                self.metrics.replies.inc()
        except Blocked:
            log.info("chat %s refuses our messages (403)", parcel.chat_id)
            if parcel.private:
                self.bookkeeping.set_blocked(parcel.user_id, True, self.clock())

    async def say(self, bot: Bot, to: Inbound, text: str) -> None:
        """One catalog text, as a reply of its own."""
        await self.send(bot, to, Reply((text,)))

    @staticmethod
    async def answer(query: CallbackQuery | None, alert: str | None = None, *, attempts: int = 2) -> None:
        """Stop a button's spinner (with `alert` as a popup): best effort. A refused answer ("query is too
        old", a press answered late) or an unreachable Telegram never stops the reply that follows."""
        if query is None:
            return
        call = partial(query.answer, alert, show_alert=alert is not None)
        try:
            await with_retry(call, what="answerCallbackQuery", attempts=attempts)
        except (TelegramError, Blocked) as exc:
            log.info("button press %s not answered: %s", query.id, exc.__class__.__name__)

    @staticmethod
    async def mark_answered(bot: Bot, query: CallbackQuery, reply: Reply) -> None:
        """Mark the pressed question answered and remove its keyboard. Called after the next question went
        out, so an interruption between the two never leaves a person without buttons."""
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
            pass  # the send that follows reports it

    @staticmethod
    async def apologise(bot: Bot, chat_id: int, thread_id: int, text: str) -> None:
        """After an error: a short apology, tried twice at most."""
        try:
            await with_retry(
                partial(bot.send_message, chat_id, text, message_thread_id=thread_id or None),
                what="sendMessage",
                attempts=2,
            )
        except (TelegramError, Blocked) as exc:
            log.warning("could not apologise in chat %s: %s", chat_id, exc.__class__.__name__)

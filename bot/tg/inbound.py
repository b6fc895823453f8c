"""Reading updates: update -> where it came from (whose conversation), whether it is addressed to the bot,
which command it names, and who owns a group's buttons. No flow logic, no storage.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot, Chat, Message, MessageEntity, Update, User

from bot.desk.ports import Handoff, OperatorMessage, Person, Where
from bot.tg.conversation import conversation_key, thread_of
from bot.tg.render import OWNER_MARK


@dataclass(frozen=True, slots=True)
class Inbound:
    """Where an update came from and where its answer goes."""

    where: Where
    reply_to: int | None  # in groups: the member's message our answer replies to

    @property
    def chat_id(self) -> int:
        return self.where.chat_id or 0

    @property
    def user_id(self) -> int:
        return self.where.user_id or 0

    @property
    def private(self) -> bool:
        return self.where.private


def person(user: User | None) -> Person | None:
    return Person(user.id, user.full_name) if user is not None else None


def inbound(chat: Chat, user: User, thread_id: int, reply_to: int | None) -> Inbound:
    private = chat.type == Chat.PRIVATE
    key = conversation_key(chat.id, thread_id, user.id)
    where = Where(key, user.id, chat.id, thread_id, private, person(user))
    return Inbound(where, None if private else reply_to)


def of_message(message: Message, update: Update) -> Inbound:
    user = update.effective_user
    assert user is not None  # checked by every caller
    return inbound(message.chat, user, thread_of(message), message.message_id)


def person_of(case: Handoff) -> Inbound:
    """Where messages to a case's person go."""
    where = Where(case.key, case.user_id, case.user_chat_id, case.user_thread_id, case.user_chat_id > 0)
    return Inbound(where, None)


def command_name(message: Message) -> tuple[str, str]:
    """`/Name@target args` -> ("name", "target")."""
    head = (message.text or "").split(maxsplit=1)[0][1:]
    name, _, target = head.partition("@")
    return name.lower(), target.lower()


def addressed(message: Message, bot: Bot, auto_answer: Callable[[int], bool]) -> str | None:
    """The text meant for us with our @mention removed, or None when a group message is not for us.
    `auto_answer(chat_id)`: whether the group's admins asked the bot to answer every message."""
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
    to_us = bool(replied and replied.from_user and replied.from_user.id == bot.id and not replied.forum_topic_created)
    if mentioned or to_us or auto_answer(message.chat.id):
        return " ".join(text.split())
    return None


def pressed(message: Message, data: str) -> tuple[int | None, str]:
    """(who may press it, the engine's data) for a pressed button; None: anyone (private chats).

    In groups the owner travels in the button itself (bot/tg/render.py `owned`), so it holds when the
    member's message is gone or a client leaves the quote out. Buttons sent before owners were marked fall
    back to whom the message quotes or mentions (`owner`)."""
    claimed, mark, rest = data.partition(OWNER_MARK)
    if mark and claimed.isdigit():
        return (None if message.chat.type == Chat.PRIVATE else int(claimed)), rest
    return owner(message), data


def owner(message: Message) -> int | None:
    """Who a group's button message belongs to, by the message alone: the member whose message it answers,
    or the member it opens by mentioning (a check-in: bot/tg/followup.py); None: anyone."""
    if message.chat.type == Chat.PRIVATE:
        return None
    replied = message.reply_to_message
    if replied is None or replied.forum_topic_created:  # in a topic, Telegram points at the topic's start
        first = message.entities[0] if message.entities else None
        mentioned = first is not None and first.type == MessageEntity.TEXT_MENTION and first.offset == 0
        return first.user.id if mentioned and first is not None and first.user is not None else None
    author = replied.from_user
    return author.id if author else None


def replied_to(message: Message) -> int | None:
    """The message an operator-chat message replies to (a topic's creation message does not count)."""
    replied = message.reply_to_message
    return replied.message_id if replied is not None and not replied.forum_topic_created else None


def operator_message(message: Message) -> OperatorMessage:
    anonymous = message.sender_chat is not None or message.from_user is None
    name = None if anonymous or message.from_user is None else message.from_user.first_name
    return OperatorMessage(message.message_id, message.text or message.caption or "", name)


def command_descriptions(text: str) -> list[tuple[str, str]]:
    """`name: description` lines of the `commands` text -> (name, description) pairs."""
    pairs = []
    for line in text.splitlines():
        name, sep, description = line.partition(":")
        if sep and name.strip() and description.strip():
            pairs.append((name.strip().lstrip("/"), description.strip()))
    return pairs

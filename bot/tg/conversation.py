"""Which conversation an update belongs to, and running one conversation's updates in order.

A conversation is one person in one chat (and forum topic): `tg:{chat_id}:{thread_id or 0}:{user_id}`.
`OrderedUpdateProcessor` lets different conversations run concurrently while one conversation's updates run
strictly one after another, in the order they arrived (an asyncio.Lock per key, dropped when idle).

Nothing from one person may pile up: each update is screened as it arrives, before it waits for its
conversation (the flood limit: bot/tg/handlers.py `Handlers.screen`), and at most MAX_WAITING updates wait
for one conversation; the rest are dropped, not queued. So a flood in one chat never holds the update slots
that other chats need.

When an update's handling ends (handled, answered with an error, or dropped) `on_done(update)` is called: the
update journal then marks it handled (bot/storage/journal.py). Not when it is cancelled by a shutdown: then
it is still to do, and the next start handles it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Message, Update
from telegram.ext import BaseUpdateProcessor

MAX_WAITING = 16  # updates of one conversation waiting for its turn; the flood limit keeps it near 10

Screen = Callable[[object], Awaitable[None] | None]  # None lets an update in; else what to do instead


def thread_of(message: Message | None) -> int:
    """The forum topic of a message; 0 outside forum topics (reply threads of plain groups don't count)."""
    if message is None or not message.is_topic_message:
        return 0
    return message.message_thread_id or 0


def conversation_key(chat_id: int, thread_id: int, user_id: int) -> str:
    return f"tg:{chat_id}:{thread_id}:{user_id}"


def key_of(update: object) -> str | None:
    """The conversation an update belongs to, or None (an update without a chat and a person)."""
    if not isinstance(update, Update):
        return None
    user = update.effective_user
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message if isinstance(query.message, Message) else None
        chat = message.chat if message else None
        if chat is None or user is None:
            return None
        return conversation_key(chat.id, thread_of(message), user.id)
    message = update.message
    if message is None or user is None:
        return None
    return conversation_key(message.chat.id, thread_of(message), user.id)


class OrderedUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across conversations, sequential within one."""

    def __init__(self, max_concurrent_updates: int = 256, on_done: Callable[[object], None] | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._on_done = on_done or (lambda update: None)
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._screen: Screen = lambda update: None
        self._on_overflow: Callable[[], None] = lambda: None

    def guard(self, screen: Screen, on_overflow: Callable[[], None]) -> None:
        """`screen(update)` runs as each update arrives; `on_overflow()` when one is dropped for MAX_WAITING."""
        self._screen = screen
        self._on_overflow = on_overflow

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await self._process(update, coroutine)
        except asyncio.CancelledError:
            raise  # a shutdown stopped it: still to do
        except Exception:
            self._on_done(update)  # it failed: never retried for ever
            raise
        self._on_done(update)

    async def _process(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = key_of(update)
        if key is None:
            await coroutine
            return
        instead = self._screen(update)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        if instead is not None or users >= MAX_WAITING:
            _discard(coroutine)
            if instead is not None:
                await instead
            else:
                self._on_overflow()
            return
        # No await before the lock is requested: tasks start in arrival order, the lock queues them in order.
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    def __len__(self) -> int:
        return len(self._locks)


def _discard(coroutine: Awaitable[Any]) -> None:
    """Drop an update's handling coroutine that will never run (closing it avoids "never awaited")."""
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()

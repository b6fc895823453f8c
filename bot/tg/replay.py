"""At start, what a killed process left unfinished (bot/storage/journal.py): its answers sent, its updates handled.

An update whose answer was stored gets that answer sent (it may have gone out already: a send whose answer
was lost is sent again) and is marked handled. An update without one goes to the front of the update queue,
before anything polled, and is handled as if it had just arrived: if its turn was stored after all, the
person is shown where the conversation stands instead (bot/desk/admission.py), never a second turn.
Updates older than MAX_AGE are dropped: an answer a day late would only confuse.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from telegram.error import TelegramError

from bot.storage.journal import SqliteJournal
from bot.tg.delivery import Blocked
from bot.tg.outbound import Outbound, Parcel
from bot.tg.updates import ScreenedBot

log = logging.getLogger(__name__)

MAX_AGE = 24 * 3600.0


async def replay(
    bot: ScreenedBot,
    journal: SqliteJournal,
    queue: asyncio.Queue[Any],
    out: Outbound,
    clock: Callable[[], float],
) -> tuple[int, int]:
    """Send the stored answers and queue the unanswered updates; (answers sent, updates queued)."""
    sent = queued = 0
    for pending in journal.pending(since=clock() - MAX_AGE):
        if pending.answer is None:
            update = bot.parse(pending.raw)
            if update is None:
                journal.done(pending.update_id, clock())
                continue
            await queue.put(update)
            queued += 1
            continue
        try:
            await out.deliver(bot, Parcel.from_dict(pending.answer, bot))
            sent += 1
        except (TelegramError, Blocked, KeyError, TypeError, ValueError) as exc:  # best effort, never for ever
            log.warning("could not send the stored answer to update %s: %s", pending.update_id, type(exc).__name__)
        journal.done(pending.update_id, clock())
    if sent or queued:
        log.info("after a restart: %d stored answers sent, %d updates handled again", sent, queued)
    return sent, queued

"""What the desk follows up with, sent by python-telegram-bot: due check-ins and the end of an incident.

Check-ins are woken by PTB's JobQueue (the `job-queue` extra), but the database is the truth: every stored
check-in is re-armed when the application starts (one due while the bot was down fires at once), and the
desk claims a check-in before it is sent, so it goes out at most once, also across restarts and kill -9. A
cancelled check-in's job still wakes up and finds nothing to send. Incident notices are claimed one by one
and paced by PTB's rate limiter underneath `send_message`; a restart finishes an interrupted round.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from telegram import Bot, MessageEntity, User
from telegram.error import TelegramError
from telegram.ext import CallbackContext, JobQueue

from bot.desk.checkins import Scheduled
from bot.desk.incidents import Notify
from bot.desk.ports import Bookkeeping, Person, Where
from bot.desk.turn import Conversations
from bot.engine.model import Reply
from bot.metrics import Metrics
from bot.tg.delivery import Blocked, with_retry
from bot.tg.render import render_reply

log = logging.getLogger(__name__)

Jobs = JobQueue[Any]  # PTB's generic parameter (the context type) adds nothing here
Context = CallbackContext[Any, Any, Any, Any]


def _utf16(text: str) -> int:
    """Telegram measures entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class FollowUps:
    def __init__(
        self,
        desk: Conversations,
        jobs: Jobs | None,
        bookkeeping: Bookkeeping,
        metrics: Metrics,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.desk = desk
        self.jobs = jobs
        self.bookkeeping = bookkeeping
        self.metrics = metrics
        self.clock = clock
        if jobs is not None:
            jobs.run_once(self._start, 0, name="follow-ups")  # runs once the application has started

    def arm(self, scheduled: Scheduled) -> None:
        """Wake up for a check-in at its time (now, if it is already due)."""
        if self.jobs is None:
            log.warning("no job queue (install python-telegram-bot[job-queue]): check-ins are not sent")
            return
        when = max(0.0, scheduled.due - self.clock())
        self.jobs.run_once(self._due, when, data=scheduled.checkin_id, name=f"checkin-{scheduled.checkin_id}")

    async def _start(self, context: Context) -> None:
        """At start: re-arm every stored check-in, and finish telling the subscribers of ended incidents."""
        checkins = self.desk.checkins.pending() if self.desk.checkins is not None else []
        for checkin in checkins:
            self.arm(Scheduled(checkin.id, checkin.due))
        if checkins:
            log.info("re-armed %d check-ins", len(checkins))
        if self.desk.incidents is not None:
            for incident_id in self.desk.incidents.unfinished():
                await self.notify(context.bot, Notify(incident_id, 0))

    async def _due(self, context: Context) -> None:
        job = context.job
        if self.desk.checkins is None or job is None or not isinstance(job.data, int):
            return
        due = self.desk.checkins.fire(job.data, self.clock())
        if due is None:
            return
        sent = await self.send(
            context.bot, due.where, due.reply, mention=None if due.where.private else due.where.person
        )
        self.metrics.followups.labels("checkin", "sent" if sent else "failed").inc()
        log.info("check-in %d %s", due.checkin.id, "sent" if sent else "not delivered")

    async def notify(self, bot: Bot, notify: Notify) -> None:
        """Tell an ended incident's subscribers, one claimed at a time; logged with counts."""
        if self.desk.incidents is None:
            return
        told = failed = 0
        for notice in self.desk.incidents.notices(notify.incident_id, self.clock()):
            sent = await self.send(bot, notice.where, notice.reply)
            told, failed = told + sent, failed + (not sent)
            self.metrics.followups.labels("incident_notice", "sent" if sent else "failed").inc()
        log.info("incident %d ended: told %d subscribers, %d could not be reached", notify.incident_id, told, failed)

    async def send(self, bot: Bot, where: Where, reply: Reply, *, mention: Person | None = None) -> bool:
        """A follow-up into the person's chat (a group member's thread, mentioning them); False when it could
        not be delivered (blocked: remembered, as for any reply)."""
        chat_id = where.chat_id or 0
        if where.private and self.bookkeeping.is_blocked(where.user_id or 0):
            return False
        try:
            for i, out in enumerate(render_reply(reply, owner=None if where.private else where.user_id)):
                text, entities = out.text, None
                if i == 0 and mention is not None and mention.name:
                    text = f"{mention.name}, {text}"
                    user = User(mention.id, mention.name, is_bot=False)
                    entities = [MessageEntity(MessageEntity.TEXT_MENTION, 0, _utf16(mention.name), user=user)]
                call = partial(
                    bot.send_message,
                    chat_id,
                    text,
                    entities=entities,
                    reply_markup=out.keyboard,
                    message_thread_id=where.thread_id or None,
                )
                await with_retry(call, what="sendMessage")
                self.metrics.replies.inc()
        except Blocked:
            log.info("chat %s refuses our messages (403)", chat_id)
            if where.private:
                self.bookkeeping.set_blocked(where.user_id or 0, True, self.clock())
            return False
        except TelegramError as exc:
            log.warning("could not send a follow-up to chat %s: %s", chat_id, exc.__class__.__name__)
            return False
        return True

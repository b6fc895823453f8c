"""The operator chat port (bot/desk/ports.py) with python-telegram-bot: the support team's Telegram group.

A case gets a forum topic of its own when the group is a forum, otherwise a reply thread under its summary.
Messages are HTML with every piece of user-provided text escaped; wording comes from the catalog. When
Telegram refuses a post, the method returns None and the desk decides what happens.
"""

from __future__ import annotations

import html
import logging
from functools import partial

from telegram import Bot, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.desk.ports import Handoff, Person, Placed
from bot.engine.model import Catalog
from bot.tg.delivery import Blocked, with_retry

log = logging.getLogger(__name__)
MAX_TOPIC_NAME = 128  # Telegram's limit for a forum topic's name
MAX_RELAYED = 3500  # characters of a person's message relayed to operators (the header fits beside it)
MAX_SUMMARY = 3500


def escape(text: str) -> str:
    """Text as HTML that shows exactly that text (quotes need no escaping outside attributes)."""
    return html.escape(text, quote=False)


def who(person: Person) -> str:
    """The person's name as a link to their profile; no phone number, no username."""
    return f'<a href="tg://user?id={int(person.id)}">{escape(person.name)}</a>'


class TelegramOperatorChat:
    def __init__(self, bot: Bot, catalog: Catalog, chat_id: int) -> None:
        self.bot = bot
        self.catalog = catalog
        self.chat_id = chat_id

    def is_operator_chat(self, chat_id: int) -> bool:
        """Operators are the members of the operator chat: anything said inside it comes from one."""
        return chat_id == self.chat_id

    async def post_case(self, case_id: int, person: Person, summary: str) -> Placed | None:
        try:
            topic = await self._new_topic(case_id, person)
            text = "\n\n".join(
                [
                    self._html("ticket_header", number=str(case_id), who=who(person)),
                    escape(summary[:MAX_SUMMARY]),
                    self._html("ticket_reply_hint"),
                ]
            )
            root = await self._post(text, thread_id=topic, root=0)
        except (TelegramError, Blocked) as exc:
            log.warning("could not post case %s to the operator chat: %s", case_id, exc.__class__.__name__)
            return None
        return Placed(topic, root)

    async def post_message(self, case: Handoff, person: Person, text: str) -> int | None:
        header = self._html("ticket_header", number=str(case.id), who=who(person))
        body = header + "\n" + escape(text[:MAX_RELAYED])
        try:
            return await self._post(body, thread_id=case.operator_thread_id, root=case.root_message_id)
        except (TelegramError, Blocked) as exc:
            log.warning("could not relay to case %s: %s", case.id, exc.__class__.__name__)
            return None

    async def post_end(self, case: Handoff, *, by_operator: bool) -> int | None:
        text = self._html("ticket_closed" if by_operator else "ticket_ended", number=str(case.id))
        try:
            return await self._post(text, thread_id=case.operator_thread_id, root=case.root_message_id)
        except (TelegramError, Blocked) as exc:
            log.warning("could not announce the end of case %s: %s", case.id, exc.__class__.__name__)
            return None

    async def _new_topic(self, case_id: int, person: Person) -> int:
        """A forum topic for the case when the operator chat is a forum; 0 (a reply thread) otherwise."""
        chat = await with_retry(partial(self.bot.get_chat, self.chat_id), what="getChat")
        if not chat.is_forum:
            return 0
        name = self.catalog.text("ticket_header", number=str(case_id), who=person.name)[:MAX_TOPIC_NAME]
        try:
            topic = await with_retry(partial(self.bot.create_forum_topic, self.chat_id, name), what="createForumTopic")
        except TelegramError as exc:  # e.g. the bot lacks Manage Topics: a reply thread still works
            log.warning("could not create a forum topic: %s", exc.__class__.__name__)
            return 0
        return topic.message_thread_id

    def _html(self, key: str, **values: str) -> str:
        """A catalog text as HTML: the wording escaped, `values` inserted as given (escape them first)."""
        return escape(self.catalog.texts[key]).format(**values)

    async def _post(self, text: str, *, thread_id: int, root: int) -> int:
        """Send to the operator chat: into the case's topic, or as a reply to its summary."""
        reply_to = ReplyParameters(root, allow_sending_without_reply=True) if root and not thread_id else None
        sent = await with_retry(
            partial(
                self.bot.send_message,
                self.chat_id,
                text,
                parse_mode=ParseMode.HTML,
                message_thread_id=thread_id or None,
                reply_parameters=reply_to,
            ),
            what="sendMessage",
        )
        return sent.message_id

"""Continue in a private chat: a deep link that carries a member's group conversation over to their private chat.

After the first answer in a group the member is offered, once per conversation, a t.me link whose start payload
is `c_<token>`; the token is random, single use, expires after a day and works only for that member. In the
private chat, `/start c_<token>` copies the group session and shows where the conversation stands.
No telegram, click or SQL: links and sessions are the desk's ports.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from bot.desk.ports import Links, Sessions
from bot.engine.machine import Engine
from bot.engine.model import Command, Event, Reply, Session

PREFIX = "c_"
MAX_AGE = 24 * 3600.0  # a link older than a day starts a fresh conversation instead
TOKEN_BYTES = 16  # 22 url-safe characters: unguessable, and "c_" + token fits Telegram's 64-character payload


@dataclass(frozen=True, slots=True)
class Link:
    """A button that opens a URL (a t.me deep link) instead of answering a question."""

    label: str
    url: str


class Continuation:
    def __init__(
        self, engine: Engine, sessions: Sessions, links: Links, username: Callable[[], str | None] = lambda: None
    ) -> None:
        self.engine = engine
        self.sessions = sessions
        self.links = links
        self.username = username  # the bot's @username, known once the front-end has started

    def offer(self, key: str, user_id: int, now: float) -> tuple[str, Link] | None:
        """The note and link button to add to a group answer: the first time for this conversation only."""
        username = self.username()
        if not username or self.links.offered(key):
            return None
        token = secrets.token_urlsafe(TOKEN_BYTES)
        self.links.add(token, key, user_id, now)
        text = self.engine.catalog.text
        link = Link(text("private_continue_button"), f"https://t.me/{username}?start={PREFIX}{token}")
        return text("private_continue_note"), link

    def resume(self, event: Event, user_id: int, now: float) -> tuple[Session, Reply] | None:
        """For `/start c_<token>` with a valid token of this person: the group conversation's session (to store
        under the private key) and the pending question, introduced. None for anything else (an unknown,
        used, expired or someone else's token starts a fresh conversation as a plain /start does)."""
        if not (isinstance(event, Command) and event.name == "start" and event.arg.startswith(PREFIX)):
            return None
        key = self.links.use(event.arg[len(PREFIX) :], user_id, now=now, max_age=MAX_AGE)
        if key is None:
            return None
        session, reply = self.engine.present(self.sessions.load(key).evolve(last_active=now))
        intro = self.engine.catalog.text("private_continued")
        return session, Reply((intro, *reply.messages), reply.buttons)

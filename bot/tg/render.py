"""Reply -> Telegram messages: split long texts, one inline button per row (a link button last), mark an
answered question.

Pure functions over engine and desk values and telegram's keyboard types; no I/O, no content strings.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.desk.continuation import Link
from bot.engine.model import Button, Reply

MAX_MESSAGE = 4096  # Telegram's limit for a message's text
CHOSEN_MARK = "\n\n» "  # appended to an answered question, followed by the chosen label
OWNER_MARK = "|"  # "<owner's user id>|<the engine's data>": in groups a button says whose conversation it is


@dataclass(frozen=True, slots=True)
class Outgoing:
    text: str
    keyboard: InlineKeyboardMarkup | None = None


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line or word boundary when there is one."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = window.rfind(sep)
            if cut > limit // 2:
                break
        if cut <= limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def owned(data: str, owner: int | None) -> str:
    """A button's callback data carrying the user id of the conversation that asked (None: no owner).
    The engine's data is at most 24 + a few bytes, a user id at most 16 digits: inside Telegram's 64."""
    return data if owner is None else f"{owner}{OWNER_MARK}{data}"


def keyboard(
    buttons: tuple[Button, ...], link: Link | None = None, owner: int | None = None
) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(b.label, callback_data=owned(b.data, owner))] for b in buttons]
    if link is not None:
        rows.append([InlineKeyboardButton(link.label, url=link.url)])
    return InlineKeyboardMarkup(rows) if rows else None


def render_reply(reply: Reply, link: Link | None = None, owner: int | None = None) -> list[Outgoing]:
    """The reply's messages joined into as few Telegram messages as fit (usually one); keyboard on the last,
    its buttons marked with `owner` (in groups: the member whose conversation asks).

    One message per reply reads better than a burst, and Telegram allows about one message a second per chat.
    """
    joined = "\n\n".join(m for m in reply.messages if m.strip())
    texts = [piece for piece in split_text(joined) if piece.strip()]
    if not texts:
        return []
    markup = keyboard(reply.buttons, link, owner)
    return [Outgoing(t, markup if i == len(texts) - 1 else None) for i, t in enumerate(texts)]


def mark_answered(question: str, chosen: str) -> str:
    """The question's text with the chosen answer below it, within Telegram's limit."""
    suffix = CHOSEN_MARK + chosen
    room = MAX_MESSAGE - len(suffix)
    if len(question) > room:
        question = question[: room - 1] + "…"
    return question + suffix

"""A picture as a turn: the image is read (bot/vision, in its worker process), then its words go on as if typed.

The reply says what was read ("I can read: “…”") before the engine's answer, and asks "Is this the message you
see?" when OCR was unsure or the words lead to no single cause. A picture that gives no words gets a polite
request for them; with a caption, the caption alone goes on. The image itself is never stored: only the
redacted words, with the turn, as typed text would be. No telegram, no OCR library here: a front-end passes
how to fetch the image, the reader is a port (bot/desk/ports.py `ImageReader`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.desk.ports import ImageReader
from bot.engine.model import Match
from bot.vision.model import Reading, Reason, Unreadable

UNSURE_BELOW = 0.85  # OCR confidence (its lowest line) under which the bot asks whether it read right
QUOTED = 400  # characters of the reading quoted back; the engine reads all of it
REFUSALS: dict[Reason, str] = {  # why a picture gave no words -> what the person is told (a text key)
    "unavailable": "image_unavailable",
    "too_big": "image_too_big",
    "busy": "image_busy",
    "empty": "image_unreadable",
    "not_image": "image_unreadable",
    "no_text": "image_unreadable",
    "timeout": "image_unreadable",
    "failed": "image_unreadable",
}


@dataclass(frozen=True, slots=True)
class Picture:
    """An image the person sent: fetched only when it can be read, never kept."""

    fetch: Callable[[], Awaitable[bytes]]  # raises Unreadable("failed") when the image cannot be had
    size: int | None = None  # bytes, when the front-end knows it before fetching
    caption: str = ""  # the person's own words beside the image


async def read_picture(reader: ImageReader | None, picture: Picture) -> Reading:
    """The picture's words, or Unreadable: nothing is fetched that could not be read anyway."""
    if reader is None or not reader.available:
        raise Unreadable("unavailable")
    if picture.size is not None and picture.size > reader.limits.max_bytes:
        raise Unreadable("too_big")
    return await reader.read(await picture.fetch())


def quoted(text: str) -> str:
    return text if len(text) <= QUOTED else text[: QUOTED - 1].rstrip() + "…"


def unsure(reading: Reading, match: Match | None) -> bool:
    """Ask "is this the message you see?": OCR unsure, or its words match nothing or several causes (an answer
    to a pending question has no match: it is not asked about)."""
    if reading.confidence < UNSURE_BELOW:
        return True
    return match is not None and (match.category == "none" or bool(match.ambiguous))

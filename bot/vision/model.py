"""Values passed between the worker process and the bot: limits, lines read, a reading, and why one failed.

Plain frozen dataclasses (picklable across the process boundary); imports only the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Reason = Literal["unavailable", "empty", "too_big", "not_image", "no_text", "timeout", "busy", "failed"]


class Unreadable(Exception):
    """An image that gave no words, and why (the bot's answer depends on the reason, never on the details)."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


@dataclass(frozen=True, slots=True)
class Limits:
    """What the worker accepts. Telegram's own caps: photos <= 10 MB, bot downloads <= 20 MB."""

    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 50_000_000  # an iPhone's 48 MP photo passes; a 20000x20000 "bomb" does not
    max_side: int = 2048  # larger images are scaled down before reading: screen text stays legible
    timeout: float = 30.0  # seconds for one image, decoding included


@dataclass(frozen=True, slots=True)
class Line:
    """One line of text as OCR found it, with how it looks on the screen (for telling chrome from content)."""

    text: str
    score: float  # recognition confidence, 0..1
    box: tuple[int, int, int, int]  # left, top, right, bottom in pixels of the image read
    peak: float  # luminance of the brighter of text and background, 0..1: low on a dimmed row
    contrast: float  # |text - background| luminance, 0..1: low for faint, secondary text
    colour: tuple[int, int, int]  # the text's colour (RGB)


@dataclass(frozen=True, slots=True)
class Reading:
    """What an image says: the person's words (redacted), how sure OCR was, and every line read (redacted)."""

    text: str
    confidence: float  # the lowest recognition score among the words kept, 0..1
    lines: tuple[str, ...]  # all lines OCR found, chrome included, in reading order (for diagnostics)
    width: int
    height: int

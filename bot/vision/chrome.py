"""OCR lines -> the person's words: the screen's chrome is dropped, the rest joined in reading order.

Chrome is what every screen shows whatever went wrong, and it misleads the matcher ("Wi-Fi" and "Screen Time"
rows behind an iCloud alert, "Encrypt local backup" beside a Finder error):
- the status bar or menu bar: the clock, signal, battery, a Mac's or Windows app's menu;
- button labels: OK, Close, Cancel, Settings, Not Now, Trust ...;
- dimmed rows: the screen behind an alert, darkened (their brighter side is far darker than the alert's);
- faint rows: grey footnotes and captions, when a screen also has text in full contrast;
- and when a screen shows red text (iOS puts a backup error in red under Back Up Now), that text is the error:
  the rest of a Settings screen is its fixed labels.
Pure: imports only the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.vision.model import Line

_BUTTON_PHRASES = frozenset(
    (
        "ok",
        "okay",
        "close",
        "cancel",
        "settings",
        "not now",
        "done",
        "back",
        "continue",
        "allow",
        "don't allow",
        "dont allow",
        "trust",
        "don't trust",
        "dont trust",
        "later",
        "remind me later",
        "try again",
        "retry",
        "learn more",
        "more info",
        "dismiss",
        "yes",
        "no",
        "ignore",
        "quit",
        "open",
        "turn on",
        "turn off",
        "view details",
        "details",
        "go to settings",
        "open settings",
        "edit",
    )
)
_CLOCK = re.compile(r"^(?:(?:mon|tue|wed|thu|fri|sat|sun)\w*\.?\s+)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?$", re.I)
_STATUS = re.compile(r"^(?:\d{1,3}\s?%|[1-5]g[e+]?|lte|sos|edge|e|h\+?|wi-?fi|\W+)$", re.I)
MENU_WORDS = frozenset(
    "file edit view go window help song controls account store format history bookmarks tools".split()
)
TOP_STRIP = 0.06  # the status or menu bar: this share of the image's height, at the top
DIMMED = 0.75  # a row whose brighter side is below this share of the brightest row's is behind a dimming layer
FAINT = 0.6  # a row with less than this share of the strongest contrast is a footnote or caption
MIN_FULL_CONTRAST = 0.55  # ... but only when some row is in full contrast (a faded photo of a screen is all faint)


def is_red(line: Line) -> bool:
    """iOS and macOS draw errors in system red: far more red than green or blue."""
    r, g, b = line.colour
    return r >= 150 and r - max(g, b) >= 70


def is_button(text: str) -> bool:
    """A line that is only button labels ("Not Now", "Close Settings", "Cancel OK"), or a "< Back" link."""
    if text.lstrip()[:1] in ("<", "‹"):
        return True
    words = re.sub(r"[^\w'’<]+", " ", text.lower().replace("’", "'")).split()
    i = 0
    while i < len(words):
        for size in (3, 2, 1):
            if " ".join(words[i : i + size]) in _BUTTON_PHRASES:
                i += size
                break
        else:
            return False
    return bool(words)


def is_bar(line: Line, height: int) -> bool:
    """The status bar (clock, signal, battery) or a menu bar, at the top of the screen."""
    if line.box[1] > height * TOP_STRIP and not _CLOCK.match(line.text.strip()):
        return False
    text = line.text.strip()
    if _CLOCK.match(text) or _STATUS.match(text):
        return True
    words = re.findall(r"[a-z]+", text.lower())
    return len(words) >= 3 and sum(w in MENU_WORDS for w in words) >= len(words) - 1


def content(lines: Sequence[Line], height: int) -> list[Line]:
    """The lines that are not chrome, in reading order."""
    kept, seen = [], set()
    for line in lines:
        key = line.text.strip().lower()
        if key in seen or is_bar(line, height) or is_button(line.text):
            continue  # seen: a window's title repeated in its dialog's title bar
        seen.add(key)
        kept.append(line)
    if not kept:
        return []
    brightest = max(line.peak for line in kept)
    kept = [line for line in kept if line.peak >= brightest * DIMMED]
    red = [line for line in kept if is_red(line)]
    if red:
        return red
    strongest = max(line.contrast for line in kept)
    if strongest >= MIN_FULL_CONTRAST:
        kept = [line for line in kept if line.contrast >= strongest * FAINT]
    return kept


def join(lines: Sequence[Line]) -> str:
    """Lines as running text: a word hyphenated across lines is joined again."""
    text = ""
    for line in lines:
        words = line.text.strip()
        rejoin = text.endswith("-") and words[:1].islower()
        text = text[:-1] + words if rejoin else f"{text} {words}".strip()
    return text


def words(lines: Sequence[Line], height: int) -> str:
    """What the screen says, without its chrome."""
    return join(content(lines, height))

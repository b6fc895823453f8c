"""Personal data out of the words read: e-mail addresses (Apple IDs), phone numbers, device names.

Each is replaced by "•••", which reads as "hidden" to a person and is no word at all to the matcher, so a
redacted alert is understood as the unredacted one. Pure: imports only the standard library.
"""

from __future__ import annotations

import re

HIDDEN = "•••"
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 8 or more digits with the usual separators: +1 (408) 555-0123, 0151 2345 6789; not 0xE8000065 nor 4.2 GB
_PHONE = re.compile(r"(?<![\w.])\+?\d(?:[\s().-]{0,2}\d){7,14}(?![\w.])")
_DEVICE_WORDS = r"(?:iPhone|iPad|iPod|Mac|MacBook|iMac|PC|Watch)"
# the iPhone “Work phone”; “Anna’s iPhone”; "Work iPad": a quoted name after a device, naming one or someone's
# (not a quoted label: “Back Up This iPhone”, “Trust This Computer?”)
_QUOTED = re.compile(r"[\"“”„«]([^\"“”„«»\n]{1,60})[\"“”»]|‘([^‘’\n]{1,60})’")
_POSSESSIVE_DEVICE = re.compile(rf"\b[\w-]+\s?['’]s\s?{_DEVICE_WORDS}(?:\s(?:Pro|Air|mini|Max|Plus))*\b", re.I)
_NAMES_DEVICE = re.compile(rf"\b{_DEVICE_WORDS}\b|['’]s\b", re.I)
_LABEL = re.compile(r"\bthis\b", re.I)
_AFTER_DEVICE = re.compile(r"\b(?:iPhone|iPad|iPod|device)\s*$", re.I)


def redact(text: str) -> str:
    """`text` with e-mail addresses, phone numbers and device names replaced by •••."""
    text = _EMAIL.sub(HIDDEN, text)
    text = _PHONE.sub(HIDDEN, text)
    text = _QUOTED.sub(_quoted, text)
    return _POSSESSIVE_DEVICE.sub(HIDDEN, text)


def _quoted(match: re.Match[str]) -> str:
    inside = match.group(1) or match.group(2) or ""
    after_device = bool(_AFTER_DEVICE.search(match.string[: match.start()]))
    if after_device or (_NAMES_DEVICE.search(inside) and not _LABEL.search(inside)):
        return f"“{HIDDEN}”"
    return match.group(0)

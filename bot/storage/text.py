"""Text made safe to store: SQLite-encodable, and with e-mail addresses and phone numbers redacted."""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d\s().-]{7,}\d(?![\w])")


def storable(text: str) -> str:
    """Text SQLite can store: lone surrogates (from undecodable input) become U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def redact(text: str) -> str:
    """Replace e-mail addresses and phone numbers, keep everything else."""
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", storable(text)))

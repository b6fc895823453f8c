"""`python -m bot read-image FILE...`: each file through the worker, one JSON-ready dict per file, in order.

The caller passes the diagnosis as a function (text -> intent, category, score), so this module needs no engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from bot.vision.model import Limits, Reason, Unreadable
from bot.vision.worker import Reader

Diagnose = Callable[[str], tuple[str | None, str, float]]


def problem(reason: Reason, limits: Limits) -> str:
    """What went wrong with one file, in a few words."""
    return {
        "unavailable": "reading images needs the ocr extra: pip install '.[ocr]'",
        "empty": "empty file",
        "too_big": f"too large (over {limits.max_bytes // 2**20} MB or {limits.max_pixels // 10**6} megapixels)",
        "not_image": "not a readable image (PNG, JPEG, HEIC, WebP, GIF or BMP)",
        "no_text": "no text found in the image",
        "timeout": f"reading took longer than {limits.timeout:g} s",
        "busy": "too many images at once",
        "failed": "the image could not be read",
    }[reason]


def read_files(paths: Sequence[Path], diagnose: Diagnose, limits: Limits | None = None) -> Iterator[dict[str, Any]]:
    """One dict per path, as soon as it is read: {file, text, intent, category, score} or {file, error}."""
    limits = limits or Limits()
    loop = asyncio.new_event_loop()
    reader = Reader(limits, queue=1)
    try:
        for path in paths:
            yield loop.run_until_complete(_one(reader, path, diagnose, limits))
    finally:
        reader.close()
        loop.close()


async def _one(reader: Reader, path: Path, diagnose: Diagnose, limits: Limits) -> dict[str, Any]:
    name = str(path)
    try:
        with path.open("rb") as file:
            data = file.read(limits.max_bytes + 1)
    except OSError as exc:
        return {"file": name, "error": f"cannot open the file: {exc.strerror or type(exc).__name__}"}
    try:
        reading = await reader.read(data)
    except Unreadable as exc:
        return {"file": name, "error": problem(exc.reason, limits)}
    intent, category, score = diagnose(reading.text)
    return {"file": name, "text": reading.text, "intent": intent, "category": category, "score": round(score, 4)}

"""Without the ocr extra: nothing breaks, the Reader says "unavailable" at once and starts no process."""

from __future__ import annotations

import sys

import pytest

from bot import vision
from bot.vision.model import Unreadable
from bot.vision.worker import Reader


@pytest.fixture
def no_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr", None)  # `import rapidocr` now raises ImportError


def test_available_is_false_when_rapidocr_cannot_be_imported(no_ocr):
    assert not vision.available()


async def test_a_read_is_refused_politely_and_no_worker_starts(no_ocr):
    reader = Reader()
    await reader.start()
    with pytest.raises(Unreadable) as caught:
        await reader.read(b"\x89PNG\r\n\x1a\n")
    assert caught.value.reason == "unavailable"
    assert reader.pid is None and reader.rss() is None

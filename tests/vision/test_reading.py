"""Screenshots through the real worker and OCR, then the real Matcher: the diagnosis a typed alert would get.

One worker (and so one model load) serves the session (tests/conftest.py `ocr_reader`). Skipped without the `ocr` extra.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest
import pytest_asyncio

from bot import vision
from bot.engine.matcher import Matcher
from bot.vision.model import Limits, Reading, Unreadable
from bot.vision.worker import Reader

if not vision.available():
    pytest.skip("the ocr extra is not installed", allow_module_level=True)

from tests.vision.screens import Screen, font, png, screens, telegram_photo
from tests.vision.test_decode import HEIC, png_of_size

pytestmark = pytest.mark.asyncio(loop_scope="module")
SCREENS = screens()


READINGS: dict[bytes, Reading] = {}  # each photo is read once, however many tests look at it


async def read(reader: Reader, data: bytes) -> Reading:
    if data not in READINGS:
        READINGS[data] = await reader.read(data)
    return READINGS[data]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def reader(ocr_reader: Reader) -> Reader:
    """The session's one worker (tests/conftest.py), started."""
    await ocr_reader.start()
    return ocr_reader


def small() -> bytes:
    """Two words, quick to read: for the tests about the worker rather than the reading."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (360, 90), (255, 255, 255))
    ImageDraw.Draw(image).text((20, 20), "Backup failed", font=font(40), fill=(0, 0, 0))
    return png(image)


def photos() -> list[tuple[str, Screen, bytes]]:
    return [
        (f"{screen.name}-{variant}", screen, telegram_photo(screen.image, box))
        for screen in SCREENS
        for variant, box in (("photo", None), ("cropped", screen.crop))
    ]


@pytest.mark.parametrize(("name", "screen", "data"), photos(), ids=[name for name, _, _ in photos()])
async def test_a_screenshot_gets_the_diagnosis_of_its_alert(reader: Reader, matcher: Matcher, name, screen, data):
    reading = await read(reader, data)
    assert screen.words.lower() in reading.text.lower(), reading.text
    assert matcher.match(reading.text).intent == screen.intent, reading.text
    assert "Anna" not in reading.text  # the device's name, redacted (and the account's name behind, dimmed)
    assert not any("Anna's" in line or "Anna’s" in line for line in reading.lines)
    assert 0.5 <= reading.confidence <= 1


async def test_a_heic_file_is_read_too(reader: Reader, matcher: Matcher):
    pytest.importorskip("pi_heif")
    reading = await read(reader, HEIC.read_bytes())
    assert "not enough iCloud storage" in reading.text
    assert matcher.match(reading.text).intent == "icloud_full"


async def test_the_chrome_cleaner_is_what_makes_some_diagnoses_right(reader: Reader, matcher: Matcher):
    """Every line OCR found, joined, sends some of the screens to another cause; the cleaned words none."""
    wrong_raw, wrong_clean = [], []
    for screen in SCREENS:
        reading = await read(reader, telegram_photo(screen.image))
        if matcher.match(" ".join(reading.lines)).intent != screen.intent:
            wrong_raw.append(screen.name)
        if matcher.match(reading.text).intent != screen.intent:
            wrong_clean.append(screen.name)
    assert wrong_clean == [] and wrong_raw, (wrong_raw, wrong_clean)


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("empty", "empty"),
        ("truncated", "not_image"),
        ("random", "not_image"),
        ("huge", "too_big"),
        ("blank", "no_text"),
    ],
)
async def test_junk_gets_a_reason_not_a_crash(reader: Reader, kind: str, reason: str):
    from PIL import Image

    photo = telegram_photo(SCREENS[0].image)
    data = {
        "empty": b"",
        "truncated": photo[: len(photo) // 3],
        "random": os.urandom(20_000),
        "huge": png_of_size(20000, 20000),
        "blank": png(Image.new("RGB", (900, 600), (210, 225, 240))),
    }[kind]
    with pytest.raises(Unreadable) as caught:
        await reader.read(data)
    assert caught.value.reason == reason
    assert reader.pid is not None  # the worker is still there


async def test_a_bounded_queue_says_busy_at_once(reader: Reader):
    reader.queue = 2
    try:
        results = await asyncio.gather(*(reader.read(small()) for _ in range(3)), return_exceptions=True)
    finally:
        reader.queue = 4
    busy = [r for r in results if isinstance(r, Unreadable)]
    assert len(busy) == 1 and busy[0].reason == "busy"
    assert sum(not isinstance(r, BaseException) for r in results) == 2


async def test_an_image_over_its_time_is_given_up_and_the_worker_goes_on(reader: Reader):
    """The alarm inside the worker stops a slow image; the same worker reads the next one."""
    reader.limits, pid = Limits(timeout=0.01), reader.pid
    try:
        with pytest.raises(Unreadable) as caught:
            await reader.read(telegram_photo(SCREENS[0].image))
    finally:
        reader.limits = Limits(timeout=60)
    assert caught.value.reason == "timeout"
    assert (await reader.read(small())).text == "Backup failed"
    assert reader.pid == pid


def running(pid: int) -> bool:
    """True while the process exists and is no zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def stubborn(seconds: float) -> None:
    """A job that ignores the worker's alarm, like a decoder stuck in C code."""
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    time.sleep(seconds)


async def test_a_worker_that_hangs_is_killed_and_replaced(reader: Reader):
    """Runs last in this module: the replacement loads the models again."""
    pid = reader.pid
    assert pid is not None
    reader.limits, reader.grace = Limits(timeout=0.2), 0.3
    try:
        with pytest.raises(Unreadable) as caught:
            await reader._run(stubborn, 30)
    finally:
        reader.limits, reader.grace = Limits(timeout=60), 5.0
    assert caught.value.reason == "timeout"
    deadline = time.monotonic() + 10
    while running(pid) and time.monotonic() < deadline:  # SIGKILL is sent; the kernel takes a moment
        await asyncio.sleep(0.05)
    assert not running(pid)
    assert (await reader.read(small())).text == "Backup failed"
    assert reader.pid not in (None, pid)

"""Screenshots end to end: a photo or an image file through the fake Bot API (getFile and the download on
127.0.0.1) to the real Application, the real OCR worker and the real matcher, and the answer back.

One worker serves the session (tests/conftest.py `ocr_reader`). Skipped without the ocr extra.
"""

from __future__ import annotations

import asyncio

import pytest

from bot import vision
from bot.engine.model import Catalog
from bot.storage import Store
from tests.conftest import KeptReader
from tests.tg.conftest import BotFactory
from tests.tg.fake_bot_api import BOT_USERNAME, FakeBotApi

if not vision.available():
    pytest.skip("the ocr extra is not installed", allow_module_level=True)

from tests.vision.screens import png, screens, telegram_photo

GROUP = -100777
SCREENS = {screen.name: screen for screen in screens()}


@pytest.fixture
def reader(ocr_reader: KeptReader) -> KeptReader:
    """The session's one worker (tests/conftest.py): the application's shutdown does not stop it."""
    return ocr_reader


def photo(name: str, *, cropped: bool = True) -> bytes:
    screen = SCREENS[name]
    return telegram_photo(screen.image, screen.crop if cropped else None)


async def test_a_photo_of_an_alert_is_read_and_diagnosed(
    fake: FakeBotApi, bot: BotFactory, reader: KeptReader, catalog: Catalog, db_path
) -> None:
    async with bot(reader=reader):
        fake.send_photo(31, photo("ios_alert_light", cropped=False))
        (text,) = await fake.wait_sent_exactly(31, 1, timeout=120)
    said, _, rest = text.partition("\n\n")
    assert said.startswith("I can read: “Not Enough Storage This iPhone cannot be backed up because there is not")
    assert rest.startswith(catalog.text("intent_start", title=catalog.intents["icloud_full"].title))
    actions = fake.calls("sendChatAction")
    assert actions and actions[0].params["action"] == "typing" and int(actions[0].params["chat_id"]) == 31
    assert len(fake.downloads()) == 1  # the full-size photo, not its thumbnail
    store = Store.open(db_path)
    try:
        rows = store.query("SELECT text FROM turns WHERE user_id = 31")
        assert len(rows) == 1 and "not enough iCloud storage" in rows[0][0]  # the words, as if typed
        assert store.query("SELECT count(*) FROM turns WHERE text LIKE '%JFIF%'") == [(0,)]
    finally:
        store.close()


async def test_an_image_file_is_read_and_other_files_are_not(
    fake: FakeBotApi, bot: BotFactory, reader: KeptReader, catalog: Catalog
) -> None:
    screen = SCREENS["finder_dialog"]
    async with bot(reader=reader):
        fake.send_document(32, png(screen.image.crop(screen.crop)), "Screenshot 2026-12-07.png", "image/png")
        (text,) = await fake.wait_sent_exactly(32, 1, timeout=120)
        fake.send_document(32, b"%PDF-1.7 ...", "error.pdf", "application/pdf")
        fake.send_media(32, "sticker")
        texts = await fake.wait_sent_exactly(32, 3)
    assert "I can read: “The iPhone “•••” could not be backed up because not enough free space" in text
    assert catalog.text("intent_start", title=catalog.intents["computer_disk_full"].title) in text
    assert texts[1:] == [catalog.text("unsupported_media")] * 2
    assert len(fake.downloads()) == 1  # the PDF is never fetched


async def test_in_a_group_a_photo_is_read_only_when_addressed(
    fake: FakeBotApi, bot: BotFactory, reader: KeptReader, catalog: Catalog
) -> None:
    async with bot(reader=reader):
        fake.send_photo(33, photo("itunes_dialog"), chat_id=GROUP)  # members sharing pictures: not for us
        await asyncio.sleep(0.5)
        assert fake.sent(GROUP) == [] and fake.downloads() == []
        update = fake.send_photo(33, photo("itunes_dialog"), chat_id=GROUP, caption=f"@{BOT_USERNAME} help?")
        (text,) = await fake.wait_sent_exactly(GROUP, 1, timeout=120)
    assert text.startswith("I can read: “") and "could not back up the iPhone “•••” because the iPhone disc" in text
    assert catalog.intents["cable_or_port"].title in text
    (sent,) = fake.sent(GROUP)
    assert sent["reply_parameters"]["message_id"] == update["message"]["message_id"]  # answered as a reply


async def test_junk_gets_a_friendly_answer_and_forget_removes_the_words(
    fake: FakeBotApi, bot: BotFactory, reader: KeptReader, catalog: Catalog, db_path
) -> None:
    from PIL import Image

    async with bot(reader=reader):
        fake.send_document(34, b"\x89PNG\r\n\x1a\n truncated", "broken.png", "image/png")
        fake.send_photo(34, png(Image.new("RGB", (800, 600), (230, 230, 235))))
        fake.send_photo(34, photo("settings_red_line"))
        texts = await fake.wait_sent_exactly(34, 3, timeout=120)
        fake.send_text(34, "/forget")
        await fake.wait_sent_exactly(34, 4)
    assert texts[:2] == [catalog.text("image_unreadable")] * 2
    assert texts[2].startswith("I can read: “The last backup could not be completed.”")
    store = Store.open(db_path)
    try:
        assert store.query("SELECT count(*) FROM turns WHERE user_id = 34") == [(0,)]
    finally:
        store.close()

"""The fake Bot API's files: getFile and the download on 127.0.0.1, through PTB's own File.download (the path
the bot takes for a screenshot)."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import BadRequest

from tests.tg.conftest import TOKEN
from tests.tg.fake_bot_api import FakeBotApi


async def test_a_photo_is_fetched_as_telegram_serves_it(fake: FakeBotApi):
    data = bytes(range(256)) * 40
    update = fake.send_photo(5, data, caption="see this")
    photo = update["message"]["photo"]
    assert [size["width"] for size in photo] == [90, 1280] and update["message"]["caption"] == "see this"
    async with Bot(TOKEN, base_url=fake.api_url, base_file_url=fake.file_url) as bot:
        file = await bot.get_file(photo[-1]["file_id"])
        assert file.file_size == len(data)
        assert bytes(await file.download_as_bytearray()) == data
        with pytest.raises(BadRequest):
            await bot.get_file("nope")
    assert fake.downloads() == [f"files/{photo[-1]['file_id']}.bin"]


async def test_a_document_keeps_its_name_and_type(fake: FakeBotApi):
    update = fake.send_document(5, b"%PDF-1.7", "report.pdf", "application/pdf")
    document = update["message"]["document"]
    assert (document["file_name"], document["mime_type"], document["file_size"]) == ("report.pdf", "application/pdf", 8)

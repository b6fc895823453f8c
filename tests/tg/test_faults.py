"""Faults between the bot and Telegram: nothing lost, nothing sent twice, the bot keeps running."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.engine.machine import Engine
from bot.engine.model import Catalog
from bot.metrics import Metrics
from tests.tg.conftest import ICLOUD_MENU, MENU, BotFactory, joined
from tests.tg.fake_bot_api import FakeBotApi


async def _walk(fake: FakeBotApi, user_id: int, catalog: Catalog) -> list[str]:
    """/start, then press the first menu button (one message each); returns every text sent."""
    fake.send_text(user_id, "/start")
    await fake.wait_sent(user_id, 1, timeout=15)
    fake.press_label(user_id, user_id, "iCloud (on the phone, no cable)")
    return await fake.wait_sent(user_id, 2, timeout=15)


@pytest.mark.parametrize("kind", ["429", "500", "drop"])
async def test_send_faults_are_retried_exactly_once(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog, kind: str
) -> None:
    # A 429 (waited out for retry_after), two 500s or two dropped connections on sendMessage, plus a fault
    # on the edit and the callback answer: every reply arrives, none twice.
    fake.fail("sendMessage", kind, times=1 if kind == "429" else 2)
    fake.fail("editMessageText", kind)
    fake.fail("answerCallbackQuery", kind)
    async with bot():
        texts = await _walk(fake, 21, catalog)
        await fake.wait_for(lambda: len(fake.calls("editMessageText")) == 1)
        await asyncio.sleep(0.2)
    assert texts == [joined(catalog.text("greeting"), MENU), ICLOUD_MENU]
    assert len(fake.sent(21)) == 2  # nothing sent twice
    assert len(fake.calls("sendMessage", ok_only=False)) == 2 + (1 if kind == "429" else 2)
    assert len(fake.calls("answerCallbackQuery")) == 1
    assert fake.bot_messages(21)[0]["text"] == joined(
        catalog.text("greeting"), MENU, "» iCloud (on the phone, no cable)"
    )


async def test_polling_survives_get_updates_faults(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # getUpdates answering 500 or dropping: PTB's updater retries; each update is handled once.
    async with bot():
        fake.fail("getUpdates", "500")
        fake.fail("getUpdates", "drop")
        texts = await _walk(fake, 22, catalog)
        await asyncio.sleep(0.2)
    assert texts == [joined(catalog.text("greeting"), MENU), ICLOUD_MENU]
    assert len(fake.sent(22)) == 2


async def test_error_in_a_handler_is_apologised_and_the_bot_goes_on(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An unexpected exception: logged, the person gets a short apology, the next message works.
    real = Engine.respond
    calls = {"n": 0}

    def flaky(self: Engine, *args: object) -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("boom")
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Engine, "respond", flaky)
    async with bot():
        fake.send_text(23, "/start")
        await fake.wait_sent(23, 1)
        fake.send_text(23, "/start")
        texts = await fake.wait_sent_exactly(23, 2)
    assert texts == [catalog.text("error"), joined(catalog.text("greeting"), MENU)]


async def test_a_400_is_never_retried(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # "Bad Request: chat not found" is permanent: PTB's BadRequest subclasses NetworkError, but resending it
    # only holds the conversation. One try for the reply, one for the apology, and the bot goes on.
    fake.fail("sendMessage", "400", times=20)
    async with bot():
        fake.send_text(24, "/start")
        await fake.wait_for(lambda: len(fake.calls("sendMessage", ok_only=False)) >= 2)
        await asyncio.sleep(0.3)
        assert len(fake.calls("sendMessage", ok_only=False)) == 2  # the reply and the apology, once each
        fake.clear_faults()
        fake.send_text(24, "/start")
        texts = await fake.wait_sent_exactly(24, 1)
    assert texts == [joined(catalog.text("greeting"), MENU)]


async def test_an_update_ptb_cannot_parse_is_skipped_and_polling_goes_on(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog, caplog: pytest.LogCaptureFixture
) -> None:
    # One batch: a good update, one PTB cannot parse (its chat has no type, as from a Bot API server of
    # another version), another good one, and a bad one last. Both good ones are answered, the bad ones are
    # skipped with their ids only in the log, counted, and confirmed (the offset moves past the last one).
    private = "my private words about the backup"
    bad = {
        "message_id": 5,
        "date": 0,
        "chat": {"id": 27},
        "text": private,
        "from": {"id": 27, "is_bot": False, "first_name": "U"},
    }
    fake.send_text(25, "/start")
    first_bad = fake.send_raw(message=bad)["update_id"]
    fake.send_text(26, "/start")
    last_bad = fake.send_raw(message=bad)["update_id"]
    metrics = Metrics()
    async with bot(metrics=metrics):
        await fake.wait_sent(25, 1)
        await fake.wait_sent(26, 1)
        await fake.wait_for(lambda: fake.confirmed > last_bad, what="the offset past the bad update")
        fake.send_text(25, "1")
        await fake.wait_sent(25, 2)
    assert metrics.skipped_updates._value.get() == 2
    skipped = [r.getMessage() for r in caplog.records if "could not be parsed" in r.getMessage()]
    assert skipped == [
        f"update {first_bad} could not be parsed, skipped (TypeError)",
        f"update {last_bad} could not be parsed, skipped (TypeError)",
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert private not in caplog.text

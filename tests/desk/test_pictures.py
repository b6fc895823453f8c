"""A picture as a turn (bot/desk/pictures.py) on the reader's memory twin: what the person is told, what is
recorded, and what is never fetched. The real OCR is tested in tests/vision and end to end in tests/tg."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.desk.memory import MemoryReader, MemoryStore
from bot.desk.pictures import Picture
from bot.desk.turn import Conversations
from bot.engine.machine import Engine
from bot.engine.model import Catalog, Command
from bot.vision.model import Limits, Unreadable
from tests.desk.conftest import ALICE, Desk

ALERT = "This iPhone cannot be backed up because there is not enough iCloud storage available."
FULL = "Got it: iCloud storage is full."


def picture_desk(engine: Engine, reader: MemoryReader | None) -> Desk:
    store = MemoryStore()
    return Desk(Conversations(engine, store, reader=reader, max_input=2000), store, None)  # type: ignore[arg-type]


def image(text: str, fetched: list[bytes] | None = None) -> Callable[[], Awaitable[bytes]]:
    """A front-end's fetch: the twin's "image" is its text; `fetched` records that it was called."""

    async def fetch() -> bytes:
        data = text.encode()
        if fetched is not None:
            fetched.append(data)
        return data

    return fetch


@pytest.fixture
def desk(handoff_engine: Engine) -> Desk:
    return picture_desk(handoff_engine, MemoryReader())


async def test_the_words_read_go_on_as_if_typed(desk: Desk, catalog: Catalog) -> None:
    turn = await desk.send(ALICE, Picture(image(ALERT)))
    said, *rest = turn.reply.messages
    assert said == catalog.text("image_read", text=ALERT)
    assert rest[0] == FULL and catalog.text("image_unsure") not in rest
    typed = await picture_desk(desk.conversations.engine, MemoryReader()).say(ALICE, ALERT)
    assert tuple(rest) == typed.reply.messages and turn.reply.buttons == typed.reply.buttons
    (row,) = desk.store.sessions.turns
    assert row.what[0] == ALERT  # the words are recorded as a typed message's are; the image is not kept


async def test_the_caption_counts_as_words_too(desk: Desk) -> None:
    turn = await desk.send(ALICE, Picture(image("iPhone Backup Failed"), caption="on my iphone 15, icloud is full"))
    assert FULL in turn.reply.messages
    (row,) = desk.store.sessions.turns
    assert row.what[0] == "on my iphone 15, icloud is full iPhone Backup Failed"


async def test_personal_data_in_the_picture_is_redacted_before_it_is_said_or_kept(desk: Desk) -> None:
    text = "Enter the Apple ID password for anna@example.com on “Anna’s iPhone”"
    turn = await desk.send(ALICE, Picture(image(text)))
    assert "anna" not in turn.reply.messages[0].lower()
    assert all("anna" not in str(row.what).lower() for row in desk.store.sessions.turns)


async def test_an_unsure_reading_is_asked_about(handoff_engine: Engine, catalog: Catalog) -> None:
    desk = picture_desk(handoff_engine, MemoryReader(confidence=0.6))
    turn = await desk.send(ALICE, Picture(image(ALERT)))
    assert turn.reply.messages[:2] == (catalog.text("image_read", text=ALERT), catalog.text("image_unsure"))
    assert FULL in turn.reply.messages  # and the diagnosis goes on: a wrong reading is corrected by typing


async def test_words_that_match_nothing_are_asked_about(desk: Desk, catalog: Catalog) -> None:
    turn = await desk.send(ALICE, Picture(image("Happy birthday! See you at the party tonight")))
    assert turn.reply.messages[1] == catalog.text("image_unsure")


async def test_no_reader_means_a_polite_request_and_nothing_fetched(handoff_engine: Engine, catalog: Catalog) -> None:
    for reader in (None, MemoryReader(available=False)):
        desk, fetched = picture_desk(handoff_engine, reader), []
        turn = await desk.send(ALICE, Picture(image(ALERT, fetched)))
        assert turn.reply.messages == (catalog.text("image_unavailable"),)
        assert fetched == [] and desk.store.sessions.turns == []


async def test_a_file_too_large_is_refused_before_it_is_fetched(handoff_engine: Engine, catalog: Catalog) -> None:
    desk, fetched = picture_desk(handoff_engine, MemoryReader(limits=Limits(max_bytes=1000))), []
    turn = await desk.send(ALICE, Picture(image(ALERT, fetched), size=5000))
    assert turn.reply.messages == (catalog.text("image_too_big"),) and fetched == []


async def test_an_unreadable_picture_gets_the_words_asked_for(desk: Desk, catalog: Catalog) -> None:
    turn = await desk.send(ALICE, Picture(image("   ")))
    assert turn.reply.messages == (catalog.text("image_unreadable"),)

    async def broken() -> bytes:
        raise Unreadable("failed")  # the download failed

    turn = await desk.send(ALICE, Picture(broken))
    assert turn.reply.messages == (catalog.text("image_unreadable"),)


async def test_with_a_caption_an_unreadable_picture_goes_by_the_caption(desk: Desk, catalog: Catalog) -> None:
    turn = await desk.send(ALICE, Picture(image(""), caption="icloud storage is full"))
    assert turn.reply.messages[:2] == (catalog.text("image_caption_only"), FULL)


async def test_forget_removes_the_words_read(desk: Desk) -> None:
    await desk.send(ALICE, Picture(image(ALERT)))
    assert desk.store.sessions.turns
    await desk.send(ALICE, Command("forget"))
    assert desk.store.sessions.turns == []

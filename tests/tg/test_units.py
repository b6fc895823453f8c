"""The adapter's small pure parts: splitting, keyboards, conversation keys, logging, health."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
import urllib.request

from telegram import Update

from bot.config import Secret, Settings
from bot.desk.continuation import Link
from bot.engine.model import Button, Reply
from bot.health import HealthServer
from bot.metrics import Metrics
from bot.tg import masking
from bot.tg.app import TokenFilter, configure_logging, file_url
from bot.tg.conversation import OrderedUpdateProcessor, key_of
from bot.tg.inbound import command_descriptions
from bot.tg.render import MAX_MESSAGE, Outgoing, mark_answered, render_reply, split_text
from tests.tg.conftest import free_port


def test_a_link_button_goes_below_the_options() -> None:
    # The continue-in-private link is one URL button after the question's options, or alone without them.
    (out,) = render_reply(Reply(("Which one?",), (Button("1:a", "A"),)), Link("Go private", "https://t.me/b?start=c_x"))
    assert out.keyboard is not None
    rows = out.keyboard.inline_keyboard
    assert [(b.text, b.callback_data, b.url) for row in rows for b in row] == [
        ("A", "1:a", None),
        ("Go private", None, "https://t.me/b?start=c_x"),
    ]
    (alone,) = render_reply(Reply(("Hello.",)), Link("Go", "https://t.me/b"))
    assert alone.keyboard is not None and len(alone.keyboard.inline_keyboard) == 1


def test_split_text_keeps_pieces_within_the_limit_and_cuts_at_boundaries() -> None:
    # Paragraphs are kept whole where possible; nothing is lost except the whitespace at the cuts.
    text = "\n\n".join(f"Paragraph {i}. " + "word " * 300 for i in range(10))
    pieces = split_text(text)
    assert len(pieces) > 1 and all(len(p) <= MAX_MESSAGE for p in pieces)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
    assert all(p.startswith("Paragraph") for p in pieces)
    assert split_text("x" * 9000) == ["x" * 4096, "x" * 4096, "x" * 808]  # no boundary: hard cuts
    assert split_text("short") == ["short"]


def test_render_reply_joins_a_replys_messages_into_as_few_as_fit() -> None:
    buttons = (Button("1:a", "A"), Button("1:b", "B"))
    # Usually one Telegram message: the engine's messages joined by a blank line, empty ones left out.
    (one,) = render_reply(Reply(("Hello.", "", "Which one?", "  \n"), buttons))
    assert one.text == "Hello.\n\nWhich one?"
    assert one.keyboard is not None
    assert [[b.callback_data for b in row] for row in one.keyboard.inline_keyboard] == [["1:a"], ["1:b"]]
    assert render_reply(Reply(("only",))) == [Outgoing("only")]
    # Over the limit: cut at the blank line between messages, every piece within it, keyboard on the last.
    first, second, third = " ".join("a" * 1500), " ".join("b" * 1500), "Which one?"
    outs = render_reply(Reply((first, second, third), buttons))
    assert [o.text for o in outs] == [first, second + "\n\n" + third]
    assert all(len(o.text) <= MAX_MESSAGE for o in outs)
    assert [o.keyboard is None for o in outs] == [True, False]
    assert render_reply(Reply(("", " ", "\n\n"), buttons)) == []


def test_keyboard_goes_on_the_last_piece_one_button_per_row() -> None:
    reply = Reply(("a" * 5000, "question?"), (Button("1:a", "A"), Button("1:b", "B")))
    outs = render_reply(reply)
    assert [o.text for o in outs] == ["a" * 4096, "a" * 904 + "\n\nquestion?"]  # no boundary: a hard cut
    assert [o.keyboard is None for o in outs] == [True, False]
    last = outs[-1].keyboard
    assert last is not None
    assert [[b.callback_data for b in row] for row in last.inline_keyboard] == [["1:a"], ["1:b"]]
    assert render_reply(Reply(())) == []


def test_mark_answered_stays_within_the_limit() -> None:
    assert mark_answered("Where?", "iCloud") == "Where?\n\n» iCloud"
    assert len(mark_answered("q" * 4096, "label")) == MAX_MESSAGE


def _update(data: dict) -> Update:
    return Update.de_json(data, None)


def test_conversation_key_uses_the_forum_topic_but_not_reply_threads() -> None:
    chat = {"id": -5, "type": "supergroup", "title": "g"}
    person = {"id": 9, "is_bot": False, "first_name": "p"}
    base = {"message_id": 3, "date": 0, "chat": chat, "from": person, "text": "hi"}
    assert key_of(_update({"update_id": 1, "message": base})) == "tg:-5:0:9"
    topic = {**base, "message_thread_id": 4, "is_topic_message": True}
    assert key_of(_update({"update_id": 2, "message": topic})) == "tg:-5:4:9"
    reply_thread = {**base, "message_thread_id": 2}  # a reply chain in a plain group, not a topic
    assert key_of(_update({"update_id": 3, "message": reply_thread})) == "tg:-5:0:9"
    query = {"id": "q", "from": person, "chat_instance": "c", "data": "1:0", "message": topic}
    assert key_of(_update({"update_id": 4, "callback_query": query})) == "tg:-5:4:9"
    assert key_of(object()) is None


async def test_ordered_processor_serialises_one_key_and_forgets_idle_locks() -> None:
    processor = OrderedUpdateProcessor(16)
    chat = {"id": 1, "type": "private", "first_name": "p"}
    events: list[str] = []

    async def work(name: str, delay: float) -> None:
        events.append(f"{name}+")
        await asyncio.sleep(delay)
        events.append(f"{name}-")

    def update(i: int, user: int) -> Update:
        return _update(
            {
                "update_id": i,
                "message": {
                    "message_id": i,
                    "date": 0,
                    "chat": {**chat, "id": user},
                    "from": {"id": user, "is_bot": False, "first_name": "p"},
                    "text": "x",
                },
            }
        )

    await asyncio.gather(
        processor.process_update(update(1, 1), work("a", 0.05)),
        processor.process_update(update(2, 1), work("b", 0.0)),
        processor.process_update(update(3, 2), work("c", 0.0)),
    )
    assert events.index("a-") < events.index("b+")  # same conversation: one after the other, in order
    assert events.index("c-") < events.index("a-")  # another conversation did not wait
    assert len(processor) == 0


async def test_ordered_processor_reports_each_update_done_but_not_one_a_shutdown_cancelled() -> None:
    done: list[int] = []
    processor = OrderedUpdateProcessor(16, on_done=lambda u: done.append(u.update_id))  # type: ignore[attr-defined]
    processor.guard(lambda u: asyncio.sleep(0) if u.update_id == 3 else None, lambda: None)  # type: ignore[attr-defined]

    def update(i: int) -> Update:
        chat = {"id": 1, "type": "private", "first_name": "p"}
        sender = {"id": 1, "is_bot": False, "first_name": "p"}
        return _update({"update_id": i, "message": {"message_id": i, "date": 0, "chat": chat, "from": sender}})

    async def fails() -> None:
        raise RuntimeError("handler bug")

    await processor.process_update(update(1), asyncio.sleep(0))  # handled
    with contextlib.suppress(RuntimeError):
        await processor.process_update(update(2), fails())  # failed: not retried for ever
    await processor.process_update(update(3), asyncio.sleep(0))  # dropped by the flood screen
    stuck = asyncio.ensure_future(processor.process_update(update(4), asyncio.sleep(10)))
    await asyncio.sleep(0.01)
    stuck.cancel()  # a shutdown: still to do
    with contextlib.suppress(asyncio.CancelledError):
        await stuck
    assert done == [1, 2, 3]


def test_token_filter_masks_the_token_in_messages_arguments_and_tracebacks() -> None:
    token = "123456:SECRET-token"
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "POST %s failed", (f"/bot{token}/getMe",), None)
    try:
        raise RuntimeError(f"https://api.telegram.org/bot{token}/sendMessage")
    except RuntimeError as exc:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    TokenFilter(token).filter(record)
    text = logging.Formatter().format(record)
    assert token not in text and "<token>" in text


def test_configure_logging_quiets_httpx_and_installs_the_filter() -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    hooks = sys.excepthook, threading.excepthook, masking.quiet_startup.active
    try:
        configure_logging(Settings(token=Secret("1:abc")))
        assert logging.getLogger("httpx").level == logging.WARNING
        assert logging.getLogger("httpcore").level == logging.WARNING
        assert any(isinstance(f, TokenFilter) for f in handler.filters)
    finally:
        root.removeHandler(handler)
        sys.excepthook, threading.excepthook, masking.quiet_startup.active = hooks


def test_file_url_and_command_descriptions() -> None:
    assert file_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert command_descriptions("start: Begin\nnot a command\nhelp: Help me") == [
        ("start", "Begin"),
        ("help", "Help me"),
    ]


def test_health_server_serves_healthz_and_metrics() -> None:
    metrics = Metrics()
    metrics.updates.labels("text").inc()
    metrics.matches.labels("storage").inc(2)
    server = HealthServer(metrics, free_port()).start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        assert urllib.request.urlopen(f"{base}/healthz", timeout=5).read() == b"ok"
        body = urllib.request.urlopen(f"{base}/metrics", timeout=5).read().decode()
    finally:
        server.stop()
    assert 'bot_updates_total{kind="text"} 1.0' in body
    assert 'bot_matches_total{category="storage"} 2.0' in body

"""At-least-once replies: `kill -9` in a burst loses no reply and handles no update twice.

With polling, PTB confirms a batch to Telegram as soon as it has fetched it, so without the update journal
every update fetched but not yet answered at the kill was gone for good (12 of 40 in the red team's run).
"""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

from tests.tg.fake_bot_api import FakeBotApi
from tests.tg.test_process import _integrity, _start, _stop, _wait

SAID = ("my icloud backup keeps failing", "1")  # what each person sends, both at once


def _texts(fake: FakeBotApi, user_id: int) -> list[str]:
    return [str(p["text"]) for p in fake.sent(user_id)]


def _turns(db_path: Path) -> dict[int, int]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT user_id, COUNT(*) FROM turns GROUP BY user_id").fetchall()
    return {int(user): int(count) for user, count in rows}


def _subsequence(wanted: list[str], got: list[str]) -> bool:
    rest = iter(got)
    return all(any(text == seen for seen in rest) for text in wanted)


def _burst(fake: FakeBotApi, people: range) -> None:
    for user_id in people:
        for text in SAID:
            fake.send_text(user_id, text)


def _expected(fake: FakeBotApi, tmp_path: Path) -> list[str]:
    """What a person who sends SAID gets from a bot that is never killed (a control run, its own database)."""
    people = range(3000, 3020)
    _burst(fake, people)
    process = _start(fake, tmp_path / "control.sqlite3")
    try:
        _wait(lambda: all(len(fake.sent(u)) >= len(SAID) for u in people), 30, "the control run's answers")
        _stop(process, signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
    answers = {tuple(_texts(fake, u)) for u in people}
    assert len(answers) == 1, answers  # the same for everyone, so each person's answers can be checked
    return list(answers.pop())


def test_kill_9_in_a_burst_loses_no_reply_and_doubles_no_turn(fake: FakeBotApi, tmp_path: Path) -> None:
    expected = _expected(fake, tmp_path)
    assert len(expected) == len(SAID)
    people = range(1100, 1120)
    db_path = tmp_path / "bot.sqlite3"
    sent_before = len(fake.sent())
    _burst(fake, people)  # 40 updates waiting: the first getUpdates fetches them all
    last = fake.next_update_id() - 1
    process = _start(fake, db_path)
    try:
        _wait(lambda: len(fake.sent()) - sent_before >= 10, 30, "the first answers")
        process.kill()
        process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    after_kill = {u: len(fake.sent(u)) for u in people}
    assert fake.confirmed > last, "Telegram was told every update was received"
    assert sum(after_kill.values()) < len(people) * len(SAID), "the kill came mid-burst"
    process = _start(fake, db_path)
    try:
        _wait(lambda: all(len(fake.sent(u)) >= len(SAID) for u in people), 30, "every reply after the restart")
        _wait(lambda: not _pending(db_path), 10, "the journal emptied")
        log = _stop(process, signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
    for user_id in people:
        got = _texts(fake, user_id)
        assert _subsequence(expected, got), (user_id, got)  # the reply to every message, in order
        assert set(got) <= set(expected), (user_id, got)  # nothing but those replies (a lost send may repeat)
    assert _turns(db_path) == {u: len(SAID) for u in people}  # every message handled once
    assert _integrity(db_path) == "ok"
    assert "Traceback" not in log


def _pending(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM update_journal").fetchone()[0])

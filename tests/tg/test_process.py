"""The real `python -m bot run` process against the fake Bot API: bursts, SIGTERM, SIGKILL, restarts."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.tg.conftest import ICLOUD_MENU, MENU, TOKEN, free_port, joined
from tests.tg.fake_bot_api import BOT_USER, FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
USERS = range(1000, 1040)


def _start(fake: FakeBotApi, db_path: Path, health_port: int = 0) -> subprocess.Popen[bytes]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.api_url,
        "BOT_DB": str(db_path),
        "HEALTH_PORT": str(health_port),
        "LOG_LEVEL": "INFO",
        "PTB_TIMEDELTA": "1",
    }
    # cwd is the database's folder, so a developer's .env in the project root is not read
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=db_path.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _stop(process: subprocess.Popen[bytes], sig: int) -> str:
    process.send_signal(sig)
    out, _ = process.communicate(timeout=20)
    return out.decode(errors="replace")


def _integrity(db_path: Path) -> str:
    with sqlite3.connect(db_path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def _answered(fake: FakeBotApi, user_id: int) -> int:
    return len(fake.sent(user_id))


def test_sigterm_mid_burst_then_restart(fake: FakeBotApi, tmp_path: Path) -> None:
    # 40 people write at once; SIGTERM arrives mid-burst. Every accepted update is answered before the
    # process exits or by the next process, none twice; health and metrics answer; the database is intact.
    db_path = tmp_path / "bot.sqlite3"
    health = free_port()
    process = _start(fake, db_path, health)
    try:
        _wait(lambda: fake.calls("setMyCommands"), 20, "start-up")
        assert urllib.request.urlopen(f"http://127.0.0.1:{health}/healthz", timeout=5).read() == b"ok"
        for user_id in USERS:
            fake.send_text(user_id, "/start")
        _wait(lambda: len(fake.sent()) >= 10, 20, "the first answers")
        log = _stop(process, signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, log
    first_round = {u: _answered(fake, u) for u in USERS}
    assert all(n in (0, 1) for n in first_round.values()), first_round  # one message per reply, never twice
    for user_id in USERS:
        fake.send_text(user_id, "1")  # everyone goes on to the iCloud menu
    process = _start(fake, db_path)
    try:
        _wait(
            lambda: (
                all(_answered(fake, u) == 2 for u in USERS if first_round[u])
                and all(_answered(fake, u) >= 2 for u in USERS)
            ),
            30,
            "every conversation answered",
        )
        time.sleep(0.3)
        log += _stop(process, signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, log
    for user_id in USERS:
        texts = [p["text"] for p in fake.sent(user_id)]
        # the greeting with the menu, then the iCloud menu: nothing lost, nothing twice
        assert len(texts) == 2, texts
        assert texts[0].endswith(joined("", MENU)) and texts[1] == ICLOUD_MENU, texts
    assert _integrity(db_path) == "ok"
    assert TOKEN not in log


def test_sigkill_mid_burst_then_restart(fake: FakeBotApi, tmp_path: Path) -> None:
    # kill -9 in the middle of a burst: the database is intact, and after the restart every conversation
    # goes on from its last recorded turn: a press on the menu works for everyone whose /start was recorded,
    # everyone else gets the menu again. (Replies in flight at the kill come after the restart:
    # tests/tg/test_journal.py.)
    db_path = tmp_path / "bot.sqlite3"
    process = _start(fake, db_path)
    try:
        _wait(lambda: fake.calls("setMyCommands"), 20, "start-up")
        for user_id in USERS:
            fake.send_text(user_id, "/start")
        _wait(lambda: len(fake.sent()) >= 10, 20, "the first answers")
        process.kill()
        process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert _integrity(db_path) == "ok"
    with sqlite3.connect(db_path) as conn:
        seqs = {int(k.split(":")[-1]): json.loads(d)["seq"] for k, d in conn.execute("SELECT key, data FROM sessions")}
    recorded = set(seqs)
    before = {u: _answered(fake, u) for u in USERS}
    menu = {"message_id": 1, "date": 0, "text": MENU, "from": BOT_USER}
    for user_id in USERS:
        # the first button of the recorded menu (its question number is in the saved session, whether or not the
        # reply went out before the kill); with nothing recorded the press is stale and must still be answered
        data = f"{seqs[user_id]}:0" if user_id in seqs else "1:0"
        fake.press(user_id, {**menu, "chat": fake.chat(user_id)}, data)
    process = _start(fake, db_path)
    try:
        _wait(lambda: all(_answered(fake, u) > before[u] for u in USERS), 30, "an answer for everyone")
        _wait(
            lambda: all(fake.sent(u)[-1]["text"] == ICLOUD_MENU for u in recorded),
            30,
            "the recorded conversations go on",
        )
        time.sleep(0.3)
        _stop(process, signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
    assert len(recorded) >= 10
    for user_id in set(USERS) - recorded:
        assert "reply_markup" in fake.sent(user_id)[-1]  # the menu again
    assert _integrity(db_path) == "ok"
